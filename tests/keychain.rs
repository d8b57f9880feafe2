//! Long-term keys in the OS keychain (`awsmfa keys`, and `login` finding
//! them there), against a real keychain: on Linux gnome-keyring in a D-Bus
//! session of its own (tests/common/keyring.rs), on macOS and Windows the
//! system's own.

mod common;

use common::keyring::{Keychain, files_under};
use common::*;
use predicates::prelude::*;

/// A secret of the real shape (40 characters), never a real one.
const KEYCHAIN_SECRET: &str = "fakeKeychainSecret/ForTests+0123456789AB";
const KEYCHAIN_KEY_ID: &str = "AKIAKEYCHAINFAKE0001";

fn keys_lines(id: &str, secret: &str) -> String {
    format!("{id}\n{secret}\n")
}

/// Stores the test keys for `profile` with `keys add`, from stdin.
fn add_keys(env: &TestEnv, profile: &str) {
    env.awsmfa(&["keys", "add", "--profile", profile])
        .write_stdin(keys_lines(KEYCHAIN_KEY_ID, KEYCHAIN_SECRET))
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(KEYCHAIN_SECRET).not());
}

fn assert_no_secret_in_files(env: &TestEnv) {
    for (path, bytes) in files_under(env.home()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(KEYCHAIN_SECRET),
            "the secret is in {}",
            path.display()
        );
    }
}

#[test]
fn login_signs_with_the_keychain_keys_and_writes_them_nowhere() {
    let Some(keychain) = Keychain::start() else {
        return;
    };
    let Some(moto) = Moto::start() else { return };
    let env = keychain.reach(TestEnv::new());
    let profile = keychain.profile("work");
    env.write_config(&format!("[profile {profile}]\nmfa_serial = {DEVICE}\n"));
    add_keys(&env, &profile);

    let target = format!("{profile}-mfa");
    let out = env
        .awsmfa(&[
            "login",
            "-v",
            "--profile",
            &profile,
            "--code",
            "123456",
            "--endpoint-url",
            &moto.url(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("from the keychain"), "{stderr}");
    for output in [&stderr, &String::from_utf8_lossy(&out.stdout)] {
        assert!(!output.contains(KEYCHAIN_SECRET), "{output}");
    }
    // GetSessionToken, signed with the keychain's key.
    let requests = moto.session_token_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].signer(), KEYCHAIN_KEY_ID);
    assert!(env.credentials().contains(&format!("[{target}]")));
    assert!(!env.credentials().contains(KEYCHAIN_KEY_ID));
    assert_no_secret_in_files(&env);

    // The session is used offline, without the keychain.
    for args in [
        &["status", "--target", &target][..],
        &["env", "--target", &target],
        &["credential-process", "--target", &target],
        &["prompt", "--target", &target],
    ] {
        let out = env.awsmfa(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(KEYCHAIN_SECRET));
    }
}

#[test]
fn keys_in_the_files_come_before_the_keychain() {
    let Some(keychain) = Keychain::start() else {
        return;
    };
    let Some(moto) = Moto::start() else { return };
    let env = keychain.reach(TestEnv::new());
    let profile = keychain.profile("both");
    add_keys(&env, &profile);
    env.write_credentials(&format!(
        "[{profile}]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\nmfa_serial = {DEVICE}\n"
    ));
    let out = env
        .awsmfa(&["login", "-v", "-p", &profile, "--code", "123456"])
        .args(["--endpoint-url", &moto.url()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("from the file"), "{stderr}");
    assert_eq!(moto.session_token_requests()[0].signer(), ACCESS_KEY_ID);
    // `keys add` says that the file's keys win.
    env.awsmfa(&["keys", "add", "-p", &profile])
        .write_stdin(keys_lines(KEYCHAIN_KEY_ID, KEYCHAIN_SECRET))
        .assert()
        .success()
        .stderr(predicate::str::contains("login uses those first"));
}

#[test]
fn add_list_remove_round_trip() {
    let Some(keychain) = Keychain::start() else {
        return;
    };
    let env = keychain.reach(TestEnv::new());
    let (one, two) = (keychain.profile("one"), keychain.profile("two"));
    add_keys(&env, &one);
    env.awsmfa(&["keys", "add", "-p", &two])
        .write_stdin(keys_lines("AKIAKEYCHAINFAKE0002", KEYCHAIN_SECRET))
        .assert()
        .success();

    let listed = env.awsmfa(&["keys", "list"]).output().unwrap();
    assert!(listed.status.success(), "{listed:?}");
    let stdout = String::from_utf8(listed.stdout).unwrap();
    let line_of = |p: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(p))
            .map(str::to_owned)
    };
    assert_eq!(
        line_of(&one).unwrap().split_whitespace().nth(1),
        Some(KEYCHAIN_KEY_ID)
    );
    assert_eq!(
        line_of(&two).unwrap().split_whitespace().nth(1),
        Some("AKIAKEYCHAINFAKE0002")
    );
    assert!(!stdout.contains(KEYCHAIN_SECRET));
    #[cfg(target_os = "linux")]
    {
        // In the real Secret Service, as libsecret reads it.
        let stored = keychain.service.lookup(&one).expect("secret-tool finds it");
        assert!(stored.contains(KEYCHAIN_KEY_ID), "{stored}");
    }

    env.awsmfa(&["keys", "remove", "-p", &one])
        .assert()
        .success()
        .stderr(predicate::str::contains("removed the keys of profile"));
    let stdout = env.awsmfa(&["keys", "list"]).output().unwrap().stdout;
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(!stdout.contains(&format!("{one} ")), "{stdout}");
    assert!(stdout.contains(&two), "{stdout}");
    env.awsmfa(&["keys", "remove", "-p", &one])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing to remove"));
    env.awsmfa(&["keys", "remove", "-p", &two])
        .assert()
        .success();
    #[cfg(target_os = "linux")]
    assert_eq!(keychain.service.lookup(&two), None);
}

