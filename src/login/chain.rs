//! A profile's chain of roles, as the AWS CLI follows it: a profile with
//! `role_arn` is assumed with the credentials of its `source_profile`, which
//! may be a role profile itself, down to a profile with long-term keys.

use crate::env::Env;
use crate::error::Error;
use crate::names::{ProfileNames, default_target};
use crate::profiles::{AwsFiles, config_profile_section};

/// One role profile's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    pub profile: String,
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    /// As written (`duration_seconds = 3600`); checked by the plan.
    pub duration_seconds: Option<String>,
}

impl RoleSpec {
    /// `role_session_name`, else `awsmfa-<unix seconds>`.
    pub fn session_name(&self) -> String {
        self.session_name
            .clone()
            .unwrap_or_else(|| format!("awsmfa-{}", crate::time::Timestamp::now().0))
    }
}

/// A role's session length, and where it was asked for (`--duration`,
/// `duration_seconds of profile P`, or `None` for the hour AWS gives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDuration {
    pub seconds: u32,
    pub from: Option<String>,
    /// Whether this is the role logged in to, whose length `--duration` sets.
    pub outermost: bool,
}

impl RoleDuration {
    /// How to ask for less, for a hint.
    pub fn how_to_shorten(&self) -> String {
        crate::input::shorter(self.from.as_deref(), self.outermost)
    }
}

/// Each role's session length, outermost first: `flag` (`--duration`) or
/// `duration_seconds` of the profile logged in to, each intermediate role's
/// own `duration_seconds`, else an hour. A role assumed with another role's
/// credentials (a chain) gets an hour at most, as AWS allows.
pub fn durations(roles: &[RoleSpec], flag: Option<&str>) -> Result<Vec<RoleDuration>, Error> {
    let last = roles.len().saturating_sub(1);
    roles
        .iter()
        .enumerate()
        .map(|(i, role)| {
            let (text, from) = match (flag, &role.duration_seconds) {
                (Some(d), _) if i == 0 => (d.to_owned(), "--duration".to_owned()),
                (_, Some(d)) => (
                    d.clone(),
                    format!("duration_seconds of profile {}", role.profile),
                ),
                _ => {
                    return Ok(RoleDuration {
                        seconds: 3600,
                        from: None,
                        outermost: i == 0,
                    });
                }
            };
            // The innermost role is signed with the source; every other is chained.
            let seconds = crate::input::parse_role_duration(&text, &from, i != last, i == 0)?;
            Ok(RoleDuration {
                seconds,
                from: Some(from),
                outermost: i == 0,
            })
        })
        .collect()
}

/// The roles from the profile logged in to (first) down to the profile
/// whose long-term keys start it all (`base`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub roles: Vec<RoleSpec>,
    pub base: String,
}

/// Follows `source_profile` from `profile`; a loop, a missing profile or a
/// role without a source is an error naming the chain.
pub fn resolve(files: &AwsFiles, profile: &str) -> Result<Chain, Error> {
    let mut roles: Vec<RoleSpec> = Vec::new();
    let mut current = profile.to_owned();
    loop {
        let get = |key| files.config_value(&current, key).map(str::to_owned);
        // A source with keys of its own is signed with them, even when it
        // has a role_arn too (botocore takes static keys first).
        let is_source = current != profile;
        let role_arn = get("role_arn").filter(|_| !(is_source && has_keys(files, &current)));
        let Some(role_arn) = role_arn else {
            return Ok(Chain {
                roles,
                base: current,
            });
        };
        let path = |next: &str| {
            let mut names: Vec<&str> = roles.iter().map(|r| r.profile.as_str()).collect();
            names.push(&current);
            names.push(next);
            names.join(" -> ")
        };
        if get("credential_source").is_some() {
            return Err(Error::failure(format!(
                "profile {current} takes its credentials from credential_source, which awsmfa does not read"
            ))
            .hint("name the profile with the long-term keys in source_profile instead"));
        }
        let Some(source) = get("source_profile") else {
            return Err(
                Error::failure(format!("role profile {current} has no source_profile"))
                    .hint("add source_profile = PROFILE (the one with the long-term keys) to it"),
            );
        };
        let spec = RoleSpec {
            profile: current.clone(),
            role_arn,
            external_id: get("external_id"),
            session_name: get("role_session_name"),
            duration_seconds: get("duration_seconds"),
        };
        // A role profile that names itself holds its own keys (the AWS CLI allows it).
        if source == current {
            roles.push(spec);
            return Ok(Chain {
                roles,
                base: source,
            });
        }
        if source == profile || roles.iter().any(|r| r.profile == source) {
            return Err(Error::failure(format!(
                "the source_profile chain is a loop: {}",
                path(&source)
            )));
        }
        let exists = files.credentials.ini.section(&source).is_some()
            || config_profile_section(&files.config.ini, &source).is_some();
        if !exists {
            return Err(Error::failure(format!(
                "profile {source} does not exist: {}",
                path(&source)
            ))
            .hint("check source_profile in the config file"));
        }
        roles.push(spec);
        current = source;
    }
}

