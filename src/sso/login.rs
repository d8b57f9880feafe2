//! Signing in to IAM Identity Center, as `aws sso login` does: the cached
//! token while it has more than 15 minutes left, else a refresh (no
//! browser), else a new sign-in by the authorization code grant with PKCE
//! (through the browser) or the device authorization grant (a URL and a
//! code), written to the cache every AWS tool reads. One sign-in for many
//! callers: each takes the sign-in's lock and looks at the cache again.

use std::time::{Duration, Instant};

use anyhow::Result;

use super::SignIn;
use super::browser::{open, reachable, show};
use super::cache::{CachedToken, SIGN_IN_LOCK_WAIT, lock_sign_in, store_token, token_file};
use super::callback::Callback;
use super::pkce::{Authorize, Pkce};
use super::registration::{Grant, Registration, registration_file};
use crate::aws::oidc::{self, Poll, Register, Token};
use crate::aws::sts::Endpoint;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::secret::Secret;
use crate::time::Timestamp;

/// How long the browser has to bring the authorization code back.
pub const CALLBACK_WAIT: Duration = Duration::from_secs(10 * 60);

/// The wait for the browser: [`CALLBACK_WAIT`]. Debug builds (the binary
/// the tests run) take `$AWSMFA_TEST_SSO_WAIT_MS` instead, so that a test of
/// the limit need not wait ten minutes; release builds do not read it.
fn callback_wait() -> Duration {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("AWSMFA_TEST_SSO_WAIT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    CALLBACK_WAIT
}

/// The scope a sign-in asks for when its `[sso-session]` names none.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// What a sign-in was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Sign in anew even with a valid cached token.
    pub force: bool,
    /// The device authorization grant, even where a browser can be opened.
    pub use_device_code: bool,
    /// Never open a browser: only show the URL.
    pub no_browser: bool,
    /// The callback server's port (for SSH port forwarding).
    pub port: Option<u16>,
    /// Where the user is told what to do is the exit code when no terminal
    /// and no browser can be reached: 2 for `sso login`, 3 for `--login`.
    pub unreachable_code: Option<ExitCode>,
}

/// How a sign-in ended.
#[derive(Debug)]
pub enum Outcome {
    /// The cached token has more than 15 minutes left: nothing was sent.
    StillSignedIn(Timestamp),
    /// The cached token was refreshed, with no browser.
    Refreshed(Timestamp),
    /// A new sign-in.
    SignedIn(Timestamp),
}

/// A sign-in's result: the access token and how it was had.
pub struct SignedIn {
    pub access_token: Secret,
    pub outcome: Outcome,
}

/// Signs in to `sign_in` (named `label` in messages) through SSO OIDC at
/// `endpoint`.
pub fn sign_in(
    env: &dyn Env,
    sign_in: &SignIn,
    label: &str,
    endpoint: &Endpoint,
    options: &Options,
) -> Result<SignedIn> {
    let path = token_file(env, sign_in)
        .ok_or_else(|| Error::failure("no home directory for the SSO cache (~/.aws/sso/cache)"))?;
    let runtime = crate::aws::sts::runtime().map_err(|e| Error::failure(format!("{e:?}")))?;
    let _lock = lock_sign_in(&path, SIGN_IN_LOCK_WAIT)?;
    let now = Timestamp::now();
    if !options.force
        && let Ok(cached) = CachedToken::load(env, label, sign_in)
    {
        if cached.fresh(now)
            && let Some(until) = cached.time("expiresAt")
        {
            return Ok(SignedIn {
                access_token: cached.access_token(),
                outcome: Outcome::StillSignedIn(until),
            });
        }
        if let Some(refreshed) = refresh(&runtime, sign_in, label, endpoint, cached)? {
            return Ok(refreshed);
        }
    }
    let grant = choose_grant(env, sign_in, options)?;
    let (registration, new) = registration(env, &runtime, sign_in, endpoint, grant)?;
    let token = match grant {
        Grant::AuthorizationCode => {
            authorization_code(env, &runtime, sign_in, endpoint, &registration, options)?
        }
        Grant::DeviceCode => device_code(env, &runtime, sign_in, endpoint, &registration, options)?,
    };
    // Nothing is written until the sign-in is through: a new registration
    // is kept with its first token.
    if let Some(file) = new {
        registration.store(&file)?;
    }
    store_token(&path, sign_in, &token, &registration)?;
    Ok(SignedIn {
        outcome: Outcome::SignedIn(token.expires_at),
        access_token: token.access_token,
    })
}

