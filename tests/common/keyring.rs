//! The keychain the keychain tests use. On Linux, a real Secret Service:
//! gnome-keyring in a D-Bus session of its own (`dbus-run-session`), with
//! its own data directory and unlocked, so the machine's own keyring is
//! never read or written. On macOS and Windows, the system's keychain
//! itself, with profile names no one else uses, removed when done.

use std::path::PathBuf;

use super::TestEnv;

/// A keychain for one test.
pub struct Keychain {
    #[cfg(target_os = "linux")]
    pub service: SecretService,
    /// Profiles this test stored keys for (removed on drop outside Linux).
    #[cfg(not(target_os = "linux"))]
    made: std::cell::RefCell<Vec<String>>,
}

impl Keychain {
    /// The keychain, or `None` (skip) where its peers are missing outside CI.
    pub fn start() -> Option<Keychain> {
        #[cfg(target_os = "linux")]
        return Some(Keychain {
            service: SecretService::start()?,
        });
        #[cfg(not(target_os = "linux"))]
        return Some(Keychain {
            made: Default::default(),
        });
    }

    /// A profile name for this test: `name` in a keyring of its own (Linux),
    /// else made unique, since the system's keychain is shared.
    pub fn profile(&self, name: &str) -> String {
        #[cfg(target_os = "linux")]
        return name.to_owned();
        #[cfg(not(target_os = "linux"))]
        {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::SeqCst);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            let unique = format!("awsmfa-test-{name}-{}-{n}-{nanos}", std::process::id());
            self.made.borrow_mut().push(unique.clone());
            unique
        }
    }

    /// `env` reaching this keychain.
    pub fn reach(&self, env: TestEnv) -> TestEnv {
        #[cfg(target_os = "linux")]
        let env = env.var("DBUS_SESSION_BUS_ADDRESS", self.service.address());
        // The macOS Keychain is found through the real HOME: the AWS files
        // stay in the test's own directory all the same.
        #[cfg(target_os = "macos")]
        let env = {
            let credentials = env.credentials_path();
            let config = env.config_path();
            let home = std::env::var("HOME").unwrap_or_default();
            env.var("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())
                .var("AWS_CONFIG_FILE", config.to_str().unwrap())
                .var("HOME", &home)
        };
        env
    }
}

#[cfg(not(target_os = "linux"))]
impl Drop for Keychain {
    fn drop(&mut self) {
        for profile in self.made.borrow().iter() {
            let env = self.reach(TestEnv::new());
            let _ = env
                .awsmfa(&["keys", "remove", "--profile", profile])
                .output();
        }
    }
}

/// Every file under `dir`, with its bytes (to prove a secret is in none).
pub fn files_under(dir: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                todo.push(path);
            } else if kind.is_file() {
                found.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    found.sort();
    found
}

#[cfg(target_os = "linux")]
pub use secret_service::SecretService;

#[cfg(target_os = "linux")]
mod secret_service {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::super::peer;

    /// A D-Bus session bus of its own, with gnome-keyring on it (or not),
    /// ended on drop (or by [`SecretService::stop`]).
    pub struct SecretService {
        session: Option<Child>,
        address: String,
        dir: tempfile::TempDir,
    }

    /// A session bus that starts no service on demand: a call for a name
    /// nobody owns fails at once instead of starting the machine's own
    /// gnome-keyring (with its own data) or a prompter.
    const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=SOCKET</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

    impl SecretService {
        /// gnome-keyring, unlocked, owning `org.freedesktop.secrets`; `None`
        /// (skip) when its peers are missing outside CI.
        pub fn start() -> Option<SecretService> {
            SecretService::start_with(true)
        }

        /// A session bus with no Secret Service on it.
        pub fn bus_only() -> Option<SecretService> {
            SecretService::start_with(false)
        }

