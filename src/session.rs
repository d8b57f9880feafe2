//! What a credentials profile holds: long-term keys or a session, and how fresh it is.

use crate::profiles::IniFile;
use crate::secret::Secret;
use crate::time::Timestamp;

pub const ACCESS_KEY_ID: &str = "aws_access_key_id";
pub const SECRET_ACCESS_KEY: &str = "aws_secret_access_key";
pub const SESSION_TOKEN: &str = "aws_session_token";
/// The older name of the session token, which botocore reads first (and the
/// Python aws-mfa writes beside `aws_session_token`).
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

/// When a session ends, as far as its profile says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// At this time.
    At(Timestamp),
    /// The profile has no `expiration` key: usable, until an unknown time.
    Unknown,
    /// The profile's `expiration`, as written, is no time awsmfa can read. It
    /// counts as expired: trusting it would keep a dead session "valid"
    /// forever and never renew it.
    Unreadable(String),
}

impl Expiry {
    /// Reads a profile's `expiration` value (`None`: the key is absent).
    pub fn read(value: Option<&str>) -> Expiry {
        match value {
            None => Expiry::Unknown,
            Some(text) => Timestamp::parse(text)
                .map_or_else(|| Expiry::Unreadable(text.to_owned()), Expiry::At),
        }
    }

    /// The time, when it is known.
    pub fn at(&self) -> Option<Timestamp> {
        match self {
            Expiry::At(t) => Some(*t),
            Expiry::Unknown | Expiry::Unreadable(_) => None,
        }
    }
}

/// Temporary credentials from STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: Expiry,
}

impl Session {
    /// Seconds left at `now` (negative once expired); `None` when the time is not known.
    pub fn remaining(&self, now: Timestamp) -> Option<i64> {
        self.expiration.at().map(|e| now.seconds_until(e))
    }

    /// Whether the session can still be used at `now`: before its expiration,
    /// or with none at all; never with one that cannot be read.
    pub fn is_valid(&self, now: Timestamp) -> bool {
        match &self.expiration {
            Expiry::At(e) => now.seconds_until(*e) > 0,
            Expiry::Unknown => true,
            Expiry::Unreadable(_) => false,
        }
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
        if let Some(exp) = self.expiration.at() {
            pairs.push((EXPIRATION, exp.to_string()));
        }
        pairs
    }
}

/// Credentials of any kind, as they are exported: temporary ones (with a
/// token) or, from a `credential_process`, long-term keys (without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    pub expiration: Expiry,
}

impl Credentials {
    /// Whether they can still be used at `now` (as for a [`Session`]).
    pub fn is_valid(&self, now: Timestamp) -> bool {
        match &self.expiration {
            Expiry::At(e) => now.seconds_until(*e) > 0,
            Expiry::Unknown => true,
            Expiry::Unreadable(_) => false,
        }
    }
}

impl From<Session> for Credentials {
    fn from(s: Session) -> Credentials {
        Credentials {
            access_key_id: s.access_key_id,
            secret_access_key: s.secret_access_key,
            session_token: Some(s.session_token),
            expiration: s.expiration,
        }
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

/// The session token botocore reads from section `name`: `aws_security_token`
/// when the section has it (even empty), else `aws_session_token`.
pub fn session_token<'a>(ini: &'a IniFile, name: &str) -> Option<&'a str> {
    ini.get(name, SECURITY_TOKEN)
        .or_else(|| ini.get(name, SESSION_TOKEN))
}

/// The session in profile `name` of a credentials file when it has more
/// than the refresh window left at `now`, with the seconds left: one a login
/// need not renew (and a role login may sign with).
pub fn fresh_session(ini: &IniFile, name: &str, now: Timestamp) -> Option<(Session, i64)> {
    fresh_within(ini, name, now, REFRESH_WINDOW_SECONDS)
}

/// A role session with less than this left is renewed from its MFA
/// session (botocore's refresh window for the credentials it caches).
pub const RENEW_WINDOW_SECONDS: i64 = 15 * 60;

