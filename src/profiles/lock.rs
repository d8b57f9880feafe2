//! Runs taking turns on a file, so that concurrent runs (parallel logins,
//! an SSO refresh) never lose each other's changes. The lock is on a
//! sidecar file, since the file itself is replaced by rename and its inode
//! changes; and since the sidecar may lie in a directory others can write
//! to, it is opened through no symlink and only as a regular file.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::owner;
use super::write::{cannot_write_in, resolve_target, same_file};
use crate::error::Error;

/// How long to wait for another `awsmfa` run to finish writing.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// An exclusive lock on an AWS file, held until dropped.
///
/// The lock is on a sidecar file (`.credentials.awsmfa-lock`) beside the
/// real file: the file itself is replaced by rename, so its inode changes.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Waits (up to 10 s) for the lock on `path`.
    pub fn acquire(path: &Path) -> Result<FileLock> {
        let (real, lock_path, file) = open_lock_file(path)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(FileLock { _file: file }),
                Err(fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(Error::failure(format!(
                        "{} is locked by another awsmfa process",
                        real.display()
                    ))
                    .hint(format!(
                        "waited {}s; if no awsmfa is running, delete {}",
                        LOCK_WAIT.as_secs(),
                        lock_path.display()
                    ))
                    .into());
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", lock_path.display()));
                }
            }
        }
    }

    /// Locks each real file among `paths` once, in the order given (every
    /// run locks in the same order), so that a config file that is the
    /// credentials file is not waited for by its own holder.
    pub fn acquire_all(paths: &[&Path]) -> Result<Vec<FileLock>> {
        let mut locks = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            if !paths[..i].iter().any(|earlier| same_file(earlier, path)) {
                locks.push(FileLock::acquire(path)?);
            }
        }
        Ok(locks)
    }
}

/// The lock sidecar of `path`, opened (and created) for writing.
pub(super) fn open_lock_file(path: &Path) -> Result<(PathBuf, PathBuf, File)> {
    let (real, dir, name) = resolve_target(path)?;
    let lock_path = dir.join(format!(".{name}.awsmfa-lock"));
    let file = open_lock(&lock_path).map_err(|e| {
        let there = fs::symlink_metadata(&lock_path).is_ok();
        if is_not_regular(&e) {
            Error::failure(format!(
                "cannot open the lock file {}: {e}",
                lock_path.display()
            ))
            .hint(format!(
                "awsmfa locks a regular file there while it changes {}: delete it",
                real.display()
            ))
        } else if there {
            Error::failure(format!(
                "cannot open the lock file {}: {e}",
                lock_path.display()
            ))
            .hint(format!(
                "awsmfa locks it while it changes {}: fix its permissions, or delete it when no awsmfa runs",
                real.display()
            ))
        } else {
            cannot_write_in(&dir, &e)
        }
    })?;
    Ok((real, lock_path, file))
}

/// What is at a lock path that awsmfa refuses to open.
#[derive(Debug)]
struct NotRegular(&'static str);

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "it is {}, not a regular file", self.0)
    }
}

impl std::error::Error for NotRegular {}

fn not_regular(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, NotRegular(what))
}

/// Whether `e` is [`open_lock`] refusing what is at the lock path.
pub fn is_not_regular(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<NotRegular>())
}

/// What a file type is, in words, for an error.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}

/// Whether opening failed on a symlink (planted between the look and the open).
fn is_loop(e: &io::Error) -> bool {
    #[cfg(unix)]
    return e.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Opens the lock file at `path` for locking, created (0600) when missing.
///
/// Lock files lie in directories others may write to (a shared or
/// group-writable one, a user's `~/.aws` under a root run): a symlink there
/// is never followed (a root run would create or open a file wherever it
/// points), and nothing but a regular file is opened: a FIFO is refused at
/// once, never waited on, a directory or a device never opened. A lock file
/// this run creates is owned like its directory (see [`owner`]), so that a
/// root run never keeps the user from their next login.
pub fn open_lock(path: &Path) -> io::Result<File> {
    if let Ok(meta) = fs::symlink_metadata(path)
        && !meta.is_file()
    {
        return Err(not_regular(kind_of(&meta)));
    }
    let open = |create: bool| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(create);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        options.open(path)
    };
    // O_EXCL first, so that the run knows the file is its own to give away;
    // a second round when the file went away between the two opens.
    let mut round = 0;
    let (file, created) = loop {
        round += 1;
        match open(true) {
            Ok(file) => break (file, true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match open(false) {
                Ok(file) => break (file, false),
                Err(e) if e.kind() == io::ErrorKind::NotFound && round < 2 => {}
                Err(e) if is_loop(&e) => return Err(not_regular("a symbolic link")),
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(kind_of(&meta)));
    }
    if created {
        owner::give_new_file(&file, path.parent().unwrap_or(Path::new("")));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use crate::profiles::store::check_writable;

    /// Makes a FIFO at `path`.
    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0, "mkfifo");
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_path_that_is_no_regular_file_is_refused_and_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        let lock = dir.path().join(".credentials.awsmfa-lock");
        let elsewhere = dir.path().join("elsewhere");
        let cases: [(&str, &dyn Fn()); 4] = [
            ("a symbolic link", &|| {
                std::os::unix::fs::symlink(&elsewhere, &lock).unwrap();
            }),
            ("a FIFO", &|| mkfifo(&lock)),
            ("a directory", &|| fs::create_dir(&lock).unwrap()),
            ("a symbolic link", &|| {
                fs::write(&elsewhere, "").unwrap();
                std::os::unix::fs::symlink(&elsewhere, &lock).unwrap();
            }),
        ];
        for (what, plant) in cases {
            plant();
            let started = Instant::now();
            for err in [
                FileLock::acquire(&path).unwrap_err(),
                check_writable(&path).unwrap_err(),
            ] {
                let text = format!("{err:#}");
                assert!(
                    text.contains(&format!("it is {what}, not a regular file")),
                    "{text}"
                );
                assert_eq!(
                    crate::error::render(&err).0,
                    crate::exit_codes::ExitCode::Failure
                );
            }
            assert!(started.elapsed() < Duration::from_secs(5), "{what}");
            assert!(!path.exists(), "{what}");
            if fs::symlink_metadata(&lock).unwrap().is_dir() {
                fs::remove_dir(&lock).unwrap();
            } else {
                fs::remove_file(&lock).unwrap();
            }
            if let Ok(meta) = fs::metadata(&elsewhere) {
                assert_eq!(meta.len(), 0, "{what}");
                fs::remove_file(&elsewhere).unwrap();
            } else {
                assert!(fs::symlink_metadata(&elsewhere).is_err(), "{what}: created");
            }
        }
    }

    #[test]
    fn lock_is_exclusive_between_handles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        let held = FileLock::acquire(&path).unwrap();
        let lock_path = dir.path().join(".credentials.awsmfa-lock");
        let other = File::options().write(true).open(&lock_path).unwrap();
        assert!(other.try_lock().is_err());
        drop(held);
        assert!(other.try_lock().is_ok());
    }
}
