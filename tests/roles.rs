//! One profile, one meaning: the README's role layouts, read alike by every
//! command. A role needs MFA when `login` would find a device for it (on the
//! role, or anywhere down its chain), so `login`, `env`, `exec`,
//! `credential-process` and `status` all use the session `login` saved, and
//! every flag given reaches every request (moto records which key signed
//! each one).

mod common;

use common::*;
use predicates::prelude::*;

const ADMIN_ROLE: &str = "arn:aws:iam::123456789012:role/admin";
const OPS_ROLE: &str = "arn:aws:iam::123456789012:role/ops";

/// The README's layout: the device on `[default]` only (config), and a role
/// profile with just `role_arn` and `source_profile`.
fn readme_layout() -> TestEnv {
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    env.write_config(&format!(
        "[default]\nmfa_serial = {DEVICE}\n\n\
         [profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = default\n"
    ));
    env
}

/// `key` of `[section]` in the credentials file.
fn saved(env: &TestEnv, section: &str, key: &str) -> Option<String> {
    let text = env.credentials();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
        } else if inside
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_owned());
        }
    }
    None
}

/// The access key id each exporting command hands out for `args`, offline.
fn exported_key_ids(env: &TestEnv, args: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    let run = |extra: &[&str]| {
        let mut all = extra.to_vec();
        all.extend_from_slice(args);
        let out = env.awsmfa(&all).output().unwrap();
        assert!(out.status.success(), "{all:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let env_out = run(&["env", "--shell", "sh"]);
    let line = env_out
        .lines()
        .find(|l| l.starts_with("export AWS_ACCESS_KEY_ID="))
        .unwrap();
    ids.push(line.split('\'').nth(1).unwrap().to_owned());
    let process = run(&["credential-process"]);
    let doc: serde_json::Value = serde_json::from_str(&process).unwrap();
    ids.push(doc["AccessKeyId"].as_str().unwrap().to_owned());
    let mut exec_args = vec!["exec"];
    exec_args.extend_from_slice(args);
    exec_args.extend(["--", "sh", "-c", "printf %s \"$AWS_ACCESS_KEY_ID\""]);
    let out = env.awsmfa(&exec_args).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    ids.push(String::from_utf8(out.stdout).unwrap());
    ids
}

#[test]
fn the_readme_role_layout_means_one_thing_to_every_command() {
    let Some(moto) = Moto::start() else { return };
    let env = readme_layout();
    // The endpoint comes only from the flag: were it dropped, the request
    // would go to AWS itself, which these machines cannot reach.
    env.awsmfa(&[
        "exec",
        "--login",
        "-p",
        "admin",
        "--code-command",
        "echo 123456",
        "--endpoint-url",
        &moto.url(),
        "--duration",
        "20m",
        "--",
        "true",
    ])
    .assert()
    .success();
    let requests = moto.requests();
    let actions: Vec<String> = requests
        .iter()
        .map(common::moto::Recorded::action)
        .collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"], "{actions:?}");
    assert_eq!(requests[0].signer(), ACCESS_KEY_ID);
    assert_eq!(requests[0].param("SerialNumber").as_deref(), Some(DEVICE));
    assert_eq!(
        requests[1].signer(),
        MOTO_SESSION_KEY_ID,
        "the role is assumed with the MFA session"
    );
    assert_eq!(requests[1].param("RoleArn").as_deref(), Some(ADMIN_ROLE));
    assert_eq!(
        requests[1].param("DurationSeconds").as_deref(),
        Some("1200"),
        "--duration reaches the AssumeRole"
    );
    let role_key = saved(&env, "admin-mfa", "aws_access_key_id").expect("[admin-mfa] saved");
    assert_ne!(role_key, MOTO_SESSION_KEY_ID);

    // Every command reads admin as the same role: the saved session, offline.
    let before = moto.requests().len();
    for ids in [
        exported_key_ids(&env, &["-p", "admin"]),
        exported_key_ids(&env, &["-t", "admin"]),
        exported_key_ids(&env, &["-t", "admin-mfa"]),
    ] {
        assert_eq!(ids, [role_key.clone(), role_key.clone(), role_key.clone()]);
    }
    env.awsmfa(&["status", "-p", "admin"])
        .assert()
        .success()
        .stdout(predicate::str::contains("admin-mfa"));
    env.awsmfa(&[
        "credential-process",
        "--login",
        "-p",
        "admin",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success();
    assert_eq!(
        moto.requests().len(),
        before,
        "no request while it is valid"
    );
}

#[test]
fn flags_that_reach_no_request_are_usage_errors() {
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    env.write_config(
        "[profile viewer]\nrole_arn = arn:aws:iam::123456789012:role/viewer\nsource_profile = default\n\n\
         [profile tool]\ncredential_process = /bin/false\n",
    );
    // A role with no device on its chain asks for no code.
    env.awsmfa(&[
        "credential-process",
        "--login",
        "-p",
        "viewer",
        "--code-command",
        "echo 123456",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("--code-command"))
    .stderr(predicate::str::contains("viewer"));
    // A credential_process profile makes no STS request at all.
    for flag in ["--region", "--endpoint-url", "--duration"] {
        let value = match flag {
            "--region" => "eu-west-1",
            "--endpoint-url" => "http://127.0.0.1:9",
            _ => "1h",
        };
        env.awsmfa(&["exec", "--login", "-p", "tool", flag, value, "--", "true"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(flag));
    }
}

#[test]
fn a_role_without_mfa_takes_the_region_endpoint_and_duration_given() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    env.write_config(
        "[profile viewer]\nrole_arn = arn:aws:iam::123456789012:role/viewer\nsource_profile = default\n",
    );
    env.awsmfa(&[
        "credential-process",
        "--login",
        "-p",
        "viewer",
        "--endpoint-url",
        &moto.url(),
        "--region",
        "eu-central-1",
        "--duration",
        "2h",
    ])
    .assert()
    .success();
    let requests = moto.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].action(), "AssumeRole");
    assert_eq!(
        requests[0].param("DurationSeconds").as_deref(),
        Some("7200")
    );
    assert!(
        requests[0].authorization.contains("/eu-central-1/sts/"),
        "signed for the region given: {}",
        requests[0].authorization
    );
}

#[test]
fn a_role_session_target_is_renewed_as_that_role_never_as_the_user() {
    let Some(moto) = Moto::start() else { return };
    let env = readme_layout();
    env.awsmfa(&[
        "login",
        "-p",
        "admin",
        "--code",
        "123456",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success();
    // The role session expires; the MFA session in [mfa] is still valid.
    let expired = env.credentials().replacen(
        &saved(&env, "admin-mfa", "expiration").unwrap(),
        "2001-01-01T00:00:00Z",
        1,
    );
    env.write_credentials(&expired);
    let before = moto.requests().len();
    env.awsmfa(&[
        "exec",
        "--login",
        "-t",
        "admin-mfa",
        "--code-command",
        "echo 123456",
        "--endpoint-url",
        &moto.url(),
        "--",
        "true",
    ])
    .assert()
    .success();
    let new: Vec<_> = moto.requests().into_iter().skip(before).collect();
    let actions: Vec<String> = new.iter().map(common::moto::Recorded::action).collect();
    assert_eq!(actions, ["AssumeRole"], "renewed as the role");
    assert_eq!(new[0].signer(), MOTO_SESSION_KEY_ID);
    let key = saved(&env, "admin-mfa", "aws_access_key_id").unwrap();
    assert_ne!(key, MOTO_SESSION_KEY_ID, "never the user's own session");
    // Another identity named on purpose is refused, before any request,
    // when the role session would be replaced (it has expired again).
    let expired = env.credentials().replacen(
        &saved(&env, "admin-mfa", "expiration").unwrap(),
        "2001-01-01T00:00:00Z",
        1,
    );
    env.write_credentials(&expired);
    let count = moto.requests().len();
    let file = env.credentials();
    for args in [
        vec![
            "login",
            "-p",
            "default",
            "-t",
            "admin-mfa",
            "--code",
            "123456",
        ],
        vec![
            "credential-process",
            "--login",
            "-p",
            "default",
            "-t",
            "admin-mfa",
            "--code-command",
            "echo 123456",
        ],
    ] {
        let mut args = args.clone();
        let url = moto.url();
        args.extend(["--endpoint-url", &url]);
        env.awsmfa(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("--profile admin"));
    }
    assert_eq!(moto.requests().len(), count);
    assert_eq!(env.credentials(), file);
}

#[test]
fn credential_process_renews_a_role_session_target_as_the_role() {
    let Some(moto) = Moto::start() else { return };
    let env = readme_layout();
    env.awsmfa(&[
        "login",
        "-p",
        "admin",
        "--code",
        "123456",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success();
    let expired = env.credentials().replacen(
        &saved(&env, "admin-mfa", "expiration").unwrap(),
        "2001-01-01T00:00:00Z",
        1,
    );
    env.write_credentials(&expired);
    let before = moto.requests().len();
    env.awsmfa(&[
        "credential-process",
        "--login",
        "-t",
        "admin-mfa",
        "--code-command",
        "echo 123456",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success();
    let new: Vec<_> = moto.requests().into_iter().skip(before).collect();
    let actions: Vec<String> = new.iter().map(common::moto::Recorded::action).collect();
    assert_eq!(actions, ["AssumeRole"]);
    let key = saved(&env, "admin-mfa", "aws_access_key_id").unwrap();
    assert_ne!(key, MOTO_SESSION_KEY_ID);
}

#[test]
fn a_role_chained_through_an_mfa_role_is_read_by_every_command() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    env.write_config(&format!(
        "[default]\nregion = us-west-2\n\n\
         [profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = default\n\
         mfa_serial = {DEVICE}\nregion = eu-west-1\n\n\
         [profile ops]\nrole_arn = {OPS_ROLE}\nsource_profile = admin\n"
    ));
    // Before any login: exit 3, and the hint that helps.
    env.awsmfa(&["env", "-p", "ops"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("awsmfa login --profile ops"));
    env.awsmfa(&[
        "login",
        "-p",
        "ops",
        "--code",
        "123456",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success();
    // [profile ops-mfa] takes the region the requests used: admin's.
    assert!(
        env.config()
            .contains("[profile ops-mfa]\nregion = eu-west-1\n"),
        "{}",
        env.config()
    );
    let key = saved(&env, "ops-mfa", "aws_access_key_id").expect("[ops-mfa]");
    let before = moto.requests().len();
    assert_eq!(
        exported_key_ids(&env, &["-p", "ops"]),
        [key.clone(), key.clone(), key.clone()]
    );
    env.awsmfa(&["status", "-p", "ops"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ops-mfa"));
    assert_eq!(moto.requests().len(), before, "offline");

    // Expired: the --login forms renew it through admin, with no new code.
    let expired = env.credentials().replacen(
        &saved(&env, "ops-mfa", "expiration").unwrap(),
        "2001-01-01T00:00:00Z",
        1,
    );
    env.write_credentials(&expired);
    env.awsmfa(&[
        "credential-process",
        "--login",
        "-p",
        "ops",
        "--code-command",
        "exit 9",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success();
    let new: Vec<_> = moto.requests().into_iter().skip(before).collect();
    let arns: Vec<_> = new.iter().filter_map(|r| r.param("RoleArn")).collect();
    assert_eq!(arns, [ADMIN_ROLE, OPS_ROLE]);
    assert!(new.iter().all(|r| r.action() == "AssumeRole"));
}

/// A successful AssumeRole answer, valid until 2999.
fn assume_role_ok() -> String {
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
     <AssumeRoleResult><Credentials>\
     <AccessKeyId>ASIAFAKEMOCKROLE0000</AccessKeyId>\
     <SecretAccessKey>fakeMockRoleSecret/0000000000000000000000</SecretAccessKey>\
     <SessionToken>FakeMockRoleToken+/=</SessionToken>\
     <Expiration>2999-01-01T00:00:00Z</Expiration>\
     </Credentials><AssumedRoleUser><AssumedRoleId>AROAFAKE:me</AssumedRoleId>\
     <Arn>arn:aws:sts::123456789012:assumed-role/admin/me</Arn></AssumedRoleUser>\
     </AssumeRoleResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata>\
     </AssumeRoleResponse>"
        .to_owned()
}

/// deploy -> ops -> admin -> default: ops is assumed with admin's role
/// credentials (a chain), and asks for two hours.
fn chain_env() -> TestEnv {
    let env = TestEnv::with_default_profile();
    env.write_config(&format!(
        "[profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = default\n\n\
         [profile ops]\nrole_arn = {OPS_ROLE}\nsource_profile = admin\nduration_seconds = 7200\n\n\
         [profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = ops\n"
    ));
    env
}

#[test]
fn a_refusal_down_a_chain_names_the_profile_that_signed() {
    use common::mock_sts::{Reply, session_reply, sts_error};
    let mock = MockSts::start(vec![
        session_reply(),
        Reply::Status(200, assume_role_ok()),
        Reply::Status(
            403,
            sts_error("AccessDenied", "not authorized to perform: sts:AssumeRole"),
        ),
    ]);
    let env = TestEnv::with_default_profile();
    env.write_config(&format!(
        "[profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = default\n\n\
         [profile ops]\nrole_arn = {OPS_ROLE}\nsource_profile = admin\n"
    ));
    env.awsmfa(&[
        "login",
        "-p",
        "ops",
        "--code",
        "123456",
        "--endpoint-url",
        &mock.url(),
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains(format!(
        "profile admin may not assume {OPS_ROLE}"
    )));
}

#[test]
fn an_intermediate_role_too_long_for_a_chain_names_its_profile_and_key() {
    let env = chain_env();
    env.awsmfa(&["login", "-p", "deploy", "--code", "123456"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("duration_seconds of profile ops"))
        .stderr(predicate::str::contains(
            "set duration_seconds of profile ops to 3600 or less",
        ))
        .stderr(predicate::str::contains("--duration").not());
}

#[test]
fn a_role_timeout_says_what_was_tried_and_that_no_code_is_needed_again() {
    use common::mock_sts::{Reply, session_reply};
    let mock = MockSts::start(vec![session_reply(), Reply::Hang]);
    let env = TestEnv::with_default_profile();
    env.write_config(&format!(
        "[profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = default\n"
    ));
    let out = env
        .awsmfa(&[
            "login",
            "-p",
            "admin",
            "--code",
            "123456",
            "--endpoint-url",
            &mock.url(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("sts:AssumeRole"), "{stderr}");
    assert!(!stderr.contains("not sent again"), "{stderr}");
    assert!(!stderr.contains("wait for the next code"), "{stderr}");
    assert!(stderr.contains("tried up to 3 times"), "{stderr}");
    assert!(
        stderr.contains("the MFA session in profile mfa is saved"),
        "{stderr}"
    );
    assert!(env.credentials().contains("[mfa]\n"));
}

#[test]
fn a_device_of_an_isolated_partition_gets_a_region_of_its_own() {
    let env = TestEnv::with_default_profile();
    let iso = "arn:aws-iso:iam::123456789012:mfa/me";
    env.awsmfa(&[
        "login",
        "--device",
        iso,
        "--region",
        "us-east-1",
        "--code",
        "123456",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("--region us-iso-east-1"));
    // With no region at all, the partition's own is picked (and named by -v);
    // the request cannot reach it here, which is fine: no usage error first.
    let out = env
        .awsmfa(&["login", "--device", iso, "--code", "123456", "-v"])
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("us-iso-east-1"), "{stderr}");
    assert_ne!(out.status.code(), Some(2), "{stderr}");
}

#[test]
fn a_role_named_with_its_own_mfa_session_is_refused_by_every_command() {
    let Some(moto) = Moto::start() else { return };
    let env = readme_layout();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .assert()
        .success();
    let before = moto.requests().len();
    for args in [
        vec!["credential-process", "-p", "admin", "-t", "mfa"],
        vec!["env", "-p", "admin", "-t", "mfa"],
        vec!["status", "-p", "admin", "-t", "mfa"],
        vec![
            "credential-process",
            "--login",
            "-p",
            "admin",
            "-t",
            "mfa",
            "--code-command",
            "true",
        ],
        vec!["exec", "--login", "-p", "admin", "-t", "mfa", "--", "true"],
    ] {
        env.awsmfa(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("not the role's session"));
    }
    assert_eq!(moto.requests().len(), before);
}

#[test]
fn an_unknown_flag_before_the_command_is_a_usage_error() {
    let env = readme_layout();
    env.awsmfa(&[
        "exec",
        "--login",
        "-p",
        "admin",
        "--frobnicate",
        "--duration",
        "2h",
        "--",
        "true",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("--frobnicate"));
    // What follows the command is the command's own.
    env.awsmfa(&["exec", "-p", "nobody-here", "true", "--frobnicate"])
        .assert()
        .code(3);
}
