//! SSO OIDC through the AWS SDK's own client, on awsmfa's connector: the
//! tokens of an IAM Identity Center sign-in, and the checks every answer
//! passes before it is written to the cache every AWS tool reads.

use anyhow::Result;

use crate::aws::error::{network_hint, sanitize, server_said, shown};
use crate::aws::sts::Endpoint;
use crate::error::Error;
use crate::secret::Secret;
use crate::time::Timestamp;

/// The longest token lifetime taken from SSO OIDC: IAM Identity Center's
/// longest session (90 days). A longer `expiresIn` is not a sane answer.
pub const MAX_TOKEN_LIFETIME_SECONDS: i64 = 90 * 24 * 60 * 60;

/// The longest token taken from SSO OIDC (tokens are sent in a header).
pub const MAX_TOKEN_LENGTH: usize = 32 * 1024;

/// What a refresh sends: the cached sign-in's client and refresh token (the
/// access token only to keep it out of any message).
pub struct RefreshGrant<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub refresh_token: &'a str,
    pub access_token: &'a str,
}

/// A token from SSO OIDC, checked: it is written to the shared cache, which
/// every AWS tool reads.
#[derive(Debug)]
pub struct Token {
    pub access_token: Secret,
    pub expires_at: Timestamp,
    pub refresh_token: Option<Secret>,
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

/// Checks every field of SSO OIDC's token answer before anything is
/// written: the access token, its lifetime (`expiresIn`, positive and at
/// most 90 days) and, when there is one, the new refresh token.
pub fn check_token_answer(
    access_token: Option<&str>,
    expires_in: i32,
    refresh_token: Option<&str>,
    now: Timestamp,
) -> Result<Token, String> {
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
    Ok(Token {
        access_token: Secret::new(access_token.unwrap_or_default()),
        expires_at: now.plus(expires_in),
        refresh_token: refresh_token.map(Secret::new),
    })
}

/// A new token from SSO OIDC (CreateToken, refresh_token grant), checked.
/// Only a refused or expired grant or client (invalid_grant, expired_token,
/// invalid_client) is "signed out" (exit 3); a server failure, an answer
/// that cannot be read or fails the checks, or no answer is exit 1.
pub async fn refresh(
    endpoint: &Endpoint,
    grant: &RefreshGrant<'_>,
    profile: &str,
    login_hint: &str,
) -> Result<Token> {
    use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};
    let at = shown(endpoint, "SSO OIDC");
    let client = aws_sdk_ssooidc::Client::new(&crate::aws::sts::sdk_config(endpoint, None));
    let secrets = [grant.access_token, grant.client_secret, grant.refresh_token];
    let answer = client
        .create_token()
        .grant_type("refresh_token")
        .client_id(grant.client_id)
        .client_secret(grant.client_secret)
        .refresh_token(grant.refresh_token)
        .send()
        .await;
    let what = format!("the refresh of the SSO sign-in of profile {profile}");
    let sign_in = format!("the SSO sign-in of profile {profile}");
    let unchanged = "the cached sign-in was left as it was";
    let err = match answer {
        Ok(out) => {
            return check_token_answer(
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
                        login_hint
                    ))
                    .into()
            });
        }
        Err(err) => err,
    };
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
            .hint(login_hint.to_owned())
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
                .hint(format!("{unchanged}; if this persists, {}", login_hint))
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

/// SSO OIDC's base URL: the endpoint override, else the one the SDK's
/// endpoint rules give for the region (`https://oidc.<region>.amazonaws.com`).
/// The authorize URL is `<base>/authorize`.
pub fn base_url(endpoint: &Endpoint) -> Result<String, Error> {
    use aws_sdk_ssooidc::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    if let Some(url) = &endpoint.url {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let region = &endpoint.region;
    let params = Params::builder()
        .region(region)
        .use_fips(false)
        .use_dual_stack(false)
        .build()
        .map_err(|e| Error::usage(format!("sso_region {region}: {e}")))?;
    let result = super::at_once(DefaultResolver::new().resolve_endpoint(&params));
    result
        .map(|e| e.url().trim_end_matches('/').to_owned())
        .map_err(|e| {
            Error::usage(format!("SSO OIDC has no endpoint in region {region} ({e})"))
                .hint("check sso_region, or set AWS_ENDPOINT_URL_SSO_OIDC")
        })
}

/// A client to register with SSO OIDC.
pub struct Register<'a> {
    pub client_name: &'a str,
    /// Sent when not empty.
    pub scopes: &'a [String],
    /// Sent when not empty (the AWS CLI sends none for a device client
    /// without scopes).
    pub grant_types: &'a [String],
    pub redirect_uri: Option<&'a str>,
    pub issuer_url: Option<&'a str>,
}

/// A registered client, as SSO OIDC answered.
#[derive(Debug)]
pub struct Client {
    pub client_id: String,
    pub client_secret: Secret,
    /// `clientSecretExpiresAt`.
    pub expires_at: Timestamp,
}

