//! `expiration` as other tools write it: every reader (status in all its
//! forms, env, exec, credential-process, prompt and login's still-valid skip)
//! reads the same forms, and a value none of them can read counts as expired,
//! never as valid.

mod common;

use common::*;
use predicates::prelude::*;

const SESSION_ID: &str = "ASIAFAKEEXPIRATION00";

fn with_expiration_line(line: &str) -> TestEnv {
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "{}\n[mfa]\naws_access_key_id = {SESSION_ID}\naws_secret_access_key = fakeSecret\n\
         aws_session_token = fakeToken\n{line}",
        default_credentials()
    ));
    env
}

fn with_expiration(value: &str) -> TestEnv {
    with_expiration_line(&format!("expiration = {value}\n"))
}

/// Every reading command, at once: all of them say "no valid session".
fn assert_no_reader_trusts_it(env: &TestEnv, value: &str) {
    env.awsmfa(&["status"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("expired").and(predicate::str::contains(value)));
    let out = env.awsmfa(&["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{value}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], false, "{value}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(value),
        "{value}: {out:?}"
    );
    env.awsmfa(&["status", "--all"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("expired"));
    env.awsmfa(&["status", "--within", "30m"]).assert().code(3);
    env.awsmfa(&["env"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(value));
    env.awsmfa(&["credential-process"])
        .assert()
        .code(3)
        .stdout("");
    let marker = env.home().join("ran");
    env.awsmfa(&["exec", "--", "touch", marker.to_str().unwrap()])
        .assert()
        .code(3);
    assert!(!marker.exists(), "{value}");
    env.awsmfa(&["prompt"]).assert().success().stdout("");
}

#[test]
fn an_expiration_that_cannot_be_read_counts_as_expired_everywhere() {
    for value in [
        "tomorrow",
        "2999-01-01",
        "1795461632000",
        "2999-01-01T00:00:00 +0000 (UTC)",
        "",
    ] {
        assert_no_reader_trusts_it(&with_expiration(value), value);
    }
}

#[test]
fn login_renews_a_session_whose_expiration_cannot_be_read() {
    let sts = MockSts::issuing_sessions();
    let env = with_expiration("in a while");
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &sts.url()])
        .assert()
        .success();
    assert_eq!(sts.requests(), 1);
    assert!(
        env.credentials()
            .contains("expiration = 2999-01-01T00:00:00Z"),
        "{}",
        env.credentials()
    );
    env.awsmfa(&["status"]).assert().success();
}

#[test]
fn forms_other_tools_write_are_read_by_every_reader() {
    // (as written, as awsmfa shows it)
    for (value, normalized) in [
        ("2999-01-01T00:00:00+0000", "2999-01-01T00:00:00Z"),
        ("2999-01-01T01:00:00+01", "2999-01-01T00:00:00Z"),
        ("2999-01-01 00:00:00 UTC", "2999-01-01T00:00:00Z"),
        ("2999-01-01T00:00:00.123456+00:00", "2999-01-01T00:00:00Z"),
        ("2999-01-01 00:00:00", "2999-01-01T00:00:00Z"),
        ("32503680000", "3000-01-01T00:00:00Z"),
    ] {
        let env = with_expiration(value);
        env.awsmfa(&["status"])
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!(
                "mfa: valid until {normalized} ("
            )));
        env.awsmfa(&["env", "--shell", "sh"])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "export AWS_CREDENTIAL_EXPIRATION='{normalized}'"
            )));
        env.awsmfa(&["prompt"])
            .assert()
            .success()
            .stdout(predicate::str::starts_with("mfa:"));
    }
    // The same forms in the past: expired, not "valid forever".
    for value in [
        "2020-01-01T00:00:00+0000",
        "2020-01-01T00:00:00+00",
        "2020-01-01 00:00:00 UTC",
        "1577836800",
    ] {
        let env = with_expiration(value);
        env.awsmfa(&["status"])
            .assert()
            .code(3)
            .stdout(predicate::str::starts_with(
                "mfa: expired at 2020-01-01T00:00:00Z (",
            ));
        env.awsmfa(&["env"]).assert().code(3).stdout("");
    }
}

#[test]
fn login_skips_a_fresh_session_in_another_form() {
    let sts = MockSts::issuing_sessions();
    let env = with_expiration("2999-01-01 00:00:00 UTC");
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &sts.url()])
        .assert()
        .success()
        .stderr(predicate::str::contains("still holds a valid session"));
    assert_eq!(sts.requests(), 0);
}

#[test]
fn a_session_without_an_expiration_stays_valid_with_an_unknown_expiry() {
    let env = with_expiration_line("");
    env.awsmfa(&["status"])
        .assert()
        .success()
        .stdout("mfa: valid (expiration unknown)\n");
    // No expiration is exported, and one inherited from an earlier session is removed.
    env.awsmfa(&["env", "--shell", "sh"])
        .assert()
        .success()
        .stdout(predicate::str::contains("export AWS_CREDENTIAL_EXPIRATION").not())
        .stdout(predicate::str::is_match("(?m)^unset .*AWS_CREDENTIAL_EXPIRATION").unwrap());
    env.awsmfa(&["prompt"]).assert().success().stdout("mfa\n");
}
