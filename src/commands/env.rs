//! `awsmfa env`: shell code that exports the session. No network, no SDK.

use anyhow::Result;

use crate::cli::EnvArgs;
use crate::env::Env;
use crate::exit_codes::ExitCode;
use crate::shell::Shell;
use crate::time::Timestamp;

/// The variables `env` sets, in the order it prints them.
pub const VARIABLES: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// Writes the shell code to `out`.
pub fn run(args: &EnvArgs, env: &dyn Env, out: &mut dyn std::io::Write) -> Result<ExitCode> {
    let shell = Shell::choose(args.shell.as_deref(), env)?;
    if args.unset {
        out.write_all(shell.unset(&VARIABLES).as_bytes())?;
        return Ok(ExitCode::Success);
    }
    let names = args.profiles.names(env)?;
    let files = super::load_files(env)?;
    let session = super::valid_session(files, &names, Timestamp::now())?;
    let expiration = session.expiration.map(|e| e.to_string());
    let mut vars = vec![
        (VARIABLES[0], session.access_key_id.as_str()),
        (VARIABLES[1], session.secret_access_key.expose()),
        (VARIABLES[2], session.session_token.expose()),
    ];
    if let Some(exp) = &expiration {
        vars.push((VARIABLES[3], exp));
    }
    out.write_all(shell.export(&vars)?.as_bytes())?;
    Ok(ExitCode::Success)
}
