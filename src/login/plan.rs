//! A login, resolved once: flags, environment and files become plain data
//! (who signs, which device, where the code comes from, which endpoint, the
//! chain of roles, what will be written), and every mistake is found here,
//! before a code is asked for or a request is made.

use std::io::Write;

use anyhow::Result;

use crate::aws::sts::Endpoint;
use crate::env::Env;
use crate::error::Error;
use crate::input::{DEFAULT_DURATION, parse_code, parse_duration};
use crate::keys::{FoundKeys, Keychain};
use crate::names::{ProfileArgs, ProfileNames};
use crate::net;
use crate::profiles::{AwsFiles, AwsPaths};
use crate::secret::Secret;

use super::chain::{self, RoleSpec};
use super::code::CodeCommand;
use super::save::SavePlan;

/// What the user asked for: the login flags of `login`, `exec --login` and
/// `credential-process --login`.
#[derive(Clone, Default)]
pub struct LoginOptions {
    pub profiles: ProfileArgs,
    pub code: Option<String>,
    pub code_command: Option<String>,
    pub device: Option<String>,
    pub duration: Option<String>,
    pub force: bool,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub verbose: bool,
    /// A role session renewed from its MFA session (part 5): no code is
    /// asked, and a target with less than 15 minutes left is renewed.
    pub renewal: bool,
}

/// GetSessionToken: the source's long-term keys and a code for a session.
#[derive(Debug)]
pub struct SessionStep {
    /// The profile with the long-term keys.
    pub source: String,
    /// Its keys; `None` when no file holds them and none may be needed
    /// (a renewal, a role login whose MFA session is fresh): then the
    /// keychain is read only if a new MFA session is needed after all.
    pub keys: Option<FoundKeys>,
    /// Where the MFA session is saved (and, for a role, reused from).
    pub target: String,
    pub device: String,
    pub duration: u32,
    pub endpoint: Endpoint,
    pub save: SavePlan,
}

/// AssumeRole, signed with the previous step's credentials.
#[derive(Debug)]
pub struct RoleStep {
    /// The role profile.
    pub profile: String,
    /// The profile whose credentials sign the request: the previous role
    /// of the chain, or the source whose MFA session starts it.
    pub signed_by: String,
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration: chain::RoleDuration,
    pub endpoint: Endpoint,
}

/// The roles of a role login, innermost first, and where the last one's
/// credentials are saved.
#[derive(Debug)]
pub struct Roles {
    pub steps: Vec<RoleStep>,
    pub target: String,
    pub save: SavePlan,
}

/// A whole login: an MFA session, then the roles (none for a plain login).
#[derive(Debug)]
pub struct Plan {
    pub paths: AwsPaths,
    pub session: SessionStep,
    pub roles: Option<Roles>,
    pub code: Option<Secret>,
    pub code_command: Option<CodeCommand>,
    pub force: bool,
    pub verbose: bool,
    /// See [`LoginOptions::renewal`].
    pub renewal: bool,
}

impl Plan {
    /// A target with more than this many seconds left is not logged in again.
    pub fn fresh_window(&self) -> i64 {
        window(self.renewal)
    }

    /// The profile that receives the login's final credentials.
    pub fn target(&self) -> &str {
        match &self.roles {
            Some(roles) => &roles.target,
            None => &self.session.target,
        }
    }
}

/// What resolving a login found.
#[derive(Debug)]
pub enum Resolved {
    /// The target already holds a session with more than the refresh window
    /// left (and `--force` was not given): nothing else is needed.
    Fresh {
        target: String,
        session: crate::session::Session,
        left: i64,
    },
    /// A login to run.
    Plan(Box<Plan>),
}

