//! One file per subcommand: each takes its parsed arguments and does the work.

pub mod completions;
pub mod configure;
pub mod configure_sso;
pub mod credential_process;
pub mod env;
pub mod exec;
pub mod keys;
pub mod login;
pub mod logout;
pub mod prompt;
pub mod sso;
pub mod status;

use anyhow::Result;

use crate::cli::SignInArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::export::Kind;
use crate::names::{ProfileArgs, ProfileNames};
use crate::profiles::paths::names_no_file;
use crate::profiles::{AwsFiles, AwsPaths};
use crate::session::{Credentials, Expiry, ProfileCredentials, Session};
use crate::time::{Timestamp, human_span};

/// Reads both AWS files from where the environment says they are, warning
/// on stderr when the credentials file is open to other users.
pub fn load_files(env: &dyn Env) -> Result<&'static AwsFiles> {
    let paths = AwsPaths::resolve(env)?;
    crate::profiles::warn_if_shared(&paths.credentials);
    load_for_process(&paths)
}

/// Reads both AWS files without a word on stderr (for prompts and completions).
pub fn load_files_quietly(env: &dyn Env) -> Result<&'static AwsFiles> {
    load_for_process(&AwsPaths::resolve(env)?)
}

/// The offline commands read the files once and exit: the parsed files are
/// kept for the rest of the process instead of being freed piece by piece at
/// exit, which on a file of thousands of profiles costs more than reading it.
fn load_for_process(paths: &AwsPaths) -> Result<&'static AwsFiles> {
    Ok(Box::leak(Box::new(AwsFiles::load(paths)?)))
}

/// The command that creates a session for these names, for hints.
pub fn login_command(names: &ProfileNames) -> String {
    let mut cmd = String::from("awsmfa login");
    if names.source != "default" {
        cmd.push_str(&format!(" --profile {}", names.source));
    }
    if names.target != crate::names::default_target(&names.source) {
        cmd.push_str(&format!(" --target {}", names.target));
    }
    cmd
}

/// The valid session in the target profile, or a "no session" error (exit 3) saying why.
pub fn valid_session(files: &AwsFiles, names: &ProfileNames, now: Timestamp) -> Result<Session> {
    let target = &names.target;
    let hint = format!("run '{}'", login_command(names));
    match ProfileCredentials::read(&files.credentials.ini, target) {
        ProfileCredentials::Session(s) if s.is_valid(now) => Ok(s),
        ProfileCredentials::Session(Session {
            expiration: Expiry::Unreadable(value),
            ..
        }) => Err(Error::no_session(format!(
            "the session in profile {target} counts as expired: its expiration '{value}' is not a time awsmfa can read"
        ))
        .hint(hint)
        .into()),
        ProfileCredentials::Session(s) => {
            let when = s.expiration.at().map(|e| e.to_string()).unwrap_or_default();
            let ago = human_span(-s.remaining(now).unwrap_or(0));
            Err(Error::no_session(format!(
                "the session in profile {target} expired at {when} ({ago} ago)"
            ))
            .hint(hint)
            .into())
        }
        ProfileCredentials::LongTerm => Err(Error::no_session(format!(
            "profile {target} holds long-term keys, not a session"
        ))
        .hint("name the session profile with --target")
        .into()),
        ProfileCredentials::Missing if names_no_file(&files.credentials.path) => {
            Err(Error::no_session(format!(
                "no session in profile {target}: AWS_SHARED_CREDENTIALS_FILE is set but empty, which names no file"
            ))
            .hint("unset AWS_SHARED_CREDENTIALS_FILE to use ~/.aws/credentials, or name a file")
            .into())
        }
        ProfileCredentials::Missing => Err(Error::no_session(format!(
            "no session in profile {target} of {}",
            files.credentials.path.display()
        ))
        .hint(hint)
        .into()),
    }
}

