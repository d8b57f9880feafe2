//! The promises of "files are sacred" and "a code is spent only on a session
//! that will be saved", attacked: broken STS answers, paths that are not
//! regular files, sections logout must not remove, unwritable targets, a
//! config file that is the credentials file, values that cannot be copied,
//! bad endpoints and regions, and stdin that belongs to another program.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::mock_sts::{Reply, sts_error};
use common::*;
use predicates::prelude::*;

fn login_args(url: &str) -> Vec<String> {
    ["login", "--code", "123456", "--endpoint-url", url]
        .map(str::to_owned)
        .to_vec()
}

/// A GetSessionToken answer with the given `<Credentials>` content.
fn answer(credentials: &str) -> String {
    format!(
        "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetSessionTokenResult><Credentials>{credentials}</Credentials></GetSessionTokenResult>\
         <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetSessionTokenResponse>"
    )
}

const ID: &str = "<AccessKeyId>ASIAFAKEBROKEN000000</AccessKeyId>";
const SECRET: &str = "<SecretAccessKey>fakeBrokenSecret/00000000000000000000000</SecretAccessKey>";
const TOKEN: &str = "<SessionToken>FakeBrokenToken+/=</SessionToken>";
const EXPIRES: &str = "<Expiration>2999-01-01T00:00:00Z</Expiration>";

/// A valid session already in [mfa], to be kept by a failed `--force`.
fn with_valid_session() -> TestEnv {
    let env = TestEnv::with_default_profile();
    env.write_credentials(&format!(
        "{}\n[mfa]\naws_access_key_id = ASIAOLDSESSION000000\naws_secret_access_key = old\n\
         aws_session_token = oldtoken\nexpiration = 2999-01-01T00:00:00Z\n",
        default_credentials()
    ));
    env
}

#[test]
fn broken_sts_answers_are_never_saved() {
    let whole = answer(&format!("{ID}{SECRET}{TOKEN}{EXPIRES}"));
    let cut = whole[..whole.find("</Credentials>").unwrap()].to_owned();
    let cases = [
        (
            "no AccessKeyId",
            answer(&format!("{SECRET}{TOKEN}{EXPIRES}")),
        ),
        (
            "no SecretAccessKey",
            answer(&format!("{ID}{TOKEN}{EXPIRES}")),
        ),
        ("no SessionToken", answer(&format!("{ID}{SECRET}{EXPIRES}"))),
        ("no Expiration", answer(&format!("{ID}{SECRET}{TOKEN}"))),
        (
            "expired",
            answer(&format!(
                "{ID}{SECRET}{TOKEN}<Expiration>2020-01-01T00:00:00Z</Expiration>"
            )),
        ),
        ("cut short", cut),
        (
            "cut after the credentials",
            whole[..whole.find("<ResponseMetadata>").unwrap()].to_owned(),
        ),
        (
            "a token with a line break",
            answer(&format!(
                "{ID}{SECRET}<SessionToken>Fake\nToken</SessionToken>{EXPIRES}"
            )),
        ),
    ];
    for (what, body) in cases {
        let mock = MockSts::start(vec![Reply::Status(200, body)]);
        let env = with_valid_session();
        let before = env.credentials();
        let mut args = login_args(&mock.url());
        args.push("--force".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.awsmfa(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("could not be read"))
            .stderr(predicate::str::contains("1970").not());
        assert_eq!(env.credentials(), before, "{what}: the file changed");
        assert_eq!(mock.requests(), 1, "{what}");
    }
}

#[test]
fn the_code_already_used_is_said_so() {
    let mock = MockSts::start(vec![Reply::Status(
        403,
        sts_error(
            "AccessDenied",
            "MultiFactorAuthentication failed, the MFA code has already been used.",
        ),
    )]);
    let env = TestEnv::with_default_profile();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &mock.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the MFA code was already used"));
    assert_eq!(mock.requests(), 1);
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0, "mkfifo");
}

/// Makes a character device at `path` like /dev/null (1, 3) or /dev/zero
/// (1, 5); `false` where the machine does not allow it (not root).
fn mknod_char(path: &Path, minor: u8) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let dev = libc::makedev(1, minor.into());
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, dev) } == 0;
    if !made {
        eprintln!("note: cannot make a device node here (needs root); device cases skipped");
    }
    made
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_fifo()
}

fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_char_device()
}

