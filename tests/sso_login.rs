//! `awsmfa sso login`, `sso logout` and `--login` for SSO profiles, against
//! the SSO stand-in (checked with the real boto3 clients in standin.rs): the
//! authorization code grant completed by a real browser (headless
//! Chromium), the device grant on a real pseudo-terminal, every failure path
//! with nothing written, one sign-in for many callers, and the cache read
//! and refreshed by botocore's own token code.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use predicates::prelude::*;

const CONFIG: &str = "[profile my-sso]\nsso_session = corp\nsso_account_id = 111111111111\n\
     sso_role_name = ReadOnly\nregion = eu-west-1\n\n\
     [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\
     sso_registration_scopes = sso:account:access\n\n\
     [profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-1\n\
     sso_account_id = 222222222222\nsso_role_name = Admin\n";

/// sha1("corp"): the token file of the `corp` session, as the AWS CLI names it.
const CORP_TOKEN: &str = "ee0bfd2552fbd840c02cc48b6e823320543c450f.json";

fn sso_env(portal: &Portal) -> TestEnv {
    let env = TestEnv::new()
        .var("AWS_ENDPOINT_URL_SSO", &portal.url())
        .var("AWS_ENDPOINT_URL_SSO_OIDC", &portal.url());
    env.write_config(CONFIG);
    env
}

/// The same environment with headless Chromium as `$BROWSER`.
fn with_browser(env: TestEnv) -> TestEnv {
    peer("chromium").expect("chromium (scripts/peers.sh installs it)");
    env.var(
        "BROWSER",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/browser.sh"),
    )
}

fn cache_dir(env: &TestEnv) -> PathBuf {
    env.home().join(".aws/sso/cache")
}

