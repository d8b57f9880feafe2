//! One credential cache with the AWS CLI, both ways (contract part 5): the
//! role credentials of a profile without MFA (the AWS CLI's assume-role
//! provider against moto) and SSO role credentials (botocore's SSO provider
//! with the AWS CLI's cache, against the portal stand-in) are cached under
//! the same names, each tool using the other's; hostile entries are
//! ignored and replaced.

mod common;

use std::path::PathBuf;
#[cfg(unix)]
use std::time::Duration;

use common::*;

const VIEWER: &str = "arn:aws:iam::123456789012:role/viewer";

fn viewer_env(moto: &Moto) -> TestEnv {
    let env = TestEnv::new().var("AWS_ENDPOINT_URL", &moto.url());
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    ));
    env.write_config(&format!(
        "[default]\nregion = us-east-1\n\n\
         [profile viewer]\nrole_arn = {VIEWER}\nsource_profile = default\n\
         role_session_name = me\nduration_seconds = 3600\n"
    ));
    env
}

fn cache_dir(env: &TestEnv) -> PathBuf {
    env.home().join(".aws/cli/cache")
}

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

fn assume_roles(moto: &Moto) -> usize {
    moto.requests()
        .iter()
        .filter(|r| r.param("Action").as_deref() == Some("AssumeRole"))
        .count()
}