/// The names an exporting command (`env`, `exec`, `credential-process`,
/// `status`) works on and, when its target is not a session in the
/// credentials file but a config profile of another kind (SSO, a
/// `credential_process`, a role without MFA), that kind, to resolve as the
/// AWS CLI does. `--profile P` alone names such a profile as the target; a
/// role that needs MFA (`device` and the files decide, as for `login`) is
/// read from the session `login --profile R` saved, and a target named for
/// a role's session (`R-mfa`) is that role's.
pub fn export_target(
    files: &AwsFiles,
    profiles: &ProfileArgs,
    env: &dyn Env,
    device: Option<&str>,
) -> Result<(ProfileNames, Option<Kind>)> {
    let mut names = profiles.names_in(env, &files.credentials.ini)?;
    let target_named = profiles.target.is_some() || env.var("AWSMFA_TARGET").is_some();
    let profile_named = profiles.profile.is_some() || env.var("AWSMFA_PROFILE").is_some();
    if profile_named && !target_named && names.long_term_of.is_none() {
        let kind = crate::export::kind_of(files, env, device, &names.source)?;
        if let Some(kind @ (Kind::Sso(_) | Kind::Process(_) | Kind::Role)) = kind {
            names.target = names.source.clone();
            return Ok((names, Some(kind)));
        }
    }
    if target_named
        && !profile_named
        && let Some(role) = crate::login::chain::role_of_session(files, env, device, &names.target)?
    {
        names.source = role;
        names.long_term_of = None;
    }
    refuse_role_on_its_mfa_session(files, env, device, &names)?;
    if ProfileCredentials::read(&files.credentials.ini, &names.target)
        != ProfileCredentials::Missing
    {
        return Ok((names, None));
    }
    match crate::export::kind_of(files, env, device, &names.target)? {
        Some(Kind::RoleWithMfa) => {
            let role = std::mem::take(&mut names.target);
            names.target = crate::names::default_target(&role);
            names.source = role;
            Ok((names, None))
        }
        kind => Ok((names, kind)),
    }
}

/// Refuses a role that needs MFA named with its own MFA session as the
/// target (`-p admin -t mfa`): that profile holds the IAM user's session,
/// not the role's, and `login` refuses the same names.
fn refuse_role_on_its_mfa_session(
    files: &AwsFiles,
    env: &dyn Env,
    device: Option<&str>,
    names: &ProfileNames,
) -> Result<()> {
    if !is_mfa_role(files, env, device, &names.source)? {
        return Ok(());
    }
    let mfa = crate::login::chain::mfa_session_of(files, &names.source)?;
    if mfa != names.target {
        return Ok(());
    }
    Err(Error::failure(format!(
        "profile {} holds the MFA session that role {} is assumed with, not the role's session",
        names.target, names.source
    ))
    .hint(format!(
        "drop --target (the role's session is {}), or name another one",
        crate::names::default_target(&names.source)
    ))
    .into())
}

/// Refuses the login flags that would apply to no request for a profile of
/// `kind`: every flag given is used, or is a usage error.
fn check_flags_apply(kind: &Kind, profile: &str, sign_in: &SignInArgs) -> Result<(), Error> {
    let given = |flag: &Option<String>, name: &'static str| flag.is_some().then_some(name);
    let unused: Vec<&str> = match kind {
        // A role without MFA: STS's place and the role's length apply.
        Kind::Role => [given(&sign_in.code_command, "--code-command")]
            .into_iter()
            .flatten()
            .collect(),
        Kind::Sso(_) | Kind::Process(_) => [
            given(&sign_in.device, "--device"),
            given(&sign_in.duration, "--duration"),
            given(&sign_in.code_command, "--code-command"),
            given(&sign_in.region, "--region"),
            given(&sign_in.endpoint_url, "--endpoint-url"),
        ]
        .into_iter()
        .flatten()
        .collect(),
        Kind::RoleWithMfa => Vec::new(),
    };
    if unused.is_empty() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "{} cannot apply: profile {profile} is {}, and no STS login is made for it",
        unused.join(", "),
        kind.describe()
    ))
    .hint("drop them, or name the profile they are for"))
}