#[test]
fn a_fifo_reads_as_no_file_at_once_and_is_never_written() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let fifo = env.home().join("fifo");
    mkfifo(&fifo);
    let fifo_s = fifo.to_str().unwrap();

    // As the credentials file: no session, no keys, no hang.
    let started = Instant::now();
    let creds_env = TestEnv::new().var("AWS_SHARED_CREDENTIALS_FILE", fifo_s);
    for args in [&["status"][..], &["env"], &["credential-process"]] {
        creds_env.awsmfa(args).assert().code(3);
    }
    creds_env.awsmfa(&["prompt"]).assert().stdout("");
    creds_env
        .awsmfa(
            &login_args(&sts.url())
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no long-term keys"));
    assert!(started.elapsed() < Duration::from_secs(20));

    // As the config file: login works (nothing to copy from it) and the
    // FIFO stays a FIFO; configure, which must write it, is refused.
    let env = env.var("AWS_CONFIG_FILE", fifo_s);
    env.login(&sts.url(), &[]);
    assert!(env.credentials().contains("[mfa]"));
    env.awsmfa(&["configure", "--device", DEVICE])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a regular file"));
    assert!(is_fifo(&fifo));
}

#[test]
fn device_nodes_read_as_no_file_and_are_never_replaced() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let null = env.home().join("null");
    let zero = env.home().join("zero");
    if !(mknod_char(&null, 3) && mknod_char(&zero, 5)) {
        return;
    }
    // /dev/zero as the credentials file would be read forever.
    let zero_env = TestEnv::new().var("AWS_SHARED_CREDENTIALS_FILE", zero.to_str().unwrap());
    let out = zero_env.awsmfa(&["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("chmod"), "{stderr}");

    // /dev/null as the config file, the usual way to disable it.
    let env = env.var("AWS_CONFIG_FILE", null.to_str().unwrap());
    env.login(&sts.url(), &["--region", "eu-west-1"]);
    env.awsmfa(&["configure", "--device", DEVICE])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a regular file"));
    assert!(is_char_device(&null));
    // A credentials file that is a device is refused before any request.
    let requests = sts.requests();
    let cred_env = TestEnv::new()
        .var("AWS_SHARED_CREDENTIALS_FILE", null.to_str().unwrap())
        .var("AWS_CONFIG_FILE", env.credentials_path().to_str().unwrap());
    cred_env
        .awsmfa(
            &login_args(&sts.url())
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a regular file"));
    assert_eq!(sts.requests(), requests, "STS was called");
    assert!(is_char_device(&null));
}

#[test]
fn logout_removes_only_sessions() {
    let env = TestEnv::new();
    let text = "[prod]\ncredential_process = /bin/echo x\nregion = eu-west-1\n\n\
                [sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\n\
                [keys]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = s\n\n\
                [old]\naws_access_key_id = ASIAFAKE\naws_secret_access_key = s\naws_security_token = t\n";
    env.write_credentials(text);
    for target in ["prod", "sso", "keys"] {
        env.awsmfa(&["logout", "--target", target])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("logout only removes sessions"));
        assert_eq!(env.credentials(), text, "{target}");
    }
    env.awsmfa(&["logout", "--target", "old"])
        .assert()
        .success();
    assert!(!env.credentials().contains("[old]"));
    assert!(env.credentials().contains("[prod]"));
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn run(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awsmfa"));
    env.apply(&mut cmd);
    cmd.args(args);
    unprivileged(env, &mut cmd);
    cmd.output().unwrap()
}

/// Files that the unprivileged run may read (and, where said, write).
fn open_up(env: &TestEnv) {
    let aws = env.home().join(".aws");
    for file in [env.credentials_path(), env.config_path()] {
        if file.exists() {
            set_mode(&file, 0o666);
        }
    }
    set_mode(&aws, 0o777);
}

#[test]
fn a_read_only_directory_with_an_old_lock_file_fails_before_sts() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let aws = env.home().join(".aws");
    // Earlier logins left the lock files, which can still be opened.
    for name in [".credentials.awsmfa-lock", ".config.awsmfa-lock"] {
        let lock = aws.join(name);
        std::fs::write(&lock, "").unwrap();
        set_mode(&lock, 0o666);
    }
    open_up(&env);
    set_mode(&aws, 0o555);
    let before = env.credentials();
    let out = run(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    );
    set_mode(&aws, 0o755);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot write in {}", aws.display())),
        "{stderr}"
    );
    assert_eq!(
        sts.requests(),
        0,
        "a code was spent on a session that cannot be saved"
    );
    assert_eq!(env.credentials(), before);
}

