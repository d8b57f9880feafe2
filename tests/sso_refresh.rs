//! SSO profiles when the cached sign-in needs a refresh, or the SSO servers
//! misbehave (contract part 3): concurrent exports refresh once (an OIDC
//! server may accept a refresh token only once), a refresh answer is checked
//! before anything is written to the cache every AWS tool shares, and a
//! server failure or an unreadable answer is exit 1 naming the service, its
//! status and what it said, while only a refused sign-in is exit 3. The
//! servers are tests/support/sso_portal.py in its various modes.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Stdio};

use common::*;

const CONFIG: &str = "[profile my-sso]\nsso_session = corp\nsso_account_id = 111122223333\n\
    sso_role_name = ReadOnly\nregion = us-east-1\n\n\
    [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n\
    [profile denied]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Denied\n";

const EXPIRED: &str = "2020-01-01T00:00:00Z";
const FAR: &str = "2999-01-01T00:00:00Z";
const LOGIN_HINT: &str = "run 'awsmfa sso login --sso-session corp' (or --profile my-sso)";

/// `~/.aws/sso/cache/`, where botocore and the SDKs keep SSO tokens.
fn cache_dir(env: &TestEnv) -> PathBuf {
    env.home().join(".aws").join("sso").join("cache")
}

/// The cache file of the session `corp`: the SHA-1 of its name, as botocore names it.
fn cache_path(env: &TestEnv) -> PathBuf {
    use sha1::{Digest, Sha1};
    let hex: String = Sha1::digest(b"corp")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    cache_dir(env).join(format!("{hex}.json"))
}

/// Writes the cached token `aws sso login` would leave for session `corp`,
/// with the refresh token `refresh` (and a valid client registration).
fn cache_token(env: &TestEnv, token: &str, expires: &str, refresh: Option<&str>) {
    std::fs::create_dir_all(cache_dir(env)).unwrap();
    let mut doc = serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": token,
        "expiresAt": expires,
    });
    if let Some(refresh) = refresh {
        doc["clientId"] = "client-1".into();
        doc["clientSecret"] = "secret-1".into();
        doc["refreshToken"] = refresh.into();
        doc["registrationExpiresAt"] = FAR.into();
    }
    std::fs::write(cache_path(env), doc.to_string()).unwrap();
}

fn cached(env: &TestEnv) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(cache_path(env)).unwrap()).unwrap()
}

/// Every file of the SSO cache directory and its bytes.
fn snapshot(env: &TestEnv) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(cache_dir(env))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A HOME whose SSO endpoints (portal and OIDC) are `portal`.
fn sso_env(portal: &Portal) -> TestEnv {
    let env = TestEnv::new()
        .var("AWS_ENDPOINT_URL_SSO", &portal.url())
        .var("AWS_ENDPOINT_URL_SSO_OIDC", &portal.url());
    env.write_config(CONFIG);
    env
}

