//! Runs a login plan: reuse a fresh session where there is one, else take
//! the target's login lock, look again (another run may just have saved
//! one), and only then ask for a code, call STS and save.

use std::io::Write;

use anyhow::Result;

use crate::aws::error::{Call, explain, explain_role};
use crate::aws::sts::{RoleRequest, SessionRequest, Sts};
use crate::keys::Keychain;
use crate::profiles::AwsFile;
use crate::session::Session;
use crate::time::{Timestamp, human_span};

use super::code::{self, Stdin};
use super::lock::LoginLock;
use super::plan::{Plan, RoleStep};

/// Where the code may come from besides `--code`, and where messages go.
pub struct Console<'a> {
    pub stdin: Stdin<'a>,
    pub stderr: &'a mut dyn Write,
}

/// A skipped login warns when the session has less than this left.
const WARN_WITHIN_SECONDS: i64 = 3600;

/// What a login ended with.
#[derive(Debug)]
pub struct Outcome {
    /// The credentials now in the target.
    pub credentials: Session,
    /// Whether this run saved them (else they were there already).
    pub saved: bool,
}

impl Outcome {
    fn found(credentials: Session) -> Outcome {
        Outcome {
            credentials,
            saved: false,
        }
    }
}

/// Runs `plan`; `keychain` is read only for keys the plan left there.
pub fn execute(
    plan: &Plan,
    sts: &dyn Sts,
    keychain: &dyn Keychain,
    console: &mut Console<'_>,
) -> Result<Outcome> {
    let target = plan.target();
    if plan.verbose {
        describe(plan, console.stderr)?;
    }
    // The plan found no fresh session; another run may be saving one now.
    let _lock = LoginLock::acquire(&plan.paths.credentials, target, console.stderr)?;
    if !plan.force
        && let Some((session, left)) = fresh_session(plan, target, plan.fresh_window())?
    {
        writeln!(
            console.stderr,
            "awsmfa: another awsmfa just saved a session to profile {target} ({} left); using it",
            human_span(left)
        )?;
        return Ok(Outcome::found(session));
    }
    let Some(roles) = &plan.roles else {
        let credentials = new_session(plan, sts, keychain, console)?;
        return Ok(Outcome {
            credentials,
            saved: true,
        });
    };
    let mut credentials = mfa_session(plan, sts, keychain, console)?;
    for step in &roles.steps {
        credentials = assume(plan, step, &credentials, sts)?;
    }
    roles.save.save(&credentials)?;
    let role_arn = &roles.steps.last().expect("a role login has roles").role_arn;
    say_saved(
        &format!("assumed {role_arn}; credentials"),
        target,
        &credentials,
        console.stderr,
    )?;
    Ok(Outcome {
        credentials,
        saved: true,
    })
}

/// The MFA session a role login signs with: the source's still-fresh one
/// (no code asked), else a new one, saved to the source's session profile.
fn mfa_session(
    plan: &Plan,
    sts: &dyn Sts,
    keychain: &dyn Keychain,
    console: &mut Console<'_>,
) -> Result<Session> {
    let source_target = &plan.session.target;
    let window = crate::session::REFRESH_WINDOW_SECONDS;
    if let Some((session, left)) = fresh_session(plan, source_target, window)? {
        writeln!(
            console.stderr,
            "awsmfa: using the MFA session in profile {source_target} ({} left)",
            human_span(left)
        )?;
        return Ok(session);
    }
    // A renewal asks for no code: without an MFA session, it is no session.
    if plan.renewal {
        return Err(crate::error::Error::no_session(format!(
            "the role session in profile {} cannot be renewed: the MFA session in profile {source_target} has expired",
            plan.target()
        ))
        .hint(format!(
            "run 'awsmfa login --profile {}' (or add --login)",
            plan.roles.as_ref().and_then(|r| r.steps.last()).map_or(plan.session.source.as_str(), |s| s.profile.as_str())
        ))
        .into());
    }
    let _lock = LoginLock::acquire(&plan.paths.credentials, source_target, console.stderr)?;
    if let Some((session, _)) = fresh_session(plan, source_target, window)? {
        return Ok(session);
    }
    new_session(plan, sts, keychain, console)
}

/// Asks for the code, calls GetSessionToken and saves the session.
fn new_session(
    plan: &Plan,
    sts: &dyn Sts,
    keychain: &dyn Keychain,
    console: &mut Console<'_>,
) -> Result<Session> {
    let step = &plan.session;
    // Keys the plan did not need yet are read before a code is asked for.
    let read;
    let keys = match &step.keys {
        Some(found) => found,
        None => {
            read = crate::keys::from_keychain(&plan.paths.credentials, &step.source, keychain)?;
            if plan.verbose {
                writeln!(
                    console.stderr,
                    "awsmfa: long-term keys of profile {}: access key {}, from {}",
                    step.source,
                    mask(&read.keys.access_key_id),
                    read.from
                )?;
            }
            &read
        }
    };
    let code = code::obtain(
        plan.code.clone(),
        plan.code_command.as_ref(),
        &mut console.stdin,
        &step.device,
        &step.source,
        console.stderr,
    )?;
    let request = SessionRequest {
        keys: &keys.keys,
        device: &step.device,
        code: &code,
        duration_seconds: step.duration,
        endpoint: &step.endpoint,
    };
    let session = sts.get_session_token(&request).map_err(|e| {
        let call = Call {
            service: "STS",
            action: crate::aws::error::CODE_ACTION,
            profile: &step.source,
            endpoint: &step.endpoint.display(),
        };
        explain(e, call).redact(code.expose())
    })?;
    step.save.save(&session)?;
    say_saved("session", &step.target, &session, console.stderr)?;
    Ok(session)
}

