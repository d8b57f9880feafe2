//! IAM Identity Center (SSO) profiles, exported: the token a sign-in cached
//! in `~/.aws/sso/cache/` (refreshed as botocore refreshes it), then SSO
//! GetRoleCredentials. No browser, no prompt.

use anyhow::Result;

use crate::env::Env;
use crate::error::Error;
use crate::net::Network;
use crate::profiles::AwsFiles;
use crate::session::Credentials;
use crate::sso::SsoProfile;
use crate::sso::cache::CachedToken;

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
    let sign_in = &sso.sign_in;
    let cached = CachedToken::load(env, profile, sign_in)?;
    let network = Network::resolve(env, files.config_value(profile, "ca_bundle"))?;
    let runtime = crate::aws::sts::runtime().map_err(|e| Error::failure(format!("{e:?}")))?;
    let access_token =
        crate::sso::token::usable_token(env, profile, sign_in, &network, &runtime, cached)?;
    let endpoint = crate::sso::endpoint(env, sign_in, &network, "AWS_ENDPOINT_URL_SSO")?;
    let hint = sign_in.login_hint(profile);
    let role = crate::aws::sso::RoleRequest {
        profile,
        account_id: &sso.account_id,
        role_name: &sso.role_name,
        login_hint: &hint,
    };
    crate::aws::sso::role_credentials(&runtime, &endpoint, &access_token, &role)
}
