//! Reading and writing the AWS files safely: atomic replace, 0600, symlinks
//! kept, owners kept, and a lock so that concurrent runs never lose each
//! other's changes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::owner;
use super::parse::IniFile;
use crate::error::Error;

/// How long to wait for another `awsmfa` run to finish writing.
const LOCK_WAIT: Duration = Duration::from_secs(10);

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

/// The file a path finally names, following symlinks, so that a symlinked
/// file stays a symlink and its target is updated.
fn real_path(path: &Path) -> Result<PathBuf> {
    if path.as_os_str().is_empty() {
        return Err(Error::failure("an empty file name names no file")
            .hint("AWS_SHARED_CREDENTIALS_FILE or AWS_CONFIG_FILE is set but empty: unset it or name a file")
            .into());
    }
    let real = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path).map_err(|e| {
            anyhow::Error::from(Error::failure(format!(
                "{} is a symlink to a file that cannot be reached ({e})",
                path.display()
            )))
        })?,
        _ => path.to_owned(),
    };
    // A device, FIFO or socket reads as no file, and is never replaced:
    // with AWS_CONFIG_FILE=/dev/null a rename would replace the device node.
    match fs::metadata(&real) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => Err(Error::failure(format!(
            "{} is not a regular file; awsmfa only writes regular files",
            path.display()
        ))
        .hint("point AWS_SHARED_CREDENTIALS_FILE or AWS_CONFIG_FILE at a regular file")
        .into()),
        _ => Ok(real),
    }
}

/// Creates the directory (0700) and its missing parents. Each one created
/// is owned like the directory it is made in (see [`owner`]): root creating
/// `~/.aws` in a user's home leaves it the user's.
fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let parent = dir.parent().unwrap_or(Path::new(""));
    ensure_dir(parent)?;
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => owner::give_new_dir(dir, parent),
        // Made at the same moment by another run.
        Err(_) if dir.is_dir() => {}
        Err(e) => {
            return Err(e).with_context(|| format!("cannot create directory {}", dir.display()));
        }
    }
    Ok(())
}

/// The file a path names after symlinks, its (created) directory and its file name.
fn resolve_target(path: &Path) -> Result<(PathBuf, PathBuf, String)> {
    if super::paths::names_no_file(path) {
        // botocore reads no file there; writing one in the current directory
        // would save a session that no AWS tool ever reads.
        return Err(Error::failure("cannot write: the file's path is empty")
            .hint("AWS_SHARED_CREDENTIALS_FILE or AWS_CONFIG_FILE is set but empty, which names no file; unset it or name a file")
            .into());
    }
    let real = real_path(path)?;
    let dir = match real.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    ensure_dir(&dir)?;
    let name = real
        .file_name()
        .map_or("aws".into(), |n| n.to_string_lossy().into_owned());
    Ok((real, dir, name))
}

/// Whether two paths name the same file (after symlinks and hard links), so
/// that it is locked and written once. Paths that do not exist yet compare
/// by their real directory and name.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (fs::metadata(a), fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    let canonical = |p: &Path| -> Option<PathBuf> {
        let real = fs::canonicalize(p).ok();
        real.or_else(|| {
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            Some(fs::canonicalize(dir).ok()?.join(p.file_name()?))
        })
    };
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Temporary files are `.NAME.<random>.awsmfa-tmp` beside the file NAME.
fn temp_prefix(name: &str) -> String {
    format!(".{name}.")
}
const TEMP_SUFFIX: &str = ".awsmfa-tmp";

/// New contents written to a temporary file beside the real one, flushed to
/// disk, waiting to be renamed over it. Dropping it removes the temporary
/// file and leaves the real one untouched, so that a change to two files is
/// prepared whole before either is replaced.
pub struct PreparedWrite {
    tmp: tempfile::NamedTempFile,
    real: PathBuf,
    dir: PathBuf,
}

