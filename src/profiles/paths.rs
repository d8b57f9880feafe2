//! Which credentials and config files to use, as the AWS CLI decides.
//!
//! botocore takes `$AWS_SHARED_CREDENTIALS_FILE` and `$AWS_CONFIG_FILE` as
//! given, even when empty, and passes them through Python's
//! `os.path.expandvars`, then `os.path.expanduser`. An empty result is the
//! path "": it names no file, so it reads as an empty file and is never
//! written.

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::Error;

/// The two shared AWS files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsPaths {
    pub credentials: PathBuf,
    pub config: PathBuf,
}

impl AwsPaths {
    /// `$AWS_SHARED_CREDENTIALS_FILE` and `$AWS_CONFIG_FILE` (expanded as
    /// botocore expands them), else `~/.aws/credentials` and `~/.aws/config`.
    pub fn resolve(env: &dyn Env) -> Result<AwsPaths, Error> {
        let pick = |var: &str, default: &str| -> Result<PathBuf, Error> {
            match env.raw_var(var) {
                Some(path) => Ok(PathBuf::from(expand_user(&expand_vars(&path, env), env))),
                // `~/.aws/NAME` as expanduser reads it: a set but empty
                // HOME is the root, never the current directory.
                None => home_dir(env)
                    .map(|_| PathBuf::from(expand_user(&format!("~/.aws/{default}"), env)))
                    .ok_or_else(no_home),
            }
        };
        Ok(AwsPaths {
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
            config: pick("AWS_CONFIG_FILE", "config")?,
        })
    }
}

/// Whether a path names no file at all: an empty file variable.
pub fn names_no_file(path: &Path) -> bool {
    path.as_os_str().is_empty()
}

/// A path from a variable or setting, with a leading `~` expanded when there is a home.
pub fn expand_home(path: &str, env: &dyn Env) -> PathBuf {
    PathBuf::from(expand_user(path, env))
}

/// The user's home: `$HOME` when set (even empty), as Python's `expanduser`
/// takes it, else the system's record of the user.
fn home_dir(env: &dyn Env) -> Option<String> {
    env.raw_var("HOME")
        .or_else(|| dirs::home_dir()?.into_os_string().into_string().ok())
}

fn no_home() -> Error {
    Error::failure("cannot find the home directory")
        .hint("set HOME, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE")
}

/// Python's `os.path.expandvars` (POSIX): `$NAME` (ASCII letters, digits
/// and `_`) and `${ANY}` become the variable's value, empty values included;
/// unknown variables stay as written, and expanded values are not expanded again.
pub fn expand_vars(path: &str, env: &dyn Env) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(close) => (&braced[..close], close + 2),
                None => ("", 0),
            },
            None => {
                let n = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..n], n)
            }
        };
        match env.raw_var(name).filter(|_| len > 0 && !name.is_empty()) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[dollar..dollar + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Python's `os.path.expanduser` (POSIX): a leading `~` up to the first `/`
/// becomes the home (`$HOME` when set, even empty) with its trailing slashes
/// removed; `~user` becomes that user's home; an unknown user, or no home,
/// leaves the path as it is.
pub fn expand_user(path: &str, env: &dyn Env) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_owned();
    };
    let end = rest.find(SEPARATORS).unwrap_or(rest.len());
    let (user, tail) = rest.split_at(end);
    let home = if user.is_empty() {
        home_dir(env)
    } else {
        home_of_user(user)
    };
    match home {
        Some(home) => {
            let joined = format!("{}{tail}", home.trim_end_matches(SEPARATORS));
            if joined.is_empty() {
                "/".to_owned()
            } else {
                joined
            }
        }
        None => path.to_owned(),
    }
}

#[cfg(unix)]
const SEPARATORS: &[char] = &['/'];
#[cfg(not(unix))]
const SEPARATORS: &[char] = &['/', '\\'];