/// A refresh of the cached token, when it can be refreshed and the refresh
/// works; `None` sends the caller to a new sign-in.
fn refresh(
    runtime: &tokio::runtime::Runtime,
    sign_in: &SignIn,
    label: &str,
    endpoint: &Endpoint,
    mut cached: CachedToken,
) -> Result<Option<SignedIn>> {
    if !cached.refreshable(sign_in, Timestamp::now()) {
        return Ok(None);
    }
    let text = |k| cached.text(k).unwrap_or_default().to_owned();
    let (id, secret, refresh, access) = (
        text("clientId"),
        text("clientSecret"),
        text("refreshToken"),
        text("accessToken"),
    );
    let grant = oidc::RefreshGrant {
        client_id: &id,
        client_secret: &secret,
        refresh_token: &refresh,
        access_token: &access,
    };
    let hint = format!("run 'awsmfa sso login {label}'");
    match runtime.block_on(oidc::refresh(endpoint, &grant, label, &hint)) {
        Ok(token) => {
            cached.store(&token);
            Ok(Some(SignedIn {
                outcome: Outcome::Refreshed(token.expires_at),
                access_token: token.access_token,
            }))
        }
        Err(_) => Ok(None),
    }
}

/// The authorization code grant for `sso-session` sign-ins, unless the
/// device grant is asked for, or no browser can be reached (over SSH, or
/// Linux with no display and no `$BROWSER`) and neither `--no-browser` nor
/// `--port` says the user brings one. Legacy sign-ins have only the device
/// grant, as in the AWS CLI. With no browser and no terminal to show a URL
/// on, no sign-in can be had: an error at once, never a wait.
fn choose_grant(env: &dyn Env, sign_in: &SignIn, options: &Options) -> Result<Grant, Error> {
    let browser = reachable(env) && !options.no_browser;
    let brought = options.no_browser || options.port.is_some();
    let grant = if sign_in.session.is_none() || options.use_device_code {
        Grant::DeviceCode
    } else if browser || brought {
        Grant::AuthorizationCode
    } else {
        Grant::DeviceCode
    };
    if !browser && !can_show() {
        let code = options.unreachable_code.unwrap_or(ExitCode::Usage);
        let message = "cannot sign in to IAM Identity Center here: no terminal to show the sign-in URL on, and no browser to open";
        let err = match code {
            ExitCode::NoSession => Error::no_session(message),
            _ => Error::usage(message),
        };
        return Err(err.hint("run 'awsmfa sso login' in a terminal first, or set $BROWSER"));
    }
    Ok(grant)
}

/// Whether there is a terminal to show a URL and a code on.
fn can_show() -> bool {
    use std::io::IsTerminal;
    #[cfg(unix)]
    if std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .is_ok()
    {
        return true;
    }
    std::io::stderr().is_terminal()
}

/// The cached client registration for `grant`, else a new one, with the
/// file to keep it in once the sign-in is through.
fn registration(
    env: &dyn Env,
    runtime: &tokio::runtime::Runtime,
    sign_in: &SignIn,
    endpoint: &Endpoint,
    grant: Grant,
) -> Result<(Registration, Option<std::path::PathBuf>)> {
    let path = registration_file(env, sign_in, grant);
    if let Some(found) = path
        .as_deref()
        .and_then(|p| Registration::load(p, grant, Timestamp::now()))
    {
        return Ok((found, None));
    }
    let configured = sign_in.scopes.clone().unwrap_or_default();
    let (scopes, grant_types, redirect, issuer) = match grant {
        Grant::AuthorizationCode => (
            match configured.is_empty() {
                true => vec![DEFAULT_SCOPE.to_owned()],
                false => configured,
            },
            vec![grant.name().to_owned(), "refresh_token".to_owned()],
            Some("http://127.0.0.1/oauth/callback"),
            Some(sign_in.start_url.as_str()),
        ),
        // As the AWS CLI: a device client names its grants only with scopes.
        Grant::DeviceCode if configured.is_empty() => (Vec::new(), Vec::new(), None, None),
        Grant::DeviceCode => (
            configured,
            vec![grant.name().to_owned(), "refresh_token".to_owned()],
            None,
            None,
        ),
    };
    let name = match &sign_in.session {
        Some(session) => format!("awsmfa-{session}"),
        None => format!("awsmfa-{}", Timestamp::now().0),
    };
    let request = Register {
        client_name: &name,
        scopes: &scopes,
        grant_types: &grant_types,
        redirect_uri: redirect,
        issuer_url: issuer,
    };
    let client = runtime.block_on(oidc::register(endpoint, &request))?;
    let registration = Registration {
        client_id: client.client_id,
        client_secret: client.client_secret,
        expires_at: client.expires_at,
        scopes,
        grant_types,
    };
    Ok((registration, path))
}

