//! The sign-in calls of SSO OIDC: RegisterClient, StartDeviceAuthorization
//! and CreateToken with a device code or an authorization code. A request
//! that carried a code is never sent twice.

use anyhow::Result;

use super::{
    AUTHORIZATION_CODE_GRANT, DEVICE_CODE_GRANT, MAX_TOKEN_LENGTH, MAX_TOKEN_LIFETIME_SECONDS,
    Token, check_token_answer,
};
use crate::aws::error::{network_hint, server_said, shown};
use crate::aws::sts::Endpoint;
use crate::error::Error;
use crate::secret::Secret;
use crate::time::Timestamp;

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
        .grant_type(DEVICE_CODE_GRANT)
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
        .grant_type(AUTHORIZATION_CODE_GRANT)
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
            let said = crate::aws::error::sanitize(&format!("{code}: {message}"), secrets);
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
