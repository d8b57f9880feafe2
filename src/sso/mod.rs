//! IAM Identity Center (SSO): what a profile signs in to, the token cache
//! botocore, the AWS CLI and the SDKs share (`cache.rs`), and the token a
//! request may send (`token.rs`: the cached one, refreshed when it can be).

pub mod browser;
pub mod cache;
pub mod callback;
pub mod login;
pub mod pkce;
pub mod registration;
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
    /// `sso_registration_scopes` of the `[sso-session]`, split at commas
    /// (`None` when not set, and for the legacy form).
    pub scopes: Option<Vec<String>>,
}

impl SignIn {
    /// How the user signs in again: `awsmfa sso login --profile P` (or `--sso-session X`).
    pub fn login_hint(&self, profile: &str) -> String {
        match &self.session {
            Some(name) => {
                format!("run 'awsmfa sso login --sso-session {name}' (or --profile {profile})")
            }
            None => format!("run 'awsmfa sso login --profile {profile}'"),
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
        let Some(sign_in) = SignIn::of_profile(files, profile)? else {
            return Ok(None);
        };
        let get = |key| files.config_value(profile, key).map(str::to_owned);
        let missing = |what: &str| {
            Error::failure(format!("the SSO settings of profile {profile} lack {what}")).hint(
                format!("add it, or run 'awsmfa configure sso --name {profile}'"),
            )
        };
        Ok(Some(SsoProfile {
            sign_in,
            account_id: get("sso_account_id").ok_or_else(|| missing("sso_account_id"))?,
            role_name: get("sso_role_name").ok_or_else(|| missing("sso_role_name"))?,
        }))
    }
}

impl SignIn {
    /// The sign-in of `profile`: its `sso_session` (and that section), else
    /// the legacy `sso_start_url` and `sso_region` on the profile; `None`
    /// when it has neither.
    pub fn of_profile(files: &AwsFiles, profile: &str) -> Result<Option<SignIn>, Error> {
        let get = |key| files.config_value(profile, key).map(str::to_owned);
        if let Some(name) = get("sso_session") {
            return SignIn::named(files, &name, Some(profile)).map(Some);
        }
        let Some(start_url) = get("sso_start_url") else {
            return Ok(None);
        };
        let region = get("sso_region").ok_or_else(|| {
            Error::failure(format!(
                "the SSO settings of profile {profile} lack sso_region"
            ))
            .hint(format!("add sso_region to profile {profile}"))
        })?;
        Ok(Some(SignIn {
            session: None,
            start_url,
            region,
            scopes: None,
        }))
    }

    /// The sign-in `[sso-session NAME]` holds (`profile`: the profile that
    /// names it, for messages).
    pub fn named(files: &AwsFiles, name: &str, profile: Option<&str>) -> Result<SignIn, Error> {
        let named_by = profile.map_or(String::new(), |p| {
            format!("profile {p} names sso_session {name}, but ")
        });
        let section = sso_session_section(files, name).ok_or_else(|| {
            Error::failure(format!(
                "{named_by}there is no [sso-session {name}] in the config file"
            ))
            .hint(format!(
                "add it, or run 'awsmfa configure sso --sso-session {name}'"
            ))
        })?;
        let get = |key| {
            files
                .config
                .ini
                .get(&section, key)
                .map(str::to_owned)
                .filter(|v| !v.trim().is_empty())
        };
        let missing = |what: &str| {
            Error::failure(format!("[sso-session {name}] lacks {what}")).hint(format!(
                "add {what} to [sso-session {name}] of the config file"
            ))
        };
        let scopes = get("sso_registration_scopes").map(|s| {
            s.split(',')
                .map(|scope| scope.trim().to_owned())
                .filter(|scope| !scope.is_empty())
                .collect()
        });
        Ok(SignIn {
            session: Some(name.to_owned()),
            start_url: get("sso_start_url").ok_or_else(|| missing("sso_start_url"))?,
            region: get("sso_region").ok_or_else(|| missing("sso_region"))?,
            scopes,
        })
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
    endpoint_at(env, &sign_in.region, network, var, None)
}

/// The SSO (or SSO OIDC) endpoint for `region`: `flag` (`--endpoint-url`),
/// else the variables, else the region's.
pub fn endpoint_at(
    env: &dyn Env,
    region: &str,
    network: &Network,
    var: &str,
    flag: Option<&str>,
) -> Result<Endpoint, Error> {
    crate::region::check_region(region, "sso_region")?;
    Ok(Endpoint {
        region: region.to_owned(),
        url: crate::net::endpoint_url(flag, env, var)?,
        network: network.clone(),
    })
}
