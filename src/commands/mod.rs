//! One file per subcommand: each takes its parsed arguments and does the work.

pub mod completions;
pub mod credential_process;
pub mod env;
pub mod exec;
pub mod login;
pub mod logout;
pub mod prompt;
pub mod status;

use anyhow::Result;

use crate::env::Env;
use crate::error::Error;
use crate::names::ProfileNames;
use crate::profiles::{AwsFiles, AwsPaths};
use crate::session::{ProfileCredentials, Session};
use crate::time::{Timestamp, human_span};

/// Reads both AWS files from where the environment says they are.
pub fn load_files(env: &dyn Env) -> Result<AwsFiles> {
    AwsFiles::load(&AwsPaths::resolve(env)?)
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
        ProfileCredentials::Session(s) => {
            let when = s.expiration.map(|e| e.to_string()).unwrap_or_default();
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
        ProfileCredentials::Missing => Err(Error::no_session(format!(
            "no session in profile {target} of {}",
            files.credentials.path.display()
        ))
        .hint(hint)
        .into()),
    }
}