#[test]
fn keys_of_the_wrong_shape_are_exit_2_and_stored_nowhere() {
    let Some(keychain) = Keychain::start() else {
        return;
    };
    let env = keychain.reach(TestEnv::new());
    let profile = keychain.profile("shape");
    for input in [
        keys_lines("ASIAKEYCHAINFAKE0001", KEYCHAIN_SECRET),
        keys_lines("AKIAkeychainfake0001", KEYCHAIN_SECRET),
        keys_lines(KEYCHAIN_KEY_ID, &KEYCHAIN_SECRET[1..]),
        keys_lines(KEYCHAIN_KEY_ID, &format!("{KEYCHAIN_SECRET}A")),
        format!("{KEYCHAIN_KEY_ID}\n"),
        // Swapped: the secret is never shown, wherever it was typed.
        keys_lines(KEYCHAIN_SECRET, KEYCHAIN_KEY_ID),
    ] {
        env.awsmfa(&["keys", "add", "-p", &profile])
            .write_stdin(input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(KEYCHAIN_SECRET).not());
    }
    let listed = env.awsmfa(&["keys", "list"]).output().unwrap();
    assert!(listed.status.success());
    assert!(!String::from_utf8_lossy(&listed.stdout).contains(&profile));
}

#[test]
fn import_moves_only_the_two_lines() {
    let Some(keychain) = Keychain::start() else {
        return;
    };
    let Some(moto) = Moto::start() else { return };
    let env = keychain.reach(TestEnv::new());
    let (work, solo) = (keychain.profile("work"), keychain.profile("solo"));
    let before = format!(
        "# my profiles\r\n[other]\r\nx = 1\r\n\r\n[{work}]\r\n; the keys of the work account\r\naws_access_key_id = {KEYCHAIN_KEY_ID}\r\nregion = eu-west-1\r\naws_secret_access_key = {KEYCHAIN_SECRET}\r\nmfa_serial = {DEVICE}\r\n\r\n[{solo}]\r\naws_access_key_id = AKIAKEYCHAINFAKE0002\r\naws_secret_access_key = {KEYCHAIN_SECRET}\r\n\r\n[last]\r\ny = 2"
    );
    env.write_credentials(&before);
    env.awsmfa(&["keys", "import", "-p", &work])
        .assert()
        .success()
        .stderr(predicate::str::contains(KEYCHAIN_SECRET).not());
    env.awsmfa(&["keys", "import", "-p", &solo])
        .assert()
        .success()
        .stderr(predicate::str::contains("the section"));
    assert_eq!(
        env.credentials(),
        format!(
            "# my profiles\r\n[other]\r\nx = 1\r\n\r\n[{work}]\r\n; the keys of the work account\r\nregion = eu-west-1\r\nmfa_serial = {DEVICE}\r\n\r\n[last]\r\ny = 2"
        )
    );
    assert_no_secret_in_files(&env);
    let listed = env.awsmfa(&["keys", "list"]).output().unwrap().stdout;
    let listed = String::from_utf8(listed).unwrap();
    assert!(listed.contains(KEYCHAIN_KEY_ID) && listed.contains("AKIAKEYCHAINFAKE0002"));

    // The moved keys sign the next login.
    env.login(&moto.url(), &["-p", &work]);
    assert_eq!(moto.session_token_requests()[0].signer(), KEYCHAIN_KEY_ID);

    // Nothing left to import: exit 1, the file as it is.
    let now = env.credentials();
    env.awsmfa(&["keys", "import", "-p", &solo])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("holds no long-term keys"));
    assert_eq!(env.credentials(), now);
}

