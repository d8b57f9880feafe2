//! Whose files they are after a run as root on a user's `~/.aws` (a
//! container with it mounted, `sudo -E`): the user's, as `aws configure set`
//! leaves them, so the user can read their credentials and log in again.
//! And lock files, which lie where others may write, are never followed
//! through a symlink nor opened when they are no regular file.
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

/// The user the files belong to: `nobody`, as `common::unprivileged` runs.
const NOBODY: u32 = 65534;

/// Owner, group and permission bits of `path` (not following a symlink).
fn owned(path: &Path) -> (u32, u32, u32) {
    let meta = fs::symlink_metadata(path).unwrap();
    (meta.uid(), meta.gid(), meta.mode() & 0o7777)
}

fn give_to_nobody(path: &Path, mode: u32) {
    std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn needs_root() -> bool {
    if is_root() {
        return true;
    }
    eprintln!("note: needs root to run awsmfa on another user's files; skipped");
    false
}

/// `awsmfa ARGS` run as `nobody`, the owner of the files.
fn as_nobody(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awsmfa"));
    env.apply(&mut cmd);
    cmd.args(args);
    unprivileged(env, &mut cmd);
    cmd.output().unwrap()
}

fn login_args(url: &str) -> Vec<&str> {
    vec!["login", "--code", "123456", "--endpoint-url", url]
}

/// No temporary file of an atomic replace is left in `dir`.
fn no_temps(dir: &Path) {
    let left: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".awsmfa-tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Root logs in and out on files that belong to `nobody`: the credentials
/// file stays nobody's and 0600, the config file keeps owner and mode, the
/// lock files root created are nobody's, and nobody then logs in again.
#[test]
fn a_root_login_keeps_the_users_files_the_users() {
    if !needs_root() {
        return;
    }
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    env.write_config("[default]\nregion = eu-west-1\n");
    let aws = env.home().join(".aws");
    give_to_nobody(env.home(), 0o755);
    give_to_nobody(&aws, 0o700);
    give_to_nobody(&env.credentials_path(), 0o600);
    give_to_nobody(&env.config_path(), 0o644);

    env.awsmfa(&login_args(&sts.url())).assert().success();
    assert!(env.credentials().contains("[mfa]"));
    assert!(
        env.config().contains("[profile mfa]"),
        "the config was written"
    );
    assert_eq!(owned(&env.credentials_path()), (NOBODY, NOBODY, 0o600));
    assert_eq!(owned(&env.config_path()), (NOBODY, NOBODY, 0o644));
    assert_eq!(owned(&aws), (NOBODY, NOBODY, 0o700));
    for lock in [
        ".credentials.awsmfa-lock",
        ".config.awsmfa-lock",
        ".credentials.login-mfa.awsmfa-lock",
    ] {
        assert_eq!(owned(&aws.join(lock)), (NOBODY, NOBODY, 0o600), "{lock}");
    }
    no_temps(&aws);

    // The user logs in again, reads the session and logs out.
    let url = sts.url();
    let mut args = login_args(&url);
    args.push("--force");
    let out = as_nobody(&env, &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = as_nobody(&env, &["status"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // A root logout keeps the owner too.
    env.awsmfa(&["logout"]).assert().success();
    assert!(!env.credentials().contains("[mfa]"));
    assert_eq!(owned(&env.credentials_path()), (NOBODY, NOBODY, 0o600));
    let out = as_nobody(&env, &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// In a home that belongs to `nobody` and has no `~/.aws` yet, root creates
/// `~/.aws`, the config file, the credentials file and their lock files:
/// all of them nobody's, as the home is, and nobody then logs in.
#[test]
fn what_a_root_run_creates_in_the_users_home_is_the_users() {
    if !needs_root() {
        return;
    }
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::new();
    let aws = env.home().join(".aws");
    fs::remove_dir(&aws).unwrap();
    give_to_nobody(env.home(), 0o755);

    env.awsmfa(&["configure", "--device", DEVICE])
        .assert()
        .success();
    assert_eq!(owned(&aws), (NOBODY, NOBODY, 0o700));
    assert_eq!(owned(&env.config_path()), (NOBODY, NOBODY, 0o600));
    assert_eq!(
        owned(&aws.join(".config.awsmfa-lock")),
        (NOBODY, NOBODY, 0o600)
    );

    // The keys are in the config file; the credentials file is new.
    let config = format!(
        "{}aws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n",
        env.config()
    );
    fs::write(env.config_path(), config).unwrap();
    assert!(!env.credentials_path().exists());
    env.awsmfa(&login_args(&sts.url())).assert().success();
    assert!(env.credentials().contains("[mfa]"));
    assert_eq!(owned(&env.credentials_path()), (NOBODY, NOBODY, 0o600));
    for lock in [
        ".credentials.awsmfa-lock",
        ".credentials.login-mfa.awsmfa-lock",
    ] {
        assert_eq!(owned(&aws.join(lock)), (NOBODY, NOBODY, 0o600), "{lock}");
    }
    no_temps(&aws);

    let url = sts.url();
    let mut args = login_args(&url);
    args.push("--force");
    let out = as_nobody(&env, &args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0, "mkfifo");
}

/// Each lock file a writing command opens, with that command.
const LOCKS: [(&str, &[&str]); 5] = [
    (".credentials.awsmfa-lock", &["login"]),
    (".credentials.awsmfa-lock", &["logout"]),
    (".config.awsmfa-lock", &["login"]),
    (".credentials.login-mfa.awsmfa-lock", &["login"]),
    (".config.awsmfa-lock", &["configure", "--device", DEVICE]),
];

/// Plants something at each lock path in turn and runs the command that
/// opens it: exit 1 at once, naming the lock file and what is there, no
/// request to STS, both files unchanged.
fn refused_at_every_lock(what: &str, plant: &dyn Fn(&Path, &Path)) {
    let sts = MockSts::issuing_sessions();
    for (lock, command) in LOCKS {
        let env = TestEnv::with_default_profile();
        env.write_config("[default]\nregion = eu-west-1\n");
        let (credentials, config) = (env.credentials(), env.config());
        let lock = env.home().join(".aws").join(lock);
        let pointed = env.home().join("planted");
        plant(&lock, &pointed);
        let mut args = command.to_vec();
        let url = sts.url();
        if command == ["login"] {
            args = login_args(&url);
        }
        let started = Instant::now();
        let out = env
            .awsmfa(&args)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let case = format!("{what} at {} for {args:?}: {stderr}", lock.display());
        assert!(started.elapsed() < Duration::from_secs(15), "{case}");
        assert_eq!(out.status.code(), Some(1), "{case}");
        assert!(stderr.contains(&lock.display().to_string()), "{case}");
        assert!(
            stderr.contains(&format!("it is {what}, not a regular file")),
            "{case}"
        );
        assert!(
            fs::symlink_metadata(&pointed).is_err(),
            "{case}: the link was followed"
        );
        assert_eq!(sts.requests(), 0, "{case}: STS was called");
        assert_eq!(env.credentials(), credentials, "{case}");
        assert_eq!(env.config(), config, "{case}");
    }
}

/// A symlink planted at a lock path (in a shared or group-writable
/// directory) never makes awsmfa create the file it points to.
#[test]
fn a_symlink_at_a_lock_path_is_refused_and_never_followed() {
    refused_at_every_lock("a symbolic link", &|lock, pointed| {
        std::os::unix::fs::symlink(pointed, lock).unwrap();
    });
}

/// A FIFO at a lock path is refused at once, never waited on.
#[test]
fn a_fifo_at_a_lock_path_is_refused_at_once() {
    refused_at_every_lock("a FIFO", &|lock, _| mkfifo(lock));
}

#[test]
fn a_directory_at_a_lock_path_is_refused() {
    refused_at_every_lock("a directory", &|lock, _| fs::create_dir(lock).unwrap());
}
