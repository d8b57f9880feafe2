//! IAM Identity Center (SSO) profiles: the token `aws sso login` cached in
//! `~/.aws/sso/cache/` (read and refreshed as botocore reads and refreshes
//! it, written back in its form), then SSO GetRoleCredentials. The requests
//! go through the AWS SDK's own SSO and SSO OIDC clients on awsmfa's
//! connector (CA bundle, proxies, time limits). No browser, no prompt.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::aws::sts::Endpoint;
use crate::env::Env;
use crate::error::Error;
use crate::net::Network;
use crate::profiles::AwsFiles;
use crate::profiles::lock::FileLock;
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

/// botocore refreshes a token this long before it expires.
const REFRESH_WINDOW_SECONDS: i64 = 15 * 60;

/// The longest token lifetime taken from SSO OIDC: IAM Identity Center's
/// longest session (90 days). A longer `expiresIn` is not a sane answer.
const MAX_TOKEN_LIFETIME_SECONDS: i64 = 90 * 24 * 60 * 60;

/// The longest token taken from SSO OIDC (tokens are sent in a header).
const MAX_TOKEN_LENGTH: usize = 32 * 1024;

/// How long an export waits for another awsmfa refreshing the same sign-in:
/// longer than a refresh may take (its requests give up after 25 s).
const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(40);

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

    fn access_token(&self) -> Secret {
        Secret::new(self.text("accessToken").unwrap_or_default())
    }

    /// A time of the cache, read as botocore reads it (any RFC 3339 offset,
    /// `UTC`, a space for the `T`, ...).
    fn time(&self, key: &str) -> Option<Timestamp> {
        self.text(key).and_then(Timestamp::parse)
    }

    /// Whether the token may still be sent.
    fn valid(&self, now: Timestamp) -> bool {
        self.time("expiresAt").is_some_and(|t| t > now)
    }

    /// Whether the token is used as it is: more than botocore's refresh
    /// window left.
    fn fresh(&self, now: Timestamp) -> bool {
        self.time("expiresAt")
            .is_some_and(|t| now.seconds_until(t) > REFRESH_WINDOW_SECONDS)
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

    /// Writes a refreshed (and checked) token back (0600, atomically),
    /// keeping every other field.
    fn store(&mut self, refreshed: &Refreshed) {
        self.doc
            .insert("accessToken".into(), refreshed.access_token.expose().into());
        self.doc
            .insert("expiresAt".into(), refreshed.expires_at.to_string().into());
        if let Some(refresh) = &refreshed.refresh_token {
            self.doc
                .insert("refreshToken".into(), refresh.expose().into());
        }
        let text = serde_json::Value::Object(self.doc.clone()).to_string();
        // The refreshed token is used either way; a cache that cannot be
        // written is refreshed again next time.
        if let Ok(write) = crate::profiles::write::PreparedWrite::new(&self.path, &text, true) {
            let _ = write.commit();
        }
    }
}