/// The device authorization SSO OIDC started.
#[derive(Debug)]
pub struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    /// Seconds until the device code expires.
    pub expires_in: i64,
    /// Seconds between polls (5 when SSO OIDC says none).
    pub interval: u64,
}

/// One poll of CreateToken with a device code.
#[derive(Debug)]
pub enum Poll {
    Token(Token),
    /// `authorization_pending`: not confirmed yet.
    Pending,
    /// `slow_down`: poll 5 seconds less often from now on.
    SlowDown,
}

/// An SDK client for SSO OIDC at `endpoint` that never sends a request
/// twice: a request that carried a device code or an authorization code
/// may have used it.
fn client(endpoint: &Endpoint, once: bool) -> aws_sdk_ssooidc::Client {
    let mut config =
        aws_sdk_ssooidc::config::Builder::from(&crate::aws::sts::sdk_config(endpoint, None));
    if once {
        config = config.retry_config(aws_sdk_ssooidc::config::retry::RetryConfig::disabled());
    }
    aws_sdk_ssooidc::Client::from_conf(config.build())
}

/// A text field of an answer: there, one line of printable ASCII.
fn field(value: Option<&str>, name: &str, at: &str, what: &str) -> Result<String, Error> {
    match value {
        Some(v)
            if !v.is_empty()
                && v.len() <= MAX_TOKEN_LENGTH
                && v.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(v.to_owned())
        }
        _ => Err(Error::failure(format!(
            "SSO OIDC at {at} answered {what} without a usable {name}"
        ))
        .hint("a fault of SSO OIDC (or of a proxy on the way): try again in a moment")),
    }
}

/// RegisterClient: a public client for the sign-in.
pub async fn register(endpoint: &Endpoint, request: &Register<'_>) -> Result<Client> {
    let at = shown(endpoint, "SSO OIDC");
    let mut call = client(endpoint, false)
        .register_client()
        .client_name(request.client_name)
        .client_type("public");
    for scope in request.scopes {
        call = call.scopes(scope);
    }
    for grant in request.grant_types {
        call = call.grant_types(grant);
    }
    if let Some(uri) = request.redirect_uri {
        call = call.redirect_uris(uri);
    }
    if let Some(issuer) = request.issuer_url {
        call = call.issuer_url(issuer);
    }
    let out = call
        .send()
        .await
        .map_err(|e| failure(e, &at, "register awsmfa as a client", &[]))?;
    let what = "the registration";
    let client_id = field(out.client_id(), "clientId", &at, what)?;
    let client_secret = field(out.client_secret(), "clientSecret", &at, what)?;
    let expires_at = Timestamp(out.client_secret_expires_at());
    if expires_at <= Timestamp::now() {
        return Err(Error::failure(format!(
            "SSO OIDC at {at} answered the registration with a client that has expired"
        ))
        .hint("a fault of SSO OIDC (or of a proxy on the way): try again in a moment")
        .into());
    }
    Ok(Client {
        client_id,
        client_secret: Secret::new(client_secret),
        expires_at,
    })
}

/// StartDeviceAuthorization for `start_url`.
pub async fn start_device(
    endpoint: &Endpoint,
    client_id: &str,
    client_secret: &Secret,
    start_url: &str,
) -> Result<DeviceAuthorization> {
    let at = shown(endpoint, "SSO OIDC");
    let out = client(endpoint, false)
        .start_device_authorization()
        .client_id(client_id)
        .client_secret(client_secret.expose())
        .start_url(start_url)
        .send()
        .await
        .map_err(|e| {
            failure(
                e,
                &at,
                "start the device authorization",
                &[client_secret.expose()],
            )
        })?;
    let what = "the device authorization";
    let device_code = field(out.device_code(), "deviceCode", &at, what)?;
    let user_code = field(out.user_code(), "userCode", &at, what)?;
    let verification_uri = field(out.verification_uri(), "verificationUri", &at, what)?;
    let verification_uri_complete = out
        .verification_uri_complete()
        .filter(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned);
    let expires_in = i64::from(out.expires_in());
    if !(1..=MAX_TOKEN_LIFETIME_SECONDS).contains(&expires_in) {
        return Err(Error::failure(format!(
            "SSO OIDC at {at} answered the device authorization with an expiresIn of {expires_in} seconds"
        ))
        .hint("a fault of SSO OIDC (or of a proxy on the way): try again in a moment")
        .into());
    }
    let interval = match out.interval() {
        i if i > 0 => i as u64,
        _ => 5,
    };
    Ok(DeviceAuthorization {
        device_code: Secret::new(device_code),
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval: interval.min(60),
    })
}

