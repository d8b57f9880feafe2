//! `awsmfa configure`: the device found through a signature-checking moto (STS
//! GetCallerIdentity, then IAM ListMFADevices), saved as one line that the AWS
//! CLI and `login` read; everything else in the config file kept.

mod common;

use common::mock_sts::{Reply, sts_error};
use common::*;
use predicates::prelude::*;

const CONFIG: &str =
    "# my settings\n[default]\nregion = eu-west-1\n\n[profile other]\noutput = json ; kept\n";

/// A moto that checks signatures once alice (with `enabled` MFA devices) exists;
/// her keys are in [default] and [work].
fn moto_with_alice(enabled: usize) -> Option<(Moto, TestEnv, Vec<String>)> {
    let setup_calls = if enabled == 0 { 4 } else { 3 + 2 * enabled };
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", &setup_calls.to_string())])?;
    let python = peer("python3")?;
    let env = TestEnv::new();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/moto_iam_user.py"
    );
    let out = env
        .program(&python, &[script, &moto.url(), &enabled.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let user: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (id, secret) = (
        user["access_key_id"].as_str().unwrap(),
        user["secret_access_key"].as_str().unwrap(),
    );
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n\
         [work]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"
    ));
    env.write_config(CONFIG);
    let devices = user["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .collect();
    Some((moto, env, devices))
}

