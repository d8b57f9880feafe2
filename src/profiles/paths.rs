//! Which credentials and config files to use, as the AWS CLI decides.

use std::path::PathBuf;

use crate::env::Env;
use crate::error::Error;

/// The two shared AWS files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsPaths {
    pub credentials: PathBuf,
    pub config: PathBuf,
}

impl AwsPaths {
    /// `$AWS_SHARED_CREDENTIALS_FILE` and `$AWS_CONFIG_FILE`, else `~/.aws/credentials` and `~/.aws/config`.
    pub fn resolve(env: &dyn Env) -> Result<AwsPaths, Error> {
        let home = home_dir(env);
        let pick = |var: &str, default: &str| -> Result<PathBuf, Error> {
            match env.var(var) {
                Some(path) => expand_tilde(&path, home.as_ref()),
                None => home
                    .as_ref()
                    .map(|h| h.join(".aws").join(default))
                    .ok_or_else(no_home),
            }
        };
        Ok(AwsPaths {
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
            config: pick("AWS_CONFIG_FILE", "config")?,
        })
    }
}

/// A path from a variable or setting, with a leading `~` expanded when there is a home.
pub fn expand_home(path: &str, env: &dyn Env) -> PathBuf {
    expand_tilde(path, home_dir(env).as_ref()).unwrap_or_else(|_| PathBuf::from(path))
}

fn home_dir(env: &dyn Env) -> Option<PathBuf> {
    // `$HOME` first on every platform, as botocore's expanduser does.
    env.var("HOME").map(PathBuf::from).or_else(dirs::home_dir)
}

fn no_home() -> Error {
    Error::failure("cannot find the home directory")
        .hint("set HOME, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE")
}

/// Expands a leading `~` or `~/` as botocore does for these variables.
fn expand_tilde(path: &str, home: Option<&PathBuf>) -> Result<PathBuf, Error> {
    let rest = match path.strip_prefix('~') {
        None => return Ok(PathBuf::from(path)),
        Some(rest) => rest,
    };
    if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\')) {
        return Ok(PathBuf::from(path));
    }
    let home = home.ok_or_else(no_home)?;
    Ok(home.join(rest.trim_start_matches(['/', '\\'])))
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
    fn empty_variables_count_as_unset() {
        let env = HashMap::from([("HOME", "/h"), ("AWS_CONFIG_FILE", "")]);
        assert_eq!(
            AwsPaths::resolve(&env).unwrap().config,
            PathBuf::from("/h/.aws/config")
        );
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
