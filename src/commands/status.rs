//! `awsmfa status`: is the target's session valid, and for how long. A
//! session in the credentials file is read offline; an SSO,
//! `credential_process` or role profile is resolved to say so.

use anyhow::Result;

use crate::cli::StatusArgs;
use crate::env::Env;
use crate::exit_codes::ExitCode;
use crate::session::{Credentials, Expiry, ProfileCredentials, Session};
use crate::time::{Timestamp, human_span};

/// What `status` reports about one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub profile: String,
    pub state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Valid {
        expiration: Option<Timestamp>,
        remaining: Option<i64>,
    },
    Expired {
        expiration: Timestamp,
        ago: i64,
    },
    /// A session whose expiration cannot be read (kept as written): expired.
    Unreadable {
        expiration: String,
    },
    /// A role's session that renews itself from its MFA session: valid
    /// (or renewed when used) until the MFA session expires.
    Renewable {
        /// The MFA session's expiration.
        until: Timestamp,
        remaining: i64,
        /// The role session's own expiration, when it is still valid.
        role_until: Option<Timestamp>,
    },
    LongTermKeys,
    Missing,
}

impl Report {
    /// Looks at `profile` of a credentials file at `now`.
    pub fn of(ini: &crate::profiles::IniFile, profile: &str, now: Timestamp) -> Report {
        let state = match ProfileCredentials::read(ini, profile) {
            ProfileCredentials::Session(s) if s.is_valid(now) => State::Valid {
                expiration: s.expiration.at(),
                remaining: s.remaining(now),
            },
            ProfileCredentials::Session(Session {
                expiration: Expiry::Unreadable(expiration),
                ..
            }) => State::Unreadable { expiration },
            ProfileCredentials::Session(s) => State::Expired {
                expiration: s.expiration.at().expect("only a known time passes"),
                ago: -s.remaining(now).unwrap_or(0),
            },
            ProfileCredentials::LongTerm => State::LongTermKeys,
            ProfileCredentials::Missing => State::Missing,
        };
        Report {
            profile: profile.to_owned(),
            state,
        }
    }

    /// Reports credentials resolved from a profile of another kind (SSO, a
    /// `credential_process`, a role).
    pub fn of_credentials(profile: &str, credentials: &Credentials, now: Timestamp) -> Report {
        let remaining = credentials.expiration.at().map(|e| now.seconds_until(e));
        let state = match remaining {
            Some(r) if r <= 0 => State::Expired {
                expiration: credentials
                    .expiration
                    .at()
                    .expect("remaining implies a time"),
                ago: -r,
            },
            _ => State::Valid {
                expiration: credentials.expiration.at(),
                remaining,
            },
        };
        Report {
            profile: profile.to_owned(),
            state,
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self.state, State::Valid { .. } | State::Renewable { .. })
    }

    /// This report of a role's session, made "renewable" when its MFA
    /// session (`mfa`, in the same file) has more than 5 minutes left and
    /// outlasts it.
    pub fn renewable_from(
        self,
        ini: &crate::profiles::IniFile,
        mfa: &str,
        now: Timestamp,
    ) -> Report {
        let Some((_, left)) = crate::session::fresh_session(ini, mfa, now) else {
            return self;
        };
        let until = now.plus(left);
        let role_until = match self.state {
            State::Valid {
                expiration: Some(e),
                ..
            } if e >= until => return self,
            State::Valid { expiration, .. } => expiration,
            _ => None,
        };
        Report {
            profile: self.profile,
            state: State::Renewable {
                until,
                remaining: left,
                role_until,
            },
        }
    }

    /// Valid, with more than `within` seconds left (an unknown expiry counts as fresh).
    pub fn is_fresh(&self, within: Option<u64>) -> bool {
        match (&self.state, within) {
            (
                State::Valid {
                    remaining: Some(r), ..
                },
                Some(w),
            ) => i128::from(*r) > i128::from(w),
            (State::Renewable { remaining, .. }, Some(w)) => i128::from(*remaining) > i128::from(w),
            (State::Valid { .. } | State::Renewable { .. }, _) => true,
            _ => false,
        }
    }

