//! Replacing an AWS file so that no reader ever sees half of one and no
//! crash leaves one: the new text is written to a temporary file beside the
//! real one, flushed, then renamed over it. A change to two files is
//! prepared whole before either is replaced. The replaced file keeps what
//! its user chose (its mode, owner and symlink), and a path that is no
//! regular file is never replaced: a rename would swap out a device node.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::owner;
use crate::error::Error;

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
    #[cfg_attr(not(unix), allow(unused_mut))]
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
pub(super) fn resolve_target(path: &Path) -> Result<(PathBuf, PathBuf, String)> {
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

pub(super) fn new_temp(dir: &Path, name: &str) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&temp_prefix(name))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| cannot_write_in(dir, &e).into())
}

/// Fails when the existing file cannot be replaced by a rename although the
/// directory takes new files: another user's file in a sticky directory
/// (`/tmp`), or a file marked immutable or append-only.
pub(super) fn check_replaceable(real: &Path, dir: &Path) -> Result<()> {
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

pub(super) fn cannot_write_in(dir: &Path, e: &io::Error) -> Error {
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