#[cfg(target_os = "linux")]
mod secret_service {
    //! What only a Secret Service of the test's own can show: one that is
    //! down, or missing, or holding an entry of another program.

    use std::time::{Duration, Instant};

    use super::*;
    use common::keyring::SecretService;

    fn credentials_with_keys() -> String {
        format!(
            "# keys\r\n[default]\r\naws_access_key_id = {KEYCHAIN_KEY_ID}\r\naws_secret_access_key = {KEYCHAIN_SECRET}\r\nmfa_serial = {DEVICE}\r\n\r\n[b]\r\nx = 1\r\n"
        )
    }

    #[test]
    fn import_with_the_secret_service_down_leaves_the_file_as_it_was() {
        // Not started: a bus with nobody owning org.freedesktop.secrets.
        let Some(bus) = SecretService::bus_only() else {
            return;
        };
        let env = TestEnv::new().var("DBUS_SESSION_BUS_ADDRESS", bus.address());
        env.write_credentials(&credentials_with_keys());
        env.awsmfa(&["keys", "import"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "no Secret Service (org.freedesktop.secrets)",
            ));
        assert_eq!(env.credentials(), credentials_with_keys());

        // Killed: the session it ran in is gone, its address points nowhere.
        let Some(mut service) = SecretService::start() else {
            return;
        };
        let env = TestEnv::new().var("DBUS_SESSION_BUS_ADDRESS", service.address());
        env.write_credentials(&credentials_with_keys());
        service.stop();
        env.awsmfa(&["keys", "import"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("no D-Bus session bus"));
        assert_eq!(env.credentials(), credentials_with_keys());
    }

    #[test]
    fn no_secret_service_is_a_clear_exit_1_with_no_request_and_no_file() {
        let Some(moto) = Moto::start() else { return };
        let Some(bus) = SecretService::bus_only() else {
            return;
        };
        let runtime = tempfile::tempdir().unwrap();
        let config = format!("[default]\nmfa_serial = {DEVICE}\n");
        let cases = [
            (
                TestEnv::new()
                    .unset("DBUS_SESSION_BUS_ADDRESS")
                    .var("XDG_RUNTIME_DIR", runtime.path().to_str().unwrap()),
                "DBUS_SESSION_BUS_ADDRESS is not set",
            ),
            (
                TestEnv::new().var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
                "nothing listens at DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus",
            ),
            (
                TestEnv::new().var("DBUS_SESSION_BUS_ADDRESS", bus.address()),
                "no Secret Service (org.freedesktop.secrets) answers",
            ),
        ];
        for (env, missing) in cases {
            env.write_config(&config);
            let files = files_under(env.home());
            let started = Instant::now();
            env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
                .assert()
                .code(1)
                .stderr(predicate::str::contains(
                    "no long-term keys for profile default in the AWS files",
                ))
                .stderr(predicate::str::contains(missing))
                .stderr(predicate::str::contains("hint: start a Secret Service"));
            env.awsmfa(&["keys", "list"])
                .assert()
                .code(1)
                .stdout("")
                .stderr(predicate::str::contains(missing));
            env.awsmfa(&["keys", "add"])
                .write_stdin(keys_lines(KEYCHAIN_KEY_ID, KEYCHAIN_SECRET))
                .assert()
                .code(1)
                .stderr(predicate::str::contains(missing));
            assert!(started.elapsed() < Duration::from_secs(20), "{missing}");
            assert_eq!(files_under(env.home()), files, "{missing}");
        }
        assert!(moto.requests().is_empty());
    }

    /// `keys add` on a terminal: the key id is echoed, the secret is not,
    /// and the terminal is left in the mode it was found in.
    #[test]
    fn add_on_a_terminal_never_shows_the_secret() {
        let Some(service) = SecretService::start() else {
            return;
        };
        let Some(python) = peer("python3") else {
            return;
        };
        let env = TestEnv::new().var("DBUS_SESSION_BUS_ADDRESS", service.address());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pty_run.py");
        let (type_id, type_secret) = (
            format!("type={KEYCHAIN_KEY_ID}\\r"),
            format!("type={KEYCHAIN_SECRET}\\r"),
        );
        let out = env
            .program(
                &python,
                &[
                    script,
                    "wait=AWS access key ID for profile tty: ",
                    &type_id,
                    "wait=AWS secret access key (not shown): ",
                    &type_secret,
                    "--",
                    env!("CARGO_BIN_EXE_awsmfa"),
                    "keys",
                    "add",
                    "-p",
                    "tty",
                ],
            )
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["exit"], 0, "{report}");
        let screen = report["screen"].as_str().unwrap();
        assert!(screen.contains(KEYCHAIN_KEY_ID), "{screen}");
        assert!(!screen.contains(KEYCHAIN_SECRET), "{screen}");
        assert!(!report["stderr"].as_str().unwrap().contains(KEYCHAIN_SECRET));
        assert_eq!(report["mode_after"], report["mode_before"], "{report}");
        let stored = service.lookup("tty").expect("stored");
        assert!(stored.contains(KEYCHAIN_SECRET));
    }