/// Resolves and checks a login; notes (values not copied) go to `stderr`.
/// The input is checked first, then a still-fresh target ends it before
/// keys, a device or a code are needed; `keychain` is opened only when a
/// new MFA session needs keys that no file holds.
pub fn resolve(
    options: &LoginOptions,
    env: &dyn Env,
    keychain: &dyn Keychain,
    stderr: &mut dyn Write,
) -> Result<Resolved> {
    // Input that needs no file first.
    let code = options.code.as_deref().map(parse_code).transpose()?;
    let endpoint_url =
        net::endpoint_url(options.endpoint_url.as_deref(), env, "AWS_ENDPOINT_URL_STS")?;
    let paths = AwsPaths::resolve(env)?;
    let files = AwsFiles::load(&paths)?;
    if let Some(warning) = crate::profiles::store::shared_warning(&paths.credentials) {
        writeln!(stderr, "{warning}")?;
        writeln!(
            stderr,
            "  (awsmfa writes it as 0600 whenever it saves a session)"
        )?;
    }
    let names = names_for_login(options, env, &files)?;
    let chain = chain::resolve(&files, &names.source)?;
    let side = chain.session_side(&files, &names);
    let (session_source, session_target) = (side.source.clone(), side.target.clone());
    refuse_same(&session_source, &session_target)?;
    if let Some(role) = chain.roles.first() {
        refuse_same(&role.profile, &names.target)?;
        refuse_same(&session_source, &names.target)?;
        if session_target == names.target {
            return Err(Error::failure(format!(
                "the MFA session of {session_source} and the role credentials of {} would both go to profile {}",
                role.profile, names.target
            ))
            .hint("name another profile for the role with --target")
            .into());
        }
    }

    let session_duration = session_duration(options, env, chain.roles.is_empty())?;
    let role_durations = chain::durations(&chain.roles, options.duration.as_deref())?;
    if !options.force
        && let Some((session, left)) = crate::session::fresh_within(
            &files.credentials.ini,
            &names.target,
            crate::time::Timestamp::now(),
            window(options.renewal),
        )
    {
        return Ok(Resolved::Fresh {
            target: names.target,
            session,
            left,
        });
    }
    let keys = match options.renewal || mfa_session_is_fresh(&files, &chain, &session_target) {
        true => crate::keys::in_files(&files, &session_source)?,
        false => Some(crate::keys::long_term_keys(
            &files,
            &session_source,
            keychain,
        )?),
    };
    let settings = chain.settings(&side);
    let device = device(options, env, &files, &settings, &session_source)?;
    let code_command = code_command(options, env, &files, &settings);
    let region = crate::region::region(
        options.region.as_deref(),
        env,
        &files,
        &settings,
        crate::partition::default_region(&device),
    )?;
    let endpoint = crate::partition::sts_endpoint(
        env,
        &files,
        &settings,
        region,
        endpoint_url,
        Some(&device),
    )?;

    let session_names = ProfileNames {
        source: session_source.clone(),
        target: session_target.clone(),
        long_term_of: None,
    };
    let session_save =
        SavePlan::prepare(&paths, &files, &session_names, &[&session_source], stderr)?;
    let roles = match chain.roles.is_empty() {
        true => None,
        false => {
            // The region and output the requests used: the first profile
            // of the chain that has them.
            let copy_from = &settings;
            let role_names = ProfileNames {
                source: chain.roles[0].profile.clone(),
                target: names.target.clone(),
                long_term_of: None,
            };
            let save = SavePlan::prepare(&paths, &files, &role_names, copy_from, stderr)?;
            let mut signed_by = session_source.clone();
            let mut steps = Vec::new();
            for (role, duration) in chain.roles.iter().rev().zip(role_durations.iter().rev()) {
                let step = role_step(role, &signed_by, duration, &endpoint);
                signed_by = role.profile.clone();
                steps.push(step);
            }
            Some(Roles {
                steps,
                target: names.target.clone(),
                save,
            })
        }
    };
    Ok(Resolved::Plan(Box::new(Plan {
        paths,
        session: SessionStep {
            source: session_source,
            keys,
            target: session_target,
            device,
            duration: session_duration,
            endpoint,
            save: session_save,
        },
        roles,
        code,
        code_command,
        force: options.force,
        verbose: options.verbose,
        renewal: options.renewal,
    })))
}

/// The login's names. A target that holds a role's session by name
/// (`R-mfa` of a role `R` that needs MFA) is renewed as that role: with no
/// profile named, `R` is the profile; another profile named is refused,
/// since its session would replace the role's under the role's name.
fn names_for_login(
    options: &LoginOptions,
    env: &dyn Env,
    files: &AwsFiles,
) -> Result<ProfileNames> {
    let names = options.profiles.names_in(env, &files.credentials.ini)?;
    let device = options.device.as_deref();
    let Some(role) = chain::role_of_session(files, env, device, &names.target)? else {
        return Ok(names);
    };
    if role == names.source {
        return Ok(names);
    }
    let profile_named = options.profiles.profile.is_some() || env.var("AWSMFA_PROFILE").is_some();
    if profile_named {
        return Err(Error::failure(format!(
            "profile {} is where the role {role} keeps its session; a login of profile {} would replace it with another identity",
            names.target, names.source
        ))
        .hint(format!(
            "renew the role with --profile {role}, or give the session of {} another --target",
            names.source
        ))
        .into());
    }
    Ok(ProfileNames {
        source: role,
        target: names.target,
        long_term_of: None,
    })
}