/// The browser signs in and brings the code to the callback server.
fn authorization_code(
    env: &dyn Env,
    runtime: &tokio::runtime::Runtime,
    sign_in: &SignIn,
    endpoint: &Endpoint,
    registration: &Registration,
    options: &Options,
) -> Result<Token> {
    let callback = Callback::bind(options.port)?;
    let redirect_uri = callback.redirect_uri();
    let pkce = Pkce::new()?;
    let challenge = pkce.challenge();
    let base = oidc::base_url(endpoint)?;
    let url = Authorize {
        base: &base,
        client_id: &registration.client_id,
        redirect_uri: &redirect_uri,
        state: &pkce.state,
        scopes: &registration.scopes,
        challenge: &challenge,
    }
    .url();
    let opened = !options.no_browser && open(env, &url);
    show(&format!(
        "awsmfa: sign in to {} in the browser{}:\n\n  {url}\n\n\
         awsmfa: waiting for the browser (up to {}; Ctrl-C to stop)\n",
        sign_in.start_url,
        if opened {
            " (opened)"
        } else {
            "; open this URL"
        },
        crate::time::human_span(callback_wait().as_secs() as i64),
    ));
    let code = callback.wait(&pkce.state, callback_wait())?;
    runtime.block_on(oidc::redeem_code(
        endpoint,
        &registration.client_id,
        &registration.client_secret,
        &code,
        &pkce.verifier,
        &redirect_uri,
    ))
}

/// The user confirms a code on a page; awsmfa polls until then.
fn device_code(
    env: &dyn Env,
    runtime: &tokio::runtime::Runtime,
    sign_in: &SignIn,
    endpoint: &Endpoint,
    registration: &Registration,
    options: &Options,
) -> Result<Token> {
    let device = runtime.block_on(oidc::start_device(
        endpoint,
        &registration.client_id,
        &registration.client_secret,
        &sign_in.start_url,
    ))?;
    let complete = device
        .verification_uri_complete
        .as_deref()
        .unwrap_or(&device.verification_uri);
    let opened = !options.no_browser && reachable(env) && open(env, complete);
    show(&format!(
        "awsmfa: to sign in to {}, open{}\n\n  {}\n\nand confirm the code\n\n  {}\n\n\
         awsmfa: waiting for the confirmation (Ctrl-C to stop)\n",
        sign_in.start_url,
        if opened {
            " (opened in the browser)"
        } else {
            ""
        },
        device.verification_uri,
        device.user_code,
    ));
    let deadline = Instant::now() + Duration::from_secs(device.expires_in as u64);
    let mut interval = device.interval;
    loop {
        // RFC 8628: wait `interval` between polls, 5 s more after each slow_down.
        std::thread::sleep(Duration::from_secs(interval));
        if Instant::now() >= deadline {
            return Err(Error::no_session(
                "the device code expired before the sign-in was confirmed",
            )
            .hint("run the command again, and confirm the code in time")
            .into());
        }
        let poll = runtime.block_on(oidc::poll_device(
            endpoint,
            &registration.client_id,
            &registration.client_secret,
            &device,
        ))?;
        match poll {
            Poll::Token(token) => return Ok(token),
            Poll::Pending => {}
            Poll::SlowDown => interval += 5,
        }
    }
}
