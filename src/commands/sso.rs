//! `awsmfa sso login` and `awsmfa sso logout`: IAM Identity Center sign-ins,
//! cached where the AWS CLI caches them, so that every AWS tool uses them.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cli::{SsoLoginArgs, SsoLogoutArgs};
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::net::Network;
use crate::profiles::AwsFiles;
use crate::secret::Secret;
use crate::sso::SignIn;
use crate::sso::cache::{cache_dir, credentials_cache_dir, role_credentials_key, token_file};
use crate::sso::login::{Options, Outcome};
use crate::time::{Timestamp, human_span};

/// The sign-in a command names: `--sso-session S`, else the SSO settings of
/// `--profile P`, `$AWSMFA_PROFILE`, `$AWS_PROFILE`, else `default`; with
/// the words that name it (`--sso-session corp`, `--profile dev`) and the
/// profile whose `ca_bundle` applies.
pub fn named_sign_in(
    files: &AwsFiles,
    env: &dyn Env,
    profile: Option<&str>,
    session: Option<&str>,
) -> Result<(SignIn, String, Option<String>), Error> {
    if let Some(name) = session {
        let sign_in = SignIn::named(files, name, None)?;
        return Ok((sign_in, format!("--sso-session {name}"), None));
    }
    let profile = profile
        .map(str::to_owned)
        .or_else(|| env.var("AWSMFA_PROFILE"))
        .or_else(|| env.var("AWS_PROFILE"))
        .unwrap_or_else(|| "default".to_owned());
    match SignIn::of_profile(files, &profile)? {
        Some(sign_in) => {
            let label = match &sign_in.session {
                Some(name) => format!("--sso-session {name}"),
                None => format!("--profile {profile}"),
            };
            Ok((sign_in, label, Some(profile)))
        }
        None => Err(Error::usage(format!(
            "profile {profile} has no SSO settings (sso_session, or sso_start_url and sso_region)"
        ))
        .hint(format!(
            "add sso_session = NAME to it, name one with --sso-session, or run 'awsmfa configure sso --name {profile}'"
        ))),
    }
}

pub fn login(args: &SsoLoginArgs, env: &dyn Env) -> Result<ExitCode> {
    let files = super::load_files(env)?;
    let (sign_in, label, profile) = named_sign_in(
        files,
        env,
        args.profile.as_deref(),
        args.sso_session.as_deref(),
    )?;
    let ca_bundle = profile
        .as_deref()
        .and_then(|p| files.config_value(p, "ca_bundle"));
    let network = Network::resolve(env, ca_bundle)?;
    let endpoint = crate::sso::endpoint_at(
        env,
        &sign_in.region,
        &network,
        "AWS_ENDPOINT_URL_SSO_OIDC",
        args.endpoint_url.as_deref(),
    )?;
    let options = Options {
        force: args.force,
        use_device_code: args.browser.use_device_code,
        no_browser: args.browser.no_browser,
        port: args.browser.port,
        unreachable_code: Some(ExitCode::Usage),
    };
    let done = crate::sso::login::sign_in(env, &sign_in, &label, &endpoint, &options)?;
    let start = &sign_in.start_url;
    let left = |t: Timestamp| human_span(Timestamp::now().seconds_until(t));
    match done.outcome {
        Outcome::StillSignedIn(until) => eprintln!(
            "awsmfa: still signed in to {start} until {until} ({} left); nothing was asked\n  hint: --force signs in anew",
            left(until)
        ),
        Outcome::Refreshed(until) => eprintln!(
            "awsmfa: signed in to {start} until {until} ({} left; refreshed, no browser needed)",
            left(until)
        ),
        Outcome::SignedIn(until) => eprintln!(
            "awsmfa: signed in to {start} until {until} ({} left)",
            left(until)
        ),
    }
    Ok(ExitCode::Success)
}