fn assume(plan: &Plan, step: &RoleStep, signer: &Session, sts: &dyn Sts) -> Result<Session> {
    let signer = signer.clone().into();
    let request = RoleRequest {
        signer: &signer,
        role_arn: &step.role_arn,
        session_name: &step.session_name,
        external_id: step.external_id.as_deref(),
        duration_seconds: step.duration.seconds,
        endpoint: &step.endpoint,
    };
    let call = Call {
        service: "STS",
        action: "sts:AssumeRole",
        profile: &step.signed_by,
        endpoint: &step.endpoint.display(),
    };
    sts.assume_role(&request).map_err(|e| {
        let shorten = step.duration.how_to_shorten();
        explain_role(e, call, &step.role_arn, step.external_id.is_some(), &shorten)
            .and_hint(format!(
                "the MFA session in profile {} is saved: trying again asks for no code while it is valid",
                plan.session.target
            ))
            .into()
    })
}

/// The session in `profile` when it has more than the refresh window left.
fn fresh_session(plan: &Plan, profile: &str, window: i64) -> Result<Option<(Session, i64)>> {
    let credentials = AwsFile::load(&plan.paths.credentials)?;
    Ok(crate::session::fresh_within(
        &credentials.ini,
        profile,
        Timestamp::now(),
        window,
    ))
}

/// Says that `target` still holds a valid session, and until when.
pub fn say_still_valid(
    target: &str,
    session: &Session,
    left: i64,
    stderr: &mut dyn Write,
) -> Result<()> {
    let until = session
        .expiration
        .at()
        .expect("a fresh session has an expiration");
    writeln!(
        stderr,
        "awsmfa: profile {target} still holds a valid session until {until} ({} left); not calling STS",
        human_span(left)
    )?;
    if left < WARN_WITHIN_SECONDS {
        writeln!(
            stderr,
            "awsmfa: warning: it expires within the hour; 'awsmfa login --force' renews it now"
        )?;
    } else {
        writeln!(stderr, "  hint: use --force to get a new session anyway")?;
    }
    Ok(())
}

fn say_saved(what: &str, target: &str, session: &Session, stderr: &mut dyn Write) -> Result<()> {
    match session.expiration.at() {
        Some(exp) => writeln!(
            stderr,
            "awsmfa: {what} saved to profile {target}, valid until {exp} ({} left)",
            human_span(Timestamp::now().seconds_until(exp))
        )?,
        None => writeln!(stderr, "awsmfa: {what} saved to profile {target}")?,
    }
    Ok(())
}

/// `-v`: every step, and the endpoint and region each request goes to.
fn describe(plan: &Plan, stderr: &mut dyn Write) -> Result<()> {
    let mut say = |s: String| writeln!(stderr, "awsmfa: {s}");
    let step = &plan.session;
    say(format!(
        "credentials file: {}",
        plan.paths.credentials.display()
    ))?;
    say(format!("config file: {}", plan.paths.config.display()))?;
    match &step.keys {
        Some(found) => say(format!(
            "source profile: {} (access key {}, from {})",
            step.source,
            mask(&found.keys.access_key_id),
            found.from
        ))?,
        None => say(format!(
            "source profile: {} (no file holds its keys: the keychain is read only if a new MFA session is needed)",
            step.source
        ))?,
    }
    say(format!("MFA device: {}", step.device))?;
    if let Some(command) = &plan.code_command {
        // Only where it is set: the command itself may hold a TOTP seed.
        say(format!("code: from the code command of {}", command.from))?;
    }
    say(format!(
        "GetSessionToken: {} in {}, saved to profile {}",
        step.endpoint.display(),
        step.endpoint.region,
        step.target
    ))?;
    say(format!(
        "duration: {}s ({})",
        step.duration,
        human_span(step.duration.into())
    ))?;
    if let Some(roles) = &plan.roles {
        for role in &roles.steps {
            say(format!(
                "AssumeRole {} (profile {}): {} in {}, {}s, session name {}",
                role.role_arn,
                role.profile,
                role.endpoint.display(),
                role.endpoint.region,
                role.duration.seconds,
                role.session_name
            ))?;
        }
        say(format!("target profile: {}", roles.target))?;
    }
    Ok(())
}

/// `AKIA…MPLE`: enough to recognise a key, not to use it.
pub fn mask(id: &str) -> String {
    if id.len() <= 8 || !id.is_ascii() {
        return "…".to_owned();
    }
    format!("{}…{}", &id[..4], &id[id.len() - 4..])
}