/// The credentials an exporting command exports, and the profile they are
/// from: a valid session in the credentials file (offline), a profile of
/// another kind resolved now, or, with `login` and no valid session, a login
/// first (as `login` would, role profiles included), with the code from a
/// code command or the terminal, never from stdin.
pub fn credentials_for(
    profiles: &ProfileArgs,
    login: bool,
    force: bool,
    sign_in: &SignInArgs,
    env: &dyn Env,
) -> Result<(String, Credentials)> {
    if sign_in.any() && !login {
        return Err(Error::usage(
            "--device, --duration, --code-command, --region and --endpoint-url go with --login",
        )
        .hint("add --login, or drop them")
        .into());
    }
    let files = load_files(env)?;
    let (names, kind) = export_target(files, profiles, env, sign_in.device.as_deref())?;
    if let Some(kind) = kind {
        check_flags_apply(&kind, &names.target, sign_in)?;
        let requests = crate::export::Requests {
            region: sign_in.region.clone(),
            endpoint_url: sign_in.endpoint_url.clone(),
            duration: sign_in.duration.clone(),
            sso_login: login,
            force,
        };
        let credentials = crate::export::resolve(files, env, &names.target, &kind, &requests)?;
        crate::export::check_unexpired(&names.target, &credentials)?;
        return Ok((names.target, credentials));
    }
    let now = Timestamp::now();
    let current = valid_session(files, &names, now);
    let renewable = is_mfa_role(files, env, sign_in.device.as_deref(), &names.source)?;
    let due = |s: &Session| {
        s.remaining(now)
            .is_some_and(|left| left <= crate::session::RENEW_WINDOW_SECONDS)
    };
    match &current {
        Ok(session) if !(renewable && due(session)) => {
            return Ok((names.target, session.clone().into()));
        }
        _ => {}
    }
    // The names found (a role that needs MFA under its session's name,
    // either way round) are the ones logged in to.
    let profiles = match names.long_term_of {
        None => ProfileArgs {
            profile: Some(names.source.clone()),
            target: Some(names.target.clone()),
        },
        Some(_) => profiles.clone(),
    };
    if renewable {
        // A role session renews itself from its MFA session: no code.
        match log_in(&profiles, sign_in, env, true) {
            Ok(session) => return Ok((names.target, session.into())),
            Err(err) => match current {
                // Still valid: used as it is until it expires.
                Ok(session) => {
                    eprintln!(
                        "awsmfa: note: the role session in profile {} was not renewed: {err:#}",
                        names.target
                    );
                    return Ok((names.target, session.into()));
                }
                Err(_) if login && crate::error::exit_code(&err) == ExitCode::NoSession => {}
                Err(_) => return Err(err),
            },
        }
    }
    match current {
        Ok(session) => Ok((names.target, session.into())),
        Err(_) if login => Ok((names.target, log_in(&profiles, sign_in, env, false)?.into())),
        Err(err) => Err(err),
    }
}

/// Whether `profile` is a role that needs MFA: its session (`R-mfa`)
/// renews itself from its MFA session.
pub fn is_mfa_role(
    files: &AwsFiles,
    env: &dyn Env,
    device: Option<&str>,
    profile: &str,
) -> Result<bool> {
    if files.config_value(profile, "role_arn").is_none() {
        return Ok(false);
    }
    Ok(crate::login::chain::needs_mfa(files, env, device, profile)?)
}

/// A login as `login` would make it (role profiles included), with the code
/// from a code command or the terminal, never from stdin; a `renewal`
/// asks for no code at all.
fn log_in(
    profiles: &ProfileArgs,
    sign_in: &SignInArgs,
    env: &dyn Env,
    renewal: bool,
) -> Result<Session> {
    use crate::login::plan::{Resolved, resolve};
    let mut console = crate::login::run::Console {
        stdin: crate::login::code::Stdin::Caller,
        stderr: &mut std::io::stderr(),
    };
    let mut options = login::sign_in_options(sign_in, profiles);
    options.renewal = renewal;
    // Opened only if the login needs keys that no file holds.
    let keychain = crate::keys::OsKeychain::default();
    Ok(match resolve(&options, env, &keychain, console.stderr)? {
        Resolved::Plan(plan) => {
            crate::login::run::execute(&plan, &crate::aws::sts::SdkSts, &keychain, &mut console)?
                .credentials
        }
        Resolved::Fresh { session, .. } => session,
    })
}