#[test]
fn an_unwritable_credentials_directory_changes_neither_file() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let conf_dir = env.home().join("conf");
    std::fs::create_dir(&conf_dir).unwrap();
    let config = conf_dir.join("config");
    std::fs::write(&config, "[default]\nregion = eu-west-1\n").unwrap();
    set_mode(&config, 0o666);
    set_mode(&conf_dir, 0o777);
    let env = env.var("AWS_CONFIG_FILE", config.to_str().unwrap());
    open_up(&env);
    let aws = env.home().join(".aws");
    // An earlier login left the lock file, which can still be opened.
    let lock = aws.join(".credentials.awsmfa-lock");
    std::fs::write(&lock, "").unwrap();
    set_mode(&lock, 0o666);
    set_mode(&aws, 0o555);
    let out = run(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    );
    set_mode(&aws, 0o755);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(sts.requests(), 0);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "[default]\nregion = eu-west-1\n"
    );
}

#[test]
fn an_unwritable_config_directory_is_found_before_sts_when_config_must_change() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let conf_dir = env.home().join("conf");
    std::fs::create_dir(&conf_dir).unwrap();
    let config = conf_dir.join("config");
    std::fs::write(&config, "[default]\nregion = eu-west-1\n").unwrap();
    set_mode(&config, 0o444);
    let env = env.var("AWS_CONFIG_FILE", config.to_str().unwrap());
    open_up(&env);
    set_mode(&conf_dir, 0o555);
    let before = env.credentials();
    let out = run(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(sts.requests(), 0);
    assert_eq!(env.credentials(), before);

    // Once [profile mfa] exists, the config needs no change and may stay read-only.
    set_mode(&conf_dir, 0o755);
    std::fs::write(
        &config,
        "[default]\nregion = eu-west-1\n[profile mfa]\nregion = eu-west-1\n",
    )
    .unwrap();
    set_mode(&config, 0o444);
    set_mode(&conf_dir, 0o555);
    let out = run(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    );
    set_mode(&conf_dir, 0o755);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(env.credentials().contains("[mfa]"));
}

#[test]
fn an_unwritable_lock_file_is_named() {
    if !is_root() {
        eprintln!("note: needs root to make a lock file the test user cannot open; skipped");
        return;
    }
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let lock = env.home().join(".aws").join(".credentials.awsmfa-lock");
    std::fs::write(&lock, "").unwrap();
    set_mode(&lock, 0o600);
    open_up(&env);
    let out = run(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot open the lock file {}", lock.display())),
        "{stderr}"
    );
    assert_eq!(sts.requests(), 0);
}

#[test]
fn config_and_credentials_as_one_file() {
    let sts = MockSts::issuing_sessions();
    for link in [false, true] {
        let env = TestEnv::new();
        env.write_credentials(&format!("{}region = eu-west-1\n", default_credentials()));
        let config = if link {
            let link = env.home().join("config-link");
            std::os::unix::fs::symlink(env.credentials_path(), &link).unwrap();
            link
        } else {
            env.credentials_path()
        };
        let env = env.var("AWS_CONFIG_FILE", config.to_str().unwrap());
        let started = Instant::now();
        env.login(&sts.url(), &[]);
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "waited on its own lock"
        );
        let text = env.credentials();
        assert!(
            text.contains("[mfa]\naws_access_key_id = ASIAFAKEMOCKSESSION0"),
            "{text}"
        );
        assert!(text.contains("[profile mfa]\nregion = eu-west-1"), "{text}");
        assert!(text.starts_with(&default_credentials()), "{text}");
    }
}

#[test]
fn a_multi_line_value_is_not_copied_and_the_login_goes_on() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    env.write_config("[default]\nregion = eu-west-1\noutput = json\n  table\n");
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "output of profile default spans several lines",
        ));
    assert_eq!(
        env.config(),
        "[default]\nregion = eu-west-1\noutput = json\n  table\n\n[profile mfa]\nregion = eu-west-1\n"
    );
    assert_eq!(moto.session_token_requests().len(), 1);
}

#[test]
fn aws_security_token_is_a_session_key() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::new();
    // As the Python aws-mfa writes it: both token keys.
    env.write_credentials(&format!(
        "{}\n[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\n\
         aws_session_token = oldtoken\naws_security_token = oldtoken\n",
        default_credentials()
    ));
    env.login(&sts.url(), &["--force"]);
    let text = env.credentials();
    assert!(
        text.contains("aws_session_token = FakeMockSessionToken+/=\n"),
        "{text}"
    );
    assert!(
        text.contains("aws_security_token = FakeMockSessionToken+/=\n"),
        "{text}"
    );
    assert!(!text.contains("oldtoken"), "{text}");

    // A source that holds a security token is temporary: refused before any request.
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "{}aws_security_token = t\n",
        default_credentials()
    ));
    let before = sts.requests();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &sts.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("temporary credentials"));
    assert_eq!(sts.requests(), before);
}

