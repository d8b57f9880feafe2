//! The AWS files as the commands see them. They are read as botocore reads
//! them, so that awsmfa and the AWS tools never disagree on what a file
//! holds: only a regular file counts, and a device, FIFO or socket reads as
//! no file. Before a login spends a one-time code, every file it will write
//! is proven replaceable, so that no session is lost for want of a place to
//! save it; the replacing itself is `write`'s, the turn-taking `lock`'s.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::lock::open_lock_file;
use super::parse::IniFile;
use super::write::{PreparedWrite, check_replaceable, new_temp, resolve_target};
use crate::error::Error;

/// One AWS file: where it is and what it holds (empty when it does not exist).
#[derive(Debug, Clone)]
pub struct AwsFile {
    pub path: PathBuf,
    pub ini: IniFile,
}

impl AwsFile {
    /// Reads and parses `path`; a missing file, or a path that is not a
    /// regular file (a device, FIFO or socket, as botocore sees it), reads as empty.
    pub fn load(path: &Path) -> Result<AwsFile> {
        let bytes = read_regular(path)?.unwrap_or_default();
        let ini = IniFile::parse_owned(bytes).map_err(|e| {
            Error::usage(format!("{}: {e}", path.display()))
                .hint("fix that line by hand; awsmfa does not change a file it cannot read")
        })?;
        Ok(AwsFile {
            path: path.to_owned(),
            ini,
        })
    }

    /// Replaces the file with `text`, atomically. `private` forces mode 0600;
    /// otherwise an existing file keeps its mode and a new one gets 0600.
    pub fn write(&self, text: &str, private: bool) -> Result<()> {
        PreparedWrite::new(&self.path, text, private)?.commit()
    }
}

/// The bytes of the regular file at `path`; `None` when there is none: the
/// path is missing or empty, or names a device, FIFO or socket (botocore's
/// `os.path.isfile` reads those as absent). A FIFO is opened without
/// blocking and never read, and a device is never read to its (missing) end.
pub fn read_regular(path: &Path) -> Result<Option<Vec<u8>>> {
    if path.as_os_str().is_empty() {
        return Ok(None);
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return match fs::metadata(path) {
                Ok(meta) if meta.is_dir() => Err(directory_error(path, &e)),
                Ok(meta) if !meta.is_file() => Ok(None),
                _ => Err(e).with_context(|| format!("cannot read {}", path.display())),
            };
        }
    };
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        let e = io::Error::from(io::ErrorKind::IsADirectory);
        return Err(directory_error(path, &e));
    }
    if !meta.is_file() {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    io::Read::read_to_end(&mut file, &mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Some(bytes))
}

fn directory_error(path: &Path, e: &io::Error) -> anyhow::Error {
    Error::failure(format!("{} is a directory, not a file", path.display()))
        .hint(format!("{e}"))
        .into()
}

/// Fails unless `path` can be replaced: it resolves (symlinks too) to a
/// regular file or to nothing yet, its lock file opens, and its directory
/// takes a new file (one is created and removed). `login` checks this for
/// every file it will write before calling STS, so that a code is never
/// spent on a session that cannot be saved.
pub fn check_writable(path: &Path) -> Result<()> {
    let (real, dir, name) = resolve_target(path)?;
    check_replaceable(&real, &dir)?;
    open_lock_file(path)?;
    // The probe has the temporary files' name, so that a run killed before
    // removing it leaves nothing that the next write does not clean up.
    let probe = new_temp(&dir, &name)?;
    probe.close().ok();
    Ok(())
}

