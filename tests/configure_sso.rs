//! `awsmfa configure sso` against the SSO stand-in: every answer as a flag,
//! the config file edited byte-exactly (and read by botocore), a missing
//! answer without a terminal named, `--all-roles` paged and paced, and a
//! profile that says otherwise never overwritten without `--force`.

mod common;

use std::time::Duration;

use common::*;
use predicates::prelude::*;

const FLAGS: &[&str] = &[
    "configure",
    "sso",
    "--sso-session",
    "corp",
    "--start-url",
    "https://corp.awsapps.com/start",
    "--sso-region",
    "us-east-1",
    "--use-device-code",
];

fn portal() -> Option<Portal> {
    Portal::start(&["--approve-after", "0", "--device-interval", "1"])
}

fn sso_env(portal: &Portal) -> TestEnv {
    TestEnv::new()
        .var("AWS_ENDPOINT_URL_SSO", &portal.url())
        .var("AWS_ENDPOINT_URL_SSO_OIDC", &portal.url())
        .var("BROWSER", "true")
}

fn run(env: &TestEnv, extra: &[&str]) -> std::process::Output {
    let mut args = FLAGS.to_vec();
    args.extend_from_slice(extra);
    env.awsmfa(&args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn every_answer_as_a_flag_writes_the_profile_as_the_aws_cli_does() {
    let Some(portal) = portal() else { return };
    let env = sso_env(&portal);
    let before = "# my settings\r\n[profile other]\r\nregion = us-west-2\r\n";
    env.write_config(before);
    let out = run(
        &env,
        &[
            "--account",
            "222222222222",
            "--role",
            "Admin",
            "--region",
            "eu-west-1",
            "--output",
            "json",
            "--name",
            "dev",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        env.config(),
        format!(
            "{before}\r\n[sso-session corp]\r\nsso_start_url = https://corp.awsapps.com/start\r\n\
             sso_region = us-east-1\r\nsso_registration_scopes = sso:account:access\r\n\
             \r\n[profile dev]\r\nsso_session = corp\r\nsso_account_id = 222222222222\r\n\
             sso_role_name = Admin\r\nregion = eu-west-1\r\noutput = json\r\n"
        )
    );
    // The AWS CLI's own reader takes the profile, and awsmfa exports it.
    let aws = peer("aws").unwrap();
    assert_eq!(
        aws_configure_get(&env, &aws, "sso_account_id", "dev"),
        "222222222222"
    );
    env.awsmfa(&["env", "-p", "dev"])
        .assert()
        .success()
        .stdout(predicate::str::contains("AWS_SESSION_TOKEN="));
    // Again with the same answers: nothing to change, no new sign-in.
    let registered = portal.requests_to("POST", "/client/register").len();
    let out = run(
        &env,
        &[
            "--account",
            "222222222222",
            "--role",
            "Admin",
            "--name",
            "dev",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        portal.requests_to("POST", "/client/register").len(),
        registered
    );
    assert_eq!(portal.requests_to("POST", "/device_authorization").len(), 1);
}

#[test]
fn a_missing_answer_without_a_terminal_names_its_flag() {
    let Some(portal) = portal() else { return };
    let env = sso_env(&portal);
    env.awsmfa(&["configure", "sso", "--sso-session", "corp"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--start-url"));
    assert!(portal.entries().is_empty(), "no request");
    // Several accounts, none named: exit 2 naming --account.
    let out = run(&env, &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--account"), "{stderr}");
    assert!(
        stderr.contains("Account 2, account-2@example.com (222222222222)"),
        "{stderr}"
    );
    assert!(!env.config_path().exists() || !env.config().contains("[profile"));
}

#[test]
fn all_roles_lists_every_page_at_most_20_requests_a_second() {
    let Some(portal) = Portal::start(&[
        "--approve-after",
        "0",
        "--device-interval",
        "1",
        "--accounts",
        "5",
        "--max-rps",
        "20",
    ]) else {
        return;
    };
    let env = sso_env(&portal);
    env.write_config("[profile ReadOnly-111111111111]\nregion = ap-south-1\n");
    let out = run(
        &env,
        &[
            "--all-roles",
            "--dry-run",
            "--name-template",
            "{account_name}.{role_name}",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    // Accounts 1..5: ReadOnly and Admin each, Developer for the odd ones.
    assert_eq!(
        printed.matches("[profile Account-").count(),
        13,
        "{printed}"
    );
    assert!(printed.contains("[profile Account-3.Developer]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = Developer\n"), "{printed}");
    assert!(printed.starts_with("[sso-session corp]\n"), "{printed}");
    assert_eq!(
        env.config(),
        "[profile ReadOnly-111111111111]\nregion = ap-south-1\n",
        "--dry-run writes nothing"
    );
    let mut times = portal.times("GET", "/assignment/accounts");
    times.extend(portal.times("GET", "/assignment/roles"));
    times.sort_by(f64::total_cmp);
    assert!(times.len() >= 3 + 5, "paged: {times:?}");
    for window in times.windows(21) {
        assert!(window[20] - window[0] >= 1.0, "over 20 a second: {times:?}");
    }
    // Written: existing profiles are left as they are and named.
    let out = run(&env, &["--all-roles"]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[profile ReadOnly-111111111111] exists already"),
        "{stderr}"
    );
    let config = env.config();
    assert!(config.starts_with("[profile ReadOnly-111111111111]\nregion = ap-south-1\n"));
    assert!(
        config.contains("[profile Admin-555555555555]\n"),
        "{config}"
    );
}

#[test]
fn a_profile_that_says_otherwise_needs_force() {
    let Some(portal) = portal() else { return };
    let env = sso_env(&portal);
    let before =
        "[profile dev]\nsso_session = corp\nsso_account_id = 999999999999\nsso_role_name = Admin\n";
    env.write_config(before);
    let args = [
        "--account",
        "222222222222",
        "--role",
        "Admin",
        "--name",
        "dev",
    ];
    let out = run(&env, &args);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(env.config(), before);
    let mut forced = args.to_vec();
    forced.push("--force");
    let out = run(&env, &forced);
    assert!(out.status.success(), "{out:?}");
    assert!(env.config().contains("sso_account_id = 222222222222\n"));
}

#[cfg(unix)]
#[test]
fn the_wizard_asks_on_the_terminal() {
    let Some(portal) = portal() else { return };
    let env = sso_env(&portal);
    let python = peer("python3").unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pty_run.py");
    let out = env
        .program(
            &python,
            &[
                script,
                "wait=SSO session name",
                "type=corp\\r",
                "wait=SSO start URL",
                "type=https://corp.awsapps.com/start\\r",
                "wait=SSO region",
                "type=us-east-1\\r",
                "wait=registration scopes",
                "type=\\r",
                "wait=Which account",
                "type=2\\r",
                "wait=Which role",
                "type=1\\r",
                "wait=region [none]",
                "type=\\r",
                "wait=Output format",
                "type=json\\r",
                "wait=Profile name",
                "type=\\r",
                "--",
                env!("CARGO_BIN_EXE_awsmfa"),
                "configure",
                "sso",
                "--use-device-code",
            ],
        )
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["exit"], 0, "{report}");
    let screen = report["screen"].as_str().unwrap();
    assert!(
        screen.contains("2) Account 2, account-2@example.com (222222222222)"),
        "{screen}"
    );
    let config = env.config();
    // Roles sorted: Admin, ReadOnly; the first is Admin.
    assert!(
        config.contains("[profile Admin-222222222222]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = Admin\noutput = json\n"),
        "{config}"
    );
    assert!(
        config.contains("sso_registration_scopes = sso:account:access\n"),
        "{config}"
    );
}