#[test]
fn bad_endpoints_and_regions_are_usage_errors_before_the_code() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    for url in [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:abc",
        "http://127.0.0.1:",
    ] {
        env.awsmfa(&["login", "--endpoint-url", url])
            .write_stdin("123456\n")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is not an http(s) URL"));
    }
    let url = sts.url();
    for (how, region) in [
        ("flag", "eu/west-1"),
        ("env", "us-east-1\nx"),
        ("profile", "a b"),
    ] {
        let mut env = TestEnv::with_default_profile();
        let mut args = vec!["login", "--endpoint-url", url.as_str()];
        match how {
            "flag" => args.extend(["--region", region]),
            "env" => env = env.var("AWS_REGION", region),
            _ => env.write_config(&format!("[default]\nregion = {region}\n")),
        }
        // No code given and stdin empty: the region must be refused first.
        env.awsmfa(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is not a region name"));
    }
    assert_eq!(sts.requests(), 0);
}

/// `exec --login` never reads stdin: with no terminal it fails at once.
#[test]
fn exec_login_without_a_terminal_fails_at_once_and_leaves_stdin() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile().var("AWS_ENDPOINT_URL", &sts.url());
    let started = Instant::now();
    env.awsmfa(&["exec", "--login", "--", "cat"])
        .write_stdin("123456\n")
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("no terminal"));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(sts.requests(), 0);
}

/// On a terminal, `exec --login` asks there and the command keeps its stdin.
#[cfg(target_os = "linux")]
#[test]
fn exec_login_asks_on_the_terminal_and_the_command_reads_stdin() {
    let Some(script) = peer("script") else { return };
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let input = env.home().join("input");
    std::fs::write(&input, "line for the command\n").unwrap();
    let command = format!(
        "AWS_ENDPOINT_URL={} '{}' exec --login -- sh -c 'read x; echo \"got: $x\"' < '{}'",
        sts.url(),
        env!("CARGO_BIN_EXE_awsmfa"),
        input.display()
    );
    let out = env
        .program(&script, &["-qec", &command, "/dev/null"])
        .write_stdin("135791\n")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("MFA code for"), "{screen}");
    assert!(screen.contains("got: line for the command"), "{screen}");
    assert!(
        sts.bodies()[0].contains("TokenCode=135791"),
        "{:?}",
        sts.bodies()
    );
}

/// Another user's credentials file in a sticky directory (as in /tmp): the
/// directory takes new files, but the file cannot be replaced. Found before
/// any request, with neither file changed.
#[test]
fn another_users_file_in_a_sticky_directory_is_found_before_sts() {
    if !is_root() {
        eprintln!("note: needs root to give the file to another user; skipped");
        return;
    }
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let shared = tempfile::tempdir().unwrap();
    set_mode(shared.path(), 0o1777);
    let credentials = shared.path().join("credentials");
    std::fs::write(&credentials, default_credentials()).unwrap();
    set_mode(&credentials, 0o644);
    let config = env.home().join("config");
    std::fs::write(&config, "[default]\nregion = eu-west-1\n").unwrap();
    set_mode(&config, 0o666);
    let env = env
        .var("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())
        .var("AWS_CONFIG_FILE", config.to_str().unwrap());
    let out = run(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot replace"),
        "{out:?}"
    );
    assert_eq!(
        sts.requests(),
        0,
        "a code was spent on a session that cannot be saved"
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "[default]\nregion = eu-west-1\n"
    );
    assert_eq!(
        std::fs::read_to_string(&credentials).unwrap(),
        default_credentials()
    );
}

/// A message from STS that quotes the code back never shows it.
#[test]
fn a_code_quoted_back_by_sts_is_not_shown() {
    let mock = MockSts::start(vec![Reply::Status(
        403,
        sts_error(
            "AccessDenied",
            "token code 135792 is not valid for this user",
        ),
    )]);
    let env = TestEnv::with_default_profile();
    let out = env
        .awsmfa(&["login", "--code", "135792", "--endpoint-url", &mock.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("135792") && stderr.contains("<redacted>"),
        "{stderr}"
    );
}
