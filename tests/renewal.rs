//! Role sessions that renew themselves from a valid MFA session (contract
//! part 5), against moto, which records each request and the key that
//! signed it: no code, no GetSessionToken, one AssumeRole for many callers,
//! and the real AWS CLI kept working past the role session's end.

mod common;

use std::path::PathBuf;

use common::*;
use predicates::prelude::*;

const ADMIN_ROLE: &str = "arn:aws:iam::123456789012:role/admin";

/// The README's layout, logged in: [mfa] (the MFA session) and [admin-mfa]
/// (the role session) saved.
fn logged_in(moto: &Moto) -> TestEnv {
    let env = TestEnv::new().var("AWS_ENDPOINT_URL", &moto.url());
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    env.write_config(&format!(
        "[default]\nmfa_serial = {DEVICE}\n\n\
         [profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = default\n"
    ));
    env.awsmfa(&["login", "-p", "admin", "--code", "123456"])
        .assert()
        .success();
    env
}

/// Sets `[section]`'s expiration to `value`.
fn set_expiration(env: &TestEnv, section: &str, value: &str) {
    let text = env.credentials();
    let start = text.find(&format!("[{section}]")).unwrap();
    let line = text[start..].find("expiration = ").unwrap() + start;
    let end = text[line..].find('\n').unwrap() + line;
    let new = format!("{}expiration = {value}{}", &text[..line], &text[end..]);
    env.write_credentials(&new);
}

fn in_minutes(minutes: i64) -> String {
    awsmfa::time::Timestamp::now()
        .plus(minutes * 60)
        .to_string()
}

/// A code command that leaves a mark when it runs (it must not).
fn marking_code_command(env: TestEnv) -> (TestEnv, PathBuf) {
    let mark = env.home().join("code-command-ran");
    let command = format!("touch '{}'; echo 123456", mark.display());
    (env.var("AWSMFA_CODE_COMMAND", &command), mark)
}

#[test]
fn an_expired_role_session_renews_itself_with_no_code() {
    let Some(moto) = Moto::start() else { return };
    let env = logged_in(&moto);
    let old = saved_key(&env, "admin-mfa");
    set_expiration(&env, "admin-mfa", "2001-01-01T00:00:00Z");
    let (env, mark) = marking_code_command(env);
    let before = moto.requests().len();
    let out = env
        .awsmfa(&["credential-process", "-p", "admin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let new: Vec<_> = moto.requests().into_iter().skip(before).collect();
    let actions: Vec<String> = new.iter().map(common::moto::Recorded::action).collect();
    assert_eq!(
        actions,
        ["AssumeRole"],
        "one AssumeRole, no GetSessionToken"
    );
    assert_eq!(
        new[0].signer(),
        MOTO_SESSION_KEY_ID,
        "signed with the MFA session"
    );
    assert_eq!(new[0].param("RoleArn").as_deref(), Some(ADMIN_ROLE));
    assert!(!mark.exists(), "no code command ran");
    let renewed = saved_key(&env, "admin-mfa");
    assert_ne!(renewed, old);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["AccessKeyId"], renewed.as_str());
}

#[test]
fn a_role_session_within_15_minutes_of_its_end_is_renewed_and_one_renewal_serves_many() {
    let Some(moto) = Moto::start() else { return };
    let env = logged_in(&moto);
    set_expiration(&env, "admin-mfa", &in_minutes(10));
    let before = moto.requests().len();
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_awsmfa"));
            cmd.args(["env", "-p", "admin", "--shell", "sh"]);
            env.apply(&mut cmd);
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let key = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("export AWS_ACCESS_KEY_ID="))
            .unwrap()
            .to_owned()
    };
    let outs: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    let new: Vec<_> = moto.requests().into_iter().skip(before).collect();
    assert_eq!(new.len(), 1, "8 parallel renewals make one AssumeRole");
    assert_eq!(new[0].action(), "AssumeRole");
    let first = key(&outs[0]);
    assert!(
        outs.iter().all(|o| key(o) == first),
        "all get the renewed session"
    );
}