/// `awsmfa env --profile PROFILE --shell sh`: (exit code, stdout, stderr).
fn export(env: &TestEnv, profile: &str) -> (i32, String, String) {
    let out = env
        .awsmfa(&["env", "--profile", profile, "--shell", "sh"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// No secret of the sign-in shows, and no hint line is empty.
fn assert_clean(stderr: &str) {
    for secret in ["token-0", "token-1", "token-2", "refresh-1", "secret-1"] {
        assert!(!stderr.contains(secret), "{secret} leaked: {stderr}");
    }
    for line in stderr.lines() {
        if let Some(hint) = line.strip_prefix("  hint:") {
            assert!(!hint.trim().is_empty(), "an empty hint: {stderr:?}");
        }
    }
}

#[test]
fn parallel_exports_refresh_an_expired_sign_in_once() {
    // Each refresh token works once; the refresh answers late, so that the
    // callers are all waiting for it at the same time.
    parallel_exports_refresh_once(&[]);
}

#[test]
fn parallel_exports_share_a_refreshed_token_shorter_than_the_refresh_window() {
    // A token for 10 minutes is never "fresh" (15 minutes left): the others
    // still use it rather than refresh again.
    parallel_exports_refresh_once(&["--token-answer", "short"]);
}

fn parallel_exports_refresh_once(flags: &[&str]) {
    let mut all = vec!["--rotate", "--token-delay", "0.5"];
    all.extend_from_slice(flags);
    let Some(portal) = Portal::start(&all) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "token-1", EXPIRED, Some("refresh-1"));
    let children: Vec<Child> = (0..10)
        .map(|_| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_awsmfa"));
            env.apply(&mut cmd);
            cmd.args(["env", "--profile", "my-sso", "--shell", "sh"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{out:?}");
        assert!(
            stdout.contains("export AWS_ACCESS_KEY_ID='ASIASSOFAKE3333'"),
            "{stdout}"
        );
    }
    assert_eq!(portal.token_requests(), 1, "{:?}", portal.requests());
    // Every caller used the token the one refresh wrote.
    let gets: Vec<_> = portal
        .requests()
        .into_iter()
        .filter(|r| r.0 == "GET")
        .collect();
    assert_eq!(gets.len(), 10, "{gets:?}");
    assert!(
        gets.iter().all(|r| r.2.as_deref() == Some("token-2")),
        "{gets:?}"
    );
    let doc = cached(&env);
    assert_eq!(doc["accessToken"], "token-2");
    assert_eq!(doc["refreshToken"], "refresh-2");
    // The lock lives outside the directory botocore reads; nothing is left there.
    let names: Vec<_> = snapshot(&env).into_keys().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_bad_refresh_answer_is_exit_1_and_writes_nothing() {
    for (kind, fault) in [
        (
            "linebreak",
            "an unusable (a control character, a space or a non-ASCII character in it) access token",
        ),
        (
            "refresh-linebreak",
            "an unusable (a control character, a space or a non-ASCII character in it) refresh token",
        ),
        ("empty-token", "no access token"),
        ("no-expiry", "no expiry (expiresIn)"),
        (
            "negative-expiry",
            "an expiresIn of -5 seconds (it must be between 1 and 7776000)",
        ),
    ] {
        let Some(bad) = Portal::start(&["--token-answer", kind]) else {
            return;
        };
        let env = sso_env(&bad);
        cache_token(&env, "token-0", EXPIRED, Some("refresh-1"));
        let before = snapshot(&env);
        let (code, stdout, stderr) = export(&env, "my-sso");
        assert_eq!(code, 1, "{kind}: {stderr}");
        assert_eq!(stdout, "", "{kind}");
        assert_eq!(
            stderr,
            format!(
                "awsmfa: error: SSO OIDC at {} answered the refresh of the SSO sign-in of \
                 profile my-sso with {fault}\n  hint: the cached sign-in was left as it was; \
                 try again in a moment, and if this persists, {LOGIN_HINT}\n",
                bad.url()
            ),
            "{kind}"
        );
        assert_clean(&stderr);
        assert_eq!(snapshot(&env), before, "{kind}: the cache was changed");
        assert_eq!(bad.token_requests(), 1, "{kind}");
        assert!(
            bad.requests().iter().all(|r| r.0 != "GET"),
            "{kind}: a token was sent to the portal: {:?}",
            bad.requests()
        );
        // The sign-in still works once the server answers well.
        let Some(good) = Portal::start(&[]) else {
            return;
        };
        let env = env
            .var("AWS_ENDPOINT_URL_SSO", &good.url())
            .var("AWS_ENDPOINT_URL_SSO_OIDC", &good.url());
        let (code, stdout, stderr) = export(&env, "my-sso");
        assert_eq!(code, 0, "{kind}: {stderr}");
        assert!(stdout.contains("ASIASSOFAKE3333"), "{kind}: {stdout}");
        assert_eq!(cached(&env)["accessToken"], "token-2", "{kind}");
    }
}

#[test]
fn oidc_failures_are_exit_1_and_only_a_refused_sign_in_is_exit_3() {
    // A server failure: its status, code and message, and a hint to retry.
    let Some(portal) = Portal::start(&["--token-answer", "500"]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "token-0", EXPIRED, Some("refresh-1"));
    let before = snapshot(&env);
    let (code, stdout, stderr) = export(&env, "my-sso");
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "awsmfa: error: SSO OIDC at {} failed to refresh the SSO sign-in of profile my-sso: \
             HTTP 500 InternalServerException: OIDC backend unavailable\n  hint: a failure of \
             SSO OIDC, not of the sign-in: try again in a moment; the cached sign-in was left \
             as it was\n",
            portal.url()
        )
    );
    assert_clean(&stderr);
    assert_eq!(snapshot(&env), before);

    // An answer that is not JSON.
    let Some(portal) = Portal::start(&["--token-answer", "not-json"]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "token-0", EXPIRED, Some("refresh-1"));
    let before = snapshot(&env);
    let (code, _, stderr) = export(&env, "my-sso");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "awsmfa: error: SSO OIDC at {url} answered the refresh of the SSO sign-in of profile \
             my-sso with an answer that cannot be read: HTTP 200, not JSON: <html>Sign in</html>\n  \
             hint: check that {url} is SSO OIDC (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, \
             sso_region, a proxy); the cached sign-in was left as it was\n",
            url = portal.url()
        )
    );
    assert_clean(&stderr);
    assert_eq!(snapshot(&env), before);

    // A refresh token or a sign-in OIDC refuses: sign in again (exit 3).
    let Some(portal) = Portal::start(&["--token-answer", "expired-token"]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "token-0", EXPIRED, Some("refresh-1"));
    let (code, _, stderr) = export(&env, "my-sso");
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "awsmfa: error: the SSO sign-in could not be refreshed: SSO OIDC said \
             ExpiredTokenException\n  hint: {LOGIN_HINT}\n"
        )
    );
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "token-0", EXPIRED, Some("refresh-spent"));
    let (code, _, stderr) = export(&env, "my-sso");
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("SSO OIDC said InvalidGrantException"),
        "{stderr}"
    );
    assert!(stderr.contains(LOGIN_HINT), "{stderr}");
    assert!(!stderr.contains("refresh-spent"), "{stderr}");
}

