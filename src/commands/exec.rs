//! `awsmfa exec -- CMD ARGS...`: runs a command with the session in its environment.

use std::process::Command;

use anyhow::Result;

use super::env::SessionVariables;
use crate::cli::ExecArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::session::Credentials;

/// Variables that would let the child pick another profile than the session.
pub const REMOVED: [&str; 2] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

/// Runs the command; its exit code (128 + n when signal n ended it) becomes awsmfa's.
pub fn run(args: &ExecArgs, env: &dyn Env) -> Result<ExitCode> {
    let (_, session) =
        super::credentials_for(&args.profiles, args.login, args.force, &args.sign_in, env)
            .map_err(|err| err.context("cannot run the command"))?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage("no command given").hint("awsmfa exec -- aws s3 ls"))?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    apply_session(&mut cmd, &session);
    let status = match run_forwarding_signals(&mut cmd) {
        Ok(status) => status,
        Err(e) => {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            eprintln!(
                "awsmfa: error: cannot run {}: {e}",
                program.to_string_lossy()
            );
            return Ok(ExitCode::Child(code));
        }
    };
    Ok(ExitCode::Child(exit_code_of(status)))
}

/// Sets the session variables (as `env` does) and removes the profile selectors.
pub fn apply_session(cmd: &mut Command, session: &Credentials) {
    let expiration = session.expiration.at().map(|e| e.to_string());
    let vars = SessionVariables::of(session, expiration.as_deref());
    for name in REMOVED.iter().chain(&vars.removed) {
        cmd.env_remove(name);
    }
    cmd.envs(vars.set);
}

#[cfg(unix)]
fn exit_code_of(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => (128 + signal) as u8,
        (None, None) => 1,
    }
}

#[cfg(not(unix))]
fn exit_code_of(status: std::process::ExitStatus) -> u8 {
    status.code().map_or(1, |c| c as u8)
}

/// Runs the command to its end, passing on the signals meant for it.
#[cfg(unix)]
fn run_forwarding_signals(cmd: &mut Command) -> std::io::Result<std::process::ExitStatus> {
    let forwarding = signals::ForwardSignals::install();
    let mut child = cmd.spawn()?;
    forwarding.started(child.id());
    // Ended but not yet reaped: its process id cannot be reused while the
    // handlers may still signal it.
    signals::wait_until_ended(child.id())?;
    drop(forwarding);
    child.wait()
}

#[cfg(not(unix))]
fn run_forwarding_signals(cmd: &mut Command) -> std::io::Result<std::process::ExitStatus> {
    // Ctrl-C and Ctrl-Break reach every process of the console.
    cmd.status()
}

#[cfg(unix)]
mod signals;
