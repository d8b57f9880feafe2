//! `awsmfa logout`: removes the session section from the credentials file.

use anyhow::Result;

use crate::cli::LogoutArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::profiles::{AwsFile, AwsPaths, FileLock, edit};
use crate::session::{SECURITY_TOKEN, SESSION_TOKEN};

pub fn run(args: &LogoutArgs, env: &dyn Env) -> Result<ExitCode> {
    // Names are checked before any file is read; the Python aws-mfa's
    // layout is followed once the credentials file is read.
    args.profiles.names(env)?;
    let paths = AwsPaths::resolve(env)?;
    crate::profiles::warn_if_shared(&paths.credentials);
    // Check both files first: a malformed config is reported here too.
    AwsFile::load(&paths.config)?;
    let _lock = FileLock::acquire(&paths.credentials)?;
    let credentials = AwsFile::load(&paths.credentials)?;
    let ini = &credentials.ini;
    let names = args.profiles.names_in(env, ini)?;
    let target = &names.target;
    let Some(section) = ini.section(target) else {
        eprintln!(
            "awsmfa: no profile {target} in {}; nothing to remove",
            credentials.path.display()
        );
        return Ok(ExitCode::Success);
    };
    // Only a session is removed: long-term keys, a credential_process or
    // SSO settings in the same file are never logged out of.
    let holds_session = [SESSION_TOKEN, SECURITY_TOKEN]
        .iter()
        .any(|key| ini.entry(section, key).is_some());
    if !holds_session {
        let what = if ini.entry(section, crate::session::ACCESS_KEY_ID).is_some() {
            "long-term keys"
        } else {
            "no session"
        };
        return Err(Error::failure(format!(
            "profile {target} holds {what}; logout only removes sessions"
        ))
        .hint("name the session profile with --target; nothing was changed")
        .into());
    }
    let text = edit::remove_section(ini, target).expect("the section exists")?;
    credentials.write(&text, true)?;
    eprintln!(
        "awsmfa: removed profile {target} from {}",
        credentials.path.display()
    );
    Ok(ExitCode::Success)
}