    /// One line for people: `mfa: valid until 2026-11-23T19:20:32Z (11h52m left)`.
    pub fn human(&self) -> String {
        let p = &self.profile;
        match &self.state {
            State::Valid {
                expiration: Some(e),
                remaining: Some(r),
            } => {
                format!("{p}: valid until {e} ({} left)", human_span(*r))
            }
            State::Valid { .. } => format!("{p}: valid (expiration unknown)"),
            State::Expired { expiration, ago } => {
                format!("{p}: expired at {expiration} ({} ago)", human_span(*ago))
            }
            State::Unreadable { expiration } => {
                format!(
                    "{p}: expired (its expiration '{expiration}' is not a time awsmfa can read)"
                )
            }
            State::Renewable {
                until,
                remaining,
                role_until,
            } => {
                let role = match role_until {
                    Some(t) => format!("the role session is valid until {t}"),
                    None => "the role session is renewed when used".to_owned(),
                };
                format!(
                    "{p}: renewable until {until} ({} left; {role}, from its MFA session)",
                    human_span(*remaining)
                )
            }
            State::LongTermKeys => format!("{p}: holds long-term keys, not a session"),
            State::Missing => format!("{p}: no session"),
        }
    }

    /// What the JSON form cannot say, for stderr: why a session counts as expired.
    pub fn note(&self) -> Option<String> {
        match &self.state {
            State::Unreadable { expiration } => Some(format!(
                "awsmfa: note: profile {}: expiration '{expiration}' is not a time awsmfa can read; the session counts as expired",
                self.profile
            )),
            _ => None,
        }
    }

    /// `{"profile":"mfa","valid":true,"expiration":"…","remaining_seconds":43121}`.
    pub fn json(&self) -> String {
        let (expiration, remaining) = match &self.state {
            State::Valid {
                expiration,
                remaining,
            } => (*expiration, remaining.map(|r| r.max(0))),
            State::Expired { expiration, .. } => (Some(*expiration), Some(0)),
            State::Renewable {
                until, remaining, ..
            } => (Some(*until), Some(*remaining)),
            // `expiration` stays an RFC 3339 time or null; the note says why.
            State::Unreadable { .. } => (None, Some(0)),
            State::LongTermKeys | State::Missing => (None, None),
        };
        // Built by hand to keep the documented key order.
        let json = |v: Option<String>| {
            v.map_or("null".to_owned(), |s| {
                serde_json::Value::from(s).to_string()
            })
        };
        format!(
            "{{\"profile\":{},\"valid\":{},\"expiration\":{},\"remaining_seconds\":{}}}",
            serde_json::Value::from(self.profile.as_str()),
            self.is_valid(),
            json(expiration.map(|e| e.to_string())),
            remaining.map_or("null".to_owned(), |r| r.to_string()),
        )
    }
}

/// Every profile of the credentials file that holds a session token, in file order.
pub fn all_sessions(ini: &crate::profiles::IniFile, now: Timestamp) -> Vec<Report> {
    ini.sections()
        .iter()
        .filter(|s| s.name != crate::profiles::parse::DEFAULT_SECTION)
        .map(|s| Report::of(ini, &s.name, now))
        .filter(|r| {
            matches!(
                r.state,
                State::Valid { .. } | State::Expired { .. } | State::Unreadable { .. }
            )
        })
        .collect()
}

