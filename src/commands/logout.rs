//! `awsmfa logout`: removes the session section from the credentials file.

use anyhow::Result;

use crate::cli::LogoutArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::profiles::{AwsFile, AwsPaths, FileLock, edit};
use crate::session::ProfileCredentials;

pub fn run(args: &LogoutArgs, env: &dyn Env) -> Result<ExitCode> {
    let names = args.profiles.names(env)?;
    let paths = AwsPaths::resolve(env)?;
    crate::profiles::warn_if_shared(&paths.credentials);
    // Check both files first: a malformed config is reported here too.
    AwsFile::load(&paths.config)?;
    let target = &names.target;
    let _lock = FileLock::acquire(&paths.credentials)?;
    let credentials = AwsFile::load(&paths.credentials)?;
    if ProfileCredentials::read(&credentials.ini, target) == ProfileCredentials::LongTerm {
        return Err(Error::failure(format!(
            "profile {target} holds long-term keys; logout only removes sessions"
        ))
        .hint("name the session profile with --target")
        .into());
    }
    match edit::remove_section(&credentials.ini, target) {
        None => {
            eprintln!(
                "awsmfa: no profile {target} in {}; nothing to remove",
                credentials.path.display()
            );
        }
        Some(text) => {
            credentials.write(&text?, true)?;
            eprintln!(
                "awsmfa: removed profile {target} from {}",
                credentials.path.display()
            );
        }
    }
    Ok(ExitCode::Success)
}