#[test]
fn portal_failures_are_exit_1_naming_the_portal_and_what_it_said() {
    let role = "role ReadOnly in account 111122223333 for profile my-sso";
    for (kind, says, hint) in [
        (
            "500",
            format!(
                "failed to give the credentials of {role}: HTTP 500: Portal backend unavailable"
            ),
            "a failure of the SSO portal, not of the sign-in: try again in a moment".to_owned(),
        ),
        (
            "502-html",
            format!(
                "failed to give the credentials of {role}: HTTP 502, not JSON: \
                 <html><body>Bad Gateway</body></html>"
            ),
            "a failure of the SSO portal, not of the sign-in: try again in a moment".to_owned(),
        ),
        (
            "not-json",
            format!(
                "gave an answer that cannot be read for {role}: HTTP 200, not JSON: \
                 <html>Sign in</html>"
            ),
            "check that <portal> is the SSO portal (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, \
             sso_region, a proxy)"
                .to_owned(),
        ),
    ] {
        let Some(portal) = Portal::start(&["--role-answer", kind]) else {
            return;
        };
        let env = sso_env(&portal);
        cache_token(&env, "token-1", FAR, None);
        let (code, stdout, stderr) = export(&env, "my-sso");
        assert_eq!((code, stdout.as_str()), (1, ""), "{kind}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "awsmfa: error: the SSO portal at {url} {says}\n  hint: {}\n",
                hint.replace("<portal>", &portal.url()),
                url = portal.url()
            ),
            "{kind}"
        );
        assert_clean(&stderr);
    }

    // A role the portal refuses: its code and message, and what to check.
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "token-1", FAR, None);
    let (code, _, stderr) = export(&env, "denied");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr,
        "awsmfa: error: the SSO portal refused role Denied in account 111122223333 for profile \
         denied: HTTP 403 ForbiddenException: No access\n  hint: check that the sign-in may use \
         role Denied in account 111122223333 (sso_role_name and sso_account_id of profile \
         denied)\n"
    );
    // Only a token the portal no longer accepts means signing in again.
    cache_token(&env, "revoked", FAR, None);
    let (code, _, stderr) = export(&env, "my-sso");
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "awsmfa: error: the SSO portal no longer accepts the sign-in of profile my-sso\n  \
             hint: {LOGIN_HINT}\n"
        )
    );
    assert!(!stderr.contains("revoked"));
}

#[test]
fn role_credentials_without_an_expiration_say_so() {
    let Some(portal) = Portal::start(&["--role-answer", "no-expiration"]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "token-1", FAR, None);
    for args in [
        &["env", "--profile", "my-sso"][..],
        &["credential-process", "--profile", "my-sso"],
    ] {
        let out = env.awsmfa(args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(
            stderr,
            "awsmfa: error: the SSO portal's answer for profile my-sso holds no expiration\n  \
             hint: a fault of the SSO portal (or of a proxy on the way): try again in a moment\n"
        );
    }
}