/// One CreateToken with the device code: a token, or "not yet". The device
/// was refused (`access_denied`) or its code expired (`expired_token`): no
/// session (exit 1 and exit 3); anything else is exit 1 naming SSO OIDC's
/// error code and message.
pub async fn poll_device(
    endpoint: &Endpoint,
    client_id: &str,
    client_secret: &Secret,
    device: &DeviceAuthorization,
) -> Result<Poll> {
    use aws_sdk_ssooidc::error::SdkError;
    let at = shown(endpoint, "SSO OIDC");
    let answer = client(endpoint, true)
        .create_token()
        .grant_type(crate::sso::cache::Grant::DeviceCode.name())
        .client_id(client_id)
        .client_secret(client_secret.expose())
        .device_code(device.device_code.expose())
        .send()
        .await;
    let secrets = [client_secret.expose(), device.device_code.expose()];
    match answer {
        Ok(out) => checked(&at, "the sign-in", out).map(Poll::Token),
        Err(SdkError::ServiceError(e)) if e.err().is_authorization_pending_exception() => {
            Ok(Poll::Pending)
        }
        Err(SdkError::ServiceError(e)) if e.err().is_slow_down_exception() => Ok(Poll::SlowDown),
        Err(SdkError::ServiceError(e)) if e.err().is_expired_token_exception() => {
            Err(Error::no_session(
                "the device code expired before the sign-in was confirmed in the browser",
            )
            .hint("run the command again, and confirm the code in time")
            .into())
        }
        Err(SdkError::ServiceError(e)) if e.err().is_access_denied_exception() => {
            let said = server_said(e.raw(), Some("access_denied"), None, &secrets);
            Err(Error::failure(format!("the sign-in was refused: {said}"))
                .hint("confirm the code in the browser with the user who should sign in")
                .into())
        }
        Err(e) => Err(failure(e, &at, "the sign-in", &secrets)),
    }
}

/// CreateToken with an authorization code and its PKCE verifier.
pub async fn redeem_code(
    endpoint: &Endpoint,
    client_id: &str,
    client_secret: &Secret,
    code: &Secret,
    verifier: &Secret,
    redirect_uri: &str,
) -> Result<Token> {
    let at = shown(endpoint, "SSO OIDC");
    let out = client(endpoint, true)
        .create_token()
        .grant_type(crate::sso::cache::Grant::AuthorizationCode.name())
        .client_id(client_id)
        .client_secret(client_secret.expose())
        .code(code.expose())
        .code_verifier(verifier.expose())
        .redirect_uri(redirect_uri)
        .send()
        .await
        .map_err(|e| {
            failure(
                e,
                &at,
                "the sign-in",
                &[client_secret.expose(), code.expose(), verifier.expose()],
            )
        })?;
    checked(&at, "the sign-in", out)
}

fn checked(
    at: &str,
    what: &str,
    out: aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
) -> Result<Token> {
    check_token_answer(
        out.access_token(),
        out.expires_in(),
        out.refresh_token(),
        Timestamp::now(),
    )
    .map_err(|fault| {
        Error::failure(format!("SSO OIDC at {at} answered {what} with {fault}"))
            .hint("nothing was written; try again in a moment")
            .into()
    })
}

/// A failed call to SSO OIDC, in words: exit 1 naming its error code and
/// message (with `secrets` removed), or why it could not be reached.
fn failure<E, R>(
    err: aws_sdk_ssooidc::error::SdkError<E, R>,
    at: &str,
    what: &str,
    secrets: &[&str],
) -> anyhow::Error
where
    E: aws_sdk_ssooidc::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
    aws_sdk_ssooidc::error::SdkError<E, R>: std::error::Error + 'static,
{
    use aws_sdk_ssooidc::error::SdkError;
    match &err {
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("an error");
            let message = e.err().message().unwrap_or_default();
            let said = super::error::sanitize(&format!("{code}: {message}"), secrets);
            Error::failure(format!("SSO OIDC at {at} refused {what}: {said}"))
                .hint("check the start URL and sso_region of the sign-in, then try again")
        }
        SdkError::ResponseError(_) => Error::failure(format!(
            "SSO OIDC at {at} answered {what} with an answer that cannot be read"
        ))
        .hint(format!(
            "check that {at} is SSO OIDC (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL, sso_region, a proxy)"
        )),
        _ => Error::failure(format!("could not reach SSO OIDC at {at} for {what}"))
            .hint(network_hint(&err, secrets)),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_800_000_000);

    #[test]
    fn refresh_answers_are_checked_field_by_field() {
        let ok = check_token_answer(Some("aoa.Token-_/+="), 3600, Some("rt-2"), NOW).unwrap();
        assert_eq!(ok.access_token.expose(), "aoa.Token-_/+=");
        assert_eq!(ok.expires_at, NOW.plus(3600));
        assert_eq!(ok.refresh_token.as_ref().map(Secret::expose), Some("rt-2"));
        assert!(check_token_answer(Some("t"), 60, None, NOW).is_ok());
        fn fault(token: Option<&str>, expires_in: i32, refresh: Option<&str>) -> String {
            check_token_answer(token, expires_in, refresh, NOW).unwrap_err()
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
        let ok = check_token_answer(Some("aoaSecretToken"), 3600, Some("rtSecret"), NOW);
        let shown = format!("{ok:?}");
        assert!(
            !shown.contains("aoaSecretToken") && !shown.contains("rtSecret"),
            "{shown}"
        );
    }
}
