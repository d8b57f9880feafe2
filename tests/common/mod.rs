//! Shared test harness: a private HOME per test, the real peers (moto_server,
//! the AWS CLI, shells) and a small mock STS for answers moto cannot give.
#![allow(dead_code, unused_imports)]

pub mod keyring;
pub mod mock_sts;
pub mod moto;
pub mod portal;

use std::fs;
use std::path::{Path, PathBuf};

pub use mock_sts::MockSts;
pub use moto::Moto;
pub use portal::Portal;

/// Fake long-term keys: never real, recognisable in a leak.
pub const ACCESS_KEY_ID: &str = "AKIAFAKEFAKEFAKE1234";
pub const SECRET_ACCESS_KEY: &str = "fakeSecretKey/ForTests+0123456789abcdef";
pub const DEVICE: &str = "arn:aws:iam::123456789012:mfa/tester";
/// The session moto hands out for GetSessionToken.
pub const MOTO_SESSION_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const MOTO_SESSION_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";

/// `[default]` with fake long-term keys and an MFA device.
pub fn default_credentials() -> String {
    format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\nmfa_serial = {DEVICE}\n"
    )
}

/// A temporary HOME with its own `~/.aws`, and the environment awsmfa runs in.
pub struct TestEnv {
    home: tempfile::TempDir,
    vars: Vec<(String, String)>,
    unset: Vec<String>,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let home = tempfile::tempdir().expect("temp HOME");
        fs::create_dir(home.path().join(".aws")).unwrap();
        TestEnv {
            home,
            vars: Vec::new(),
            unset: Vec::new(),
        }
    }

    /// A HOME holding `[default]` with fake keys and an MFA device.
    pub fn with_default_profile() -> TestEnv {
        let env = TestEnv::new();
        env.write_credentials(&default_credentials());
        env
    }

    /// Sets a variable for every command this environment runs.
    pub fn var(mut self, key: &str, value: &str) -> TestEnv {
        self.vars.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Leaves a variable the harness sets (DBUS_SESSION_BUS_ADDRESS) unset.
    pub fn unset(mut self, key: &str) -> TestEnv {
        self.unset.push(key.to_owned());
        self
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.home().join(".aws").join("credentials")
    }

    pub fn config_path(&self) -> PathBuf {
        self.home().join(".aws").join("config")
    }

    /// Writes the credentials file private (0600), as the AWS CLI creates it.
    pub fn write_credentials(&self, text: &str) {
        let path = self.credentials_path();
        fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if path.is_file() {
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            }
        }
    }

    pub fn write_config(&self, text: &str) {
        fs::write(self.config_path(), text).unwrap();
    }

    pub fn credentials(&self) -> String {
        fs::read_to_string(self.credentials_path()).unwrap_or_default()
    }

    pub fn config(&self) -> String {
        fs::read_to_string(self.config_path()).unwrap_or_default()
    }

    /// Applies the clean environment: nothing from the developer's or CI's
    /// own `AWS_*` variables, only PATH, HOME and what the test set.
    pub fn apply(&self, cmd: &mut std::process::Command) {
        cmd.env_clear();
        for key in ["PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP"] {
            if let Some(v) = std::env::var_os(key) {
                cmd.env(key, v);
            }
        }
        cmd.env("HOME", self.home());
        cmd.env("USERPROFILE", self.home());
        // No session bus unless a test names one (tests/common/keyring.rs):
        // a login that reaches for the keychain never finds the machine's own.
        let no_bus = self.home().join(".no-session-bus");
        cmd.env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", no_bus.display()),
        );
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        for k in &self.unset {
            cmd.env_remove(k);
        }
        // No controlling terminal, as under cron or CI: a prompt on /dev/tty
        // must fail at once instead of waiting for the developer's keyboard.
        #[cfg(unix)]
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(cmd, || {
                libc::setsid();
                Ok(())
            });
        }
    }

    /// `awsmfa ARGS` in this environment, stdin empty unless the test writes it.
    pub fn awsmfa(&self, args: &[&str]) -> assert_cmd::Command {
        let mut std_cmd = std::process::Command::new(env!("CARGO_BIN_EXE_awsmfa"));
        self.apply(&mut std_cmd);
        std_cmd.args(args);
        let mut cmd = assert_cmd::Command::from_std(std_cmd);
        cmd.timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// Any program in this environment (a shell, the AWS CLI, python).
    pub fn program(&self, program: &Path, args: &[&str]) -> assert_cmd::Command {
        let mut std_cmd = std::process::Command::new(program);
        self.apply(&mut std_cmd);
        std_cmd.args(args);
        let mut cmd = assert_cmd::Command::from_std(std_cmd);
        cmd.timeout(std::time::Duration::from_secs(120));
        cmd
    }

    /// Logs in against `endpoint` with a fixed code; panics unless it succeeds.
    pub fn login(&self, endpoint: &str, extra: &[&str]) {
        let mut args = vec!["login", "--code", "123456", "--endpoint-url", endpoint];
        args.extend_from_slice(extra);
        self.awsmfa(&args).assert().success();
    }
}