/// The home directory of another user, from the system's user database.
#[cfg(unix)]
fn home_of_user(name: &str) -> Option<String> {
    use std::ffi::{CStr, CString};
    let name = CString::new(name).ok()?;
    let mut buf: Vec<libc::c_char> = vec![0; 1024];
    loop {
        // SAFETY: an all-zero passwd is a valid value for getpwnam_r to fill.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call and `buf.len()` is its size.
        let rc = unsafe {
            libc::getpwnam_r(
                name.as_ptr(),
                &mut entry,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || found.is_null() || entry.pw_dir.is_null() {
            return None;
        }
        // SAFETY: on success `pw_dir` points at a NUL-terminated string in `buf`.
        let dir = unsafe { CStr::from_ptr(entry.pw_dir) };
        return dir.to_str().ok().map(str::to_owned);
    }
}

/// Other platforms: `~user` is left as written.
#[cfg(not(unix))]
fn home_of_user(_name: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_to_dot_aws_in_home() {
        let env = HashMap::from([("HOME", "/h")]);
        let p = AwsPaths::resolve(&env).unwrap();
        assert_eq!(p.credentials, PathBuf::from("/h/.aws/credentials"));
        assert_eq!(p.config, PathBuf::from("/h/.aws/config"));
    }

    #[test]
    fn variables_win_and_tilde_expands() {
        let env = HashMap::from([
            ("HOME", "/h"),
            ("AWS_SHARED_CREDENTIALS_FILE", "~/creds"),
            ("AWS_CONFIG_FILE", "/etc/aws/config"),
        ]);
        let p = AwsPaths::resolve(&env).unwrap();
        assert_eq!(p.credentials, PathBuf::from("/h/creds"));
        assert_eq!(p.config, PathBuf::from("/etc/aws/config"));
    }

    #[test]
    fn empty_file_variables_name_no_file() {
        // botocore uses "" as the path: no file, not the default one.
        let env = HashMap::from([("HOME", "/h"), ("AWS_CONFIG_FILE", "")]);
        let p = AwsPaths::resolve(&env).unwrap();
        assert_eq!(p.config, PathBuf::from(""));
        assert!(names_no_file(&p.config));
        assert_eq!(p.credentials, PathBuf::from("/h/.aws/credentials"));
        let env = HashMap::from([
            ("HOME", "/h"),
            ("NOTHING", ""),
            ("AWS_SHARED_CREDENTIALS_FILE", "$NOTHING"),
        ]);
        assert!(names_no_file(&AwsPaths::resolve(&env).unwrap().credentials));
    }

    #[test]
    fn file_variables_expand_variables_then_tilde() {
        let env = HashMap::from([
            ("HOME", "/h"),
            ("DIR", "/data"),
            ("TILDE", "~/t"),
            ("AWS_SHARED_CREDENTIALS_FILE", "$DIR/creds"),
            ("AWS_CONFIG_FILE", "${TILDE}/config"),
        ]);
        let p = AwsPaths::resolve(&env).unwrap();
        assert_eq!(p.credentials, PathBuf::from("/data/creds"));
        assert_eq!(p.config, PathBuf::from("/h/t/config"));
    }

    #[test]
    fn expand_vars_follows_python() {
        // Each case checked against Python 3.11's posixpath.expandvars.
        let env = HashMap::from([("A", "a"), ("EMPTY", ""), ("B C", "bc"), ("D", "$A")]);
        for (input, python) in [
            ("$A/x", "a/x"),
            ("${A}/x", "a/x"),
            ("$EMPTY/x", "/x"),
            ("$NOPE/x", "$NOPE/x"),
            ("${NOPE}", "${NOPE}"),
            ("${}", "${}"),
            ("$", "$"),
            ("$$A", "$a"),
            ("$A$A", "aa"),
            ("${A", "${A"),
            ("${B C}/x", "bc/x"),
            ("$1", "$1"),
            ("$A_b", "$A_b"),
            ("$Aé", "aé"),
            ("$é", "$é"),
            ("${A}}", "a}"),
            ("$A.b", "a.b"),
            ("$NOPE$A", "$NOPEa"),
            ("$D", "$A"),
            ("no dollar", "no dollar"),
        ] {
            assert_eq!(expand_vars(input, &env), python, "{input}");
        }
    }

    #[test]
    fn an_empty_home_is_the_root_for_the_default_files() {
        let env = HashMap::from([("HOME", "")]);
        let p = AwsPaths::resolve(&env).unwrap();
        assert_eq!(p.credentials, PathBuf::from("/.aws/credentials"));
        assert_eq!(p.config, PathBuf::from("/.aws/config"));
    }

    #[test]
    fn expand_user_follows_python() {
        let home = |h: &'static str| HashMap::from([("HOME", h)]);
        for (h, input, python) in [
            ("/h", "~", "/h"),
            ("/h", "~/", "/h/"),
            ("/h", "~//x", "/h//x"),
            ("/h/", "~/x", "/h/x"),
            ("/", "~/x", "/x"),
            ("/", "~", "/"),
            ("", "~", "/"),
            ("", "~/x", "/x"),
            ("/h", "x/~", "x/~"),
            ("/h", "~no-such-user-here/y", "~no-such-user-here/y"),
        ] {
            assert_eq!(expand_user(input, &home(h)), python, "HOME={h} {input}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn tilde_user_is_that_users_home() {
        let expanded = expand_user("~root/config", &HashMap::from([("HOME", "/h")]));
        assert!(
            expanded.starts_with('/') && expanded.ends_with("/config"),
            "{expanded}"
        );
        assert_ne!(expanded, "/h/config");
    }

    #[test]
    fn tilde_user_is_left_alone() {
        let env = HashMap::from([("HOME", "/h"), ("AWS_CONFIG_FILE", "~other/config")]);
        assert_eq!(
            AwsPaths::resolve(&env).unwrap().config,
            PathBuf::from("~other/config")
        );
    }
}
