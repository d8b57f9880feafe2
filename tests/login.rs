//! `awsmfa login` end to end against a real moto_server, read back by the real AWS CLI.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn login_writes_a_session_that_the_aws_cli_uses() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = peer("aws") else { return };
    let env = TestEnv::with_default_profile();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("session saved to profile mfa"));

    // botocore reads exactly what moto issued.
    assert_eq!(
        aws_configure_get(&env, &aws, "aws_access_key_id", "mfa"),
        MOTO_SESSION_KEY_ID
    );
    assert_eq!(
        aws_configure_get(&env, &aws, "aws_secret_access_key", "mfa"),
        MOTO_SESSION_SECRET
    );
    let token = aws_configure_get(&env, &aws, "aws_session_token", "mfa");
    assert!(token.starts_with("AQoEXAMPLE"), "{token}");

    // And the AWS CLI works with the profile: make a bucket, list it.
    let with_endpoint = TestEnv::var(env, "AWS_ENDPOINT_URL", &moto.url());
    with_endpoint
        .program(
            &aws,
            &[
                "s3",
                "mb",
                "s3://awsmfa-demo",
                "--profile",
                "mfa",
                "--region",
                "us-east-1",
            ],
        )
        .assert()
        .success();
    with_endpoint
        .program(&aws, &["s3", "ls", "--profile", "mfa"])
        .assert()
        .success()
        .stdout(predicate::str::contains("awsmfa-demo"));
    let s3_auth = moto
        .requests()
        .into_iter()
        .filter(|r| r.param("Action").is_none())
        .map(|r| r.authorization)
        .collect::<Vec<_>>();
    assert!(!s3_auth.is_empty());
    assert!(
        s3_auth.iter().all(|a| a.contains(MOTO_SESSION_KEY_ID)),
        "{s3_auth:?}"
    );
}

#[test]
fn login_sends_one_request_with_device_code_and_duration() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    env.login(&moto.url(), &["--duration", "2h"]);
    let requests = moto.session_token_requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.param("SerialNumber").as_deref(), Some(DEVICE));
    assert_eq!(r.param("TokenCode").as_deref(), Some("123456"));
    assert_eq!(r.param("DurationSeconds").as_deref(), Some("7200"));
    assert!(
        r.authorization
            .contains(&format!("Credential={ACCESS_KEY_ID}/")),
        "{}",
        r.authorization
    );
    assert!(r.authorization.contains("/us-east-1/sts/aws4_request"));
}

#[test]
fn the_written_expiration_is_rfc3339_utc_and_matches_the_duration() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    env.login(&moto.url(), &["--duration", "15m"]);
    let creds = env.credentials();
    let exp = creds
        .lines()
        .find_map(|l| l.strip_prefix("expiration = "))
        .expect("expiration line");
    assert_eq!(exp.len(), 20, "{exp}");
    assert!(exp.ends_with('Z') && exp.as_bytes()[10] == b'T', "{exp}");
    let out = env.awsmfa(&["status", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let left = json["remaining_seconds"].as_i64().unwrap();
    assert!((880..=900).contains(&left), "{left}");
    assert_eq!(json["expiration"], exp);
}

#[test]
fn a_valid_session_is_not_renewed_without_force() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    env.login(&moto.url(), &[]);
    let before = env.credentials();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "still holds a valid session until",
        ))
        .stderr(predicate::str::contains("left"));
    let requests = moto.session_token_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].param("DurationSeconds").as_deref(),
        Some("43200"),
        "12 h by default"
    );
    assert_eq!(env.credentials(), before);

    env.awsmfa(&[
        "login",
        "--code",
        "123456",
        "--force",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success();
    assert_eq!(moto.session_token_requests().len(), 2);
}

#[test]
fn a_session_about_to_expire_is_renewed() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new();
    let soon = format_time(now() + 4 * 60);
    env.write_credentials(&format!(
        "{}\n[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = old\nexpiration = {soon}\n",
        default_credentials()
    ));
    env.login(&moto.url(), &[]);
    assert_eq!(moto.session_token_requests().len(), 1);
    assert!(env.credentials().contains(MOTO_SESSION_KEY_ID));
    assert!(!env.credentials().contains("ASIAOLD"));
}

#[test]
fn the_skip_warns_when_less_than_an_hour_is_left() {
    let env = TestEnv::new();
    let soon = format_time(now() + 30 * 60);
    env.write_credentials(&format!(
        "{}\n[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = old\nexpiration = {soon}\n",
        default_credentials()
    ));
    env.awsmfa(&[
        "login",
        "--code",
        "123456",
        "--endpoint-url",
        "http://127.0.0.1:9",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("expires within the hour"));
}

#[test]
fn code_is_read_from_stdin() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    env.awsmfa(&["login", "--endpoint-url", &moto.url()])
        .write_stdin("  654321 \n")
        .assert()
        .success()
        .stdout("");
    let r = moto.session_token_requests();
    assert_eq!(r[0].param("TokenCode").as_deref(), Some("654321"));
}

