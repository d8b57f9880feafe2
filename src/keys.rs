//! Where a login finds a source profile's long-term keys.

use anyhow::Result;

use crate::error::Error;
use crate::profiles::{AwsFiles, config_profile_section};
use crate::secret::Secret;
use crate::session::{ACCESS_KEY_ID, LongTermKeys, SECRET_ACCESS_KEY, session_token};

/// The source profile's long-term keys: credentials file first, then the config file.
pub fn long_term_keys(files: &AwsFiles, source: &str) -> Result<LongTermKeys> {
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
                return Ok(LongTermKeys {
                    access_key_id: id.to_owned(),
                    secret_access_key: Secret::new(secret),
                });
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
    Err(Error::failure(format!("no long-term keys for profile {source}"))
        .hint(format!(
            "add aws_access_key_id and aws_secret_access_key to [{source}] of {} (aws configure --profile {source})",
            files.credentials.path.display()
        ))
        .into())
}
