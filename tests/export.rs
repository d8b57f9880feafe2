//! Any AWS profile, exported (contract part 3): IAM Identity Center (SSO)
//! profiles through a stand-in portal that botocore (the AWS CLI's library)
//! reads first, `credential_process` profiles, role profiles with and
//! without MFA (AssumeRole recorded by moto), through `env`, `exec`,
//! `credential-process` and `status`; the plain session path stays offline.

mod common;

use common::*;
use predicates::prelude::*;

const CONFIG: &str = "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\n\
    sso_role_name = ReadOnly\nregion = us-east-1\n\n\
    [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n\
    [profile legacy]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\n\
    sso_account_id = 444455556666\nsso_role_name = Admin\n\n\
    [profile denied]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Denied\n";

/// The SHA-1 (hex) botocore names the cache file after.
fn sha1_hex(text: &str) -> String {
    let out = std::process::Command::new(peer("python3").unwrap())
        .args([
            "-c",
            "import hashlib, sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            text,
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Writes the cached token `aws sso login` would leave for `key`.
fn cache_token(env: &TestEnv, key: &str, token: &str, expires: &str, refreshable: bool) {
    let dir = env.home().join(".aws").join("sso").join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    let mut doc = serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": token,
        "expiresAt": expires,
    });
    if refreshable {
        doc["clientId"] = "client-1".into();
        doc["clientSecret"] = "secret-1".into();
        doc["refreshToken"] = "refresh-1".into();
        doc["registrationExpiresAt"] = "2999-01-01T00:00:00Z".into();
    }
    std::fs::write(dir.join(format!("{}.json", sha1_hex(key))), doc.to_string()).unwrap();
}

fn sso_env(portal: &Portal) -> TestEnv {
    let env = TestEnv::new()
        .var("AWS_ENDPOINT_URL_SSO", &portal.url())
        .var("AWS_ENDPOINT_URL_SSO_OIDC", &portal.url());
    env.write_config(CONFIG);
    env
}

/// What botocore resolves for `profile`: access key, secret, token.
fn botocore_credentials(env: &TestEnv, profile: &str) -> [String; 3] {
    let python = peer("python3").unwrap();
    let script = "import botocore.session, sys\n\
        c = botocore.session.Session(profile=sys.argv[1]).get_credentials().get_frozen_credentials()\n\
        print(c.access_key); print(c.secret_key); print(c.token)";
    let out = env
        .program(&python, &["-c", script, profile])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().map(str::to_owned);
    [(); 3].map(|_| lines.next().unwrap())
}

fn exported(env: &TestEnv, profile: &str) -> String {
    let out = env
        .awsmfa(&["env", "--profile", profile, "--shell", "sh"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sso_profiles_export_what_botocore_resolves() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "corp", "token-1", "2999-01-01T00:00:00Z", true);
    cache_token(
        &env,
        "https://old.awsapps.com/start",
        "token-1",
        "2999-01-01T00:00:00Z",
        false,
    );
    for profile in ["sso", "legacy"] {
        let [key, secret, token] = botocore_credentials(&env, profile);
        let out = exported(&env, profile);
        assert!(
            out.contains(&format!("export AWS_ACCESS_KEY_ID='{key}'")),
            "{out}"
        );
        assert!(
            out.contains(&format!("export AWS_SECRET_ACCESS_KEY='{secret}'")),
            "{out}"
        );
        assert!(
            out.contains(&format!("export AWS_SESSION_TOKEN='{token}'")),
            "{out}"
        );
        assert!(out.contains("export AWS_CREDENTIAL_EXPIRATION="), "{out}");
        assert!(!out.contains("token-1"), "the bearer token leaked: {out}");
    }
    // The same through credential-process, exec and status.
    let out = env
        .awsmfa(&["credential-process", "--profile", "sso"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["AccessKeyId"], "ASIASSOFAKE3333");
    env.awsmfa(&[
        "exec",
        "--profile",
        "sso",
        "--",
        "sh",
        "-c",
        "echo $AWS_ACCESS_KEY_ID",
    ])
    .assert()
    .success()
    .stdout("ASIASSOFAKE3333\n");
    env.awsmfa(&["status", "--target", "sso"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("sso: valid until"));
    let requests = portal.requests();
    assert!(
        requests
            .iter()
            .all(|(_, _, bearer)| bearer.as_deref() == Some("token-1"))
    );
}

#[test]
fn an_expired_sso_token_is_refreshed_and_the_cache_written_back() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "corp", "token-0", "2020-01-01T00:00:00Z", true);
    let out = exported(&env, "sso");
    assert!(out.contains("ASIASSOFAKE3333"), "{out}");
    let requests = portal.requests();
    assert_eq!(requests[0].0, "POST", "{requests:?}");
    assert_eq!(requests[1].2.as_deref(), Some("token-2"), "{requests:?}");
    let cache = env
        .home()
        .join(".aws/sso/cache")
        .join(format!("{}.json", sha1_hex("corp")));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(doc["accessToken"], "token-2");
    assert_eq!(doc["refreshToken"], "refresh-2");
    // botocore reads the refreshed cache as it is: no new refresh.
    let [key, ..] = botocore_credentials(&env, "sso");
    assert_eq!(key, "ASIASSOFAKE3333");
    assert_eq!(
        portal.requests().iter().filter(|r| r.0 == "POST").count(),
        1
    );
    for text in [
        out.as_str(),
        &std::fs::read_to_string(portal.log.path()).unwrap(),
    ] {
        assert!(!text.contains("secret-1"), "{text}");
    }
}

#[test]
fn signed_out_sso_profiles_are_exit_3_with_the_login_hint() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    // No cached token at all.
    env.awsmfa(&["env", "--profile", "sso"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(
            "awsmfa sso login --sso-session corp",
        ));
    env.awsmfa(&["env", "--profile", "legacy"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "awsmfa sso login --profile legacy",
        ));
    // Expired and not refreshable; expired with a refresh the portal refuses.
    cache_token(&env, "corp", "token-0", "2020-01-01T00:00:00Z", false);
    env.awsmfa(&["status", "--profile", "sso"]).assert().code(3);
    // A token the portal no longer accepts.
    cache_token(&env, "corp", "revoked", "2999-01-01T00:00:00Z", false);
    let out = env.awsmfa(&["env", "--profile", "sso"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("revoked"));
    // A role the portal refuses: a failure, not a sign-in problem.
    cache_token(&env, "corp", "token-1", "2999-01-01T00:00:00Z", false);
    env.awsmfa(&["env", "--profile", "denied"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ForbiddenException"));
    // None of this ever showed a token.
    assert!(portal.requests().len() >= 2);
}

#[test]
fn the_plain_session_path_makes_no_request() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "corp", "token-1", "2999-01-01T00:00:00Z", true);
    env.write_credentials(
        "[mfa]\naws_access_key_id = ASIAFAKE\naws_secret_access_key = s\n\
         aws_session_token = t\nexpiration = 2999-01-01T00:00:00Z\n",
    );
    for args in [
        &["env"][..],
        &["status"],
        &["prompt"],
        &["credential-process"],
    ] {
        env.awsmfa(args).assert().success();
    }
    // prompt never touches the network, even for an SSO profile.
    env.awsmfa(&["prompt", "--target", "sso"])
        .assert()
        .stdout("");
    assert!(portal.requests().is_empty(), "{:?}", portal.requests());
}

#[cfg(unix)]
#[test]
fn credential_process_profiles_export_what_they_print() {
    let env = TestEnv::new();
    let script = env.home().join("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROCESS\", \"SecretAccessKey\": \"procsecret\", \
         \"SessionToken\": \"proctoken\", \"Expiration\": \"2999-01-01T00:00:00Z\"}'\n",
    )
    .unwrap();
    let keys_only = env.home().join("keys.sh");
    std::fs::write(
        &keys_only,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESS\", \"SecretAccessKey\": \"procsecret\"}'\n",
    )
    .unwrap();
    for s in [&script, &keys_only] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(s, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    env.write_config(&format!(
        "[profile proc]\ncredential_process = {}\n\n[profile keys]\ncredential_process = {}\n\n\
         [profile loop]\ncredential_process = {} credential-process --profile loop\n\n\
         [profile failing]\ncredential_process = sh -c 'exit 7'\n",
        script.display(),
        keys_only.display(),
        env!("CARGO_BIN_EXE_awsmfa")
    ));
    let [key, secret, token] = botocore_credentials(&env, "proc");
    let out = exported(&env, "proc");
    assert!(out.contains(&format!("AWS_ACCESS_KEY_ID='{key}'")), "{out}");
    assert!(
        out.contains(&format!("AWS_SECRET_ACCESS_KEY='{secret}'")),
        "{out}"
    );
    assert!(
        out.contains(&format!("AWS_SESSION_TOKEN='{token}'")),
        "{out}"
    );
    assert!(
        out.contains("AWS_CREDENTIAL_EXPIRATION='2999-01-01T00:00:00Z'"),
        "{out}"
    );

    // Keys without a token or an expiration: an inherited token is removed.
    let out = exported(&env, "keys");
    assert!(out.contains("AWS_ACCESS_KEY_ID='AKIAPROCESS'"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("unset ") && l.contains(" AWS_SESSION_TOKEN")),
        "{out}"
    );
    env.awsmfa(&["status", "--profile", "keys"])
        .assert()
        .success()
        .stdout("keys: valid (expiration unknown)\n");

    // A process that runs awsmfa for the same profile is a loop, refused at once.
    env.awsmfa(&["env", "--profile", "loop"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("a loop"));
    env.awsmfa(&["env", "--profile", "failing"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("exit code 7"));
}

#[test]
fn role_profiles_without_mfa_are_assumed_with_their_source() {
    let Some(moto) = Moto::start() else { return };
    // No device anywhere down viewer's chain: [default] holds only keys.
    let env = TestEnv::new().var("AWS_ENDPOINT_URL", &moto.url());
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    env.write_config(
        "[profile viewer]\nrole_arn = arn:aws:iam::123456789012:role/viewer\nsource_profile = default\n\
         role_session_name = me\n\n\
         [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\n\
         mfa_serial = arn:aws:iam::123456789012:mfa/tester\n",
    );
    let out = exported(&env, "viewer");
    assert!(out.contains("AWS_SESSION_TOKEN="), "{out}");
    let roles: Vec<_> = moto
        .requests()
        .into_iter()
        .filter(|r| r.param("Action").as_deref() == Some("AssumeRole"))
        .collect();
    assert_eq!(roles.len(), 1);
    assert_eq!(
        roles[0].param("RoleArn").as_deref(),
        Some("arn:aws:iam::123456789012:role/viewer")
    );
    assert_eq!(roles[0].param("RoleSessionName").as_deref(), Some("me"));
    assert!(
        roles[0].authorization.contains(ACCESS_KEY_ID),
        "signed with the source's keys"
    );
    assert!(moto.session_token_requests().is_empty());

    // A role that needs MFA: only its awsmfa session, else exit 3 with the hint.
    env.awsmfa(&["env", "--target", "admin"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("awsmfa login --profile admin"));
    env.login(&moto.url(), &["--profile", "admin"]);
    let before = moto.requests().len();
    env.awsmfa(&["env", "--target", "admin"])
        .assert()
        .success()
        .stdout(predicate::str::contains("AWS_SESSION_TOKEN="));
    assert_eq!(
        moto.requests().len(),
        before,
        "read from [admin-mfa], offline"
    );
}

#[test]
fn status_all_lists_other_kinds_after_the_sessions() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    cache_token(&env, "corp", "token-1", "2999-01-01T00:00:00Z", false);
    env.write_credentials(
        "[mfa]\naws_access_key_id = ASIAFAKE\naws_secret_access_key = s\n\
         aws_session_token = t\nexpiration = 2999-01-01T00:00:00Z\n",
    );
    let out = env.awsmfa(&["status", "--all"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(rows, ["mfa", "sso"], "{table}");
    assert!(table.contains("sso ") && table.contains("valid"), "{table}");
    // The profiles that cannot be resolved are named on stderr, not listed.
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("profile legacy") && stderr.contains("profile denied"),
        "{stderr}"
    );
}

/// Found by an independent attack on this command set.
#[cfg(unix)]
mod attacked {
    use super::*;

    fn script(env: &TestEnv, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = env.home().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    #[test]
    fn an_expired_or_unreadable_process_result_is_no_session() {
        let env = TestEnv::new();
        let expired = script(
            &env,
            "expired.sh",
            r#"echo '{"Version": 1, "AccessKeyId": "ASIAOLD", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2020-01-01T00:00:00Z"}'"#,
        );
        let numeric = script(
            &env,
            "numeric.sh",
            r#"echo '{"Version": 1, "AccessKeyId": "ASIAOLD", "SecretAccessKey": "s", "Expiration": 1577836800}'"#,
        );
        env.write_config(&format!(
            "[profile old]\ncredential_process = {expired}\n[profile num]\ncredential_process = {numeric}\n\
             [profile viewer]\nrole_arn = arn:aws:iam::123456789012:role/v\nsource_profile = old\n"
        ));
        for args in [
            &["env", "--profile", "old"][..],
            &["credential-process", "--profile", "old"],
            &["exec", "--profile", "old", "--", "true"],
            &["env", "--profile", "viewer"],
        ] {
            env.awsmfa(args)
                .assert()
                .code(3)
                .stdout("")
                .stderr(predicate::str::contains("expired"));
        }
        env.awsmfa(&["env", "--profile", "num"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("Expiration that is not a string"));
    }

    #[test]
    fn a_process_printing_without_end_is_stopped() {
        let env = TestEnv::new();
        env.write_config("[profile noisy]\ncredential_process = yes\n");
        let started = std::time::Instant::now();
        env.awsmfa(&["env", "--profile", "noisy"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("printed more than"));
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn an_sso_cache_that_is_a_fifo_is_no_sign_in_at_once() {
        let Some(portal) = Portal::start(&[]) else {
            return;
        };
        let env = sso_env(&portal);
        let dir = env.home().join(".aws/sso/cache");
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join(format!("{}.json", sha1_hex("corp")));
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let started = std::time::Instant::now();
        env.awsmfa(&["env", "--profile", "sso"])
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(3)
            .stderr(predicate::str::contains("awsmfa sso login"));
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn sso_cache_times_are_read_as_botocore_reads_them() {
        let Some(portal) = Portal::start(&[]) else {
            return;
        };
        let env = sso_env(&portal);
        for expires in [
            "2999-01-01T00:00:00+00:00",
            "2999-01-01T00:00:00UTC",
            "2999-01-01 00:00:00Z",
        ] {
            cache_token(&env, "corp", "token-1", expires, false);
            let [key, ..] = botocore_credentials(&env, "sso");
            let out = exported(&env, "sso");
            assert!(out.contains(&key), "{expires}: {out}");
        }
    }

    #[test]
    fn an_expired_token_is_never_sent_when_the_refresh_fails() {
        let Some(portal) = Portal::start(&[]) else {
            return;
        };
        let env = TestEnv::new()
            .var("AWS_ENDPOINT_URL_SSO", &portal.url())
            .var(
                "AWS_ENDPOINT_URL_SSO_OIDC",
                &format!("http://127.0.0.1:{}", free_port()),
            );
        env.write_config(CONFIG);
        cache_token(&env, "corp", "token-1", "2020-01-01T00:00:00Z", true);
        env.awsmfa(&["env", "--profile", "sso"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("could not reach SSO OIDC"));
        assert!(portal.requests().is_empty(), "{:?}", portal.requests());
    }

    #[test]
    fn a_source_with_keys_and_a_role_is_signed_with_its_keys() {
        let Some(moto) = Moto::start() else { return };
        let env = TestEnv::with_default_profile().var("AWS_ENDPOINT_URL", &moto.url());
        let mut creds = env.credentials();
        creds.push_str(
            "[ops]\naws_access_key_id = AKIAOPSKEYS000000000\naws_secret_access_key = s\n",
        );
        env.write_credentials(&creds);
        env.write_config(
            "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = default\n\
             [profile viewer]\nrole_arn = arn:aws:iam::123456789012:role/viewer\nsource_profile = ops\n\
             duration_seconds = 7200\n",
        );
        exported(&env, "viewer");
        let roles: Vec<_> = moto
            .requests()
            .into_iter()
            .filter(|r| r.param("Action").as_deref() == Some("AssumeRole"))
            .collect();
        assert_eq!(
            roles.len(),
            1,
            "botocore assumes viewer with ops's keys only"
        );
        assert!(roles[0].authorization.contains("AKIAOPSKEYS000000000"));
    }

    #[test]
    fn a_role_over_an_expired_session_is_no_session_without_a_request() {
        let Some(moto) = Moto::start() else { return };
        let env = TestEnv::new().var("AWS_ENDPOINT_URL", &moto.url());
        env.write_credentials(
            "[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = s\naws_session_token = t\n\
             expiration = 2020-01-01T00:00:00Z\n",
        );
        env.write_config(
            "[profile viewer]\nrole_arn = arn:aws:iam::123456789012:role/viewer\nsource_profile = mfa\n\
             [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = mfa\n\
             mfa_serial = arn:aws:iam::123456789012:mfa/me\n",
        );
        env.awsmfa(&["env", "--profile", "viewer"])
            .assert()
            .code(3)
            .stderr(predicate::str::contains("expired session"));
        assert!(moto.requests().is_empty());
        // status --all names the role that needs MFA and has no session.
        env.awsmfa(&["status", "--all"])
            .assert()
            .stderr(predicate::str::contains("profile admin needs MFA"));
    }
}
