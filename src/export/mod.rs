//! Any AWS profile, exported: a config profile that is not an awsmfa
//! session (IAM Identity Center, `credential_process`, a role) is resolved
//! the way the AWS CLI resolves it, without a browser and without a prompt,
//! so that `env`, `exec`, `credential-process` and `status` work for it too.
//! Only these profiles touch the network; a session in the credentials file
//! never reaches this module.

pub mod process;
pub mod role;
pub mod sso;

use anyhow::Result;

use crate::env::Env;
use crate::error::Error;
use crate::profiles::AwsFiles;
use crate::session::Credentials;

/// What kind of profile a config profile is, for exporting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `sso_session` (with `[sso-session X]`), or the legacy `sso_start_url` form.
    Sso(crate::sso::SsoProfile),
    /// `credential_process = COMMAND`.
    Process(String),
    /// `role_arn` with no MFA device on its chain: AssumeRole with its source's credentials.
    Role,
    /// `role_arn` with an MFA device on its chain: only the session `awsmfa login` saved.
    RoleWithMfa,
}

impl Kind {
    /// What the kind is called in messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Sso(_) => "an SSO profile",
            Kind::Process(_) => "a credential_process profile",
            Kind::Role => "a role profile with no MFA device on its chain",
            Kind::RoleWithMfa => "a role profile that needs MFA",
        }
    }
}

/// What a command was told about the requests it makes: for a role without
/// MFA, `--region`, `--endpoint-url` and `--duration`, each applied to every
/// AssumeRole of the chain (the duration to the outermost role); for an SSO
/// profile, whether to sign in when the sign-in is gone (`--login`).
#[derive(Debug, Clone, Default)]
pub struct Requests {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub duration: Option<String>,
    pub sso_login: bool,
    /// `--force`: resolve anew, past the AWS CLI's credential cache.
    pub force: bool,
}

/// The kind of `profile`, by the AWS CLI's order (a role before SSO before
/// a process); `None` for a profile of none of these kinds. A role needs MFA
/// when `login` would find a device for it (`device_flag`, the environment,
/// `mfa_serial` down its chain), so that every command reads it alike.
pub fn kind_of(
    files: &AwsFiles,
    env: &dyn Env,
    device_flag: Option<&str>,
    profile: &str,
) -> Result<Option<Kind>, Error> {
    let get = |key| files.config_value(profile, key);
    if get("role_arn").is_some() {
        return Ok(Some(
            match crate::login::chain::needs_mfa(files, env, device_flag, profile)? {
                true => Kind::RoleWithMfa,
                false => Kind::Role,
            },
        ));
    }
    if let Some(sso) = crate::sso::SsoProfile::read(files, profile)? {
        return Ok(Some(Kind::Sso(sso)));
    }
    Ok(get("credential_process").map(|c| Kind::Process(c.to_owned())))
}

/// Refuses credentials that have already expired (a process may print
/// such), as a session that has expired is refused: exit 3.
pub fn check_unexpired(profile: &str, credentials: &Credentials) -> Result<(), Error> {
    if credentials.is_valid(crate::time::Timestamp::now()) {
        return Ok(());
    }
    let when = credentials
        .expiration
        .at()
        .map_or_else(String::new, |t| format!(" at {t}"));
    Err(Error::no_session(format!(
        "the credentials of profile {profile} expired{when}"
    ))
    .hint("refresh them the way that profile is signed in to, then try again"))
}

/// The credentials of `profile` (of a kind [`kind_of`] found), resolved
/// now: a missing or expired sign-in is "no session" (exit 3), a failure of
/// the portal, the process or STS is exit 1. `requests` apply to a role's
/// AssumeRole calls.
pub fn resolve(
    files: &AwsFiles,
    env: &dyn Env,
    profile: &str,
    kind: &Kind,
    requests: &Requests,
) -> Result<Credentials> {
    let credentials = match kind {
        Kind::Sso(sso) => {
            sso::credentials(files, env, profile, sso, requests.sso_login, requests.force)?
        }
        Kind::Process(command) => process::credentials(profile, command)?,
        Kind::Role => role::credentials(files, env, profile, requests)?,
        Kind::RoleWithMfa => {
            return Err(Error::no_session(format!(
                "profile {profile} is a role that needs MFA, and has no session yet"
            ))
            .hint(format!("run 'awsmfa login --profile {profile}'"))
            .into());
        }
    };
    Ok(credentials)
}