impl PreparedWrite {
    /// Writes `text` to a temporary file beside `path`, owned as the file it
    /// replaces (or, new, as [`owner`] decides). Runs hold the file's
    /// lock while writing, so any other temporary file of this file is left
    /// over from a killed run and is removed.
    pub fn new(path: &Path, text: &str, private: bool) -> Result<PreparedWrite> {
        let (real, dir, name) = resolve_target(path)?;
        remove_temps(&dir, &name);
        let mut tmp = new_temp(&dir, &name)?;
        let context = || format!("cannot write {}", real.display());
        tmp.write_all(text.as_bytes()).with_context(context)?;
        // The owner first: a change of owner may clear mode bits.
        match fs::metadata(&real) {
            Ok(old) => owner::keep_owner(tmp.as_file(), &old),
            Err(_) => owner::give_new_file(tmp.as_file(), &dir),
        }
        set_mode(tmp.as_file(), &real, private).with_context(context)?;
        tmp.as_file().sync_all().with_context(context)?;
        Ok(PreparedWrite { tmp, real, dir })
    }

    /// Renames the temporary file over the real one.
    pub fn commit(self) -> Result<()> {
        let PreparedWrite { tmp, real, dir } = self;
        // Checked again at the last moment: never rename over a device.
        real_path(&real)?;
        tmp.persist(&real)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", real.display()))?;
        sync_dir(&dir);
        Ok(())
    }
}

fn new_temp(dir: &Path, name: &str) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&temp_prefix(name))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| cannot_write_in(dir, &e).into())
}

/// Fails when the existing file cannot be replaced by a rename although the
/// directory takes new files: another user's file in a sticky directory
/// (`/tmp`), or a file marked immutable or append-only.
fn check_replaceable(real: &Path, dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = fs::metadata(real) else {
            return Ok(());
        };
        let cannot = |why: &str| -> anyhow::Error {
            Error::failure(format!("cannot replace {}: {why}", real.display()))
                .hint("awsmfa replaces the file with a new one: make it your own, or point the variable at a file you own")
                .into()
        };
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        let sticky = fs::metadata(dir).is_ok_and(|d| d.mode() & 0o1000 != 0 && d.uid() != me);
        if me != 0 && sticky && meta.uid() != me {
            return Err(cannot(
                "it belongs to another user, in a directory where only owners may replace files",
            ));
        }
        #[cfg(target_os = "linux")]
        if let Ok(file) = File::open(real) {
            use std::os::fd::AsRawFd;
            const IMMUTABLE: libc::c_long = 0x10;
            const APPEND_ONLY: libc::c_long = 0x20;
            let mut flags: libc::c_long = 0;
            // SAFETY: FS_IOC_GETFLAGS writes one long through the pointer.
            let read = unsafe { libc::ioctl(file.as_raw_fd(), libc::FS_IOC_GETFLAGS, &mut flags) };
            if read == 0 && flags & (IMMUTABLE | APPEND_ONLY) != 0 {
                return Err(cannot("it is marked immutable or append-only (chattr)"));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (real, dir);
    Ok(())
}

fn cannot_write_in(dir: &Path, e: &io::Error) -> Error {
    Error::failure(format!("cannot write in {}: {e}", dir.display()))
        .hint("awsmfa replaces a file through a new file beside it: make the directory writable")
}

/// Removes the `.NAME.*.awsmfa-tmp` files that killed runs left behind, so
/// that they never pile up; best effort. Only called under the file's lock,
/// when no other run can be writing one.
fn remove_temps(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = temp_prefix(name);
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if file_name.starts_with(&prefix) && file_name.ends_with(TEMP_SUFFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn set_mode(file: &File, existing: &Path, private: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = match fs::metadata(existing) {
        Ok(meta) if !private => meta.permissions().mode() & 0o7777,
        _ => 0o600,
    };
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _existing: &Path, _private: bool) -> io::Result<()> {
    Ok(())
}

/// Makes the rename durable; best effort, as not every filesystem allows it.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

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

/// The lock sidecar of `path`, opened (and created) for writing.
fn open_lock_file(path: &Path) -> Result<(PathBuf, PathBuf, File)> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