fn exported_key(env: &TestEnv, profile: &str) -> String {
    let out = env
        .awsmfa(&["env", "-p", profile, "--shell", "sh"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("export AWS_ACCESS_KEY_ID="))
        .unwrap();
    line.split('\'').nth(1).unwrap().to_owned()
}

/// `aws sts get-caller-identity --profile PROFILE`: the key that signed it.
fn aws_identity(env: &TestEnv, moto: &Moto, profile: &str) {
    let aws = peer("aws").unwrap();
    let out = env
        .program(
            &aws,
            &[
                "sts",
                "get-caller-identity",
                "--profile",
                profile,
                "--endpoint-url",
                &moto.url(),
                "--region",
                "us-east-1",
            ],
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn the_aws_cli_uses_the_role_credentials_awsmfa_cached() {
    let Some(moto) = Moto::start() else { return };
    let env = viewer_env(&moto);
    let key = exported_key(&env, "viewer");
    assert_eq!(assume_roles(&moto), 1);
    let files = cache_files(&env);
    assert_eq!(files.len(), 1, "{files:?}");
    // A second export: from the cache, no request.
    let before = moto.requests().len();
    assert_eq!(exported_key(&env, "viewer"), key);
    assert_eq!(moto.requests().len(), before);
    // The AWS CLI finds it under its own name: no AssumeRole of its own.
    aws_identity(&env, &moto, "viewer");
    assert_eq!(assume_roles(&moto), 1, "the AWS CLI used awsmfa's entry");
    // --force goes past it, and writes it anew.
    env.awsmfa(&["env", "-p", "viewer", "--force"])
        .assert()
        .success();
    assert_eq!(assume_roles(&moto), 2);
}

#[test]
fn awsmfa_uses_the_role_credentials_the_aws_cli_cached() {
    let Some(moto) = Moto::start() else { return };
    let env = viewer_env(&moto);
    aws_identity(&env, &moto, "viewer");
    assert_eq!(assume_roles(&moto), 1);
    let files = cache_files(&env);
    assert_eq!(files.len(), 1, "the AWS CLI cached it: {files:?}");
    let entry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cache_dir(&env).join(&files[0])).unwrap())
            .unwrap();
    let before = moto.requests().len();
    let key = exported_key(&env, "viewer");
    assert_eq!(moto.requests().len(), before, "no request");
    assert_eq!(key, entry["Credentials"]["AccessKeyId"].as_str().unwrap());
    // And awsmfa names its entry as the AWS CLI did.
    let other = viewer_env(&moto);
    exported_key(&other, "viewer");
    assert_eq!(cache_files(&other), files);
}

#[cfg(unix)]
#[test]
fn hostile_entries_are_ignored_and_replaced_never_followed() {
    let Some(moto) = Moto::start() else { return };
    let env = viewer_env(&moto);
    exported_key(&env, "viewer");
    let name = cache_files(&env).remove(0);
    let entry = cache_dir(&env).join(&name);
    let elsewhere = env.home().join("elsewhere.json");
    type Plant<'a> = Box<dyn Fn() + 'a>;
    let hostile: [(&str, Plant); 4] = [
        (
            "garbage",
            Box::new(|| std::fs::write(&entry, "{\"Credentials\": 7").unwrap()),
        ),
        (
            "a FIFO",
            Box::new(|| {
                let c = std::ffi::CString::new(entry.to_str().unwrap()).unwrap();
                // SAFETY: a valid C string.
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            }),
        ),
        (
            "a link elsewhere",
            Box::new(|| std::os::unix::fs::symlink(&elsewhere, &entry).unwrap()),
        ),
        (
            "a truncated entry",
            Box::new(|| {
                std::fs::write(&entry, "{\"Credentials\": {\"AccessKeyId\": \"AS").unwrap()
            }),
        ),
    ];
    for (what, plant) in hostile {
        std::fs::remove_file(&entry).unwrap();
        plant();
        let before = assume_roles(&moto);
        env.awsmfa(&["env", "-p", "viewer"])
            .timeout(Duration::from_secs(20))
            .assert()
            .success();
        assert_eq!(assume_roles(&moto), before + 1, "{what}: ignored");
        let meta = std::fs::symlink_metadata(&entry).unwrap();
        assert!(meta.is_file(), "{what}: replaced by a regular file");
        assert!(!elsewhere.exists(), "{what}: never followed");
    }
}

const SSO_CONFIG: &str = "[profile my-sso]\nsso_session = corp\nsso_account_id = 111111111111\n\
     sso_role_name = ReadOnly\n\n\
     [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";

/// A cached sign-in of `corp` holding token-1, valid for an hour.
fn sso_env(portal: &Portal) -> TestEnv {
    let env = TestEnv::new()
        .var("AWS_ENDPOINT_URL_SSO", &portal.url())
        .var("AWS_ENDPOINT_URL_SSO_OIDC", &portal.url());
    env.write_config(SSO_CONFIG);
    let dir = env.home().join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let expires = awsmfa::time::Timestamp::now().plus(3600).to_string();
    std::fs::write(
        dir.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        format!(
            "{{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"us-east-1\", \"accessToken\": \"token-1\", \"expiresAt\": \"{expires}\"}}"
        ),
    )
    .unwrap();
    env
}

/// botocore's SSO provider with the AWS CLI v2's credential cache: the key.
fn botocore_sso_key(env: &TestEnv) -> String {
    let python = python_with(&["botocore"]).unwrap();
    let script = "import os, botocore.session, botocore.utils\n\
        s = botocore.session.Session(profile='my-sso')\n\
        p = s.get_component('credential_provider').get_provider('sso')\n\
        p.cache = botocore.utils.JSONFileCache(os.path.expanduser('~/.aws/cli/cache'))\n\
        print(s.get_credentials().get_frozen_credentials().access_key)";
    let out = env.program(&python, &["-c", script]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn role_requests(portal: &Portal) -> usize {
    portal.requests_to("GET", "/federation/credentials").len()
}

#[test]
fn sso_role_credentials_are_shared_with_botocore_both_ways() {
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let env = sso_env(&portal);
    let key = exported_key(&env, "my-sso");
    assert_eq!(role_requests(&portal), 1);
    // awsmfa's entry, under botocore's name: botocore asks the portal nothing.
    assert_eq!(botocore_sso_key(&env), key);
    assert_eq!(role_requests(&portal), 1);
    assert_eq!(exported_key(&env, "my-sso"), key);
    assert_eq!(
        role_requests(&portal),
        1,
        "awsmfa's second export: no request"
    );

    // botocore's entry: awsmfa asks the portal nothing.
    let env = sso_env(&portal);
    let key = botocore_sso_key(&env);
    assert_eq!(role_requests(&portal), 2);
    assert_eq!(exported_key(&env, "my-sso"), key);
    assert_eq!(role_requests(&portal), 2);
    // sso logout removes what was cached from the sign-in.
    env.awsmfa(&["sso", "logout"]).assert().success();
    assert!(cache_files(&env).is_empty(), "{:?}", cache_files(&env));
}