impl Chain {
    /// Where the MFA session of a login to this chain comes from and goes.
    /// `names` are the login's: a plain login (no roles) uses them as they
    /// are; a role's source in the Python aws-mfa's layout keeps its keys in
    /// `[S-long-term]` and its MFA session in `[S]`.
    pub fn session_side(&self, files: &AwsFiles, names: &ProfileNames) -> ProfileNames {
        if self.roles.is_empty() {
            return names.clone();
        }
        ProfileNames {
            target: default_target(&self.base),
            source: self.base.clone(),
            long_term_of: None,
        }
        .follow_long_term_layout(&files.credentials.ini, false)
    }

    /// The profiles whose settings (device, code command, region, FIPS,
    /// CA bundle) apply to a login, the outermost (the one logged in to)
    /// first, down to the MFA session's source; in the Python aws-mfa's
    /// layout `[profile P]` holds the settings of `[P-long-term]`.
    pub fn settings<'a>(&'a self, side: &'a ProfileNames) -> Vec<&'a str> {
        let mut settings: Vec<&str> = self.roles.iter().map(|r| r.profile.as_str()).collect();
        settings.push(&side.source);
        settings.extend(side.long_term_of.as_deref());
        settings
    }
}

/// The MFA device a login finds, as written (checked by the login plan):
/// `flag` (`--device`), `$AWSMFA_DEVICE`, `$MFA_DEVICE`, `mfa_serial` of
/// each profile of `settings` (config), then the `source` section of the
/// credentials file (`mfa_serial`, then the Python aws-mfa's `aws_mfa_device`).
pub fn find_device(
    flag: Option<&str>,
    env: &dyn Env,
    files: &AwsFiles,
    settings: &[&str],
    source: &str,
) -> Option<String> {
    let creds = |key| {
        files
            .credentials
            .ini
            .section(source)
            .and_then(|_| files.credentials.ini.get(source, key))
            .map(str::to_owned)
    };
    flag.map(str::to_owned)
        .or_else(|| env.var("AWSMFA_DEVICE"))
        .or_else(|| env.var("MFA_DEVICE"))
        .or_else(|| {
            settings
                .iter()
                .find_map(|p| files.config_value(p, "mfa_serial"))
                .map(str::to_owned)
        })
        .or_else(|| creds("mfa_serial"))
        .or_else(|| creds("aws_mfa_device"))
}

/// Whether the role profile `profile` needs MFA: `login --profile profile`
/// would find a device for it ([`find_device`] over its chain). Every
/// command asks this, so that one profile means one thing to all of them.
pub fn needs_mfa(
    files: &AwsFiles,
    env: &dyn Env,
    device_flag: Option<&str>,
    profile: &str,
) -> Result<bool, Error> {
    let chain = resolve(files, profile)?;
    let names = ProfileNames {
        source: profile.to_owned(),
        target: default_target(profile),
        long_term_of: None,
    };
    let side = chain.session_side(files, &names);
    let settings = chain.settings(&side);
    Ok(find_device(device_flag, env, files, &settings, &side.source).is_some())
}

/// The profile that holds the MFA session a role login of `role` signs
/// with (`mfa` for a chain down to `default`): its session renews the role's.
pub fn mfa_session_of(files: &AwsFiles, role: &str) -> Result<String, Error> {
    let chain = resolve(files, role)?;
    let names = ProfileNames {
        source: role.to_owned(),
        target: default_target(role),
        long_term_of: None,
    };
    Ok(chain.session_side(files, &names).target)
}

/// The role whose session `target` holds by name: `target` is `R-mfa` (or
/// `mfa` for `default`) and `R` a role profile that needs MFA. Such a
/// target is renewed as that role, never with another identity.
pub fn role_of_session(
    files: &AwsFiles,
    env: &dyn Env,
    device_flag: Option<&str>,
    target: &str,
) -> Result<Option<String>, Error> {
    let role = match target {
        "mfa" => "default",
        _ => match target.strip_suffix("-mfa") {
            Some(role) if !role.is_empty() => role,
            _ => return Ok(None),
        },
    };
    if files.config_value(role, "role_arn").is_none() {
        return Ok(None);
    }
    Ok(needs_mfa(files, env, device_flag, role)?.then(|| role.to_owned()))
}

