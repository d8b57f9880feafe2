//! The per-target login lock: concurrent logins for one target (terraform's
//! parallel providers, several shells) ask for one code. The first takes the
//! lock and logs in; the others wait, then find the session it saved.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::error::Error;
use crate::profiles::lock::{is_not_regular, open_lock};

/// How long a login waits for another one (a prompt or code command may be pending).
pub const LOGIN_WAIT: Duration = Duration::from_secs(120);

/// An exclusive lock on logging in to one target, held until dropped.
#[derive(Debug)]
pub struct LoginLock {
    _file: File,
}

impl LoginLock {
    /// Takes the lock for `target` beside the credentials file, waiting up
    /// to [`LOGIN_WAIT`]; says once on `stderr` that it waits.
    pub fn acquire(credentials: &Path, target: &str, stderr: &mut dyn Write) -> Result<LoginLock> {
        let path = lock_path(credentials, target);
        // Never through a symlink, never a FIFO or device, and owned like
        // its directory when this (root) run creates it.
        let file = open_lock(&path).map_err(|e| {
            let error = Error::failure(format!(
                "cannot open the login lock {}: {e}",
                path.display()
            ));
            if is_not_regular(&e) {
                error.hint("awsmfa locks a regular file there while it logs in: delete it")
            } else {
                error
            }
        })?;
        let started = Instant::now();
        let mut said = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(LoginLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOGIN_WAIT => {
                    if !said {
                        writeln!(
                            stderr,
                            "awsmfa: another awsmfa is logging in to profile {target}; waiting for it"
                        )?;
                        said = true;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::failure(format!(
                        "another awsmfa has been logging in to profile {target} for {}s",
                        LOGIN_WAIT.as_secs()
                    ))
                    .hint(format!(
                        "if no awsmfa is running, delete {}",
                        path.display()
                    ))
                    .into());
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(
                        Error::failure(format!("cannot lock {}: {e}", path.display())).into(),
                    );
                }
            }
        }
    }
}

/// `.NAME.login-TARGET.awsmfa-lock` beside the (real) credentials file NAME,
/// the target's bytes outside `[A-Za-z0-9._-]` written as `%XX`.
fn lock_path(credentials: &Path, target: &str) -> PathBuf {
    let real = std::fs::canonicalize(credentials).unwrap_or_else(|_| credentials.to_owned());
    let dir = match real.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = real
        .file_name()
        .map_or("credentials".into(), |n| n.to_string_lossy().into_owned());
    let mut safe = String::new();
    for b in target.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            safe.push(b as char);
        } else {
            safe.push_str(&format!("%{b:02X}"));
        }
    }
    dir.join(format!(".{name}.login-{safe}.awsmfa-lock"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::fs;

    #[test]
    fn lock_names_are_plain_file_names() {
        let p = lock_path(Path::new("/nonexistent/.aws/credentials"), "a/b:c d");
        assert_eq!(
            p,
            Path::new("/nonexistent/.aws/.credentials.login-a%2Fb%3Ac%20d.awsmfa-lock")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_login_lock_is_never_a_link_nor_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        let lock = lock_path(&creds, "mfa");
        let elsewhere = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, &lock).unwrap();
        let err = LoginLock::acquire(&creds, "mfa", &mut Vec::new()).unwrap_err();
        assert!(
            format!("{err:#}").contains("it is a symbolic link, not a regular file"),
            "{err:#}"
        );
        assert!(
            fs::symlink_metadata(&elsewhere).is_err(),
            "followed the link"
        );

        fs::remove_file(&lock).unwrap();
        let c = std::ffi::CString::new(lock.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0);
        let err = LoginLock::acquire(&creds, "mfa", &mut Vec::new()).unwrap_err();
        assert!(
            format!("{err:#}").contains("it is a FIFO, not a regular file"),
            "{err:#}"
        );
    }

    #[test]
    fn a_second_login_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        let held = LoginLock::acquire(&creds, "mfa", &mut Vec::new()).unwrap();
        let other = File::options()
            .write(true)
            .open(lock_path(&creds, "mfa"))
            .unwrap();
        assert!(other.try_lock().is_err());
        drop(held);
        assert!(other.try_lock().is_ok());
        // Other targets are independent.
        LoginLock::acquire(&creds, "work-mfa", &mut Vec::new()).unwrap();
    }
}