/// The config profiles of other kinds (SSO, `credential_process`, roles
/// without MFA) not listed yet, resolved now; one that cannot be resolved
/// is left out with a note on stderr.
fn other_kinds(
    files: &crate::profiles::AwsFiles,
    env: &dyn Env,
    listed: &[Report],
    now: Timestamp,
) -> Vec<Report> {
    let mut reports: Vec<Report> = Vec::new();
    for section in files.config.ini.sections() {
        let Some(profile) = crate::profiles::profile_of_config_section(&section.name) else {
            continue;
        };
        let seen = listed.iter().chain(&reports).any(|r| r.profile == profile);
        let kind = match crate::export::kind_of(files, env, None, &profile) {
            Ok(Some(kind)) => kind,
            _ => continue,
        };
        if kind == crate::export::Kind::RoleWithMfa {
            // Its session, when it has one, is listed under its -mfa profile.
            let session = crate::names::default_target(&profile);
            if !listed.iter().any(|r| r.profile == session) {
                eprintln!(
                    "awsmfa: note: profile {profile} needs MFA and has no session in {session} (awsmfa login --profile {profile})"
                );
            }
            continue;
        }
        if seen {
            continue;
        }
        match crate::export::resolve(files, env, &profile, &kind, &Default::default()) {
            Ok(credentials) => reports.push(Report::of_credentials(&profile, &credentials, now)),
            Err(err) => eprintln!("awsmfa: note: profile {profile}: {err:#}"),
        }
    }
    reports
}

/// An aligned table of sessions: profile, state, expiration, time left.
pub fn table(reports: &[Report]) -> String {
    let rows: Vec<[String; 4]> = reports
        .iter()
        .map(|r| match &r.state {
            State::Valid {
                expiration,
                remaining,
            } => [
                r.profile.clone(),
                "valid".into(),
                expiration.map_or("unknown".into(), |e| e.to_string()),
                remaining.map_or("?".into(), human_span),
            ],
            State::Expired { expiration, .. } => [
                r.profile.clone(),
                "expired".into(),
                expiration.to_string(),
                "-".into(),
            ],
            State::Unreadable { expiration } => [
                r.profile.clone(),
                "expired".into(),
                format!("'{expiration}' (unreadable)"),
                "-".into(),
            ],
            _ => [r.profile.clone(), "none".into(), "-".into(), "-".into()],
        })
        .collect();
    let header = ["PROFILE", "STATE", "EXPIRES", "LEFT"].map(String::from);
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    std::iter::once(&header)
        .chain(&rows)
        .map(|r| {
            format!(
                "{:w0$}  {:w1$}  {:w2$}  {}\n",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            )
        })
        .collect()
}