        fn start_with(keyring: bool) -> Option<SecretService> {
            let run_session = peer("dbus-run-session")?;
            peer("dbus-send")?;
            if keyring {
                peer("gnome-keyring-daemon")?;
            }
            let dir = tempfile::tempdir().unwrap();
            let runtime = dir.path().join("run");
            std::fs::create_dir(&runtime).unwrap();
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
            }
            let socket = dir.path().join("bus");
            let config = dir.path().join("bus.conf");
            std::fs::write(
                &config,
                BUS_CONFIG.replace("SOCKET", socket.to_str().unwrap()),
            )
            .unwrap();
            // The address first, then the keyring unlocked with a password
            // of its own; `cat` keeps the session until stdin closes.
            let script = r#"printf %s "$DBUS_SESSION_BUS_ADDRESS" > "$1/address.tmp" && mv "$1/address.tmp" "$1/address"
if [ "$2" = keyring ]; then
    printf %s awsmfa-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
fi
exec cat"#;
            let mut cmd = Command::new(run_session);
            cmd.arg(format!("--config-file={}", config.display()))
                .args(["--", "sh", "-c", script, "sh"])
                .arg(dir.path())
                .arg(if keyring { "keyring" } else { "none" })
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", dir.path())
                .env("XDG_DATA_HOME", dir.path().join("data"))
                .env("XDG_CONFIG_HOME", dir.path().join("config"))
                .env("XDG_CACHE_HOME", dir.path().join("cache"))
                .env("XDG_RUNTIME_DIR", &runtime)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group, ended whole.
                .process_group(0);
            let session = cmd.spawn().expect("start dbus-run-session");
            let mut service = SecretService {
                session: Some(session),
                address: String::new(),
                dir,
            };
            let address_file = service.dir.path().join("address");
            service.address = wait_for("the session bus's address", || {
                std::fs::read_to_string(&address_file).ok()
            });
            if keyring {
                // gnome-keyring takes its name on the bus after it returns.
                let address = service.address.clone();
                wait_for("org.freedesktop.secrets on the bus", || {
                    owned(&address).then_some(())
                });
            }
            Some(service)
        }

        /// The bus's address (`DBUS_SESSION_BUS_ADDRESS`).
        pub fn address(&self) -> &str {
            &self.address
        }

        /// Ends the session: the bus and gnome-keyring go, and the address
        /// then points nowhere.
        pub fn stop(&mut self) {
            let Some(mut session) = self.session.take() else {
                return;
            };
            // SAFETY: signals the process group this harness started.
            unsafe {
                libc::kill(-(session.id() as i32), libc::SIGTERM);
            }
            drop(session.stdin.take());
            let _ = session.wait();
            let socket = self.dir.path().join("bus");
            let started = Instant::now();
            while socket.exists() && started.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = std::fs::remove_file(socket);
        }

        /// `secret-tool lookup` on this keyring: what is really stored,
        /// read by libsecret rather than by awsmfa.
        pub fn lookup(&self, profile: &str) -> Option<String> {
            let tool = peer("secret-tool")?;
            let out = Command::new(tool)
                .args(["lookup", "service", "awsmfa", "username", profile])
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            out.status
                .success()
                .then(|| String::from_utf8(out.stdout).unwrap())
        }

        /// Stores `secret` for `profile` as another program would.
        pub fn store_raw(&self, profile: &str, secret: &str) {
            let tool = peer("secret-tool").expect("secret-tool");
            let mut child = Command::new(tool)
                .args([
                    "store",
                    "--label=not awsmfa",
                    "service",
                    "awsmfa",
                    "username",
                    profile,
                ])
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(secret.as_bytes())
                .unwrap();
            assert!(child.wait().unwrap().success());
        }
    }

    impl Drop for SecretService {
        fn drop(&mut self) {
            self.stop();
        }
    }

    /// Whether `org.freedesktop.secrets` has an owner on the bus at `address`.
    fn owned(address: &str) -> bool {
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--dest=org.freedesktop.DBus",
                "--print-reply",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DBUS_SESSION_BUS_ADDRESS", address)
            .stdin(Stdio::null())
            .output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
    }

    /// Polls `ready` for up to 20 s; the harness fails past that.
    fn wait_for<T>(what: &str, mut ready: impl FnMut() -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(value) = ready() {
                return value;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the test Secret Service did not start: no {what} after 20 s"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}
