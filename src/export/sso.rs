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
/// own SSO clients on awsmfa's connector. With `login`, a sign-in that is
/// gone (or that the portal no longer accepts) is made anew first, as
/// `awsmfa sso login` would, one for many callers.
pub fn credentials(
    files: &AwsFiles,
    env: &dyn Env,
    profile: &str,
    sso: &SsoProfile,
    login: bool,
    force: bool,
) -> Result<Credentials> {
    let sign_in = &sso.sign_in;
    // What the AWS CLI (or awsmfa) cached with time to spare: no request.
    let key = crate::sso::cache::role_credentials_key(sign_in, &sso.account_id, &sso.role_name);
    let cache = crate::credential_cache::CredentialCache::open(env, force);
    if let Some(credentials) = cache.as_ref().and_then(|c| c.get(&key)) {
        return Ok(credentials);
    }
    let network = Network::resolve(env, files.config_value(profile, "ca_bundle"))?;
    let runtime = crate::aws::sts::runtime().map_err(|e| Error::failure(format!("{e:?}")))?;
    let cached = CachedToken::load(env, profile, sign_in).map_err(anyhow::Error::from);
    let token = cached.and_then(|cached| {
        crate::sso::token::usable_token(env, profile, sign_in, &network, &runtime, cached)
    });
    let access_token = match token {
        Err(err) if login && signed_out(&err) => {
            sign_in_now(env, profile, sign_in, &network, false)?
        }
        token => token?,
    };
    let endpoint = crate::sso::endpoint(env, sign_in, &network, "AWS_ENDPOINT_URL_SSO")?;
    let hint = sign_in.login_hint(profile);
    let role = crate::aws::sso::RoleRequest {
        profile,
        account_id: &sso.account_id,
        role_name: &sso.role_name,
        login_hint: &hint,
    };
    let credentials =
        match crate::aws::sso::role_credentials(&runtime, &endpoint, &access_token, &role) {
            // The portal no longer accepts the sign-in: once more, signed in anew.
            Err(err) if login && signed_out(&err) => {
                let access_token = sign_in_now(env, profile, sign_in, &network, true)?;
                crate::aws::sso::role_credentials(&runtime, &endpoint, &access_token, &role)?
            }
            credentials => credentials?,
        };
    if let Some(cache) = &cache {
        cache.put_sso(&key, &credentials, &sso.account_id);
    }
    Ok(credentials)
}

/// Whether `err` says the sign-in is gone (exit 3), which a sign-in mends.
fn signed_out(err: &anyhow::Error) -> bool {
    crate::error::exit_code(err) == crate::exit_codes::ExitCode::NoSession
}

/// A sign-in for a `--login` form: as `awsmfa sso login`, but with no
/// terminal and no browser an error at once (exit 3).
fn sign_in_now(
    env: &dyn Env,
    profile: &str,
    sign_in: &crate::sso::SignIn,
    network: &Network,
    force: bool,
) -> Result<crate::secret::Secret> {
    let endpoint = crate::sso::endpoint(env, sign_in, network, "AWS_ENDPOINT_URL_SSO_OIDC")?;
    let options = crate::sso::login::Options {
        force,
        unreachable_code: Some(crate::exit_codes::ExitCode::NoSession),
        ..Default::default()
    };
    let label = format!("--profile {profile}");
    Ok(crate::sso::login::sign_in(env, sign_in, &label, &endpoint, &options)?.access_token)
}
