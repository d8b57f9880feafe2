//! IAM Identity Center (SSO) profiles: the token `aws sso login` cached in
//! `~/.aws/sso/cache/` (refreshed with its refresh token when it has
//! expired and can be), then SSO GetRoleCredentials, through the AWS SDK's
//! own SSO credentials provider pointed at awsmfa's HTTP client (CA bundle,
//! proxies, time limits). No browser, no prompt.

use std::path::PathBuf;

use anyhow::Result;

use crate::env::Env;
use crate::error::Error;
use crate::net::{ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, Network, OPERATION_TIMEOUT};
use crate::profiles::AwsFiles;
use crate::secret::Secret;
use crate::session::{Credentials, Expiry};
use crate::time::Timestamp;

/// An SSO profile's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProfile {
    /// `Some(X)` for `sso_session = X`; `None` for the legacy form.
    pub session: Option<String>,
    pub start_url: String,
    pub region: String,
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
            start_url: start_url.ok_or_else(|| missing("sso_start_url"))?,
            region: region.ok_or_else(|| missing("sso_region"))?,
            account_id: get("sso_account_id").ok_or_else(|| missing("sso_account_id"))?,
            role_name: get("sso_role_name").ok_or_else(|| missing("sso_role_name"))?,
            session,
        }))
    }

    /// How the user signs in again: `aws sso login --profile P` (or `--sso-session X`).
    fn login_hint(&self, profile: &str) -> String {
        match &self.session {
            Some(name) => {
                format!("run 'aws sso login --sso-session {name}' (or --profile {profile})")
            }
            None => format!("run 'aws sso login --profile {profile}'"),
        }
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

/// The cached token botocore and the AWS SDKs share: `~/.aws/sso/cache/`
/// and the SHA-1 of the session name (or, legacy, of the start URL).
fn cache_file(env: &dyn Env, sso: &SsoProfile) -> Option<PathBuf> {
    use sha1::{Digest, Sha1};
    let key = sso.session.as_deref().unwrap_or(&sso.start_url);
    let hash = Sha1::digest(key.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let home = env.var("HOME").map(PathBuf::from).or_else(dirs::home_dir)?;
    Some(
        home.join(".aws")
            .join("sso")
            .join("cache")
            .join(format!("{hex}.json")),
    )
}

/// Whether the cached token can be used now, or refreshed: `Err` (exit 3,
/// with the `aws sso login` hint) when there is none or it is over.
fn check_cached_token(env: &dyn Env, profile: &str, sso: &SsoProfile) -> Result<(), Error> {
    let signed_out = |why: &str| {
        Error::no_session(format!("profile {profile}: {why}")).hint(sso.login_hint(profile))
    };
    let path =
        cache_file(env, sso).ok_or_else(|| signed_out("no home directory for the SSO cache"))?;
    let Ok(text) = std::fs::read(&path) else {
        return Err(signed_out("no SSO sign-in is cached"));
    };
    let doc: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|_| signed_out("the cached SSO sign-in cannot be read"))?;
    let text = |key: &str| doc.get(key).and_then(serde_json::Value::as_str);
    let time = |key: &str| text(key).and_then(Timestamp::parse);
    if text("accessToken").is_none_or(str::is_empty) {
        return Err(signed_out("the cached SSO sign-in holds no token"));
    }
    let now = Timestamp::now();
    let expired = time("expiresAt").is_none_or(|t| t <= now);
    // Only the sso-session form refreshes (as botocore and the SDKs do),
    // and only with everything a refresh needs.
    let refreshable = sso.session.is_some()
        && ["clientId", "clientSecret", "refreshToken"]
            .iter()
            .all(|k| text(k).is_some_and(|v| !v.is_empty()))
        && time("registrationExpiresAt").is_some_and(|t| t > now);
    if expired && !refreshable {
        return Err(signed_out("the SSO sign-in has expired"));
    }
    Ok(())
}

/// `profile`'s role credentials from the SSO portal.
pub fn credentials(
    files: &AwsFiles,
    env: &dyn Env,
    profile: &str,
    sso: &SsoProfile,
) -> Result<Credentials> {
    use aws_config::provider_config::ProviderConfig;
    use aws_config::sso::SsoCredentialsProvider;
    use aws_config::timeout::TimeoutConfig;
    use aws_credential_types::provider::ProvideCredentials;

    check_cached_token(env, profile, sso)?;
    let network = Network::resolve(env, files.config_value(profile, "ca_bundle"))?;
    let config = ProviderConfig::without_region()
        .with_http_client(network.http_client())
        .with_timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        );
    let mut builder = SsoCredentialsProvider::builder()
        .configure(&config)
        .start_url(&sso.start_url)
        .region(aws_config::Region::new(sso.region.clone()))
        .account_id(&sso.account_id)
        .role_name(&sso.role_name);
    if let Some(name) = &sso.session {
        builder = builder.session_name(name);
    }
    let provider = builder.build();
    let runtime = crate::sts::runtime().map_err(|e| Error::failure(format!("{e:?}")))?;
    let result = runtime.block_on(provider.provide_credentials());
    let creds = result.map_err(|e| portal_error(&e, profile, sso))?;
    let expiration = match creds.expiry() {
        Some(t) => Expiry::At(Timestamp(
            t.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        )),
        None => Expiry::Unknown,
    };
    let bad = |what: &str| -> anyhow::Error {
        Error::failure(format!(
            "the SSO portal's answer for profile {profile} {what}"
        ))
        .into()
    };
    if creds.access_key_id().is_empty() || creds.secret_access_key().is_empty() {
        return Err(bad("holds no keys"));
    }
    if let Expiry::At(t) = expiration
        && t <= Timestamp::now()
    {
        return Err(bad("has already expired"));
    }
    Ok(Credentials {
        access_key_id: creds.access_key_id().to_owned(),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token: creds.session_token().map(Secret::new),
        expiration,
    })
}

/// A sign-in the portal no longer accepts is exit 3 (sign in again);
/// anything else is exit 1 with the portal's reason. Tokens never show.
fn portal_error(
    err: &aws_credential_types::provider::error::CredentialsError,
    profile: &str,
    sso: &SsoProfile,
) -> anyhow::Error {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut last = err.to_string();
    while let Some(e) = next {
        if let Some(e) = e
            .downcast_ref::<aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError>()
        {
            if e.is_unauthorized_exception() {
                return Error::no_session(format!(
                    "the SSO portal no longer accepts the sign-in of profile {profile}"
                ))
                .hint(sso.login_hint(profile))
                .into();
            }
            let code = aws_sdk_sso::error::ProvideErrorMetadata::code(e).unwrap_or("an error");
            let message = aws_sdk_sso::error::ProvideErrorMetadata::message(e).unwrap_or_default();
            return Error::failure(format!(
                "the SSO portal refused role {} in account {} for profile {profile}: {code}",
                sso.role_name, sso.account_id
            ))
            .hint(message.to_owned())
            .into();
        }
        last = e.to_string();
        next = e.source();
    }
    Error::failure(format!(
        "could not get SSO credentials for profile {profile}"
    ))
    .hint(last)
    .into()
}
