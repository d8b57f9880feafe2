//! Who owns what awsmfa writes. A run as root on a user's `~/.aws` (a
//! container with it mounted, `sudo -E`) must leave the user's files the
//! user's, as `aws configure set` does: a replaced file keeps its owner and
//! group, and a file, directory or lock file that root creates in another
//! user's directory is given to that directory's owner.
//!
//! Giving a new file to the directory's owner shows them nothing they could
//! not have had anyway: they could have made the file themselves before the
//! run (root would then have kept them its owner), or replaced it after.
//! Only what this run has just created is ever given away, never a file
//! that was there before (a hard link planted there may name any file).
//!
//! All of it is best effort: a user who is not root cannot give a file to
//! anyone else (and keeps the kernel's choice), and a file system that
//! refuses owners (root squashed on NFS, FAT) keeps the creator's.

use std::fs::{self, File};
use std::path::Path;

/// Gives `new`, the file about to replace the one `old` describes, that
/// file's owner and group. Root can give any owner; another user keeps at
/// least the group, where they are a member of it.
#[cfg(unix)]
pub fn keep_owner(new: &File, old: &fs::Metadata) {
    use std::os::unix::fs::{MetadataExt, fchown};
    let Ok(now) = new.metadata() else {
        return;
    };
    let uid = (now.uid() != old.uid()).then_some(old.uid());
    let gid = (now.gid() != old.gid()).then_some(old.gid());
    if uid.is_none() && gid.is_none() {
        return;
    }
    if fchown(new, uid, gid).is_err() && uid.is_some() && gid.is_some() {
        let _ = fchown(new, None, gid);
    }
}

/// Gives `file`, just created by this run in `dir`, the owner and group of
/// `dir` when running as root in another user's directory.
#[cfg(unix)]
pub fn give_new_file(file: &File, dir: &Path) {
    if let Some((uid, gid)) = owner_for_new_in(dir) {
        let _ = std::os::unix::fs::fchown(file, Some(uid), Some(gid));
    }
}

/// Gives `path`, a directory just created by this run in `parent`, the owner
/// and group of `parent` when running as root in another user's directory.
/// `lchown`: should the parent's owner swap the new directory for a link in
/// the meantime, the link is given, never what it points to.
#[cfg(unix)]
pub fn give_new_dir(path: &Path, parent: &Path) {
    if let Some((uid, gid)) = owner_for_new_in(parent) {
        let _ = std::os::unix::fs::lchown(path, Some(uid), Some(gid));
    }
}

/// The owner and group for what root creates in `dir`: the directory's,
/// when another user owns it. `None` when not running as root (the kernel's
/// choice stands: the user's own, or the group of a set-group-ID directory)
/// or when root owns the directory.
#[cfg(unix)]
fn owner_for_new_in(dir: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    if !running_as_root() {
        return None;
    }
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let meta = fs::metadata(dir).ok()?;
    (meta.uid() != 0).then(|| (meta.uid(), meta.gid()))
}

/// Whether this process runs with root's effective user ID.
#[cfg(unix)]
pub fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(not(unix))]
pub fn keep_owner(_new: &File, _old: &fs::Metadata) {}

#[cfg(not(unix))]
pub fn give_new_file(_file: &File, _dir: &Path) {}

#[cfg(not(unix))]
pub fn give_new_dir(_path: &Path, _parent: &Path) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    const NOBODY: u32 = 65534;

    fn owner(path: &Path) -> (u32, u32) {
        let meta = fs::symlink_metadata(path).unwrap();
        (meta.uid(), meta.gid())
    }

    #[test]
    fn root_gives_what_it_creates_to_the_directorys_owner() {
        if !running_as_root() {
            eprintln!("note: needs root to own files for another user; skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
        let file_path = dir.path().join("file");
        let file = File::create(&file_path).unwrap();
        give_new_file(&file, dir.path());
        assert_eq!(owner(&file_path), (NOBODY, NOBODY));
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        give_new_dir(&sub, dir.path());
        assert_eq!(owner(&sub), (NOBODY, NOBODY));
    }

    #[test]
    fn a_replacement_keeps_the_owner_and_group() {
        if !running_as_root() {
            eprintln!("note: needs root to own files for another user; skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        fs::write(&old, "").unwrap();
        std::os::unix::fs::chown(&old, Some(NOBODY), Some(0)).unwrap();
        let new_path = dir.path().join("new");
        let new = File::create(&new_path).unwrap();
        keep_owner(&new, &fs::metadata(&old).unwrap());
        assert_eq!(owner(&new_path), (NOBODY, 0));
    }
}