/// The session in profile `name` when it has more than `window` seconds
/// left at `now`, with the seconds left.
pub fn fresh_within(
    ini: &IniFile,
    name: &str,
    now: Timestamp,
    window: i64,
) -> Option<(Session, i64)> {
    match ProfileCredentials::read(ini, name) {
        ProfileCredentials::Session(s) => s
            .remaining(now)
            .filter(|&left| left > window)
            .map(|left| (s, left)),
        _ => None,
    }
}

impl ProfileCredentials {
    /// Reads profile `name` of a credentials file as botocore's shared
    /// credentials provider does.
    pub fn read(ini: &IniFile, name: &str) -> ProfileCredentials {
        let get = |key| ini.get(name, key);
        match (
            get(ACCESS_KEY_ID),
            get(SECRET_ACCESS_KEY),
            session_token(ini, name),
        ) {
            (Some(id), Some(secret), Some(token)) => ProfileCredentials::Session(Session {
                access_key_id: id.to_owned(),
                secret_access_key: Secret::new(secret),
                session_token: Secret::new(token),
                expiration: Expiry::read(get(EXPIRATION)),
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
        assert_eq!(
            s.expiration,
            Expiry::At(Timestamp::parse("2026-11-23T19:20:32Z").unwrap())
        );
        assert_eq!(s.session_token.expose(), "T");
    }

    #[test]
    fn aws_security_token_is_a_session_token_read_first() {
        let keys = "aws_access_key_id = A\naws_secret_access_key = S\n";
        let token = |text: &str| match read(&format!("[p]\n{keys}{text}"), "p") {
            ProfileCredentials::Session(s) => Some(s.session_token.expose().to_owned()),
            _ => None,
        };
        assert_eq!(token("aws_security_token = old\n").as_deref(), Some("old"));
        assert_eq!(
            token("aws_session_token = new\naws_security_token = old\n").as_deref(),
            Some("old")
        );
        // Present but empty still shadows the other key, as in botocore.
        assert_eq!(
            token("AWS_Security_Token =\naws_session_token = new\n").as_deref(),
            Some("")
        );
        assert_eq!(token(""), None);
        // Inherited from [DEFAULT], as botocore inherits it.
        let text = format!("[DEFAULT]\naws_security_token = d\n[p]\n{keys}");
        assert!(matches!(read(&text, "p"), ProfileCredentials::Session(_)));
    }

    #[test]
    fn an_expiration_that_cannot_be_read_is_kept_as_written() {
        let session = |exp: &str| {
            let text = format!(
                "[p]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n{exp}"
            );
            match read(&text, "p") {
                ProfileCredentials::Session(s) => s.expiration,
                other => panic!("not a session: {other:?}"),
            }
        };
        assert_eq!(session(""), Expiry::Unknown);
        assert_eq!(
            session("expiration = 2026-11-23 19:20:32+0000\n"),
            Expiry::At(Timestamp(1_795_461_632))
        );
        for bad in ["tomorrow", "2026-11-23", ""] {
            assert_eq!(
                session(&format!("expiration = {bad}\n")),
                Expiry::Unreadable(bad.into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn freshness() {
        let s = Session {
            access_key_id: "A".into(),
            secret_access_key: "S".into(),
            session_token: "T".into(),
            expiration: Expiry::At(Timestamp(1000)),
        };
        assert!(s.is_valid(Timestamp(999)));
        assert!(!s.is_valid(Timestamp(1000)));
        assert_eq!(s.remaining(Timestamp(400)), Some(600));
        let unknown = Session {
            expiration: Expiry::Unknown,
            ..s.clone()
        };
        assert!(unknown.is_valid(Timestamp(i64::MAX / 2)));
        assert_eq!(unknown.remaining(Timestamp(0)), None);
        let unreadable = Session {
            expiration: Expiry::Unreadable("tomorrow".into()),
            ..s
        };
        assert!(!unreadable.is_valid(Timestamp(0)));
        assert_eq!(unreadable.remaining(Timestamp(0)), None);
    }

    #[test]
    fn debug_hides_secrets() {
        let s = Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "SECRETKEY".into(),
            session_token: "TOKENVALUE".into(),
            expiration: Expiry::Unknown,
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("SECRETKEY") && !shown.contains("TOKENVALUE"),
            "{shown}"
        );
    }
}
