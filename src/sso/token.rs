//! The token a request to the SSO portal may send: the cached one while
//! fresh; else, when it can be, one refreshed through SSO OIDC (once for
//! many callers) and written back as botocore writes it.

use anyhow::Result;

use super::SignIn;
use super::cache::{CachedToken, lock_sign_in};
use crate::aws::oidc::RefreshGrant;
use crate::env::Env;
use crate::error::Error;
use crate::net::Network;
use crate::secret::Secret;
use crate::time::Timestamp;

/// The token to send to the portal: the cached one while fresh; else, when
/// it can be refreshed, a refreshed one. Concurrent callers refresh once:
/// under the refresh lock the cache is read again, and a token another
/// awsmfa refreshed meanwhile is used as it is (an OIDC server may accept a
/// refresh token only once). A token still valid is used when its refresh
/// fails, as botocore does; an expired one is never sent.
pub fn usable_token(
    env: &dyn Env,
    profile: &str,
    sign_in: &SignIn,
    network: &Network,
    runtime: &tokio::runtime::Runtime,
    cached: CachedToken,
) -> Result<Secret> {
    let sso = sign_in;
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
    let _lock = lock_sign_in(&cached.path, super::cache::REFRESH_LOCK_WAIT)?;
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
    let endpoint = super::endpoint(env, sign_in, network, "AWS_ENDPOINT_URL_SSO_OIDC")?;
    let text = |k| cached.text(k).unwrap_or_default();
    let grant = RefreshGrant {
        client_id: text("clientId"),
        client_secret: text("clientSecret"),
        refresh_token: text("refreshToken"),
        access_token: text("accessToken"),
    };
    let hint = sign_in.login_hint(profile);
    let answer = runtime.block_on(crate::aws::oidc::refresh(&endpoint, &grant, profile, &hint));
    match answer {
        Ok(refreshed) => {
            cached.store(&refreshed);
            Ok(refreshed.access_token)
        }
        // Still valid: use it, as botocore does, and refresh next time.
        Err(_) if cached.valid(Timestamp::now()) => Ok(cached.access_token()),
        Err(err) => Err(err),
    }
}
