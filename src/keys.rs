//! Where a login finds a source profile's long-term keys: the credentials
//! file, the config file, then the OS keychain (`awsmfa keys`). Keys from
//! the keychain sign the STS request and go nowhere else.

mod backend;
pub mod keychain;
#[cfg(test)]
pub mod test_keychain;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub use keychain::{Keychain, OsKeychain};

use crate::error::Error;
use crate::profiles::{AwsFiles, config_profile_section};
use crate::secret::Secret;
use crate::session::{ACCESS_KEY_ID, LongTermKeys, SECRET_ACCESS_KEY, session_token};

/// Long-term keys and where they were found.
#[derive(Debug, Clone)]
pub struct FoundKeys {
    pub keys: LongTermKeys,
    pub from: KeysFrom,
}

/// Where a login found its long-term keys (`-v` says it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysFrom {
    File(PathBuf),
    Keychain,
}

impl fmt::Display for KeysFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeysFrom::File(path) => write!(f, "the file {}", path.display()),
            KeysFrom::Keychain => write!(f, "the keychain ({})", backend::NAME),
        }
    }
}

/// The source profile's long-term keys: the credentials file, the config
/// file, then the keychain (opened only when the files hold none).
pub fn long_term_keys(
    files: &AwsFiles,
    source: &str,
    keychain: &dyn Keychain,
) -> Result<FoundKeys> {
    match in_files(files, source)? {
        Some(found) => Ok(found),
        None => from_keychain(&files.credentials.path, source, keychain),
    }
}

/// The keychain's keys of `source` (the files hold none); `credentials`
/// is named in the hint.
pub fn from_keychain(
    credentials: &Path,
    source: &str,
    keychain: &dyn Keychain,
) -> Result<FoundKeys> {
    let read = keychain
        .read(source)
        .with_context(|| format!("no long-term keys for profile {source} in the AWS files"))?;
    let Some(keys) = read else {
        return Err(Error::failure(format!(
            "no long-term keys for profile {source} (not in the credentials file, the config file or the keychain)"
        ))
        .hint(format!(
            "awsmfa keys add --profile {source}, or add aws_access_key_id and aws_secret_access_key to [{source}] of {} (aws configure --profile {source})",
            credentials.display()
        ))
        .into());
    };
    Ok(FoundKeys {
        keys,
        from: KeysFrom::Keychain,
    })
}

/// The keys of `source` in the credentials file, then the config file;
/// `None` when neither holds any (the keychain may).
pub fn in_files(files: &AwsFiles, source: &str) -> Result<Option<FoundKeys>> {
    let from_credentials = files
        .credentials
        .ini
        .section(source)
        .map(|_| (&files.credentials, source.to_owned()));
    let from_config =
        config_profile_section(&files.config.ini, source).map(|s| (&files.config, s.name.clone()));
    for (file, section) in [from_credentials, from_config].into_iter().flatten() {
        let get = |key| file.ini.get(&section, key);
        match (
            get(ACCESS_KEY_ID),
            get(SECRET_ACCESS_KEY),
            session_token(&file.ini, &section),
        ) {
            (Some(_), _, Some(_)) => {
                return Err(Error::failure(format!(
                    "{source} holds temporary credentials; GetSessionToken needs long-term keys"
                ))
                .hint(format!(
                    "put the IAM user's access key in [{section}] of {}",
                    file.path.display()
                ))
                .into());
            }
            (Some(id), Some(secret), None) => {
                return Ok(Some(FoundKeys {
                    keys: LongTermKeys {
                        access_key_id: id.to_owned(),
                        secret_access_key: Secret::new(secret),
                    },
                    from: KeysFrom::File(file.path.clone()),
                }));
            }
            (Some(_), None, None) => {
                return Err(Error::failure(format!(
                    "profile {source} has aws_access_key_id but no aws_secret_access_key"
                ))
                .hint(format!("add it to [{section}] of {}", file.path.display()))
                .into());
            }
            _ => {}
        }
    }
    Ok(None)
}

/// A long-term access key id: `AKIA` and 16 upper-case letters and digits.
pub fn check_access_key_id(id: &str) -> Result<(), Error> {
    let rest = id.strip_prefix("AKIA").unwrap_or_default();
    let shaped = rest.len() == 16
        && rest
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if id.starts_with("AKIA") && shaped {
        return Ok(());
    }
    let hint = match id.starts_with("ASIA") {
        true => {
            "that is a session's key id: the keychain keeps an IAM user's long-term key (AKIA...)"
        }
        false => "an IAM user's access key id is AKIA followed by 16 upper-case letters and digits",
    };
    // Not quoted: a secret pasted at the wrong prompt must not be shown.
    Err(Error::usage(format!(
        "the access key id is not a long-term access key id ({} characters given, not shown)",
        id.chars().count()
    ))
    .hint(hint))
}

