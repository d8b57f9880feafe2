//! Role profiles without `mfa_serial`, resolved as the AWS CLI resolves
//! them: the source's credentials (keys, a session, SSO or a
//! `credential_process`), then AssumeRole for each role of the chain.

use anyhow::Result;

use crate::aws::error::{Call, explain_role};
use crate::aws::sts::{Endpoint, RoleRequest, SdkSts, Sts};
use crate::env::Env;
use crate::error::Error;
use crate::login::chain;
use crate::net;
use crate::profiles::{AwsFiles, config_profile_section};
use crate::secret::Secret;
use crate::session::{
    ACCESS_KEY_ID, Credentials, EXPIRATION, Expiry, SECRET_ACCESS_KEY, session_token,
};

/// Assumes `profile`'s role (and the roles down its chain, none of which
/// needs MFA: [`super::kind_of`] sends those to the login's session).
pub fn credentials(
    files: &AwsFiles,
    env: &dyn Env,
    profile: &str,
    requests: &super::Requests,
) -> Result<Credentials> {
    let chain = chain::resolve(files, profile)?;
    let durations = chain::durations(&chain.roles, requests.duration.as_deref())?;
    // Each role's entry in the AWS CLI's cache, under botocore's key.
    let keys: Vec<String> = chain
        .roles
        .iter()
        .zip(&durations)
        .map(|(role, duration)| {
            crate::credential_cache::assume_role_key(
                &role.role_arn,
                role.session_name.as_deref(),
                role.external_id.as_deref(),
                duration.from.is_some().then_some(duration.seconds),
            )
        })
        .collect();
    let cache = crate::credential_cache::CredentialCache::open(env, requests.force);
    // The outermost role cached with time to spare: only the roles above it
    // are assumed (none when it is the profile's own).
    let cached = cache.as_ref().and_then(|cache| {
        keys.iter()
            .enumerate()
            .find_map(|(i, key)| cache.get(key).map(|c| (i, c)))
    });
    let (first_to_assume, mut credentials) = match cached {
        Some((0, credentials)) => return Ok(credentials),
        Some((i, credentials)) => (i, credentials),
        None => (
            chain.roles.len(),
            source_credentials(files, env, &chain.base)?,
        ),
    };
    let settings: Vec<&str> = chain
        .roles
        .iter()
        .map(|r| r.profile.as_str())
        .chain([chain.base.as_str()])
        .collect();
    let endpoint = endpoint(files, env, &settings, requests)?;
    // Innermost first: each role is assumed with the previous one's credentials.
    let roles = chain.roles.iter().zip(&durations).take(first_to_assume);
    for (i, (role, duration)) in roles.enumerate().rev() {
        let session_name = role.session_name();
        let request = RoleRequest {
            signer: &credentials,
            role_arn: &role.role_arn,
            session_name: &session_name,
            external_id: role.external_id.as_deref(),
            duration_seconds: duration.seconds,
            endpoint: &endpoint,
        };
        let signed_by = chain
            .roles
            .get(i + 1)
            .map_or(chain.base.as_str(), |r| r.profile.as_str());
        let call = Call {
            service: "STS",
            action: "sts:AssumeRole",
            profile: signed_by,
            endpoint: &endpoint.display(),
        };
        let session = SdkSts.assume_role(&request).map_err(|e| {
            explain_role(
                e,
                call,
                &role.role_arn,
                role.external_id.is_some(),
                &duration.how_to_shorten(),
            )
        })?;
        credentials = session.into();
        if let Some(cache) = &cache {
            cache.put_role(&keys[i], &credentials);
        }
    }
    Ok(credentials)
}

/// The credentials a chain starts from: keys (or a session) in the
/// credentials file or the config profile, else SSO, else a process.
fn source_credentials(files: &AwsFiles, env: &dyn Env, profile: &str) -> Result<Credentials> {
    let from_credentials = files
        .credentials
        .ini
        .section(profile)
        .map(|_| (&files.credentials.ini, profile.to_owned()));
    let from_config = config_profile_section(&files.config.ini, profile)
        .map(|s| (&files.config.ini, s.name.clone()));
    for (ini, section) in [from_credentials, from_config].into_iter().flatten() {
        if let (Some(id), Some(secret)) = (
            ini.get(&section, ACCESS_KEY_ID),
            ini.get(&section, SECRET_ACCESS_KEY),
        ) {
            let token = session_token(ini, &section);
            // A session as the source: an expired one is a login to renew,
            // not a request to send.
            let expiration = match token {
                Some(_) => Expiry::read(ini.get(&section, EXPIRATION)),
                None => Expiry::Unknown,
            };
            let credentials = Credentials {
                access_key_id: id.to_owned(),
                secret_access_key: Secret::new(secret),
                session_token: token.map(Secret::new),
                expiration,
            };
            if !credentials.is_valid(crate::time::Timestamp::now()) {
                return Err(Error::no_session(format!(
                    "profile {profile}, the source of the role, holds an expired session"
                ))
                .hint(format!(
                    "renew it (awsmfa login --target {profile}, or as you made it)"
                ))
                .into());
            }
            return Ok(credentials);
        }
    }
    match super::kind_of(files, env, None, profile)? {
        Some(kind @ (super::Kind::Sso(_) | super::Kind::Process(_))) => {
            let credentials = super::resolve(files, env, profile, &kind, &Default::default())?;
            super::check_unexpired(profile, &credentials)?;
            Ok(credentials)
        }
        _ => Err(
            Error::failure(format!("profile {profile} holds no credentials"))
                .hint("give it keys, an SSO sign-in or a credential_process, as for the AWS CLI")
                .into(),
        ),
    }
}

/// STS for the chain: the endpoint override, else the region's endpoint.
fn endpoint(
    files: &AwsFiles,
    env: &dyn Env,
    settings: &[&str],
    requests: &super::Requests,
) -> Result<Endpoint> {
    let region = crate::region::region(
        requests.region.as_deref(),
        env,
        files,
        settings,
        "us-east-1",
    )?;
    let url = net::endpoint_url(
        requests.endpoint_url.as_deref(),
        env,
        "AWS_ENDPOINT_URL_STS",
    )?;
    Ok(crate::partition::sts_endpoint(
        env, files, settings, region, url, None,
    )?)
}
