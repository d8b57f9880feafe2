//! What a credentials profile holds: long-term keys or a session, and how fresh it is.

use crate::profiles::IniFile;
use crate::secret::Secret;
use crate::time::Timestamp;

pub const ACCESS_KEY_ID: &str = "aws_access_key_id";
pub const SECRET_ACCESS_KEY: &str = "aws_secret_access_key";
pub const SESSION_TOKEN: &str = "aws_session_token";
/// The older name of the session token key, read before `aws_session_token` by botocore.
pub const SECURITY_TOKEN: &str = "aws_security_token";
pub const EXPIRATION: &str = "expiration";

/// A session login skips renewing while it has more than this left.
pub const REFRESH_WINDOW_SECONDS: i64 = 5 * 60;

/// Long-term IAM user keys, the input to GetSessionToken.
#[derive(Debug, Clone)]
pub struct LongTermKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// Temporary credentials from STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    /// `None` when the profile does not say (or says something unreadable).
    pub expiration: Option<Timestamp>,
}

impl Session {
    /// Seconds left at `now` (negative once expired); `None` when unknown.
    pub fn remaining(&self, now: Timestamp) -> Option<i64> {
        self.expiration.map(|e| now.seconds_until(e))
    }

    /// Whether the session can still be used at `now`; an unknown expiration counts as usable.
    pub fn is_valid(&self, now: Timestamp) -> bool {
        self.remaining(now).is_none_or(|left| left > 0)
    }

    /// The key/value pairs written to the credentials file.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            (ACCESS_KEY_ID, self.access_key_id.clone()),
            (
                SECRET_ACCESS_KEY,
                self.secret_access_key.expose().to_owned(),
            ),
            (SESSION_TOKEN, self.session_token.expose().to_owned()),
        ];
        if let Some(exp) = self.expiration {
            pairs.push((EXPIRATION, exp.to_string()));
        }
        pairs
    }
}

/// What a credentials-file profile holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileCredentials {
    /// No section, or one without keys.
    Missing,
    /// An access key without a session token.
    LongTerm,
    /// Temporary credentials.
    Session(Session),
}

impl ProfileCredentials {
    /// Reads profile `name` of a credentials file.
    pub fn read(ini: &IniFile, name: &str) -> ProfileCredentials {
        let get = |key| ini.section(name).and_then(|_| ini.get(name, key));
        match (
            get(ACCESS_KEY_ID),
            get(SECRET_ACCESS_KEY),
            get(SESSION_TOKEN),
        ) {
            (Some(id), Some(secret), Some(token)) => ProfileCredentials::Session(Session {
                access_key_id: id.to_owned(),
                secret_access_key: Secret::new(secret),
                session_token: Secret::new(token),
                expiration: get(EXPIRATION).and_then(Timestamp::parse),
            }),
            (Some(_), _, None) => ProfileCredentials::LongTerm,
            _ => ProfileCredentials::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, name: &str) -> ProfileCredentials {
        ProfileCredentials::read(&IniFile::parse(text.as_bytes()).unwrap(), name)
    }

    #[test]
    fn classifies_profiles() {
        let text = "[keys]\naws_access_key_id = A\naws_secret_access_key = S\n\
                    [mfa]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n\
                    expiration = 2026-11-23T19:20:32Z\n[empty]\nregion = x\n";
        assert_eq!(read(text, "keys"), ProfileCredentials::LongTerm);
        assert_eq!(read(text, "empty"), ProfileCredentials::Missing);
        assert_eq!(read(text, "absent"), ProfileCredentials::Missing);
        let ProfileCredentials::Session(s) = read(text, "mfa") else {
            panic!("not a session")
        };
        assert_eq!(s.expiration, Timestamp::parse("2026-11-23T19:20:32Z"));
        assert_eq!(s.session_token.expose(), "T");
    }

    #[test]
    fn freshness() {
        let s = Session {
            access_key_id: "A".into(),
            secret_access_key: "S".into(),
            session_token: "T".into(),
            expiration: Some(Timestamp(1000)),
        };
        assert!(s.is_valid(Timestamp(999)));
        assert!(!s.is_valid(Timestamp(1000)));
        assert_eq!(s.remaining(Timestamp(400)), Some(600));
        let unknown = Session {
            expiration: None,
            ..s
        };
        assert!(unknown.is_valid(Timestamp(i64::MAX / 2)));
    }

    #[test]
    fn debug_hides_secrets() {
        let s = Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "SECRETKEY".into(),
            session_token: "TOKENVALUE".into(),
            expiration: None,
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("SECRETKEY") && !shown.contains("TOKENVALUE"),
            "{shown}"
        );
    }
}