/// The lock that makes concurrent refreshes of one sign-in a single one:
/// the [`FileLock`] of `~/.aws/sso/<sha1>.json`, a name beside the cache
/// directory, so that its lock file stays out of `~/.aws/sso/cache/`, which
/// botocore, the SDKs and `aws sso logout` read. Waits while another awsmfa
/// may still be refreshing. `None` when no lock file can be made there (a
/// read-only `~/.aws`): the refresh then goes on unlocked, as botocore's.
fn lock_refresh(cache: &Path) -> Result<Option<FileLock>> {
    let (Some(name), Some(sso_dir)) = (cache.file_name(), cache.parent().and_then(Path::parent))
    else {
        return Ok(None);
    };
    let key = sso_dir.join(name);
    let started = Instant::now();
    loop {
        let attempt = Instant::now();
        match FileLock::acquire(&key) {
            Ok(lock) => return Ok(Some(lock)),
            // It waited in vain: another awsmfa holds it. Wait on while a
            // refresh may still be under way.
            Err(_)
                if attempt.elapsed() >= Duration::from_secs(5)
                    && started.elapsed() < REFRESH_LOCK_WAIT => {}
            Err(err) if attempt.elapsed() >= Duration::from_secs(5) => return Err(err),
            Err(_) => return Ok(None),
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
    let cached = CachedToken::load(env, profile, sso)?;
    let network = Network::resolve(env, files.config_value(profile, "ca_bundle"))?;
    let runtime = crate::aws::sts::runtime().map_err(|e| Error::failure(format!("{e:?}")))?;
    let access_token = usable_token(env, profile, sso, &network, &runtime, cached)?;
    let endpoint = sso_endpoint(env, sso, &network, "AWS_ENDPOINT_URL_SSO")?;
    let client = aws_sdk_sso::Client::new(&crate::aws::sts::sdk_config(&endpoint, None));
    let answer = runtime.block_on(
        client
            .get_role_credentials()
            .role_name(&sso.role_name)
            .account_id(&sso.account_id)
            .access_token(access_token.expose())
            .send(),
    );
    let answer = answer.map_err(|e| portal_error(e, profile, sso, &endpoint, &access_token))?;
    let creds = answer
        .role_credentials()
        .ok_or_else(|| bad_answer(profile, "holds no credentials"))?;
    let (Some(id), Some(secret)) = (creds.access_key_id(), creds.secret_access_key()) else {
        return Err(bad_answer(profile, "holds no keys"));
    };
    if id.is_empty() || secret.is_empty() {
        return Err(bad_answer(profile, "holds no keys"));
    }
    // The SDK reads a missing `expiration` as 0.
    if creds.expiration() == 0 {
        return Err(bad_answer(profile, "holds no expiration"));
    }
    let expiration = Timestamp(creds.expiration().div_euclid(1000));
    if expiration <= Timestamp::now() {
        return Err(bad_answer(
            profile,
            &format!("has already expired (at {expiration})"),
        ));
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

/// The token to send to the portal: the cached one while fresh; else, when
/// it can be refreshed, a refreshed one. Concurrent callers refresh once:
/// under the refresh lock the cache is read again, and a token another
/// awsmfa refreshed meanwhile is used as it is (an OIDC server may accept a
/// refresh token only once). A token still valid is used when its refresh
/// fails, as botocore does; an expired one is never sent.
fn usable_token(
    env: &dyn Env,
    profile: &str,
    sso: &SsoProfile,
    network: &Network,
    runtime: &tokio::runtime::Runtime,
    cached: CachedToken,
) -> Result<Secret> {
    let signed_out = || -> anyhow::Error {
        Error::no_session(format!("profile {profile}: the SSO sign-in has expired"))
            .hint(sso.login_hint(profile))
            .into()
    };
    let now = Timestamp::now();
    if cached.fresh(now) {
        return Ok(cached.access_token());
    }
    if !cached.refreshable(sso, now) {
        return if cached.valid(now) {
            Ok(cached.access_token())
        } else {
            Err(signed_out())
        };
    }
    let _lock = lock_refresh(&cached.path)?;
    let first = cached.access_token();
    let mut cached = CachedToken::load(env, profile, sso)?;
    let now = Timestamp::now();
    // Fresh, or just refreshed by another awsmfa (a token that lives less
    // than the refresh window is never fresh): used as it is.
    if cached.fresh(now) || (cached.access_token() != first && cached.valid(now)) {
        return Ok(cached.access_token());
    }
    if !cached.refreshable(sso, now) {
        return if cached.valid(now) {
            Ok(cached.access_token())
        } else {
            Err(signed_out())
        };
    }
    match runtime.block_on(refresh(env, profile, sso, network, &cached)) {
        Ok(refreshed) => {
            cached.store(&refreshed);
            Ok(refreshed.access_token)
        }
        // Still valid: use it, as botocore does, and refresh next time.
        Err(_) if cached.valid(Timestamp::now()) => Ok(cached.access_token()),
        Err(err) => Err(err),
    }
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
    .hint("a fault of the SSO portal (or of a proxy on the way): try again in a moment")
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
    crate::region::check_region(&sso.region, "sso_region")?;
    Ok(Endpoint {
        region: sso.region.clone(),
        url: crate::net::endpoint_url(None, env, var)?,
        network: network.clone(),
    })
}

/// A refreshed token, checked: it is written to the shared cache, which
/// every AWS tool reads.
#[derive(Debug)]
struct Refreshed {
    access_token: Secret,
    expires_at: Timestamp,
    refresh_token: Option<Secret>,
}

/// What is wrong with a token from SSO OIDC, if anything: it must be there,
/// of a sane length, and only printable ASCII (it goes into an HTTP header
/// of every AWS tool that reads the cache). Never shows the token.
fn token_fault(token: Option<&str>) -> Option<&'static str> {
    match token {
        None | Some("") => Some("no"),
        Some(t) if t.len() > MAX_TOKEN_LENGTH => Some("an overlong"),
        Some(t) if !t.bytes().all(|b| b.is_ascii_graphic()) => {
            Some("an unusable (a control character, a space or a non-ASCII character in it)")
        }
        Some(_) => None,
    }
}

/// Checks every field of SSO OIDC's refresh answer before anything is
/// written: the access token, its lifetime (`expiresIn`, positive and at
/// most 90 days) and, when there is one, the new refresh token.
fn check_refresh_answer(
    access_token: Option<&str>,
    expires_in: i32,
    refresh_token: Option<&str>,
    now: Timestamp,
) -> Result<Refreshed, String> {
    if let Some(fault) = token_fault(access_token) {
        return Err(format!("{fault} access token"));
    }
    // The SDK reads a missing `expiresIn` as 0.
    let expires_in = i64::from(expires_in);
    if expires_in == 0 {
        return Err("no expiry (expiresIn)".into());
    }
    if !(1..=MAX_TOKEN_LIFETIME_SECONDS).contains(&expires_in) {
        return Err(format!(
            "an expiresIn of {expires_in} seconds (it must be between 1 and {MAX_TOKEN_LIFETIME_SECONDS})"
        ));
    }
    if let Some(refresh) = refresh_token
        && let Some(fault) = token_fault(Some(refresh))
    {
        return Err(format!("{fault} refresh token"));
    }
    Ok(Refreshed {
        access_token: Secret::new(access_token.unwrap_or_default()),
        expires_at: now.plus(expires_in),
        refresh_token: refresh_token.map(Secret::new),
    })
}

/// A new token from SSO OIDC (CreateToken, refresh_token grant), checked.
/// Only a refused or expired grant or client (invalid_grant, expired_token,
/// invalid_client) is "signed out" (exit 3); a server failure, an answer
/// that cannot be read or fails the checks, or no answer is exit 1.
async fn refresh(
    env: &dyn Env,
    profile: &str,
    sso: &SsoProfile,
    network: &Network,
    cached: &CachedToken,
) -> Result<Refreshed> {
    use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};
    let endpoint = sso_endpoint(env, sso, network, "AWS_ENDPOINT_URL_SSO_OIDC")?;
    let at = shown(&endpoint, "SSO OIDC");
    let client = aws_sdk_ssooidc::Client::new(&crate::aws::sts::sdk_config(&endpoint, None));
    let text = |k| cached.text(k).unwrap_or_default().to_owned();
    let secrets = [
        text("accessToken"),
        text("clientSecret"),
        text("refreshToken"),
    ];
    let answer = client
        .create_token()
        .grant_type("refresh_token")
        .client_id(text("clientId"))
        .client_secret(text("clientSecret"))
        .refresh_token(text("refreshToken"))
        .send()
        .await;
    let what = format!("the refresh of the SSO sign-in of profile {profile}");
    let sign_in = format!("the SSO sign-in of profile {profile}");
    let unchanged = "the cached sign-in was left as it was";
    let err = match answer {
        Ok(out) => {
            return check_refresh_answer(
                out.access_token(),
                out.expires_in(),
                out.refresh_token(),
                Timestamp::now(),
            )
            .map_err(|fault| {
                // `fault` is awsmfa's own words: it never holds a token.
                Error::failure(format!("SSO OIDC at {at} answered {what} with {fault}"))
                    .hint(format!(
                        "{unchanged}; try again in a moment, and if this persists, {}",
                        sso.login_hint(profile)
                    ))
                    .into()
            });
        }
        Err(err) => err,
    };
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    Err(match &err {
        SdkError::ServiceError(e)
            if e.err().is_invalid_grant_exception()
                || e.err().is_expired_token_exception()
                || e.err().is_invalid_client_exception() =>
        {
            let code = e.err().code().unwrap_or("a refusal");
            Error::no_session(format!(
                "the SSO sign-in could not be refreshed: SSO OIDC said {}",
                sanitize(code, &secrets)
            ))
            .hint(sso.login_hint(profile))
        }
        SdkError::ServiceError(e) => {
            let said = server_said(e.raw(), e.err().code(), e.err().message(), &secrets);
            let status = e.raw().status().as_u16();
            if status >= 500 {
                Error::failure(format!(
                    "SSO OIDC at {at} failed to refresh {sign_in}: {said}"
                ))
                .hint(format!(
                    "a failure of SSO OIDC, not of the sign-in: try again in a moment; {unchanged}"
                ))
            } else if (200..300).contains(&status) {
                Error::failure(format!(
                    "SSO OIDC at {at} answered {what} with an answer that cannot be read: {said}"
                ))
                .hint(format!(
                    "check that {at} is SSO OIDC (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, \
                     sso_region, a proxy); {unchanged}"
                ))
            } else {
                Error::failure(format!(
                    "SSO OIDC at {at} refused to refresh {sign_in}: {said}"
                ))
                .hint(format!(
                    "{unchanged}; if this persists, {}",
                    sso.login_hint(profile)
                ))
            }
        }
        SdkError::ResponseError(r) => Error::failure(format!(
            "SSO OIDC at {at} answered {what} with an answer that cannot be read: {}",
            server_said(r.raw(), None, None, &secrets)
        ))
        .hint(format!(
            "check that {at} is SSO OIDC (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, \
             sso_region, a proxy); {unchanged}"
        )),
        _ => Error::failure(format!(
            "could not reach SSO OIDC at {at} to refresh {sign_in}"
        ))
        .hint(network_hint(&err, &secrets)),
    }
    .into())
}

/// What a server answered, for an error message: its HTTP status, its error
/// code and message or, for an answer that is not AWS's JSON, the start of
/// its body; every secret of the request removed, one line.
fn server_said(
    raw: &aws_sdk_sso::config::http::HttpResponse,
    code: Option<&str>,
    message: Option<&str>,
    secrets: &[&str],
) -> String {
    let body = raw.body().bytes().unwrap_or_default();
    let doc = serde_json::from_slice::<serde_json::Value>(body).ok();
    let field = |key: &str| {
        doc.as_ref()
            .and_then(|d| d.get(key))
            .and_then(serde_json::Value::as_str)
            .filter(|m| !m.trim().is_empty())
            .map(str::to_owned)
    };
    let message = message
        .filter(|m| !m.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| field("error_description"))
        .or_else(|| field("message"))
        .or_else(|| field("Message"));
    let mut said = format!("HTTP {}", raw.status().as_u16());
    if let Some(code) = code.filter(|c| !c.trim().is_empty()) {
        said.push(' ');
        said.push_str(code);
    }
    match (message, doc.is_some()) {
        (Some(message), _) => {
            said.push_str(": ");
            said.push_str(&message);
        }
        (None, false) if !body.is_empty() => {
            said.push_str(", not JSON: ");
            said.push_str(&String::from_utf8_lossy(body));
        }
        (None, false) => said.push_str(", with no body"),
        (None, true) => {}
    }
    sanitize(&said, secrets)
}

/// Text from a server made fit for one line of an error message: the
/// request's secrets removed (before anything is cut), control characters
/// replaced, runs of blanks made one space, and at most 200 characters.
fn sanitize(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "<redacted>");
    }
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    const LIMIT: usize = 200;
    if clean.chars().count() > LIMIT {
        let cut: String = clean.chars().take(LIMIT).collect();
        format!("{cut}...")
    } else {
        clean
    }
}

