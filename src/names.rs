//! Which profile holds the long-term keys (source) and which receives the session (target).

use crate::env::Env;
use crate::error::Error;
use crate::profiles::IniFile;
use crate::session::ProfileCredentials;

/// Which profiles a command works on: `--profile` and `--target`, as
/// given (each command's flags flatten it in).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProfileArgs {
    /// Profile with the long-term keys [env: AWSMFA_PROFILE] [default: default]
    #[arg(short = 'p', long, value_name = "P")]
    pub profile: Option<String>,
    /// Profile that holds the session [env: AWSMFA_TARGET] [default: mfa, or <P>-mfa]
    #[arg(short = 't', long, value_name = "T")]
    pub target: Option<String>,
}

impl ProfileArgs {
    /// The source and target names these flags (and the environment) give.
    pub fn names(&self, env: &dyn Env) -> Result<ProfileNames, Error> {
        ProfileNames::resolve(self.profile.as_deref(), self.target.as_deref(), env)
    }

    /// [`ProfileArgs::names`], following the Python aws-mfa's layout where
    /// the credentials file has it.
    pub fn names_in(&self, env: &dyn Env, credentials: &IniFile) -> Result<ProfileNames, Error> {
        let target_named = self.target.is_some() || env.var("AWSMFA_TARGET").is_some();
        Ok(self
            .names(env)?
            .follow_long_term_layout(credentials, target_named))
    }
}

/// The source and target profile names of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileNames {
    pub source: String,
    pub target: String,
    /// `Some(P)` when the Python aws-mfa's layout applies: the keys are in
    /// `[P-long-term]` (the source) and the session goes to `[P]`.
    pub long_term_of: Option<String>,
}

impl ProfileNames {
    /// Source: `--profile`, else `$AWSMFA_PROFILE`, else `default` (`$AWS_PROFILE` is
    /// deliberately ignored: it usually names the session profile).
    /// Target: `--target`, else `$AWSMFA_TARGET`, else `mfa` for `default`, else `<source>-mfa`.
    pub fn resolve(
        profile: Option<&str>,
        target: Option<&str>,
        env: &dyn Env,
    ) -> Result<ProfileNames, Error> {
        let source = profile
            .map(str::to_owned)
            .or_else(|| env.var("AWSMFA_PROFILE"))
            .unwrap_or_else(|| "default".to_owned());
        let target = target
            .map(str::to_owned)
            .or_else(|| env.var("AWSMFA_TARGET"))
            .unwrap_or_else(|| default_target(&source));
        check_name(&source)?;
        check_name(&target)?;
        Ok(ProfileNames {
            source,
            target,
            long_term_of: None,
        })
    }

    /// The Python aws-mfa keeps long-term keys in `[P-long-term]` and the
    /// session in `[P]`: when `[P]` holds no long-term keys and
    /// `[P-long-term]` exists, that is the source and `[P]` the target
    /// (unless a target was named).
    pub fn follow_long_term_layout(mut self, credentials: &IniFile, target_named: bool) -> Self {
        let long_term = format!("{}{LONG_TERM_SUFFIX}", self.source);
        let applies = !target_named
            && credentials.section(&long_term).is_some()
            && ProfileCredentials::read(credentials, &self.source) != ProfileCredentials::LongTerm;
        if applies {
            let profile = std::mem::replace(&mut self.source, long_term);
            self.target = profile.clone();
            self.long_term_of = Some(profile);
        }
        self
    }
}

/// What the Python aws-mfa appends to a profile's name for its long-term keys.
pub const LONG_TERM_SUFFIX: &str = "-long-term";

/// `mfa` for the default profile, else `<source>-mfa`.
pub fn default_target(source: &str) -> String {
    if source == "default" {
        "mfa".to_owned()
    } else {
        format!("{source}-mfa")
    }
}

/// A profile name must survive the round trip through both files unchanged.
fn check_name(name: &str) -> Result<(), Error> {
    let bad_char = name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '[' | ']' | '"' | '\'' | '\\'));
    if name.is_empty() || bad_char || name == crate::profiles::parse::DEFAULT_SECTION {
        return Err(
            Error::usage(format!("'{name}' cannot be used as a profile name"))
                .hint("use letters, digits and - _ . @ + = , / : (no spaces, brackets or quotes)"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn names(
        p: Option<&str>,
        t: Option<&str>,
        env: &[(&'static str, &'static str)],
    ) -> ProfileNames {
        ProfileNames::resolve(p, t, &env.iter().copied().collect::<HashMap<_, _>>()).unwrap()
    }

    #[test]
    fn defaults() {
        let n = names(None, None, &[("AWS_PROFILE", "other")]);
        assert_eq!((n.source.as_str(), n.target.as_str()), ("default", "mfa"));
        let n = names(Some("work"), None, &[]);
        assert_eq!((n.source.as_str(), n.target.as_str()), ("work", "work-mfa"));
    }

    #[test]
    fn flags_beat_variables() {
        let env = [("AWSMFA_PROFILE", "envsrc"), ("AWSMFA_TARGET", "envtgt")];
        let n = names(None, None, &env);
        assert_eq!((n.source.as_str(), n.target.as_str()), ("envsrc", "envtgt"));
        let n = names(Some("src"), Some("tgt"), &env);
        assert_eq!((n.source.as_str(), n.target.as_str()), ("src", "tgt"));
        let n = names(None, None, &[("AWSMFA_PROFILE", "envsrc")]);
        assert_eq!(n.target, "envsrc-mfa");
    }

    #[test]
    fn the_python_aws_mfa_layout() {
        let ini = |t: &str| IniFile::parse(t.as_bytes()).unwrap();
        let layout = ini(
            "[default-long-term]\naws_access_key_id = A\naws_secret_access_key = S\n\
             [default]\naws_access_key_id = ASIA\naws_secret_access_key = S\naws_session_token = T\n",
        );
        let n = names(None, None, &[]).follow_long_term_layout(&layout, false);
        assert_eq!(
            (n.source.as_str(), n.target.as_str()),
            ("default-long-term", "default")
        );
        assert_eq!(n.long_term_of.as_deref(), Some("default"));
        // A named target, or [P] with long-term keys, keeps the usual names.
        let n = names(None, Some("x"), &[]).follow_long_term_layout(&layout, true);
        assert_eq!((n.source.as_str(), n.target.as_str()), ("default", "x"));
        let plain = ini(
            "[default-long-term]\naws_access_key_id = A\naws_secret_access_key = S\n\
             [default]\naws_access_key_id = A\naws_secret_access_key = S\n",
        );
        let n = names(None, None, &[]).follow_long_term_layout(&plain, false);
        assert_eq!((n.source.as_str(), n.target.as_str()), ("default", "mfa"));
    }

    #[test]
    fn rejects_names_the_files_cannot_hold() {
        for bad in ["", "a b", "a]b", "[x", "q\"", "DEFAULT", "new\nline"] {
            let err = ProfileNames::resolve(Some(bad), None, &HashMap::new()).unwrap_err();
            assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage, "{bad:?}");
        }
    }
}