#[test]
fn without_the_mfa_session_it_is_exit_3_or_a_login() {
    let Some(moto) = Moto::start() else { return };
    let env = logged_in(&moto);
    set_expiration(&env, "admin-mfa", "2001-01-01T00:00:00Z");
    set_expiration(&env, "mfa", "2001-01-01T00:00:00Z");
    let before = moto.requests().len();
    env.awsmfa(&["env", "-p", "admin"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("awsmfa login --profile admin"));
    assert_eq!(moto.requests().len(), before, "no request");
    // With --login: a login as `login -p admin` would make it.
    env.awsmfa(&[
        "credential-process",
        "--login",
        "-p",
        "admin",
        "--code-command",
        "echo 123456",
    ])
    .assert()
    .success();
    let actions: Vec<String> = moto
        .requests()
        .iter()
        .skip(before)
        .map(common::moto::Recorded::action)
        .collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"]);
}

#[test]
fn a_valid_role_session_that_cannot_be_renewed_is_used_until_it_ends() {
    let Some(moto) = Moto::start() else { return };
    let env = logged_in(&moto);
    set_expiration(&env, "admin-mfa", &in_minutes(10));
    set_expiration(&env, "mfa", "2001-01-01T00:00:00Z");
    let key = saved_key(&env, "admin-mfa");
    let before = moto.requests().len();
    env.awsmfa(&["env", "-p", "admin", "--shell", "sh"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "AWS_ACCESS_KEY_ID='{key}'"
        )));
    assert_eq!(moto.requests().len(), before);
}

#[test]
fn status_and_prompt_show_the_mfa_sessions_time_for_a_renewable_role() {
    let Some(moto) = Moto::start() else { return };
    let env = logged_in(&moto);
    set_expiration(&env, "admin-mfa", "2001-01-01T00:00:00Z");
    set_expiration(&env, "mfa", &in_minutes(300));
    let before = moto.requests().len();
    env.awsmfa(&["status", "-p", "admin"])
        .assert()
        .success()
        .stdout(predicate::str::contains("admin-mfa: renewable until"))
        .stdout(predicate::str::contains("4h59m left").or(predicate::str::contains("5h00m left")));
    env.awsmfa(&["prompt", "-p", "admin"])
        .assert()
        .success()
        .stdout(predicate::eq("admin-mfa:4h59m\n").or(predicate::eq("admin-mfa:5h00m\n")));
    assert_eq!(
        moto.requests().len(),
        before,
        "status and prompt stay offline"
    );
}

#[test]
fn the_aws_cli_keeps_working_past_the_role_sessions_end() {
    let Some(moto) = Moto::start() else { return };
    let env = logged_in(&moto);
    let aws = peer("aws").unwrap();
    let mut config = env.config();
    config.push_str(&format!(
        "\n[profile work]\ncredential_process = {} credential-process -p admin\n",
        env!("CARGO_BIN_EXE_awsmfa")
    ));
    env.write_config(&config);
    set_expiration(&env, "admin-mfa", "2001-01-01T00:00:00Z");
    let before = moto.requests().len();
    let out = env
        .program(
            &aws,
            &[
                "sts",
                "get-caller-identity",
                "--profile",
                "work",
                "--endpoint-url",
                &moto.url(),
                "--region",
                "us-east-1",
            ],
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let actions: Vec<String> = moto
        .requests()
        .iter()
        .skip(before)
        .map(common::moto::Recorded::action)
        .collect();
    assert_eq!(
        actions,
        ["AssumeRole", "GetCallerIdentity"],
        "no code asked"
    );
    let identity = moto.requests().into_iter().last().unwrap();
    assert_eq!(identity.signer(), saved_key(&env, "admin-mfa"));
}

/// `aws_access_key_id` of `[section]`.
fn saved_key(env: &TestEnv, section: &str) -> String {
    let text = env.credentials();
    let start = text.find(&format!("[{section}]")).unwrap();
    let line = text[start..].find("aws_access_key_id = ").unwrap() + start + 20;
    text[line..].lines().next().unwrap().trim().to_owned()
}