pub fn run(args: &StatusArgs, env: &dyn Env, out: &mut dyn std::io::Write) -> Result<ExitCode> {
    let within = args
        .within
        .as_deref()
        .map(|w| crate::input::parse_span(w, "--within"))
        .transpose()?;
    let files = super::load_files(env)?;
    let now = Timestamp::now();
    if args.all {
        let mut reports = all_sessions(&files.credentials.ini, now);
        reports.extend(other_kinds(files, env, &reports, now));
        if args.json {
            reports
                .iter()
                .filter_map(Report::note)
                .for_each(|n| eprintln!("{n}"));
            let items: Vec<String> = reports.iter().map(Report::json).collect();
            writeln!(out, "[{}]", items.join(","))?;
        } else if reports.is_empty() {
            writeln!(out, "no sessions in {}", files.credentials.path.display())?;
        } else {
            write!(out, "{}", table(&reports))?;
        }
        let any_valid = reports.iter().any(|r| r.is_fresh(within));
        return Ok(if any_valid {
            ExitCode::Success
        } else {
            ExitCode::NoSession
        });
    }
    let (names, kind) = super::export_target(files, &args.profiles, env, None)?;
    let report = match kind {
        Some(kind) => {
            let credentials =
                crate::export::resolve(files, env, &names.target, &kind, &Default::default())?;
            Report::of_credentials(&names.target, &credentials, now)
        }
        None => {
            let report = Report::of(&files.credentials.ini, &names.target, now);
            if super::is_mfa_role(files, env, None, &names.source)? {
                let mfa = crate::login::chain::mfa_session_of(files, &names.source)?;
                report.renewable_from(&files.credentials.ini, &mfa, now)
            } else {
                report
            }
        }
    };
    let mut line = if args.json {
        if let Some(note) = report.note() {
            eprintln!("{note}");
        }
        report.json()
    } else {
        report.human()
    };
    let fresh = report.is_fresh(within);
    if report.is_valid() && !fresh && !args.json {
        line.push_str(&format!(
            "; expires within {}",
            human_span(within.map_or(0, |w| i64::try_from(w).unwrap_or(i64::MAX)))
        ));
    }
    writeln!(out, "{line}")?;
    Ok(if fresh {
        ExitCode::Success
    } else {
        ExitCode::NoSession
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::IniFile;

    const FILE: &str = "[mfa]\naws_access_key_id = A\naws_secret_access_key = S\n\
        aws_session_token = T\nexpiration = 2026-11-23T19:20:32Z\n\
        [keys]\naws_access_key_id = A\naws_secret_access_key = S\n";

    fn report(profile: &str, now: i64) -> Report {
        Report::of(
            &IniFile::parse(FILE.as_bytes()).unwrap(),
            profile,
            Timestamp(now),
        )
    }

    const EXP: i64 = 1_795_461_632;

    #[test]
    fn valid_session() {
        let r = report("mfa", EXP - 42_720);
        assert!(r.is_valid());
        assert_eq!(
            r.human(),
            "mfa: valid until 2026-11-23T19:20:32Z (11h52m left)"
        );
        assert_eq!(
            r.json(),
            r#"{"profile":"mfa","valid":true,"expiration":"2026-11-23T19:20:32Z","remaining_seconds":42720}"#
        );
        let json: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"profile":"mfa","valid":true,"expiration":"2026-11-23T19:20:32Z","remaining_seconds":42720})
        );
    }

    #[test]
    fn freshness_window() {
        let r = report("mfa", EXP - 600);
        assert!(r.is_fresh(None));
        assert!(r.is_fresh(Some(599)));
        assert!(!r.is_fresh(Some(600)));
        assert!(!r.is_fresh(Some(i64::MAX as u64)));
        assert!(!r.is_fresh(Some(u64::MAX)));
        assert!(!report("nope", EXP).is_fresh(None));
    }

    #[test]
    fn all_sessions_table() {
        let ini = IniFile::parse(FILE.as_bytes()).unwrap();
        let reports = all_sessions(&ini, Timestamp(EXP - 3600));
        assert_eq!(reports.len(), 1, "long-term keys are not listed");
        assert_eq!(
            table(&reports),
            "PROFILE  STATE  EXPIRES               LEFT\nmfa      valid  2026-11-23T19:20:32Z  1h00m\n"
        );
    }

    #[test]
    fn an_unreadable_expiration_is_expired_in_every_form() {
        let ini = IniFile::parse(
            b"[odd]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n\
              expiration = next tuesday\n",
        )
        .unwrap();
        let r = Report::of(&ini, "odd", Timestamp(0));
        assert!(!r.is_valid() && !r.is_fresh(None));
        assert_eq!(
            r.human(),
            "odd: expired (its expiration 'next tuesday' is not a time awsmfa can read)"
        );
        assert_eq!(
            r.json(),
            r#"{"profile":"odd","valid":false,"expiration":null,"remaining_seconds":0}"#
        );
        assert!(r.note().unwrap().contains("'next tuesday'"));
        let all = all_sessions(&ini, Timestamp(0));
        assert_eq!(all, [r]);
        assert!(table(&all).contains("odd      expired  'next tuesday' (unreadable)  -"));
    }

    #[test]
    fn expired_missing_and_long_term() {
        let r = report("mfa", EXP + 60);
        assert!(!r.is_valid());
        assert_eq!(r.human(), "mfa: expired at 2026-11-23T19:20:32Z (1m ago)");
        assert!(r.json().contains("\"remaining_seconds\":0"));
        assert_eq!(report("nope", EXP).human(), "nope: no session");
        assert!(report("nope", EXP).json().contains("\"expiration\":null"));
        assert!(!report("keys", 0).is_valid());
    }
}