/// The hint for a request that got no answer: why, never empty.
fn network_hint(err: &(dyn std::error::Error + 'static), secrets: &[&str]) -> String {
    let cause = sanitize(&crate::aws::error::root_cause(err), secrets);
    if cause.is_empty() {
        "check the network, the endpoint variables (AWS_ENDPOINT_URL_SSO, \
         AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL) and any proxy"
            .to_owned()
    } else {
        cause
    }
}

/// A sign-in the portal no longer accepts (401 UnauthorizedException) is
/// exit 3 (sign in again); anything else is exit 1 naming the portal, the
/// HTTP status, the code and what the portal said. Tokens never show.
fn portal_error(
    err: aws_sdk_sso::error::SdkError<
        aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError,
        aws_sdk_sso::config::http::HttpResponse,
    >,
    profile: &str,
    sso: &SsoProfile,
    endpoint: &Endpoint,
    access_token: &Secret,
) -> anyhow::Error {
    use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
    let at = shown(endpoint, "SSO portal");
    let secrets = [access_token.expose()];
    let role = format!(
        "role {} in account {} for profile {profile}",
        sso.role_name, sso.account_id
    );
    let unreadable_hint = format!(
        "check that {at} is the SSO portal (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, \
         sso_region, a proxy)"
    );
    match &err {
        SdkError::ServiceError(e) if e.err().is_unauthorized_exception() => Error::no_session(
            format!("the SSO portal no longer accepts the sign-in of profile {profile}"),
        )
        .hint(sso.login_hint(profile)),
        SdkError::ServiceError(e) => {
            let said = server_said(e.raw(), e.err().code(), e.err().message(), &secrets);
            let status = e.raw().status().as_u16();
            if status >= 500 {
                Error::failure(format!(
                    "the SSO portal at {at} failed to give the credentials of {role}: {said}"
                ))
                .hint("a failure of the SSO portal, not of the sign-in: try again in a moment")
            } else if (200..300).contains(&status) {
                Error::failure(format!(
                    "the SSO portal at {at} gave an answer that cannot be read for {role}: {said}"
                ))
                .hint(unreadable_hint)
            } else if status == 429 || e.err().is_too_many_requests_exception() {
                Error::failure(format!("the SSO portal refused {role}: {said}"))
                    .hint("too many requests at once: try again in a moment")
            } else {
                Error::failure(format!("the SSO portal refused {role}: {said}")).hint(format!(
                    "check that the sign-in may use role {} in account {} \
                     (sso_role_name and sso_account_id of profile {profile})",
                    sso.role_name, sso.account_id
                ))
            }
        }
        SdkError::ResponseError(r) => Error::failure(format!(
            "the SSO portal at {at} gave an answer that cannot be read for {role}: {}",
            server_said(r.raw(), None, None, &secrets)
        ))
        .hint(unreadable_hint),
        _ => Error::failure(format!(
            "could not get SSO credentials for profile {profile} from {at}"
        ))
        .hint(network_hint(&err, &secrets)),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_800_000_000);

    #[test]
    fn refresh_answers_are_checked_field_by_field() {
        let ok = check_refresh_answer(Some("aoa.Token-_/+="), 3600, Some("rt-2"), NOW).unwrap();
        assert_eq!(ok.access_token.expose(), "aoa.Token-_/+=");
        assert_eq!(ok.expires_at, NOW.plus(3600));
        assert_eq!(ok.refresh_token.as_ref().map(Secret::expose), Some("rt-2"));
        assert!(check_refresh_answer(Some("t"), 60, None, NOW).is_ok());
        fn fault(token: Option<&str>, expires_in: i32, refresh: Option<&str>) -> String {
            check_refresh_answer(token, expires_in, refresh, NOW).unwrap_err()
        }
        assert_eq!(fault(None, 3600, None), "no access token");
        assert_eq!(fault(Some(""), 3600, None), "no access token");
        for bad in ["\nX: 1", "\r", " x", "\u{7f}", "\u{85}", "é", "\0", "\t"] {
            let bad = format!("SECRET{bad}");
            let said = fault(Some(&bad), 3600, None);
            assert!(said.starts_with("an unusable"), "{bad:?}: {said}");
            assert!(said.ends_with("access token") && !said.contains("SECRET"));
            let said = fault(Some("t"), 3600, Some(&bad));
            assert!(said.ends_with("refresh token") && !said.contains("SECRET"));
        }
        assert_eq!(fault(Some("t"), 3600, Some("")), "no refresh token");
        let long = "t".repeat(MAX_TOKEN_LENGTH + 1);
        assert_eq!(fault(Some(&long), 3600, None), "an overlong access token");
        assert_eq!(fault(Some("t"), 0, None), "no expiry (expiresIn)");
        assert!(fault(Some("t"), -5, None).starts_with("an expiresIn of -5 seconds"));
        assert!(fault(Some("t"), i32::MAX, None).starts_with("an expiresIn of 2147483647"));
    }

    #[test]
    fn a_refreshed_token_never_shows_in_debug() {
        let ok = check_refresh_answer(Some("aoaSecretToken"), 3600, Some("rtSecret"), NOW);
        let shown = format!("{ok:?}");
        assert!(
            !shown.contains("aoaSecretToken") && !shown.contains("rtSecret"),
            "{shown}"
        );
    }

    #[test]
    fn server_text_is_one_short_line_without_secrets() {
        assert_eq!(
            sanitize(
                "bad token aoaSECRET\r\n\tX-Injected:  1",
                &["aoaSECRET", ""]
            ),
            "bad token <redacted> X-Injected: 1"
        );
        // A secret is removed before the text is cut, so no part of it shows.
        let text = format!("{}SECRETTOKEN", "x".repeat(195));
        let clean = sanitize(&text, &["SECRETTOKEN"]);
        assert!(!clean.contains("SECRET"), "{clean}");
        assert_eq!(clean.chars().count(), 203);
        assert_eq!(sanitize(" \n ", &[]), "");
    }

    #[test]
    fn concurrent_refreshes_of_one_sso_sign_in_wait_for_each_other() {
        let home = tempfile::tempdir().unwrap();
        let cache_dir = home.path().join(".aws/sso/cache");
        std::fs::create_dir_all(&cache_dir).unwrap();
        let cache = cache_dir.join("0123abcd.json");
        let held = lock_refresh(&cache).unwrap().expect("a lock");
        let waiter = {
            let cache = cache.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let lock = lock_refresh(&cache).unwrap();
                (lock.is_some(), started.elapsed())
            })
        };
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
        let (locked, waited) = waiter.join().unwrap();
        assert!(locked && waited >= Duration::from_millis(250), "{waited:?}");
        // Nothing of the lock is in the directory botocore reads.
        assert_eq!(std::fs::read_dir(&cache_dir).unwrap().count(), 0);
    }
}
