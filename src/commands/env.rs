//! `awsmfa env`: shell code that exports the session (no network), or the
//! credentials of an SSO, `credential_process` or role profile.

use anyhow::Result;

use crate::cli::{EnvArgs, SignInArgs};
use crate::env::Env;
use crate::exit_codes::ExitCode;
use crate::session::Credentials;
use crate::shell::Shell;

/// The variables a session sets, in the order `env` prints them. The
/// expiration goes by two names: the AWS SDKs' and the one starship and
/// granted read.
pub const VARIABLES: [&str; 5] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SESSION_EXPIRATION",
];

/// The session token under the name boto2 and older SDKs read (botocore
/// too, before `AWS_SESSION_TOKEN`): always removed, so that a token of
/// another session cannot outlive the switch.
pub const LEGACY_TOKEN: &str = "AWS_SECURITY_TOKEN";

/// What a session does to an environment.
pub struct SessionVariables<'a> {
    /// Variables to set, with their values (secrets among them).
    pub set: Vec<(&'static str, &'a str)>,
    /// Variables to remove: the legacy token, and the expiration when the
    /// session does not say (one left from an earlier session would lie).
    pub removed: Vec<&'static str>,
}

impl<'a> SessionVariables<'a> {
    /// The variables for `session`; `expiration` is its expiration, formatted.
    pub fn of(session: &'a Credentials, expiration: Option<&'a str>) -> SessionVariables<'a> {
        let mut set = vec![
            (VARIABLES[0], session.access_key_id.as_str()),
            (VARIABLES[1], session.secret_access_key.expose()),
        ];
        let mut removed = vec![LEGACY_TOKEN];
        // Long-term keys from a credential_process have no token: an
        // inherited one must not be paired with them.
        match &session.session_token {
            Some(token) => set.push((VARIABLES[2], token.expose())),
            None => removed.push(VARIABLES[2]),
        }
        match expiration {
            Some(exp) => set.extend([(VARIABLES[3], exp), (VARIABLES[4], exp)]),
            None => removed.extend([VARIABLES[3], VARIABLES[4]]),
        }
        SessionVariables { set, removed }
    }
}

/// Writes the shell code to `out`.
pub fn run(args: &EnvArgs, env: &dyn Env, out: &mut dyn std::io::Write) -> Result<ExitCode> {
    let shell = Shell::choose(args.shell.as_deref(), env)?;
    if args.unset {
        let mut names = VARIABLES.to_vec();
        names.push(LEGACY_TOKEN);
        out.write_all(shell.unset(&names).as_bytes())?;
        return Ok(ExitCode::Success);
    }
    let (_, session) = super::credentials_for(
        &args.profiles,
        args.login,
        args.force,
        &SignInArgs::default(),
        env,
    )?;
    let expiration = session.expiration.at().map(|e| e.to_string());
    let vars = SessionVariables::of(&session, expiration.as_deref());
    let mut code = shell.export(&vars.set)?;
    code.push_str(&shell.unset(&vars.removed));
    out.write_all(code.as_bytes())?;
    Ok(ExitCode::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn session() -> Credentials {
        Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: crate::session::Expiry::Unknown,
        }
    }

    #[test]
    fn both_expiration_names_carry_the_same_value() {
        let session = session();
        let vars = SessionVariables::of(&session, Some("2999-01-01T00:00:00Z"));
        assert_eq!(
            vars.set[3..],
            [
                ("AWS_CREDENTIAL_EXPIRATION", "2999-01-01T00:00:00Z"),
                ("AWS_SESSION_EXPIRATION", "2999-01-01T00:00:00Z")
            ]
        );
        assert_eq!(vars.removed, ["AWS_SECURITY_TOKEN"]);
    }

    #[test]
    fn an_unknown_expiration_removes_stale_ones() {
        let session = session();
        let vars = SessionVariables::of(&session, None);
        assert_eq!(vars.set.len(), 3);
        assert_eq!(
            vars.removed,
            [
                "AWS_SECURITY_TOKEN",
                "AWS_CREDENTIAL_EXPIRATION",
                "AWS_SESSION_EXPIRATION"
            ]
        );
    }

    #[test]
    fn keys_without_a_token_remove_an_inherited_one() {
        let keys = Credentials {
            session_token: None,
            ..session()
        };
        let vars = SessionVariables::of(&keys, None);
        assert_eq!(vars.set.len(), 2);
        assert!(vars.removed.contains(&"AWS_SESSION_TOKEN"));
    }
}