#[test]
fn code_may_be_given_without_the_flag() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    env.awsmfa(&["login", "111222", "--endpoint-url", &moto.url()])
        .assert()
        .success();
    assert_eq!(
        moto.session_token_requests()[0]
            .param("TokenCode")
            .as_deref(),
        Some("111222")
    );
}

#[test]
fn named_source_profile_writes_source_mfa_and_copies_region() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = peer("aws") else { return };
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[work]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    let config = format!(
        "# mine\n[profile work]\nregion = eu-central-1\noutput = table\nmfa_serial = {DEVICE}\n"
    );
    env.write_config(&config);
    env.login(&moto.url(), &["--profile", "work"]);
    assert!(env.credentials().contains("[work-mfa]"));
    assert_eq!(
        env.config(),
        format!("{config}\n[profile work-mfa]\nregion = eu-central-1\noutput = table\n")
    );
    // The region came from the profile and signed the request.
    let auth = &moto.session_token_requests()[0].authorization;
    assert!(auth.contains("/eu-central-1/sts/"), "{auth}");
    assert_eq!(
        aws_configure_get(&env, &aws, "region", "work-mfa"),
        "eu-central-1"
    );
}

#[test]
fn existing_target_config_profile_is_left_alone() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    let config = "[default]\nregion = eu-west-1\n\n[profile mfa]\nregion = ap-south-1\n";
    env.write_config(config);
    env.login(&moto.url(), &[]);
    assert_eq!(env.config(), config);
}

#[test]
fn no_region_anywhere_means_no_config_file_is_created() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    env.login(&moto.url(), &[]);
    assert!(!env.config_path().exists());
}

#[test]
fn region_precedence_flag_then_variables_then_profile() {
    let Some(moto) = Moto::start() else { return };
    let scope = |env: &TestEnv, args: &[&str]| -> String {
        let mut all = vec!["--force"];
        all.extend_from_slice(args);
        env.login(&moto.url(), &all);
        let r = moto.session_token_requests();
        let auth = r.last().unwrap().authorization.clone();
        auth.split('/').nth(2).unwrap().to_owned()
    };
    let base = || {
        let env = TestEnv::with_default_profile();
        env.write_config("[default]\nregion = ca-central-1\n");
        env
    };
    assert_eq!(scope(&base(), &[]), "ca-central-1");
    let env = base().var("AWS_DEFAULT_REGION", "eu-north-1");
    assert_eq!(scope(&env, &[]), "eu-north-1");
    let env = base()
        .var("AWS_DEFAULT_REGION", "eu-north-1")
        .var("AWS_REGION", "sa-east-1");
    assert_eq!(scope(&env, &[]), "sa-east-1");
    assert_eq!(
        scope(&env, &["--region", "ap-northeast-1"]),
        "ap-northeast-1"
    );
    let env = TestEnv::with_default_profile();
    assert_eq!(scope(&env, &[]), "us-east-1");
}

#[test]
fn endpoint_precedence_flag_then_sts_variable_then_general_variable() {
    let Some(moto) = Moto::start() else { return };
    let dead = "http://127.0.0.1:9";
    let env = TestEnv::with_default_profile()
        .var("AWS_ENDPOINT_URL", dead)
        .var("AWS_ENDPOINT_URL_STS", &moto.url());
    env.awsmfa(&["login", "--code", "123456"])
        .assert()
        .success();
    assert_eq!(moto.session_token_requests().len(), 1);

    let env = TestEnv::with_default_profile().var("AWS_ENDPOINT_URL", &moto.url());
    env.awsmfa(&["login", "--code", "123456"])
        .assert()
        .success();
    assert_eq!(moto.session_token_requests().len(), 2);

    let env = TestEnv::with_default_profile().var("AWS_ENDPOINT_URL_STS", dead);
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .assert()
        .success();
    assert_eq!(moto.session_token_requests().len(), 3);
}

#[test]
fn device_precedence() {
    let Some(moto) = Moto::start() else { return };
    let device_sent = |env: &TestEnv, args: &[&str]| {
        let mut all = vec!["--force"];
        all.extend_from_slice(args);
        env.login(&moto.url(), &all);
        moto.session_token_requests()
            .last()
            .unwrap()
            .param("SerialNumber")
            .unwrap()
    };
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\naws_mfa_device = from-aws-mfa-device\n"
    ));
    assert_eq!(device_sent(&env, &[]), "from-aws-mfa-device");
    env.write_credentials(&format!(
        "{}aws_mfa_device = from-aws-mfa-device\n",
        default_credentials()
    ));
    assert_eq!(device_sent(&env, &[]), DEVICE);
    env.write_config("[default]\nmfa_serial = from-config\n");
    assert_eq!(device_sent(&env, &[]), "from-config");
    let env2 = TestEnv::new().var("AWSMFA_DEVICE", "from-env");
    env2.write_credentials(&env.credentials());
    env2.write_config(&env.config());
    assert_eq!(device_sent(&env2, &[]), "from-env");
    assert_eq!(device_sent(&env2, &["--device", "from-flag"]), "from-flag");
}