/// A secret access key: 40 characters. Never quoted.
pub fn check_secret(secret: &str) -> Result<(), Error> {
    let visible = secret.chars().all(|c| c.is_ascii_graphic());
    if secret.chars().count() == 40 && visible {
        return Ok(());
    }
    Err(Error::usage(format!(
        "the secret access key is not 40 visible characters ({} given, not shown)",
        secret.chars().count()
    ))
    .hint("copy the whole secret access key, as IAM showed it"))
}

/// Both shapes of `keys`.
pub fn check_shape(keys: &LongTermKeys) -> Result<(), Error> {
    check_access_key_id(&keys.access_key_id)?;
    check_secret(keys.secret_access_key.expose())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit_codes::ExitCode;
    use crate::keys::test_keychain::TestKeychain;
    use crate::profiles::{AwsFile, IniFile};

    const SECRET: &str = "fakeSecretKey/ForTests+0123456789ABCDEFG";

    fn files(credentials: &str, config: &str) -> AwsFiles {
        let file = |path: &str, text: &str| AwsFile {
            path: path.into(),
            ini: IniFile::parse(text.as_bytes()).unwrap(),
        };
        AwsFiles {
            credentials: file("/h/.aws/credentials", credentials),
            config: file("/h/.aws/config", config),
        }
    }

    #[test]
    fn keys_in_a_file_never_open_the_keychain() {
        let keychain = TestKeychain::down();
        let creds =
            format!("[w]\naws_access_key_id = AKIAFILE\naws_secret_access_key = {SECRET}\n");
        let found = long_term_keys(&files(&creds, ""), "w", &keychain).unwrap();
        assert_eq!(found.keys.access_key_id, "AKIAFILE");
        assert_eq!(found.from, KeysFrom::File("/h/.aws/credentials".into()));
        let config = "[profile w]\naws_access_key_id = AKIACONF\naws_secret_access_key = s\n";
        let found = long_term_keys(&files("", config), "w", &keychain).unwrap();
        assert_eq!(found.from, KeysFrom::File("/h/.aws/config".into()));
        assert_eq!(keychain.calls.get(), 0);
    }

    #[test]
    fn the_keychain_comes_after_both_files() {
        let keychain = TestKeychain::with("w", "AKIAKEYCHAIN", SECRET);
        // A section without keys (what `keys import` leaves) is no keys.
        let found = long_term_keys(
            &files("[w]\nregion = x\n", "[profile w]\nmfa_serial = m\n"),
            "w",
            &keychain,
        )
        .unwrap();
        assert_eq!(found.keys.access_key_id, "AKIAKEYCHAIN");
        assert_eq!(found.from, KeysFrom::Keychain);
        assert_eq!(keychain.calls.get(), 1);
    }

    #[test]
    fn no_keys_anywhere_names_every_place_and_the_way_out() {
        let err = long_term_keys(&files("", ""), "w", &TestKeychain::default()).unwrap_err();
        let (code, text) = crate::error::render(&err);
        assert_eq!(code, ExitCode::Failure);
        assert!(text.contains("no long-term keys for profile w (not in the credentials file, the config file or the keychain)"), "{text}");
        assert!(text.contains("awsmfa keys add --profile w"), "{text}");
    }

    #[test]
    fn an_unreachable_keychain_fails_after_the_files_saying_what_is_missing() {
        let err = long_term_keys(&files("", ""), "w", &TestKeychain::down()).unwrap_err();
        let (code, text) = crate::error::render(&err);
        assert_eq!(code, ExitCode::Failure);
        assert!(
            text.starts_with("awsmfa: error: no long-term keys for profile w in the AWS files: cannot reach the keychain"),
            "{text}"
        );
    }

    #[test]
    fn shapes_of_long_term_keys() {
        assert!(check_access_key_id("AKIAFAKEFAKEFAKE1234").is_ok());
        for bad in [
            "",
            "AKIA",
            "ASIAFAKEFAKEFAKE1234",
            "AKIAfakefakefake1234",
            "AKIAFAKEFAKEFAKE12345",
            "AKIAFAKEFAKEFAKE12 4",
        ] {
            assert_eq!(
                check_access_key_id(bad).unwrap_err().code(),
                ExitCode::Usage,
                "{bad}"
            );
        }
        assert!(check_secret(SECRET).is_ok());
        for bad in [
            &SECRET[1..],
            &format!("{SECRET}x"),
            &format!("{} ", &SECRET[1..]),
            "",
        ] {
            let err = check_secret(bad).unwrap_err();
            assert_eq!(err.code(), ExitCode::Usage);
            assert!(bad.is_empty() || !err.to_string().contains(bad), "{err}");
        }
    }
}
