//! `awsmfa prompt`: a compact segment for PS1 or starship, like `mfa:11h52m`.

use anyhow::Result;

use crate::cli::PromptArgs;
use crate::env::Env;
use crate::exit_codes::ExitCode;
use crate::session::ProfileCredentials;
use crate::time::{Timestamp, human_span};

/// The segment for `profile` at `now`: empty when there is no valid session.
pub fn segment(ini: &crate::profiles::IniFile, profile: &str, now: Timestamp) -> String {
    match ProfileCredentials::read(ini, profile) {
        ProfileCredentials::Session(s) if s.is_valid(now) => match s.remaining(now) {
            Some(left) => format!("{profile}:{}", human_span(left)),
            None => profile.to_owned(),
        },
        _ => String::new(),
    }
}

/// Prints the segment. A prompt runs before every command line, so it never
/// prints an error: a malformed file or a bad setting only shows in its exit
/// code (`awsmfa status` says what is wrong).
pub fn run(args: &PromptArgs, env: &dyn Env, out: &mut dyn std::io::Write) -> Result<ExitCode> {
    Ok(print_segment(args, env, out).unwrap_or_else(|err| crate::error::exit_code(&err)))
}

fn print_segment(
    args: &PromptArgs,
    env: &dyn Env,
    out: &mut dyn std::io::Write,
) -> Result<ExitCode> {
    let files = super::load_files_quietly(env)?;
    let names = args.profiles.names_in(env, &files.credentials.ini)?;
    let now = Timestamp::now();
    let ini = &files.credentials.ini;
    let mut text = segment(ini, &names.target, now);
    // A role's session renews itself: the longer of it and its MFA session.
    if super::is_mfa_role(files, env, None, &names.source)? {
        let mfa = crate::login::chain::mfa_session_of(files, &names.source)?;
        let left = |p: &str| crate::session::fresh_session(ini, p, now).map(|(_, l)| l);
        if let Some(mfa_left) = left(&mfa)
            && left(&names.target).is_none_or(|role_left| mfa_left > role_left)
        {
            text = format!("{}:{}", names.target, human_span(mfa_left));
        }
    }
    if !text.is_empty() {
        writeln!(out, "{text}")?;
    }
    Ok(ExitCode::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::IniFile;

    #[test]
    fn segments() {
        let ini = IniFile::parse(
            b"[mfa]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n\
              expiration = 2026-11-23T19:20:32Z\n[nox]\naws_access_key_id = A\n\
              aws_secret_access_key = S\naws_session_token = T\n\
              [odd]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n\
              expiration = 2026-11-23T19:20:32+0000 or so\n",
        )
        .unwrap();
        let exp = 1_795_461_632;
        assert_eq!(segment(&ini, "mfa", Timestamp(exp - 42_720)), "mfa:11h52m");
        assert_eq!(segment(&ini, "mfa", Timestamp(exp + 1)), "");
        assert_eq!(segment(&ini, "missing", Timestamp(exp)), "");
        assert_eq!(segment(&ini, "nox", Timestamp(exp)), "nox");
        assert_eq!(segment(&ini, "odd", Timestamp(0)), "");
    }
}