/// Finds a program on PATH. A missing peer fails the run in CI (`CI=true`),
/// unless `AWSMFA_OPTIONAL_PEERS` names it; elsewhere the test is skipped with a note.
pub fn peer(name: &str) -> Option<PathBuf> {
    if let Some(found) = which(name) {
        return Some(found);
    }
    if in_ci() && !optional_peer(name) {
        panic!("test peer '{name}' is not on PATH (run scripts/test.sh, which installs it)");
    }
    eprintln!("note: skipping, '{name}' is not installed (scripts/test.sh installs it)");
    None
}

/// Whether this is a CI run (`CI=true`), where a missing peer fails.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Whether `AWSMFA_OPTIONAL_PEERS` (comma-separated) names `name`.
fn optional_peer(name: &str) -> bool {
    let optional = std::env::var("AWSMFA_OPTIONAL_PEERS").unwrap_or_default();
    optional.split(',').any(|p| p.trim() == name)
}

/// The peer python3, if it can import every one of `modules` (e.g. boto3,
/// which scripts/peers.sh installs). Missing ones fail the run in CI, as a
/// missing peer does; elsewhere the test is skipped with a note.
pub fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let python = peer("python3")?;
    let missing: Vec<&str> = modules
        .iter()
        .copied()
        .filter(|m| {
            !std::process::Command::new(&python)
                .args(["-c", &format!("import {m}")])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
    if missing.is_empty() {
        return Some(python);
    }
    let names = missing.join(", ");
    if in_ci() && !missing.iter().all(|m| optional_peer(m)) {
        panic!(
            "{} cannot import {names} (run scripts/test.sh, which installs it)",
            python.display()
        );
    }
    eprintln!("note: skipping, {} cannot import {names}", python.display());
    None
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let candidates = [
            dir.join(name),
            dir.join(format!("{name}.exe")),
            dir.join(format!("{name}.cmd")),
        ];
        candidates.into_iter().find(|p| p.is_file())
    })
}

/// A free loopback port (bound, then released for the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Evaluates `key = value` lines of a section the way botocore does, via
/// `aws configure get` (the real AWS CLI reading the real file).
pub fn aws_configure_get(env: &TestEnv, aws: &Path, key: &str, profile: &str) -> String {
    let out = env
        .program(aws, &["configure", "get", key, "--profile", profile])
        .output()
        .unwrap();
    assert!(out.status.success(), "aws configure get {key}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

/// Whether the tests run as root (which ignores file permissions).
#[cfg(unix)]
pub fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// Root ignores file permissions: run `cmd` as `nobody` then, with a HOME it
/// can enter but whose files and directories still belong to root.
#[cfg(unix)]
pub fn unprivileged(env: &TestEnv, cmd: &mut std::process::Command) {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    if !is_root() {
        return;
    }
    fs::set_permissions(env.home(), fs::Permissions::from_mode(0o755)).unwrap();
    unsafe {
        cmd.pre_exec(|| {
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
