//! `awsmfa exec -- CMD ARGS...`: runs a command with the session in its environment.

use std::process::Command;

use anyhow::Result;

use crate::cli::ExecArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::session::Credentials;

/// Variables that would let the child pick another profile than the session.
pub const REMOVED: [&str; 2] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

/// Runs the command; its exit code (128 + n when signal n ended it) becomes awsmfa's.
pub fn run(args: &ExecArgs, env: &dyn Env) -> Result<ExitCode> {
    let (_, session) = super::credentials_for(&args.profiles, args.login, &args.sign_in, env)
        .map_err(|err| err.context("cannot run the command"))?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage("no command given").hint("awsmfa exec -- aws s3 ls"))?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    apply_session(&mut cmd, &session);
    let status = {
        let _guard = signals::ParentIgnoresInterrupts::install();
        match cmd.status() {
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
        }
    };
    Ok(ExitCode::Child(exit_code_of(status)))
}

/// Sets the session variables and removes the profile selectors.
pub fn apply_session(cmd: &mut Command, session: &Credentials) {
    for name in REMOVED {
        cmd.env_remove(name);
    }
    cmd.env("AWS_ACCESS_KEY_ID", &session.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", session.secret_access_key.expose());
    match &session.session_token {
        Some(token) => cmd.env("AWS_SESSION_TOKEN", token.expose()),
        None => cmd.env_remove("AWS_SESSION_TOKEN"),
    };
    match session.expiration.at() {
        Some(exp) => cmd.env("AWS_CREDENTIAL_EXPIRATION", exp.to_string()),
        None => cmd.env_remove("AWS_CREDENTIAL_EXPIRATION"),
    };
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

#[cfg(unix)]
mod signals {
    //! While the child runs, Ctrl-C and Ctrl-\ reach it from the terminal;
    //! awsmfa itself must not die first, or the shell would return to the
    //! prompt while the child still runs. A no-op handler (not SIG_IGN, which
    //! the child would inherit) keeps awsmfa waiting.

    extern "C" fn ignore(_: libc::c_int) {}

    pub struct ParentIgnoresInterrupts {
        previous: [(libc::c_int, libc::sighandler_t); 2],
    }

    impl ParentIgnoresInterrupts {
        pub fn install() -> Self {
            let handler = ignore as extern "C" fn(libc::c_int) as libc::sighandler_t;
            // SAFETY: installing a handler that does nothing is async-signal-safe.
            let previous = [libc::SIGINT, libc::SIGQUIT]
                .map(|sig| (sig, unsafe { libc::signal(sig, handler) }));
            ParentIgnoresInterrupts { previous }
        }
    }

    impl Drop for ParentIgnoresInterrupts {
        fn drop(&mut self) {
            for (sig, old) in self.previous {
                // SAFETY: restores the disposition saved above.
                unsafe { libc::signal(sig, old) };
            }
        }
    }
}

#[cfg(not(unix))]
mod signals {
    pub struct ParentIgnoresInterrupts;

    impl ParentIgnoresInterrupts {
        pub fn install() -> Self {
            ParentIgnoresInterrupts
        }
    }
}