/// The files of the SSO cache directory, by name.
fn cache_files(env: &TestEnv) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(cache_dir(env))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sha1_hex(text: &str) -> String {
    let python = peer("python3").unwrap();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            text,
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// What botocore resolves for `profile` from the cache: the access key.
fn botocore_key(env: &TestEnv, profile: &str) -> std::process::Output {
    let python = python_with(&["botocore"]).unwrap();
    let script = "import botocore.session, sys\n\
        c = botocore.session.Session(profile=sys.argv[1]).get_credentials().get_frozen_credentials()\n\
        print(c.access_key)";
    env.program(&python, &["-c", script, profile])
        .output()
        .unwrap()
}

fn assert_no_secret(texts: &[&[u8]]) {
    for text in texts {
        let text = String::from_utf8_lossy(text);
        // The stand-in's tokens, refresh tokens, client secrets, device
        // codes and authorization codes: token-1, secret-2, code-3, ...
        for secret in ["token-", "refresh-", "secret-", "device-", "code-"] {
            let shown = text
                .match_indices(secret)
                .any(|(i, _)| text[i + secret.len()..].starts_with(|c: char| c.is_ascii_digit()));
            assert!(!shown, "{secret}N shown in: {text}");
        }
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_token_file_name_is_the_sha1_of_the_session_name() {
    assert_eq!(format!("{}.json", sha1_hex("corp")), CORP_TOKEN);
}

#[test]
fn a_real_browser_signs_in_by_the_authorization_code_grant() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = with_browser(sso_env(&portal));
    let out = env
        .awsmfa(&["sso", "login", "--profile", "my-sso"])
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty(), "stdout is never used");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("signed in to https://corp.awsapps.com/start until"),
        "{stderr}"
    );
    assert!(stderr.contains("/authorize?response_type=code"), "{stderr}");
    assert_no_secret(&[&out.stdout, &out.stderr]);

    // The authorize request as the AWS CLI v2 sends it, and the code redeemed
    // with its verifier (the stand-in checks the S256 challenge).
    let authorize = portal.requests_to("GET", "/authorize");
    assert_eq!(authorize.len(), 1);
    let query = authorize[0]["path"].as_str().unwrap();
    assert!(query.contains("code_challenge_method=S256"), "{query}");
    assert!(
        query.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{query}"
    );
    let register = portal.requests_to("POST", "/client/register");
    assert_eq!(register.len(), 1);
    assert_eq!(
        register[0]["body"]["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        register[0]["body"]["redirectUris"],
        serde_json::json!(["http://127.0.0.1/oauth/callback"])
    );
    let tokens = portal.requests_to("POST", "/token");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["body"]["grantType"], "authorization_code");
    assert!(tokens[0]["body"]["codeVerifier"].as_str().unwrap().len() == 64);

    // The token file, as the AWS CLI v2 writes it: its keys in its order.
    let path = cache_dir(&env).join(CORP_TOKEN);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"us-east-1\", \"accessToken\": \"token-"),
        "{text}"
    );
    let doc = read_json(&path);
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "accessToken",
        "clientId",
        "clientSecret",
        "expiresAt",
        "refreshToken",
        "region",
        "registrationExpiresAt",
        "startUrl",
    ];
    expected.sort();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    let expires = doc["expiresAt"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() == 20, "{expires}");
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    // The registration under the AWS CLI's name, and nothing else.
    let registration = format!(
        "{}.json",
        sha1_hex(
            "{\"region\": \"us-east-1\", \"scopes\": [\"sso:account:access\"], \"session_name\": \"corp\", \"startUrl\": \"https://corp.awsapps.com/start\", \"tool\": \"botocore\"}"
        )
    );
    let mut files = vec![CORP_TOKEN.to_owned(), registration.clone()];
    files.sort();
    assert_eq!(cache_files(&env), files);
    let reg = read_json(&cache_dir(&env).join(&registration));
    assert_eq!(
        reg["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );

    // botocore uses awsmfa's sign-in for the profile's role credentials.
    let out = botocore_key(&env, "my-sso");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ASIA"));

    // Still signed in: no request, no browser.
    let before = portal.entries().len();
    env.awsmfa(&["sso", "login", "--profile", "my-sso"])
        .assert()
        .success()
        .stderr(predicate::str::contains("still signed in"));
    assert_eq!(portal.entries().len(), before);
}

#[test]
fn botocore_refreshes_the_token_awsmfa_cached() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = with_browser(sso_env(&portal));
    env.awsmfa(&["sso", "login", "--sso-session", "corp"])
        .timeout(Duration::from_secs(90))
        .assert()
        .success();
    let path = cache_dir(&env).join(CORP_TOKEN);
    let mut doc = read_json(&path);
    let refresh = doc["refreshToken"].as_str().unwrap().to_owned();
    doc["expiresAt"] = "2001-01-01T00:00:00Z".into();
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = botocore_key(&env, "my-sso");
    assert!(out.status.success(), "{out:?}");
    let refreshes: Vec<_> = portal
        .requests_to("POST", "/token")
        .into_iter()
        .filter(|r| r["body"]["grantType"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1);
    assert_eq!(refreshes[0]["body"]["refreshToken"], refresh.as_str());
    // And awsmfa reads botocore's refreshed cache.
    let before = portal.token_requests();
    env.awsmfa(&["env", "-p", "my-sso"]).assert().success();
    assert_eq!(portal.token_requests(), before);
}

#[test]
fn the_device_grant_polls_as_rfc_8628_says() {
    let Some(portal) = Portal::start(&[
        "--device-mode",
        "slow-down",
        "--slow-downs",
        "1",
        "--approve-after",
        "1",
        "--device-interval",
        "1",
    ]) else {
        return;
    };
    // A browser that opens nothing: the code is confirmed by the stand-in.
    let env = sso_env(&portal).var("BROWSER", "true");
    let out = env
        .awsmfa(&["sso", "login", "-p", "legacy"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ABCD-000"),
        "the user code is shown: {stderr}"
    );
    assert!(stderr.contains("/device"), "{stderr}");
    let polls = portal.times("POST", "/token");
    assert_eq!(polls.len(), 2, "{polls:?}");
    // slow_down: the next poll comes 5 seconds later than the interval.
    assert!(polls[1] - polls[0] >= 5.9, "{polls:?}");
    // A legacy sign-in: no scopes, no grant types, as the AWS CLI.
    let register = portal.requests_to("POST", "/client/register");
    assert!(register[0]["body"].get("grantTypes").is_none());
    let token = cache_dir(&env).join(format!(
        "{}.json",
        sha1_hex("https://legacy.awsapps.com/start")
    ));
    assert!(read_json(&token)["accessToken"].as_str().is_some());
}

#[cfg(unix)]
#[test]
fn the_device_grant_shows_its_code_on_the_terminal() {
    let Some(portal) = Portal::start(&["--approve-after", "1", "--device-interval", "1"]) else {
        return;
    };
    let env = sso_env(&portal);
    let python = peer("python3").unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pty_run.py");
    // On a pseudo-terminal, with stdout and stderr as pipes: the code is
    // seen on the terminal itself, and stdout stays empty.
    let out = env
        .program(
            &python,
            &[
                script,
                "wait=ABCD-0001",
                "--",
                env!("CARGO_BIN_EXE_awsmfa"),
                "sso",
                "login",
                "--sso-session",
                "corp",
                "--use-device-code",
            ],
        )
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["exit"], 0, "{report}");
    let screen = report["screen"].as_str().unwrap();
    assert!(screen.contains("ABCD-0001"), "{report}");
    assert!(screen.contains("/device"), "{report}");
    assert_eq!(report["stdout"], "", "{report}");
    assert!(
        !report["stderr"].as_str().unwrap().contains("ABCD-0001"),
        "{report}"
    );
    assert_no_secret(&[screen.as_bytes()]);
}

#[test]
fn failures_write_nothing() {
    // (stand-in flags, awsmfa arguments, exit code, what stderr says)
    let cases: [(&[&str], &[&str], i32, &str); 5] = [
        (
            &["--authorize-mode", "bad-state"],
            &["sso", "login", "-p", "my-sso"],
            1,
            "state does not match",
        ),
        (
            &["--authorize-mode", "deny"],
            &["sso", "login", "-p", "my-sso"],
            1,
            "access_denied",
        ),
        (
            &["--device-mode", "deny", "--device-interval", "1"],
            &["sso", "login", "-p", "my-sso", "--use-device-code"],
            1,
            "refused",
        ),
        (
            &["--device-mode", "expire", "--device-interval", "1"],
            &["sso", "login", "-p", "my-sso", "--use-device-code"],
            3,
            "expired",
        ),
        (
            &["--authorize-mode", "never"],
            &["sso", "login", "-p", "my-sso"],
            3,
            "no answer from the browser",
        ),
    ];
    for (flags, args, code, says) in cases {
        let Some(portal) = Portal::start(flags) else {
            return;
        };
        let env = with_browser(sso_env(&portal)).var("AWSMFA_TEST_SSO_WAIT_MS", "8000");
        let out = env
            .awsmfa(args)
            .timeout(Duration::from_secs(90))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{flags:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
        assert!(out.stdout.is_empty());
        assert_no_secret(&[&out.stderr]);
        assert_eq!(cache_files(&env), Vec::<String>::new(), "{flags:?}");
    }
}

#[test]
fn no_terminal_and_no_browser_is_an_error_at_once() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    let started = Instant::now();
    // No $BROWSER, no display, no terminal (stdin, stderr and /dev/tty are
    // not one under the test runner's setsid child): exit 2, and for the
    // --login forms exit 3.
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new("setsid");
        cmd.arg("-w")
            .arg(assert_cmd::cargo::cargo_bin("awsmfa"))
            .args(args);
        env.apply(&mut cmd);
        cmd.stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap()
    };
    let out = run(&["sso", "login", "-p", "my-sso"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no terminal"));
    let out = run(&["env", "--login", "-p", "my-sso"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(portal.entries().is_empty(), "no request");
    assert_eq!(cache_files(&env), Vec::<String>::new());
}

#[test]
fn parallel_callers_sign_in_once() {
    let Some(portal) = Portal::start(&["--approve-after", "2", "--device-interval", "1"]) else {
        return;
    };
    let env = sso_env(&portal).var("BROWSER", "true");
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("awsmfa"));
            cmd.args(["credential-process", "--login", "-p", "legacy"]);
            env.apply(&mut cmd);
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    }
    assert_eq!(portal.requests_to("POST", "/device_authorization").len(), 1);
    assert_eq!(portal.requests_to("POST", "/client/register").len(), 1);
}

#[test]
fn without_login_a_missing_sign_in_names_awsmfa_sso_login() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    env.awsmfa(&["env", "-p", "my-sso"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "awsmfa sso login --sso-session corp",
        ));
    env.awsmfa(&["sso", "login", "-p", "nothing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("awsmfa configure sso"));
}

#[test]
fn logout_signs_out_and_removes_what_was_cached_from_the_sign_in() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = with_browser(sso_env(&portal));
    env.awsmfa(&["sso", "login", "-p", "my-sso"])
        .timeout(Duration::from_secs(90))
        .assert()
        .success();
    let token = read_json(&cache_dir(&env).join(CORP_TOKEN))["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // Role credentials the AWS CLI cached from the sign-in, and one of a role profile.
    let cli_cache = env.home().join(".aws/cli/cache");
    std::fs::create_dir_all(&cli_cache).unwrap();
    std::fs::write(
        cli_cache.join("a.json"),
        r#"{"ProviderType": "sso", "Credentials": {}}"#,
    )
    .unwrap();
    std::fs::write(cli_cache.join("b.json"), r#"{"Credentials": {}}"#).unwrap();
    let out = env.awsmfa(&["sso", "logout"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_no_secret(&[&out.stdout, &out.stderr]);
    let logouts = portal.requests_to("POST", "/logout");
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0]["bearer"], token.as_str());
    let files = cache_files(&env);
    assert_eq!(files.len(), 1, "the registration stays: {files:?}");
    assert!(!cli_cache.join("a.json").exists());
    assert!(cli_cache.join("b.json").exists());
    env.awsmfa(&["sso", "logout"])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing to do"));
}

#[cfg(unix)]
#[test]
fn a_link_planted_at_the_sign_in_lock_stops_it() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    let sso = env.home().join(".aws/sso");
    std::fs::create_dir_all(&sso).unwrap();
    let victim = env.home().join("victim");
    std::os::unix::fs::symlink(&victim, sso.join(format!(".{CORP_TOKEN}.awsmfa-lock"))).unwrap();
    env.awsmfa(&["sso", "login", "-p", "my-sso", "--use-device-code"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a regular file"));
    assert!(!victim.exists());
    assert!(portal.entries().is_empty(), "no request");
}