/// A warning when the credentials file at `path` can be read or written by
/// other users (mode bits beyond 0600); `None` when it is private, missing
/// or not a regular file (no advice to chmod a device).
pub fn shared_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(path).ok().filter(fs::Metadata::is_file)?;
        let mode = meta.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "awsmfa: warning: {} is open to other users (mode {mode:04o}); it holds secret keys: chmod 600 {}",
                path.display(),
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Prints [`shared_warning`] on stderr, if any.
pub fn warn_if_shared(path: &Path) {
    if let Some(warning) = shared_warning(path) {
        eprintln!("{warning}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::lock::FileLock;
    #[cfg(unix)]
    use crate::profiles::owner;

    #[test]
    fn missing_file_reads_empty() {
        let dir = tempfile::tempdir().unwrap();
        let f = AwsFile::load(&dir.path().join("nope")).unwrap();
        assert!(f.ini.sections().is_empty());
    }

    #[test]
    fn an_empty_path_reads_empty_and_is_never_written() {
        let f = AwsFile::load(Path::new("")).unwrap();
        assert!(f.ini.sections().is_empty());
        for err in [
            f.write("[a]\n", true).unwrap_err(),
            check_writable(Path::new("")).unwrap_err(),
            FileLock::acquire(Path::new("")).unwrap_err(),
        ] {
            assert!(format!("{err:#}").contains("path is empty"), "{err:#}");
        }
    }

    #[test]
    fn malformed_file_names_path_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(&path, "[a]\nk = v\nbroken\n").unwrap();
        let err = AwsFile::load(&path).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("line 3"), "{text}");
        assert_eq!(
            crate::error::render(&err).0,
            crate::exit_codes::ExitCode::Usage
        );
    }

    #[test]
    fn write_creates_private_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".aws").join("credentials");
        let f = AwsFile::load(&path).unwrap();
        f.write("[a]\n", true).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "[a]\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().ends_with(".awsmfa-tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[cfg(unix)]
    #[test]
    fn write_keeps_symlink_and_updates_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real-credentials");
        fs::write(&target, "[old]\n").unwrap();
        let link = dir.path().join("credentials");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        AwsFile::load(&link)
            .unwrap()
            .write("[new]\n", true)
            .unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "[new]\n");
    }

    #[cfg(unix)]
    #[test]
    fn config_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        AwsFile::load(&path)
            .unwrap()
            .write("[default]\n", false)
            .unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_root_run_keeps_owners_and_gives_new_files_to_the_directorys_owner() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
        if !owner::running_as_root() {
            eprintln!("note: needs root to own files for another user; skipped");
            return;
        }
        const NOBODY: u32 = 65534;
        let owned = |p: &Path| {
            let meta = fs::symlink_metadata(p).unwrap();
            (meta.uid(), meta.gid(), meta.mode() & 0o7777)
        };
        let home = tempfile::tempdir().unwrap();
        chown(home.path(), Some(NOBODY), Some(NOBODY)).unwrap();
        // New: ~/.aws, the file and its lock are the home owner's.
        let path = home.path().join(".aws").join("credentials");
        let _lock = FileLock::acquire(&path).unwrap();
        let lock = home.path().join(".aws").join(".credentials.awsmfa-lock");
        AwsFile::load(&path).unwrap().write("[a]\n", true).unwrap();
        assert_eq!(owned(path.parent().unwrap()), (NOBODY, NOBODY, 0o700));
        assert_eq!(owned(&path), (NOBODY, NOBODY, 0o600));
        assert_eq!(owned(&lock), (NOBODY, NOBODY, 0o600));
        // Replaced: the owner and group stay, even another group than the
        // directory's; credentials stay 0600, a config keeps its mode.
        chown(&path, Some(NOBODY), Some(0)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        AwsFile::load(&path).unwrap().write("[b]\n", true).unwrap();
        assert_eq!(owned(&path), (NOBODY, 0, 0o600));
        let config = home.path().join(".aws").join("config");
        fs::write(&config, "").unwrap();
        chown(&config, Some(NOBODY), Some(NOBODY)).unwrap();
        fs::set_permissions(&config, fs::Permissions::from_mode(0o640)).unwrap();
        AwsFile::load(&config)
            .unwrap()
            .write("[c]\n", false)
            .unwrap();
        assert_eq!(owned(&config), (NOBODY, NOBODY, 0o640));
        // A lock file that was there before is never given away.
        let other = home.path().join(".aws").join(".config.awsmfa-lock");
        fs::write(&other, "").unwrap();
        FileLock::acquire(&config).unwrap();
        assert_eq!(owned(&other).0, 0);
    }
}
