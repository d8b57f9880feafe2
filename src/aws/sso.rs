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

/// An account the signed-in user can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// The portal's requests a second, at most, when listing.
const LISTS_PER_SECOND: u32 = 20;

/// Paces list requests: at most [`LISTS_PER_SECOND`].
pub struct Pace {
    last: Option<std::time::Instant>,
}

impl Pace {
    pub fn new() -> Pace {
        Pace { last: None }
    }

    async fn wait(&mut self) {
        let gap = std::time::Duration::from_secs(1) / LISTS_PER_SECOND;
        if let Some(last) = self.last {
            let due = last + gap;
            let now = std::time::Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
        }
        self.last = Some(std::time::Instant::now());
    }
}

impl Default for Pace {
    fn default() -> Self {
        Pace::new()
    }
}

fn list_failure<E>(
    err: aws_sdk_sso::error::SdkError<E, aws_sdk_sso::config::http::HttpResponse>,
    at: &str,
    what: &str,
    access_token: &Secret,
    login_hint: &str,
) -> anyhow::Error
where
    E: aws_sdk_sso::error::ProvideErrorMetadata + std::error::Error + 'static,
    aws_sdk_sso::error::SdkError<E, aws_sdk_sso::config::http::HttpResponse>:
        std::error::Error + 'static,
{
    use aws_sdk_sso::error::SdkError;
    let secrets = [access_token.expose()];
    match &err {
        SdkError::ServiceError(e) if e.raw().status().as_u16() == 401 => {
            Error::no_session("the SSO portal no longer accepts the sign-in")
                .hint(login_hint.to_owned())
        }
        SdkError::ServiceError(e) => {
            let said = server_said(e.raw(), e.err().code(), e.err().message(), &secrets);
            Error::failure(format!("the SSO portal at {at} refused to list {what}: {said}"))
                .hint("try again in a moment")
        }
        SdkError::ResponseError(r) => Error::failure(format!(
            "the SSO portal at {at} gave an answer that cannot be read for {what}: {}",
            server_said(r.raw(), None, None, &secrets)
        ))
        .hint(format!(
            "check that {at} is the SSO portal (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, sso_region, a proxy)"
        )),
        _ => Error::failure(format!("could not reach the SSO portal at {at}"))
            .hint(network_hint(&err, &secrets)),
    }
    .into()
}

/// ListAccounts, every page.
pub async fn list_accounts(
    endpoint: &Endpoint,
    access_token: &Secret,
    login_hint: &str,
    pace: &mut Pace,
) -> Result<Vec<Account>> {
    let at = shown(endpoint, "SSO portal");
    let client = aws_sdk_sso::Client::new(&crate::aws::sts::sdk_config(endpoint, None));
    let mut accounts = Vec::new();
    let mut next: Option<String> = None;
    loop {
        pace.wait().await;
        let page = client
            .list_accounts()
            .access_token(access_token.expose())
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| list_failure(e, &at, "the accounts", access_token, login_hint))?;
        for account in page.account_list() {
            let Some(id) = account.account_id().filter(|id| !id.is_empty()) else {
                continue;
            };
            accounts.push(Account {
                id: id.to_owned(),
                name: account.account_name().unwrap_or_default().to_owned(),
                email: account.email_address().unwrap_or_default().to_owned(),
            });
        }
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(token) => next = Some(token.to_owned()),
            None => return Ok(accounts),
        }
    }
}

/// ListAccountRoles of `account_id`, every page: the role names.
pub async fn list_roles(
    endpoint: &Endpoint,
    access_token: &Secret,
    account_id: &str,
    login_hint: &str,
    pace: &mut Pace,
) -> Result<Vec<String>> {
    let at = shown(endpoint, "SSO portal");
    let client = aws_sdk_sso::Client::new(&crate::aws::sts::sdk_config(endpoint, None));
    let mut roles = Vec::new();
    let mut next: Option<String> = None;
    let what = format!("the roles of account {account_id}");
    loop {
        pace.wait().await;
        let page = client
            .list_account_roles()
            .access_token(access_token.expose())
            .account_id(account_id)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| list_failure(e, &at, &what, access_token, login_hint))?;
        roles.extend(
            page.role_list()
                .iter()
                .filter_map(|r| r.role_name())
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
        );
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(token) => next = Some(token.to_owned()),
            None => return Ok(roles),
        }
    }
}

/// SSO Logout: the portal forgets the sign-in. A failure is its reason, in words.
pub async fn logout(endpoint: &Endpoint, access_token: &Secret) -> Result<(), String> {
    let client = aws_sdk_sso::Client::new(&crate::aws::sts::sdk_config(endpoint, None));
    client
        .logout()
        .access_token(access_token.expose())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            crate::aws::error::sanitize(
                &crate::aws::error::root_cause(&e),
                &[access_token.expose()],
            )
        })
}