#[test]
fn finds_the_one_device_and_writes_only_its_line() {
    let Some((moto, env, devices)) = moto_with_alice(1) else {
        return;
    };
    let device = &devices[0];
    env.awsmfa(&["configure", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "mfa_serial = {device} saved in [default]"
        )));
    assert_eq!(
        env.config(),
        CONFIG.replace(
            "region = eu-west-1\n",
            &format!("region = eu-west-1\nmfa_serial = {device}\n")
        )
    );

    // Both calls were signed with alice's keys (moto checks every signature now).
    let requests = moto.requests();
    let list: Vec<_> = requests
        .iter()
        .filter(|r| r.param("Action").as_deref() == Some("ListMFADevices"))
        .collect();
    assert_eq!(list.len(), 1, "{requests:?}");
    assert_eq!(list[0].param("UserName").as_deref(), Some("alice"));
    assert!(
        list[0]
            .authorization
            .contains("/us-east-1/iam/aws4_request")
    );

    // A profile without a config section gets [profile work]; the AWS CLI reads it.
    env.awsmfa(&["configure", "-p", "work", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "next: awsmfa login --profile work",
        ));
    assert!(
        env.config()
            .ends_with(&format!("\n[profile work]\nmfa_serial = {device}\n"))
    );
    if let Some(aws) = peer("aws") {
        assert_eq!(aws_configure_get(&env, &aws, "mfa_serial", "work"), *device);
        assert_eq!(
            aws_configure_get(&env, &aws, "mfa_serial", "default"),
            *device
        );
    }

    // login now needs no --device: GetSessionToken carries the saved serial.
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .assert()
        .success();
    let gets = moto.session_token_requests();
    assert_eq!(gets.len(), 1);
    assert_eq!(
        gets[0].param("SerialNumber").as_deref(),
        Some(device.as_str())
    );

    // Again: nothing to change, nothing written.
    let before = env.config();
    env.awsmfa(&["configure", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stderr(predicate::str::contains("already has mfa_serial"));
    assert_eq!(env.config(), before);
}

#[test]
fn several_devices_are_listed_and_nothing_is_written() {
    let Some((moto, env, devices)) = moto_with_alice(2) else {
        return;
    };
    let out = env
        .awsmfa(&["configure", "-p", "work", "--endpoint-url", &moto.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    for device in &devices {
        assert!(stderr.contains(&format!("\n  {device}\n")), "{stderr}");
    }
    assert!(
        stderr.contains("choose one of them with --device"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "awsmfa configure --profile work --device {}",
            devices[0]
        )),
        "{stderr}"
    );
    assert_eq!(env.config(), CONFIG);

    // Choosing one saves it, without asking IAM again.
    let asked = moto.requests().len();
    env.awsmfa(&["configure", "-p", "work", "--device", &devices[1]])
        .assert()
        .success();
    assert_eq!(moto.requests().len(), asked);
    assert!(
        env.config()
            .ends_with(&format!("[profile work]\nmfa_serial = {}\n", devices[1]))
    );
}

#[test]
fn a_user_without_an_enabled_device_is_told_how_to_add_one() {
    let Some((moto, env, _)) = moto_with_alice(0) else {
        return;
    };
    env.awsmfa(&["configure", "--endpoint-url", &moto.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no MFA device is assigned to arn:aws:iam::123456789012:user/alice",
        ))
        .stderr(predicate::str::contains(
            "hint: assign one in the IAM console",
        ));
    assert_eq!(env.config(), CONFIG);
}

#[test]
fn a_given_device_is_saved_without_keys_or_network() {
    let env = TestEnv::new().var(
        "AWS_ENDPOINT_URL",
        &format!("http://127.0.0.1:{}", free_port()),
    );
    let device = "arn:aws:iam::123456789012:mfa/phone";
    env.awsmfa(&["configure", "-p", "dev", "--device", device])
        .assert()
        .success();
    assert_eq!(
        env.config(),
        format!("[profile dev]\nmfa_serial = {device}\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.config_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Replacing says what it was; a quoted section name is found, not duplicated.
    env.write_config("[profile \"dev\"]\nmfa_serial = arn:aws:iam::123456789012:mfa/old\n");
    env.awsmfa(&["configure", "-p", "dev", "--device", device])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(was arn:aws:iam::123456789012:mfa/old)",
        ));
    assert_eq!(
        env.config(),
        format!("[profile \"dev\"]\nmfa_serial = {device}\n")
    );
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let mock = MockSts::start(vec![Reply::Status(500, String::new())]);
    let env = TestEnv::with_default_profile();
    env.write_config(CONFIG);
    for args in [
        &["configure", "--device", "arn:aws:iam::1:mfa/a b"][..],
        &["configure", "--device", "short"],
        &["configure", "--profile", "has space"],
        &["configure", "--endpoint-url", "localhost:5000"],
    ] {
        env.awsmfa(args)
            .env("AWS_ENDPOINT_URL", mock.url())
            .assert()
            .code(2);
    }
    // Missing keys: exit 1 with the usual hint, still before any request.
    env.awsmfa(&["configure", "-p", "nokeys", "--endpoint-url", &mock.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no long-term keys for profile nokeys",
        ));
    assert_eq!(mock.requests(), 0);
    assert_eq!(env.config(), CONFIG);
}

/// STS's answer naming bob as the keys' user.
const BOB: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
    <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/bob</Arn>\
    <UserId>AIDAFAKE</UserId><Account>123456789012</Account></GetCallerIdentityResult>\
    <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>";

/// IAM's ListMFADevices answer with these serial numbers, as IAM writes them.
fn device_list(serials: &[&str]) -> String {
    let members: String = serials
        .iter()
        .map(|s| {
            format!(
                "<member><UserName>bob</UserName><SerialNumber>{s}</SerialNumber>\
                 <EnableDate>2026-01-01T00:00:00Z</EnableDate></member>"
            )
        })
        .collect();
    format!(
        "<ListMFADevicesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
         <ListMFADevicesResult><MFADevices>{members}</MFADevices><IsTruncated>false</IsTruncated>\
         </ListMFADevicesResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata>\
         </ListMFADevicesResponse>"
    )
}

/// Bob's device list from a mock IAM, then `configure` for [default].
fn configure_with_devices(serials: &[&str]) -> (TestEnv, std::process::Output) {
    let mock = MockSts::start(vec![
        Reply::Status(200, BOB.to_owned()),
        Reply::Status(200, device_list(serials)),
    ]);
    let env = TestEnv::with_default_profile();
    env.write_config(CONFIG);
    let out = env
        .awsmfa(&["configure", "--endpoint-url", &mock.url()])
        .output()
        .unwrap();
    assert_eq!(mock.requests(), 2);
    (env, out)
}

/// The answer is read as XML: entities decoded, and only the device list counts.
#[test]
fn the_device_list_is_read_as_xml() {
    let (env, out) = configure_with_devices(&["arn:aws:iam::123456789012:mfa/bob&#x2B;phone"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        env.config()
            .contains("mfa_serial = arn:aws:iam::123456789012:mfa/bob+phone\n")
    );

    // A 200 that is not a device list is not taken for an empty one.
    let mock = MockSts::start(vec![
        Reply::Status(200, BOB.to_owned()),
        Reply::Status(
            200,
            "<GetUserResponse><GetUserResult/></GetUserResponse>".to_owned(),
        ),
    ]);
    let env = TestEnv::with_default_profile();
    env.awsmfa(&["configure", "--endpoint-url", &mock.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a ListMFADevices answer"));
    assert_eq!(env.config(), "");
}

const FIDO_KEY: &str =
    "arn:aws:iam::123456789012:u2f/user/bob/fidosecuritykey-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PHONE: &str = "arn:aws:iam::123456789012:mfa/bob-phone";
const TOKEN: &str = "GAHT12345678";

/// FIDO security keys give no codes, so GetSessionToken cannot use them:
/// they are skipped with a note, never saved (moto cannot create them).
#[test]
fn fido_security_keys_are_skipped_with_a_note() {
    let skipped = format!(
        "skipping {FIDO_KEY}: a FIDO security key; STS GetSessionToken takes codes only \
         from virtual and hardware TOTP devices"
    );

    // A key and a phone: the phone is the one device, saved.
    let (env, out) = configure_with_devices(&[FIDO_KEY, PHONE]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{out:?}");
    assert!(stderr.contains(&skipped), "{stderr}");
    assert!(env.config().contains(&format!("mfa_serial = {PHONE}\n")));
    assert!(!env.config().contains("u2f"));

    // A key, a phone and a hardware token: only the two that give codes are offered.
    let (env, out) = configure_with_devices(&[PHONE, FIDO_KEY, TOKEN]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr.contains(&skipped), "{stderr}");
    assert!(
        stderr.contains(&format!("\n  {PHONE}\n  {TOKEN}\n")),
        "{stderr}"
    );
    assert!(!stderr.contains(&format!("  {FIDO_KEY}\n")), "{stderr}");
    assert_eq!(env.config(), CONFIG);

    // Only a key: nothing to save, and what to assign instead.
    let (env, out) = configure_with_devices(&[FIDO_KEY]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr.contains(&skipped), "{stderr}");
    assert!(
        stderr.contains("arn:aws:iam::123456789012:user/bob has no MFA device that gives codes"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: assign a virtual MFA device"),
        "{stderr}"
    );
    assert_eq!(env.config(), CONFIG);

    // Nor is one saved when given, and nothing is asked.
    let mock = MockSts::start(vec![Reply::Status(500, String::new())]);
    let env = TestEnv::with_default_profile();
    env.awsmfa(&[
        "configure",
        "--device",
        FIDO_KEY,
        "--endpoint-url",
        &mock.url(),
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("is a FIDO security key"));
    assert_eq!(mock.requests(), 0);
    assert_eq!(env.config(), "");
}

/// What IAM refuses (moto cannot), explained with the action that was denied.
#[test]
fn iam_refusals_are_explained() {
    let identity = BOB;
    let mock = MockSts::start(vec![
        Reply::Status(200, identity.to_owned()),
        Reply::Status(403, sts_error("AccessDenied", "User bob is not authorized")),
    ]);
    let env = TestEnv::with_default_profile();
    env.awsmfa(&["configure", "--endpoint-url", &mock.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the access key of profile default may not call iam:ListMFADevices",
        ))
        .stderr(predicate::str::contains(
            "IAM says: User bob is not authorized",
        ));
    assert_eq!(mock.requests(), 2);
    assert!(mock.bodies()[1].contains("Action=ListMFADevices"));
    assert!(mock.bodies()[1].contains("UserName=bob"));

    // Role keys have no devices of their own.
    let role = identity.replace(
        "arn:aws:iam::123456789012:user/bob",
        "arn:aws:sts::123456789012:assumed-role/Admin/s",
    );
    let mock = MockSts::start(vec![Reply::Status(200, role)]);
    env.awsmfa(&["configure", "--endpoint-url", &mock.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not to an IAM user"))
        .stderr(predicate::str::contains("--device"));
    assert_eq!(mock.requests(), 1);
    assert_eq!(env.config(), "");
}
