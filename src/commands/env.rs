//! `awsmfa env`: shell code that exports the session (no network), or the
//! credentials of an SSO, `credential_process` or role profile.

use anyhow::Result;

use crate::cli::{EnvArgs, SignInArgs};
use crate::env::Env;
use crate::exit_codes::ExitCode;
use crate::shell::Shell;

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
    let (_, credentials) =
        super::credentials_for(&args.profiles, false, &SignInArgs::default(), env)?;
    let expiration = credentials.expiration.at().map(|e| e.to_string());
    let mut vars = vec![
        (VARIABLES[0], credentials.access_key_id.as_str()),
        (VARIABLES[1], credentials.secret_access_key.expose()),
    ];
    // Long-term keys from a credential_process have no token: an inherited
    // one must not be paired with them.
    let mut unset = Vec::new();
    match &credentials.session_token {
        Some(token) => vars.push((VARIABLES[2], token.expose())),
        None => unset.push(VARIABLES[2]),
    }
    if let Some(exp) = &expiration {
        vars.push((VARIABLES[3], exp));
    }
    out.write_all(shell.export(&vars).as_bytes())?;
    if !unset.is_empty() {
        out.write_all(shell.unset(&unset).as_bytes())?;
    }
    Ok(ExitCode::Success)
}