    #[test]
    fn an_entry_awsmfa_did_not_write_is_refused_unquoted() {
        let Some(service) = SecretService::start() else {
            return;
        };
        if peer("secret-tool").is_none() {
            return;
        }
        service.store_raw("default", "hunter2-not-awsmfa-json");
        let env = TestEnv::new().var("DBUS_SESSION_BUS_ADDRESS", service.address());
        env.write_config(&format!("[default]\nmfa_serial = {DEVICE}\n"));
        env.awsmfa(&[
            "login",
            "--code",
            "123456",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not one awsmfa wrote"))
        .stderr(predicate::str::contains("hunter2").not());
        env.awsmfa(&["keys", "list"])
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "default  (not keys awsmfa stored)",
            ))
            .stdout(predicate::str::contains("hunter2").not());
    }

    /// Something at the bus address that accepts and never answers. What
    /// needs no long-term keys (a saved session's env, status, prompt,
    /// credential-process and exec, a login while the session is valid, a
    /// login with the keys in the file) never connects to it; what needs the
    /// keychain is exit 1 within OPEN_WAIT (10 s), no request, no file.
    #[test]
    fn offline_commands_never_reach_the_bus_and_a_silent_bus_is_no_hang() {
        use std::os::unix::net::UnixListener;
        let Some(moto) = Moto::start() else { return };
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("bus");
        let listener = UnixListener::bind(&socket).unwrap();
        listener.set_nonblocking(true).unwrap();
        let connected = || match listener.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
            Err(e) => panic!("accept: {e}"),
        };
        let address = format!("unix:path={}", socket.display());

        let env = TestEnv::new().var("DBUS_SESSION_BUS_ADDRESS", &address);
        env.write_credentials(&format!(
            "{}\n[mfa]\naws_access_key_id = ASIAOFFLINESESSION01\naws_secret_access_key = {}\n\
             aws_session_token = offline-token\nexpiration = 2999-01-01T00:00:00Z\n",
            default_credentials(),
            "s".repeat(40)
        ));
        let url = moto.url();
        let offline: [&[&str]; 7] = [
            &["env"],
            &["status"],
            &["prompt"],
            &["credential-process"],
            &["exec", "true"],
            &["login", "--code", "123456", "--endpoint-url", &url],
            &[
                "login",
                "--force",
                "--code",
                "123456",
                "--endpoint-url",
                &url,
            ],
        ];
        for args in offline {
            env.awsmfa(args).assert().success();
            assert!(!connected(), "awsmfa {args:?} connected to the bus");
        }
        assert_eq!(moto.session_token_requests().len(), 1, "the forced login");

        let bare = TestEnv::new().var("DBUS_SESSION_BUS_ADDRESS", &address);
        bare.write_config(&format!("[default]\nmfa_serial = {DEVICE}\n"));
        let files = files_under(bare.home());
        let requests = moto.requests().len();
        let needs_keychain: [&[&str]; 2] = [
            &["keys", "list"],
            &["login", "--code", "123456", "--endpoint-url", &url],
        ];
        for args in needs_keychain {
            let started = Instant::now();
            bare.awsmfa(args)
                .assert()
                .code(1)
                .stdout("")
                .stderr(predicate::str::contains(
                    "the Secret Service was not reachable: no answer within 10s",
                ))
                .stderr(predicate::str::contains("hint: something listens"));
            assert!(started.elapsed() < Duration::from_secs(20), "{args:?}");
            assert!(connected(), "awsmfa {args:?} never reached the bus");
        }
        assert_eq!(files_under(bare.home()), files);
        assert_eq!(moto.requests().len(), requests);
    }
}