pub fn logout(args: &SsoLogoutArgs, env: &dyn Env) -> Result<ExitCode> {
    let files = super::load_files(env)?;
    let one = match (&args.profile, &args.sso_session) {
        (None, None) => None,
        (profile, session) => Some(named_sign_in(
            files,
            env,
            profile.as_deref(),
            session.as_deref(),
        )?),
    };
    let tokens: Vec<PathBuf> = match &one {
        Some((sign_in, _, _)) => token_file(env, sign_in).into_iter().collect(),
        None => cache_dir(env).map(|d| token_files(&d)).unwrap_or_default(),
    };
    let network = Network::resolve(env, None)?;
    let runtime = crate::aws::sts::runtime().map_err(|e| Error::failure(format!("{e:?}")))?;
    let mut signed_out = 0;
    for path in &tokens {
        let Some((token, region)) = read_token(path) else {
            continue;
        };
        if let Some(region) = region
            && let Ok(endpoint) =
                crate::sso::endpoint_at(env, &region, &network, "AWS_ENDPOINT_URL_SSO", None)
            && let Err(why) = runtime.block_on(crate::aws::sso::logout(&endpoint, &token))
        {
            eprintln!(
                "awsmfa: note: the SSO portal did not confirm the sign-out ({why}); the cached sign-in is removed all the same"
            );
        }
        std::fs::remove_file(path)
            .map_err(|e| Error::failure(format!("cannot remove {}: {e}", path.display())))?;
        signed_out += 1;
    }
    let removed = remove_role_credentials(env, files, one.as_ref().map(|(s, _, _)| s));
    match (signed_out, &one) {
        (0, Some((_, label, _))) => eprintln!("awsmfa: not signed in ({label}); nothing to do"),
        (0, None) => eprintln!("awsmfa: no SSO sign-in is cached; nothing to do"),
        (n, _) => eprintln!(
            "awsmfa: signed out of {n} SSO sign-in{}{}",
            if n == 1 { "" } else { "s" },
            match removed {
                0 => String::new(),
                r => format!(
                    " and removed {r} cached role credential{}",
                    if r == 1 { "" } else { "s" }
                ),
            }
        ),
    }
    Ok(ExitCode::Success)
}

/// The cached tokens of `dir`: its regular `.json` files that hold an
/// `accessToken` (registrations have none, and stay).
fn token_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| read_token(p).is_some())
        .collect();
    files.sort();
    files
}

/// The access token (and region) a cache file holds; `None` for anything
/// else (a registration, a file that is not regular or not JSON).
fn read_token(path: &Path) -> Option<(Secret, Option<String>)> {
    let bytes = crate::profiles::store::read_regular(path).ok()??;
    let doc: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let token = doc.get("accessToken")?.as_str()?;
    let region = doc
        .get("region")
        .and_then(|r| r.as_str())
        .map(str::to_owned);
    Some((Secret::new(token), region))
}

/// Removes the role credentials the AWS CLI (and awsmfa) cached from SSO
/// sign-ins in `~/.aws/cli/cache`: for one sign-in, those of its profiles;
/// for all, every entry the SSO provider wrote (`"ProviderType": "sso"`),
/// as `aws sso logout` does. How many were removed.
fn remove_role_credentials(env: &dyn Env, files: &AwsFiles, one: Option<&SignIn>) -> usize {
    let Some(dir) = credentials_cache_dir(env) else {
        return 0;
    };
    let paths: Vec<PathBuf> = match one {
        Some(sign_in) => files
            .config
            .ini
            .sections()
            .iter()
            .filter_map(|s| crate::profiles::profile_of_config_section(&s.name))
            .filter_map(|p| crate::sso::SsoProfile::read(files, &p).ok().flatten())
            .filter(|p| &p.sign_in == sign_in)
            .map(|p| {
                dir.join(format!(
                    "{}.json",
                    role_credentials_key(sign_in, &p.account_id, &p.role_name)
                ))
            })
            .collect(),
        None => std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        crate::profiles::store::read_regular(p)
                            .ok()
                            .flatten()
                            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                            .is_some_and(|d| {
                                d.get("ProviderType").and_then(|t| t.as_str()) == Some("sso")
                            })
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    paths
        .iter()
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}
