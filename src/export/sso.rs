//! IAM Identity Center (SSO) profiles: the token `aws sso login` cached in
//! `~/.aws/sso/cache/` (read and refreshed as botocore reads and refreshes
//! it, written back in its form), then SSO GetRoleCredentials. The requests
//! go through the AWS SDK's own SSO and SSO OIDC clients on awsmfa's
//! connector (CA bundle, proxies, time limits). No browser, no prompt.

use std::path::PathBuf;

use anyhow::Result;

use crate::env::Env;
use crate::error::Error;
use crate::net::Network;
use crate::profiles::AwsFiles;
use crate::secret::Secret;
use crate::session::{Credentials, Expiry};
use crate::sts::Endpoint;
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

/// botocore refreshes a token this long before it expires.
const REFRESH_WINDOW_SECONDS: i64 = 15 * 60;

/// The token cache file, as botocore and the AWS SDKs write it.
struct CachedToken {
    path: PathBuf,
    doc: serde_json::Map<String, serde_json::Value>,
}

impl CachedToken {
    /// The cache of `sso`, or "signed out" (exit 3): no file, or one that is
    /// not a regular file (never waited on), or not a token.
    fn load(env: &dyn Env, profile: &str, sso: &SsoProfile) -> Result<CachedToken, Error> {
        let signed_out = |why: &str| {
            Error::no_session(format!("profile {profile}: {why}")).hint(sso.login_hint(profile))
        };
        let path = cache_file(env, sso)
            .ok_or_else(|| signed_out("no home directory for the SSO cache"))?;
        let bytes = match crate::profiles::store::read_regular(&path) {
            Ok(Some(bytes)) => bytes,
            _ => return Err(signed_out("no SSO sign-in is cached")),
        };
        let doc = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(doc)) => doc,
            _ => return Err(signed_out("the cached SSO sign-in cannot be read")),
        };
        let token = CachedToken { path, doc };
        if token.text("accessToken").is_none() {
            return Err(signed_out("the cached SSO sign-in holds no token"));
        }
        Ok(token)
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.doc
            .get(key)
            .and_then(serde_json::Value::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A time of the cache, read as botocore reads it (any RFC 3339 offset,
    /// `UTC`, a space for the `T`, ...).
    fn time(&self, key: &str) -> Option<Timestamp> {
        self.text(key).and_then(Timestamp::parse)
    }

    /// Whether it may be refreshed, as botocore decides: the sso-session form
    /// with everything a refresh needs, and a client registration still valid.
    fn refreshable(&self, sso: &SsoProfile, now: Timestamp) -> bool {
        sso.session.is_some()
            && ["clientId", "clientSecret", "refreshToken"]
                .iter()
                .all(|k| self.text(k).is_some())
            && self.time("registrationExpiresAt").is_some_and(|t| t > now)
    }

    /// Writes a refreshed token back (0600, atomically), keeping every other field.
    fn store(&mut self, access_token: &str, expires_at: Timestamp, refresh_token: Option<&str>) {
        self.doc.insert("accessToken".into(), access_token.into());
        self.doc
            .insert("expiresAt".into(), expires_at.to_string().into());
        if let Some(refresh) = refresh_token {
            self.doc.insert("refreshToken".into(), refresh.into());
        }
        let text = serde_json::Value::Object(self.doc.clone()).to_string();
        // The refreshed token is used either way; a cache that cannot be
        // written is refreshed again next time.
        if let Ok(write) = crate::profiles::store::PreparedWrite::new(&self.path, &text, true) {
            let _ = write.commit();
        }
    }
}

/// `profile`'s role credentials from the SSO portal: the cached token
/// (refreshed through SSO OIDC within 15 minutes of its expiry when it can
/// be, as botocore does), then GetRoleCredentials, both through the SDK's
/// own SSO clients on awsmfa's connector.
pub fn credentials(
    files: &AwsFiles,
    env: &dyn Env,
    profile: &str,
    sso: &SsoProfile,
) -> Result<Credentials> {
    let mut cached = CachedToken::load(env, profile, sso)?;
    let signed_out = |why: &str| -> anyhow::Error {
        Error::no_session(format!("profile {profile}: {why}"))
            .hint(sso.login_hint(profile))
            .into()
    };
    let now = Timestamp::now();
    let expires_at = cached.time("expiresAt");
    let valid = expires_at.is_some_and(|t| t > now);
    let fresh = expires_at.is_some_and(|t| now.seconds_until(t) > REFRESH_WINDOW_SECONDS);
    let network = Network::resolve(env, files.config_value(profile, "ca_bundle"))?;
    let runtime = crate::sts::runtime().map_err(|e| Error::failure(format!("{e:?}")))?;
    let mut access_token = cached.text("accessToken").unwrap_or_default().to_owned();
    if !fresh {
        if !cached.refreshable(sso, now) {
            if !valid {
                return Err(signed_out("the SSO sign-in has expired"));
            }
        } else {
            match runtime.block_on(refresh(env, profile, sso, &network, &cached)) {
                Ok((token, expires_in, refresh_token)) => {
                    let expires = Timestamp::now().plus(expires_in);
                    cached.store(&token, expires, refresh_token.as_deref());
                    access_token = token;
                }
                // Still valid: use it, as botocore does, and refresh next time.
                Err(_) if valid => {}
                Err(err) => return Err(err),
            }
        }
    }
    let endpoint = sso_endpoint(env, sso, &network, "AWS_ENDPOINT_URL_SSO")?;
    let client = aws_sdk_sso::Client::new(&crate::sts::sdk_config(&endpoint, None));
    let answer = runtime.block_on(
        client
            .get_role_credentials()
            .role_name(&sso.role_name)
            .account_id(&sso.account_id)
            .access_token(&access_token)
            .send(),
    );
    let answer = answer.map_err(|e| portal_error(e, profile, sso, &endpoint))?;
    let creds = answer
        .role_credentials()
        .ok_or_else(|| bad_answer(profile, "holds no credentials"))?;
    let (Some(id), Some(secret)) = (creds.access_key_id(), creds.secret_access_key()) else {
        return Err(bad_answer(profile, "holds no keys"));
    };
    if id.is_empty() || secret.is_empty() {
        return Err(bad_answer(profile, "holds no keys"));
    }
    let expiration = Timestamp(creds.expiration().div_euclid(1000));
    if expiration <= Timestamp::now() {
        return Err(bad_answer(profile, "has already expired"));
    }
    Ok(Credentials {
        access_key_id: id.to_owned(),
        secret_access_key: Secret::new(secret),
        session_token: creds
            .session_token()
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expiration: Expiry::At(expiration),
    })
}

/// The endpoint as shown to the user.
fn shown(endpoint: &Endpoint, service: &str) -> String {
    match &endpoint.url {
        Some(url) => url.clone(),
        None => format!("the {service} endpoint of {}", endpoint.region),
    }
}

fn bad_answer(profile: &str, what: &str) -> anyhow::Error {
    Error::failure(format!(
        "the SSO portal's answer for profile {profile} {what}"
    ))
    .into()
}

/// The SSO (or SSO OIDC) endpoint: `$AWS_ENDPOINT_URL_SSO(_OIDC)`, else
/// `$AWS_ENDPOINT_URL`, else the service's endpoint in `sso_region`.
fn sso_endpoint(
    env: &dyn Env,
    sso: &SsoProfile,
    network: &Network,
    var: &str,
) -> Result<Endpoint, Error> {
    crate::commands::check_region(&sso.region, "sso_region")?;
    Ok(Endpoint {
        region: sso.region.clone(),
        url: crate::net::endpoint_url(None, env, var)?,
        network: network.clone(),
    })
}

/// A new token from SSO OIDC (CreateToken, refresh_token grant): the token,
/// its lifetime in seconds and the new refresh token. A refusal is "signed
/// out" (exit 3); no answer is exit 1.
async fn refresh(
    env: &dyn Env,
    profile: &str,
    sso: &SsoProfile,
    network: &Network,
    cached: &CachedToken,
) -> Result<(String, i64, Option<String>)> {
    let endpoint = sso_endpoint(env, sso, network, "AWS_ENDPOINT_URL_SSO_OIDC")?;
    let client = aws_sdk_ssooidc::Client::new(&crate::sts::sdk_config(&endpoint, None));
    let text = |k| cached.text(k).unwrap_or_default().to_owned();
    let answer = client
        .create_token()
        .grant_type("refresh_token")
        .client_id(text("clientId"))
        .client_secret(text("clientSecret"))
        .refresh_token(text("refreshToken"))
        .send()
        .await;
    match answer {
        Ok(out) => match out.access_token() {
            Some(token) if !token.is_empty() && out.expires_in() > 0 => Ok((
                token.to_owned(),
                i64::from(out.expires_in()),
                out.refresh_token().map(str::to_owned),
            )),
            _ => Err(Error::failure("SSO OIDC's refresh answer holds no token").into()),
        },
        Err(aws_sdk_ssooidc::error::SdkError::ServiceError(e)) => {
            let code =
                aws_sdk_ssooidc::error::ProvideErrorMetadata::code(e.err()).unwrap_or("an error");
            Err(Error::no_session(format!(
                "the SSO sign-in could not be refreshed: SSO OIDC said {code}"
            ))
            .hint(sso.login_hint(profile))
            .into())
        }
        Err(e) => Err(Error::failure(format!(
            "could not reach SSO OIDC at {} to refresh the SSO sign-in",
            shown(&endpoint, "SSO OIDC")
        ))
        .hint(crate::sts::root_cause(&e))
        .into()),
    }
}

/// A sign-in the portal no longer accepts is exit 3 (sign in again);
/// anything else is exit 1 with the portal's reason. Tokens never show.
fn portal_error(
    err: aws_sdk_sso::error::SdkError<
        aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError,
        aws_sdk_sso::config::http::HttpResponse,
    >,
    profile: &str,
    sso: &SsoProfile,
    endpoint: &Endpoint,
) -> anyhow::Error {
    use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
    match &err {
        SdkError::ServiceError(e) if e.err().is_unauthorized_exception() => Error::no_session(
            format!("the SSO portal no longer accepts the sign-in of profile {profile}"),
        )
        .hint(sso.login_hint(profile))
        .into(),
        SdkError::ServiceError(e) => Error::failure(format!(
            "the SSO portal refused role {} in account {} for profile {profile}: {}",
            sso.role_name,
            sso.account_id,
            e.err().code().unwrap_or("an error")
        ))
        .hint(e.err().message().unwrap_or_default().to_owned())
        .into(),
        _ => Error::failure(format!(
            "could not get SSO credentials for profile {profile} from {}",
            shown(endpoint, "SSO portal")
        ))
        .hint(crate::sts::root_cause(&err))
        .into(),
    }
}
