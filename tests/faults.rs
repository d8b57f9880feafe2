//! Faults: an unwritable directory, a full disk, a file that is a directory,
//! a dangling symlink, an unreadable file, a lock held for long, and runs
//! killed mid-write. Each gives a clear error (exit 1 or 2), the original file
//! stays byte-identical, and no temporary file is left behind.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

/// The `.awsmfa-tmp` files in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".awsmfa-tmp"))
        .collect()
}

/// awsmfa as a std Command, so that a test can shape the process.
fn awsmfa(env: &TestEnv, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awsmfa"));
    env.apply(&mut cmd);
    cmd.args(args);
    cmd
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn read_only_directory_fails_before_calling_sts() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let aws = env.home().join(".aws");
    std::fs::set_permissions(
        env.credentials_path(),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = env.credentials();
    let mut cmd = awsmfa(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    );
    unprivileged(&env, &mut cmd);
    let out = cmd.output().unwrap();
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(&format!("cannot write in {}", aws.display())),
        "{stderr}"
    );
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert_eq!(
        sts.requests(),
        0,
        "STS was called although nothing could be saved"
    );
    assert_eq!(env.credentials(), before);
    assert!(temp_files(&aws).is_empty());
}

#[test]
fn full_disk_leaves_the_file_and_no_temporary_file() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let before = env.credentials();
    let mut cmd = awsmfa(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    );
    // No file may grow past 64 bytes: every write of the new file fails with
    // EFBIG, as writes fail on a full disk (SIGXFSZ ignored, so it is an error).
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 64,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(&format!(
            "cannot write {}",
            env.credentials_path().display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("File too large"), "{stderr}");
    assert_eq!(env.credentials(), before);
    assert!(temp_files(&env.home().join(".aws")).is_empty());
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    /// A 64 KiB tmpfs, where mounting is allowed (root on Linux).
    fn mount() -> Option<TinyDisk> {
        if !cfg!(target_os = "linux") || !is_root() {
            eprintln!(
                "note: a real full disk needs root to mount a tmpfs; the RLIMIT_FSIZE test covers the rest"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs"])
            .arg(dir.path())
            .status()
            .ok()?;
        status.success().then_some(TinyDisk { dir })
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_really_full_disk_leaves_the_file_and_no_temporary_file() {
    let Some(disk) = TinyDisk::mount() else {
        return;
    };
    let sts = MockSts::issuing_sessions();
    let credentials = disk.dir.path().join("credentials");
    std::fs::write(&credentials, default_credentials()).unwrap();
    std::fs::set_permissions(&credentials, std::fs::Permissions::from_mode(0o600)).unwrap();
    let env = TestEnv::new().var("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap());
    // The lock sidecar first (it takes no blocks), then fill every block.
    awsmfa(&env, &["logout", "-t", "none"]).output().unwrap();
    let filler = disk.dir.path().join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 4096];
    while std::io::Write::write_all(&mut file, &block).is_ok() {}
    drop(file);
    let out = awsmfa(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(&format!("cannot write {}", credentials.display())),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&credentials).unwrap(),
        default_credentials()
    );
    assert!(temp_files(disk.dir.path()).is_empty());
}

#[test]
fn credentials_that_are_a_directory() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::new();
    std::fs::create_dir(env.credentials_path()).unwrap();
    for args in [
        &["env"][..],
        &["status"],
        &["logout"],
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    ] {
        let out = awsmfa(&env, args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        assert!(
            stderr_of(&out).contains("is a directory, not a file"),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(sts.requests(), 0);
    assert!(env.credentials_path().is_dir());
}

#[test]
fn dangling_symlink_is_reported_and_kept() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::new();
    let target = env.home().join("gone").join("credentials");
    std::os::unix::fs::symlink(&target, env.credentials_path()).unwrap();
    // The keys are in the config file, so that login gets as far as writing.
    env.write_config(&default_credentials());
    // Readers see no file, as botocore does.
    let out = awsmfa(&env, &["env"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    // Writers refuse before calling STS.
    let out = awsmfa(
        &env,
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stderr_of(&out).contains("is a symlink to a file that cannot be reached"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(sts.requests(), 0);
    assert_eq!(std::fs::read_link(env.credentials_path()).unwrap(), target);
    assert!(!target.exists());
}

#[test]
fn unreadable_file() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    std::fs::set_permissions(
        env.credentials_path(),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let before = std::fs::read(env.credentials_path()).unwrap();
    for args in [
        &["env"][..],
        &["status", "--json"],
        &["login", "--code", "123456", "--endpoint-url", &sts.url()],
    ] {
        let mut cmd = awsmfa(&env, args);
        unprivileged(&env, &mut cmd);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains(&format!("cannot read {}", env.credentials_path().display()))
                && stderr.contains("Permission denied"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(sts.requests(), 0);
    assert_eq!(std::fs::read(env.credentials_path()).unwrap(), before);
}

#[test]
fn a_lock_held_for_long_ends_in_a_clear_error() {
    let env = TestEnv::with_default_profile();
    let before = env.credentials();
    let lock_path = env.home().join(".aws").join(".credentials.awsmfa-lock");
    let lock = std::fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    let started = Instant::now();
    let out = awsmfa(&env, &["logout", "--target", "default-session"])
        .output()
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("is locked by another awsmfa process"),
        "{stderr}"
    );
    assert!(stderr.contains("waited 10s"), "{stderr}");
    assert!(
        waited >= Duration::from_secs(9) && waited < Duration::from_secs(20),
        "{waited:?}"
    );
    assert_eq!(env.credentials(), before);
    // Released: the same command goes through at once.
    drop(lock);
    let out = awsmfa(&env, &["logout", "--target", "default-session"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn killed_runs_leave_a_whole_file_and_no_temporary_files_pile_up() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    env.write_credentials(&format!(
        "# keep me\n{}\n[other]\nregion = x\n",
        default_credentials()
    ));
    let original = env.credentials();
    let aws = env.home().join(".aws");
    // Kill login at varied moments, from before it reads to after it renames.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..40 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_micros((seed >> 33) % 25_000);
        let mut child = awsmfa(
            &env,
            &[
                "login",
                "--force",
                "--code",
                "123456",
                "--endpoint-url",
                &sts.url(),
            ],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let now = env.credentials();
        let whole = now == original
            || (now.starts_with(&original)
                && now.contains("aws_session_token = FakeMockSessionToken+/=\n")
                && now.ends_with("expiration = 2999-01-01T00:00:00Z\n"));
        assert!(whole, "a killed run left a damaged file:\n{now}");
    }
    // A run killed between writing its temporary file and renaming it leaves
    // that file; the next write removes it once it is stale.
    let stray = aws.join(".credentials.abc123.awsmfa-tmp");
    std::fs::write(&stray, "partial").unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stray)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let out = awsmfa(
        &env,
        &[
            "login",
            "--force",
            "--code",
            "123456",
            "--endpoint-url",
            &sts.url(),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(temp_files(&aws).is_empty(), "{:?}", temp_files(&aws));
}
