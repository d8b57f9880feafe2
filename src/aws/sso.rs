//! The IAM Identity Center portal through the AWS SDK's own SSO client, on
//! awsmfa's connector: role credentials for a signed-in user.

use anyhow::Result;

use crate::aws::error::{network_hint, server_said, shown};
use crate::aws::sts::Endpoint;
use crate::error::Error;
use crate::secret::Secret;
use crate::session::{Credentials, Expiry};
use crate::time::Timestamp;

/// The role an SSO profile asks for, and the words for its errors.
pub struct RoleRequest<'a> {
    pub profile: &'a str,
    pub account_id: &'a str,
    pub role_name: &'a str,
    /// How to sign in again, for a sign-in the portal no longer accepts.
    pub login_hint: &'a str,
}

/// GetRoleCredentials with `access_token`, checked: every key there, and
/// an expiration still to come.
pub fn role_credentials(
    runtime: &tokio::runtime::Runtime,
    endpoint: &Endpoint,
    access_token: &Secret,
    role: &RoleRequest<'_>,
) -> Result<Credentials> {
    let (profile, sso) = (role.profile, role);
    let client = aws_sdk_sso::Client::new(&crate::aws::sts::sdk_config(endpoint, None));
    let answer = runtime.block_on(
        client
            .get_role_credentials()
            .role_name(sso.role_name)
            .account_id(sso.account_id)
            .access_token(access_token.expose())
            .send(),
    );
    let answer = answer.map_err(|e| portal_error(e, role, endpoint, access_token))?;
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

fn bad_answer(profile: &str, what: &str) -> anyhow::Error {
    Error::failure(format!(
        "the SSO portal's answer for profile {profile} {what}"
    ))
    .hint("a fault of the SSO portal (or of a proxy on the way): try again in a moment")
    .into()
}

/// A sign-in the portal no longer accepts (401 UnauthorizedException) is
/// exit 3 (sign in again); anything else is exit 1 naming the portal, the
/// HTTP status, the code and what the portal said. Tokens never show.
fn portal_error(
    err: aws_sdk_sso::error::SdkError<
        aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError,
        aws_sdk_sso::config::http::HttpResponse,
    >,
    sso: &RoleRequest<'_>,
    endpoint: &Endpoint,
    access_token: &Secret,
) -> anyhow::Error {
    let profile = sso.profile;
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
        .hint(sso.login_hint.to_owned()),
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