#[test]
fn keys_may_come_from_the_config_file() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new();
    env.write_config(&format!(
        "[profile ci]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\nmfa_serial = {DEVICE}\n"
    ));
    env.login(&moto.url(), &["-p", "ci"]);
    assert!(env.credentials().contains("[ci-mfa]"));
}

#[test]
fn environment_variables_name_profiles_and_duration() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new()
        .var("AWSMFA_PROFILE", "src")
        .var("AWSMFA_TARGET", "dst")
        .var("AWSMFA_DURATION", "1h")
        .var("AWS_PROFILE", "ignored-on-purpose");
    env.write_credentials(&format!(
        "[src]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\nmfa_serial = {DEVICE}\n"
    ));
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .assert()
        .success();
    assert!(env.credentials().contains("[dst]"));
    assert_eq!(
        moto.session_token_requests()[0]
            .param("DurationSeconds")
            .as_deref(),
        Some("3600")
    );
}

/// With signature checks on, moto accepts only the keys it created: proof that
/// login signs with the file's keys and ignores stale AWS_* variables.
#[test]
fn signs_with_the_file_keys_and_ignores_environment_credentials() {
    let Some(moto) = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "4")]) else {
        return;
    };
    let Some(python) = peer("python3") else {
        return;
    };
    let env = TestEnv::new();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/moto_iam_user.py"
    );
    let out = env
        .program(&python, &[script, &moto.url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let user: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (id, secret, device) = (
        user["access_key_id"].as_str().unwrap(),
        user["secret_access_key"].as_str().unwrap(),
        user["device"].as_str().unwrap(),
    );
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\nmfa_serial = {device}\n\
         [wrong-secret]\naws_access_key_id = {id}\naws_secret_access_key = not-the-secret\nmfa_serial = {device}\n\
         [unknown-key]\naws_access_key_id = AKIAUNKNOWNFAKE00000\naws_secret_access_key = x\nmfa_serial = {device}\n"
    ));
    let env = env
        .var("AWS_ACCESS_KEY_ID", "ASIASTALESESSION0000")
        .var("AWS_SECRET_ACCESS_KEY", "stale-secret")
        .var("AWS_SESSION_TOKEN", "stale-token");
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .assert()
        .success();
    let before = env.credentials();
    env.awsmfa(&[
        "login",
        "--code",
        "123456",
        "-p",
        "wrong-secret",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains(
        "the secret key of profile wrong-secret does not match its access key",
    ));
    env.awsmfa(&[
        "login",
        "--code",
        "123456",
        "-p",
        "unknown-key",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains(
        "the access key of profile unknown-key is unknown or inactive",
    ));
    assert_eq!(env.credentials(), before);
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn format_time(secs: i64) -> String {
    awsmfa::time::Timestamp(secs).to_string()
}

/// On a terminal, login prompts on stderr naming the device (a real pty via `script`).
#[cfg(target_os = "linux")]
#[test]
fn prompts_for_the_code_on_a_terminal() {
    let Some(moto) = Moto::start() else { return };
    let Some(script) = peer("script") else { return };
    let env = TestEnv::with_default_profile();
    let command = format!(
        "'{}' login --endpoint-url {}",
        env!("CARGO_BIN_EXE_awsmfa"),
        moto.url()
    );
    let out = env
        .program(&script, &["-qec", &command, "/dev/null"])
        .write_stdin("246810\n")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains(&format!("MFA code for {DEVICE} (profile default): ")),
        "{screen}"
    );
    assert_eq!(
        moto.session_token_requests()[0]
            .param("TokenCode")
            .as_deref(),
        Some("246810")
    );
}

/// `--verbose` explains every step but never shows a secret.
#[test]
fn verbose_output_never_shows_secrets() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    let out = env
        .awsmfa(&[
            "login",
            "-v",
            "--code",
            "135790",
            "--endpoint-url",
            &moto.url(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "credentials file:",
        "source profile: default",
        DEVICE,
        &moto.url(),
        "duration: 43200s",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in {stderr}"
        );
    }
    let token = env
        .credentials()
        .lines()
        .find_map(|l| l.strip_prefix("aws_session_token = "))
        .unwrap()
        .to_owned();
    for secret in [
        SECRET_ACCESS_KEY,
        "135790",
        MOTO_SESSION_SECRET,
        &token,
        ACCESS_KEY_ID,
    ] {
        assert!(!stderr.contains(secret), "{secret} leaked: {stderr}");
    }
    // The failure paths too.
    let mock = MockSts::start(vec![common::mock_sts::Reply::Status(
        403,
        common::mock_sts::sts_error("SignatureDoesNotMatch", "no"),
    )]);
    let out = env
        .awsmfa(&[
            "login",
            "-v",
            "--force",
            "--code",
            "135790",
            "--endpoint-url",
            &mock.url(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1));
    for secret in [SECRET_ACCESS_KEY, "135790", MOTO_SESSION_SECRET, &token] {
        assert!(!stderr.contains(secret), "{secret} leaked: {stderr}");
    }
}
