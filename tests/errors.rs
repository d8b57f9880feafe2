//! Errors: STS codes in plain words, input checked before any request,
//! bounded time on a dead endpoint, and files untouched on every failure.

mod common;

use std::time::{Duration, Instant};

use common::mock_sts::{Reply, sts_error};
use common::*;
use predicates::prelude::*;

/// Runs a login against a mock that answers `status`/`body`; returns stderr.
fn login_against(reply: Reply, expected_code: i32) -> (String, MockSts) {
    let mock = MockSts::start(vec![reply]);
    let env = TestEnv::with_default_profile();
    let before = env.credentials();
    let out = env
        .awsmfa(&["login", "--code", "123456", "--endpoint-url", &mock.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(expected_code), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(env.credentials(), before, "the file changed on error");
    (String::from_utf8(out.stderr).unwrap(), mock)
}

#[test]
fn rejected_mfa_code() {
    let body = sts_error(
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
    let (stderr, mock) = login_against(Reply::Status(403, body), 1);
    assert!(
        stderr.starts_with("awsmfa: error: the MFA code was rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  hint: wait for the next code"),
        "{stderr}"
    );
    assert_eq!(mock.requests(), 1, "a rejected code is not retried");
}

#[test]
fn unknown_access_key() {
    let body = sts_error(
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    );
    let (stderr, _) = login_against(Reply::Status(403, body), 1);
    assert!(
        stderr.contains("the access key of profile default is unknown or inactive"),
        "{stderr}"
    );
}

#[test]
fn wrong_secret_and_clock_skew() {
    let body = sts_error(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match",
    );
    let (stderr, _) = login_against(Reply::Status(403, body), 1);
    assert!(
        stderr.contains("the secret key of profile default does not match its access key"),
        "{stderr}"
    );
    let body = sts_error(
        "SignatureDoesNotMatch",
        "Signature expired: 20260101T000000Z is now earlier than 20261123T100000Z (20261123T101500Z - 15 min.)",
    );
    let (stderr, _) = login_against(Reply::Status(403, body), 1);
    assert!(stderr.contains("clock"), "{stderr}");
}

#[test]
fn expired_token() {
    let body = sts_error(
        "ExpiredToken",
        "The security token included in the request is expired",
    );
    let (stderr, _) = login_against(Reply::Status(403, body), 1);
    assert!(
        stderr.contains("default holds an expired session token"),
        "{stderr}"
    );
}

#[test]
fn access_denied_for_other_reasons() {
    let body = sts_error(
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/t is not authorized to perform: sts:GetSessionToken",
    );
    let (stderr, _) = login_against(Reply::Status(403, body), 1);
    assert!(
        stderr.contains("may not call sts:GetSessionToken"),
        "{stderr}"
    );
}

#[test]
fn unreadable_answer() {
    let (stderr, _) = login_against(Reply::Status(200, "<not-xml".into()), 1);
    assert!(stderr.contains("could not be read"), "{stderr}");
}

#[test]
fn connection_refused_names_the_endpoint() {
    let port = free_port();
    let env = TestEnv::with_default_profile();
    let url = format!("http://127.0.0.1:{port}");
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &url])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "could not reach STS at {url}"
        )));
}

/// A request that hangs after it was sent may have reached STS with the
/// code: it fails within 30 s and is never sent again (a code works once).
#[test]
fn a_hanging_server_fails_within_30_seconds_and_gets_the_code_once() {
    let mock = MockSts::start(vec![Reply::Hang]);
    let env = TestEnv::with_default_profile();
    let before = env.credentials();
    let started = Instant::now();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &mock.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no answer from STS"))
        .stderr(predicate::str::contains("wait for the next code"));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_eq!(mock.requests(), 1, "the code was sent more than once");
    assert_eq!(env.credentials(), before);
}

/// Every bad input is refused with exit 2 before any request is made.
#[test]
fn bad_input_is_refused_before_any_request() {
    let mock = MockSts::start(vec![Reply::Status(500, String::new())]);
    let url = mock.url();
    let cases: &[(&[&str], &str)] = &[
        (&["--code", "12345"], "6 digits"),
        (&["--code", "1234567"], "6 digits"),
        (&["--code", "abcdef"], "6 digits"),
        (&["--code", "123456", "--duration", "899"], "900 to 129600"),
        (
            &["--code", "123456", "--duration", "129601"],
            "900 to 129600",
        ),
        (&["--code", "123456", "--duration", "37h"], "900 to 129600"),
        (
            &["--code", "123456", "--duration", "soon"],
            "not a duration",
        ),
        (
            &["--code", "123456", "--endpoint-url", "ftp://x"],
            "not an http(s) URL",
        ),
        (
            &["--code", "123456", "--profile", "has space"],
            "cannot be used as a profile name",
        ),
        (
            &["--code", "123456", "--shell", "bash"],
            "unexpected argument",
        ),
    ];
    for (args, message) in cases {
        let env = TestEnv::with_default_profile().var("AWS_ENDPOINT_URL", &url);
        let before = env.credentials();
        let mut all = vec!["login"];
        all.extend_from_slice(args);
        env.awsmfa(&all)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with("awsmfa: error: "))
            .stderr(predicate::str::contains(*message));
        assert_eq!(env.credentials(), before);
    }
    let env = TestEnv::with_default_profile().var("AWSMFA_DURATION", "forever");
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &url])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("AWSMFA_DURATION"));
    let env = TestEnv::with_default_profile();
    for stdin in ["", "12345\n", "one two\n"] {
        env.awsmfa(&["login", "--endpoint-url", &url])
            .write_stdin(stdin)
            .assert()
            .code(2);
    }
    assert_eq!(mock.requests(), 0);
}

