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

/// The grant types of SSO OIDC's `grantTypes` and CreateToken.
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

mod sign_in;
pub use sign_in::{
    Client, DeviceAuthorization, Poll, Register, poll_device, redeem_code, register, start_device,
};

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
