//! IAM Identity Center (SSO): what a profile signs in to, the token cache
//! botocore, the AWS CLI and the SDKs share (`cache.rs`), and the token a
//! request may send (`token.rs`: the cached one, refreshed when it can be).

pub mod cache;
pub mod token;

use crate::aws::sts::Endpoint;
use crate::env::Env;
use crate::error::Error;
use crate::net::Network;
use crate::profiles::AwsFiles;

/// An SSO sign-in: what `aws sso login` (and `awsmfa sso login`) signs in
/// to, and what its cached token is named after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// `Some(X)` for `sso_session = X`; `None` for the legacy form.
    pub session: Option<String>,
    pub start_url: String,
    pub region: String,
}

impl SignIn {
    /// How the user signs in again: `aws sso login --profile P` (or `--sso-session X`).
    pub fn login_hint(&self, profile: &str) -> String {
        match &self.session {
            Some(name) => {
                format!("run 'aws sso login --sso-session {name}' (or --profile {profile})")
            }
            None => format!("run 'aws sso login --profile {profile}'"),
        }
    }
}

/// An SSO profile's settings: its sign-in, and the role it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProfile {
    pub sign_in: SignIn,
    pub account_id: String,
    pub role_name: String,
}

impl SsoProfile {
    /// `profile`'s SSO settings, when it has them: `sso_session` (with its
    /// `[sso-session X]` section), or the legacy `sso_start_url` form.
    pub fn read(files: &AwsFiles, profile: &str) -> Result<Option<SsoProfile>, Error> {
        let get = |key| files.config_value(profile, key).map(str::to_owned);
        let (session, start_url, region) = match get("sso_session") {
            Some(name) => {
                let section = sso_session_section(files, &name).ok_or_else(|| {
                    Error::failure(format!(
                        "profile {profile} names sso_session {name}, but there is no [sso-session {name}]"
                    ))
                    .hint("run 'aws configure sso' again, or add the section")
                })?;
                let from_session = |key| files.config.ini.get(&section, key).map(str::to_owned);
                (
                    Some(name),
                    from_session("sso_start_url"),
                    from_session("sso_region"),
                )
            }
            None => match get("sso_start_url") {
                Some(url) => (None, Some(url), get("sso_region")),
                None => return Ok(None),
            },
        };
        let missing = |what: &str| {
            Error::failure(format!("the SSO settings of profile {profile} lack {what}"))
                .hint("run 'aws configure sso' again")
        };
        Ok(Some(SsoProfile {
            sign_in: SignIn {
                start_url: start_url.ok_or_else(|| missing("sso_start_url"))?,
                region: region.ok_or_else(|| missing("sso_region"))?,
                session,
            },
            account_id: get("sso_account_id").ok_or_else(|| missing("sso_account_id"))?,
            role_name: get("sso_role_name").ok_or_else(|| missing("sso_role_name"))?,
        }))
    }
}

/// The config section of `[sso-session NAME]` (the last one, as in botocore).
fn sso_session_section(files: &AwsFiles, name: &str) -> Option<String> {
    files
        .config
        .ini
        .sections()
        .iter()
        .rev()
        .find(|s| {
            let words = crate::profiles::shell_words(&s.name).unwrap_or_default();
            words.len() == 2 && words[0] == "sso-session" && words[1] == name
        })
        .map(|s| s.name.clone())
}

/// The SSO (or SSO OIDC) endpoint: `$AWS_ENDPOINT_URL_SSO(_OIDC)`, else
/// `$AWS_ENDPOINT_URL`, else the service's endpoint in `sso_region`.
pub fn endpoint(
    env: &dyn Env,
    sign_in: &SignIn,
    network: &Network,
    var: &str,
) -> Result<Endpoint, Error> {
    crate::region::check_region(&sign_in.region, "sso_region")?;
    Ok(Endpoint {
        region: sign_in.region.clone(),
        url: crate::net::endpoint_url(None, env, var)?,
        network: network.clone(),
    })
}