/// Whether a role login will sign with the MFA session already saved: its
/// source's keys are then not needed (unless it ends before the login runs).
fn mfa_session_is_fresh(files: &AwsFiles, chain: &chain::Chain, session_target: &str) -> bool {
    !chain.roles.is_empty()
        && crate::session::fresh_within(
            &files.credentials.ini,
            session_target,
            crate::time::Timestamp::now(),
            crate::session::REFRESH_WINDOW_SECONDS,
        )
        .is_some()
}

fn window(renewal: bool) -> i64 {
    match renewal {
        true => crate::session::RENEW_WINDOW_SECONDS,
        false => crate::session::REFRESH_WINDOW_SECONDS,
    }
}

fn refuse_same(source: &str, target: &str) -> Result<(), Error> {
    if source != target {
        return Ok(());
    }
    Err(Error::failure(format!(
        "the target profile cannot be the source profile ({source})"
    ))
    .hint("the session would overwrite the profile it comes from; pick another --target"))
}

fn role_step(
    role: &RoleSpec,
    signed_by: &str,
    duration: &chain::RoleDuration,
    endpoint: &Endpoint,
) -> RoleStep {
    RoleStep {
        profile: role.profile.clone(),
        signed_by: signed_by.to_owned(),
        role_arn: role.role_arn.clone(),
        session_name: role.session_name(),
        external_id: role.external_id.clone(),
        duration: duration.clone(),
        endpoint: endpoint.clone(),
    }
}

/// The MFA session's length: `--duration` (a plain login only),
/// `$AWSMFA_DURATION`, `$MFA_STS_DURATION`, 12 hours.
fn session_duration(options: &LoginOptions, env: &dyn Env, plain: bool) -> Result<u32, Error> {
    let flag = options.duration.as_deref().filter(|_| plain);
    if let Some(d) = flag {
        return parse_duration(d, "--duration");
    }
    for var in ["AWSMFA_DURATION", "MFA_STS_DURATION"] {
        if let Some(d) = env.var(var) {
            return parse_duration(&d, var);
        }
    }
    Ok(DEFAULT_DURATION)
}

/// The MFA device ([`chain::find_device`]), checked: a FIDO key gives no
/// codes, and a device must be one word.
fn device(
    options: &LoginOptions,
    env: &dyn Env,
    files: &AwsFiles,
    settings: &[&str],
    source: &str,
) -> Result<String> {
    let device = chain::find_device(options.device.as_deref(), env, files, settings, source);
    let profile = settings[0];
    match device {
        Some(d) if crate::aws::iam::is_fido_key(&d) => Err(Error::usage(format!(
            "the MFA device {d} is a FIDO security key, which gives no codes: {}",
            crate::aws::iam::NO_FIDO
        ))
        .hint("set mfa_serial to a virtual MFA device or a hardware TOTP token ('awsmfa configure' lists them)")
        .into()),
        Some(d) if !d.trim().is_empty() && !d.contains(char::is_whitespace) => Ok(d),
        Some(_) => Err(Error::usage("the MFA device must be an ARN or serial number without spaces").into()),
        None => Err(Error::failure(format!("no MFA device configured for profile {profile}"))
            .hint(format!(
                "aws configure set mfa_serial arn:aws:iam::ACCOUNT_ID:mfa/DEVICE --profile {profile}   (or pass --device)"
            ))
            .into()),
    }
}

/// `--code-command`, `$AWSMFA_CODE_COMMAND`, `mfa_process` of each profile of the chain.
fn code_command(
    options: &LoginOptions,
    env: &dyn Env,
    files: &AwsFiles,
    settings: &[&str],
) -> Option<CodeCommand> {
    let command = |command: String, from: String| CodeCommand { command, from };
    options
        .code_command
        .clone()
        .filter(|c| !c.trim().is_empty())
        .map(|c| command(c, "--code-command".to_owned()))
        .or_else(|| {
            env.var("AWSMFA_CODE_COMMAND")
                .map(|c| command(c, "AWSMFA_CODE_COMMAND".to_owned()))
        })
        .or_else(|| {
            settings.iter().find_map(|p| {
                files
                    .config_value(p, "mfa_process")
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| command(c.to_owned(), format!("mfa_process of profile {p}")))
            })
        })
}