#[test]
fn the_code_never_appears_in_errors() {
    let env = TestEnv::with_default_profile();
    for args in [
        vec!["login", "--code", "98765x"],
        vec!["login", "987654", "876543"],
        vec!["login", "--code", "987654", "--duration", "1"],
    ] {
        let out = env.awsmfa(&args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            !stderr.contains("98765") && !stderr.contains("876543"),
            "{stderr}"
        );
    }
}

#[test]
fn refusals_are_runtime_failures_and_write_nothing() {
    let mock = MockSts::start(vec![Reply::Status(500, String::new())]);
    let url = mock.url();
    let cases: &[(&str, &[&str], &str)] = &[
        // Target equal to source.
        (
            &default_credentials(),
            &["--target", "default"],
            "cannot be the source profile",
        ),
        // Target holding long-term keys.
        (
            &format!(
                "{}[mfa]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = keep\n",
                default_credentials()
            ),
            &[],
            "mfa holds long-term keys",
        ),
        // Source holding a session.
        (
            &format!(
                "[default]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\nmfa_serial = {DEVICE}\n"
            ),
            &[],
            "default holds temporary credentials; GetSessionToken needs long-term keys",
        ),
        // No keys at all.
        (
            "[other]\nx = 1\n",
            &[],
            "no long-term keys for profile default",
        ),
        // No device.
        (
            &format!(
                "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
            ),
            &[],
            "no MFA device",
        ),
    ];
    for (file, args, message) in cases {
        let env = TestEnv::new();
        env.write_credentials(file);
        let mut all = vec!["login", "--code", "123456", "--endpoint-url", &url];
        all.extend_from_slice(args);
        env.awsmfa(&all)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains(*message));
        assert_eq!(&env.credentials(), file);
    }
    assert_eq!(mock.requests(), 0);
}

#[test]
fn missing_device_says_how_to_set_mfa_serial() {
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    env.awsmfa(&["login", "--code", "123456"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "  hint: aws configure set mfa_serial",
        ));
}

#[test]
fn malformed_files_are_usage_errors_for_every_command() {
    let mock = MockSts::start(vec![Reply::Status(500, String::new())]);
    let broken_credentials = format!("{}this line is broken\n", default_credentials());
    let broken_config = "[default]\nregion = eu-west-1\n[default]\n";
    for (creds, config, path_end, line) in [
        (broken_credentials.as_str(), "", "credentials", "line 5"),
        (
            default_credentials().as_str(),
            broken_config,
            "config",
            "line 3",
        ),
    ] {
        for args in [
            vec!["login", "--code", "123456", "--endpoint-url", &mock.url()],
            vec!["env"],
            vec!["status"],
            vec!["logout"],
        ] {
            let env = TestEnv::new();
            env.write_credentials(creds);
            env.write_config(config);
            let out = env.awsmfa(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?} {out:?}");
            assert!(out.stdout.is_empty());
            let stderr = String::from_utf8(out.stderr).unwrap();
            let first = stderr.lines().next().unwrap();
            assert!(first.starts_with("awsmfa: error: "), "{stderr}");
            assert!(first.contains(path_end) && first.contains(line), "{stderr}");
            assert!(!stderr.contains(SECRET_ACCESS_KEY));
            assert_eq!(env.credentials(), creds);
            assert_eq!(env.config(), config);
        }
    }
    assert_eq!(mock.requests(), 0);
}

#[test]
fn unknown_flags_and_commands_are_usage_errors() {
    let env = TestEnv::new();
    for args in [
        vec!["login", "--bogus"],
        vec!["frobnicate"],
        vec!["env", "--shell", "tcsh"],
    ] {
        env.awsmfa(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("awsmfa: error: "));
    }
}

#[test]
fn help_has_examples_for_every_command() {
    let env = TestEnv::new();
    for cmd in ["login", "env", "status", "logout"] {
        env.awsmfa(&[cmd, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"));
    }
    env.awsmfa(&["--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
    env.awsmfa(&["--version"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("awsmfa "));
}