/// Whether `profile` holds an access key and secret in the credentials
/// file or its config profile.
fn has_keys(files: &AwsFiles, profile: &str) -> bool {
    use crate::session::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};
    let in_credentials = |key| {
        files
            .credentials
            .ini
            .section(profile)
            .and_then(|_| files.credentials.ini.get(profile, key))
            .is_some()
    };
    let in_config = |key| files.config_value(profile, key).is_some();
    (in_credentials(ACCESS_KEY_ID) && in_credentials(SECRET_ACCESS_KEY))
        || (in_config(ACCESS_KEY_ID) && in_config(SECRET_ACCESS_KEY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{AwsFile, IniFile};

    fn files(config: &str, credentials: &str) -> AwsFiles {
        let file = |text: &str| AwsFile {
            path: "f".into(),
            ini: IniFile::parse(text.as_bytes()).unwrap(),
        };
        AwsFiles {
            credentials: file(credentials),
            config: file(config),
        }
    }

    const KEYS: &str = "[default]\naws_access_key_id = A\naws_secret_access_key = S\n";

    #[test]
    fn plain_profiles_have_no_roles() {
        let chain = resolve(&files("", KEYS), "default").unwrap();
        assert_eq!(chain.base, "default");
        assert!(chain.roles.is_empty());
    }

    #[test]
    fn chains_are_followed_to_the_keys() {
        let config = "[profile admin]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = ops\n\
                      external_id = x\nrole_session_name = me\nduration_seconds = 900\n\
                      [profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = default\n";
        let chain = resolve(&files(config, KEYS), "admin").unwrap();
        assert_eq!(chain.base, "default");
        let names: Vec<_> = chain.roles.iter().map(|r| r.profile.as_str()).collect();
        assert_eq!(names, ["admin", "ops"]);
        assert_eq!(chain.roles[0].external_id.as_deref(), Some("x"));
        assert_eq!(chain.roles[0].session_name.as_deref(), Some("me"));
        assert_eq!(chain.roles[0].duration_seconds.as_deref(), Some("900"));
        assert_eq!(chain.roles[1].external_id, None);
    }

    #[test]
    fn loops_missing_profiles_and_credential_source_are_refused() {
        let config = "[profile admin]\nrole_arn = r\nsource_profile = ops\n\
                      [profile ops]\nrole_arn = r\nsource_profile = admin\n";
        let err = resolve(&files(config, KEYS), "admin").unwrap_err();
        assert!(err.to_string().contains("admin -> ops -> admin"), "{err}");
        let config = "[profile admin]\nrole_arn = r\nsource_profile = nobody\n";
        let err = resolve(&files(config, KEYS), "admin").unwrap_err();
        assert!(err.to_string().contains("admin -> nobody"), "{err}");
        let config = "[profile admin]\nrole_arn = r\ncredential_source = Environment\n";
        let err = resolve(&files(config, KEYS), "admin").unwrap_err();
        assert!(err.to_string().contains("credential_source"), "{err}");
        let config = "[profile admin]\nrole_arn = r\n";
        assert!(resolve(&files(config, KEYS), "admin").is_err());
    }

    #[test]
    fn a_source_with_keys_is_signed_with_them_as_in_botocore() {
        let config = "[profile viewer]\nrole_arn = r1\nsource_profile = ops\n\
                      [profile ops]\nrole_arn = r2\nsource_profile = default\n";
        let creds = format!("{KEYS}[ops]\naws_access_key_id = A\naws_secret_access_key = S\n");
        let creds = creds.as_str();
        let chain = resolve(&files(config, creds), "viewer").unwrap();
        assert_eq!(chain.base, "ops");
        assert_eq!(chain.roles.len(), 1);
        // The profile logged in to is still a role, keys or not.
        let chain = resolve(&files(config, creds), "ops").unwrap();
        assert_eq!(chain.roles.len(), 1);
    }

    #[test]
    fn a_role_profile_may_hold_its_own_keys() {
        let config = "[profile me]\nrole_arn = r\nsource_profile = me\n";
        let creds = "[me]\naws_access_key_id = A\naws_secret_access_key = S\n";
        let chain = resolve(&files(config, creds), "me").unwrap();
        assert_eq!(chain.base, "me");
        assert_eq!(chain.roles.len(), 1);
    }
}
