//! The token cache botocore, the AWS CLI and the SDKs share:
//! `~/.aws/sso/cache/<sha1>.json`, read as botocore reads it and written
//! back in its form (atomically, 0600), and the lock that makes concurrent
//! callers refresh (or sign in) once.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::SignIn;
use crate::aws::oidc::Token;
use crate::env::Env;
use crate::error::Error;
use crate::profiles::lock::FileLock;
use crate::pyjson::sha1_hex;
use crate::secret::Secret;
use crate::time::Timestamp;

/// `~/.aws/sso/cache`, where botocore, the AWS CLI and the SDKs look.
pub fn cache_dir(env: &dyn Env) -> Option<PathBuf> {
    let home = env.var("HOME").map(PathBuf::from).or_else(dirs::home_dir)?;
    Some(home.join(".aws").join("sso").join("cache"))
}

/// The cached token botocore and the AWS SDKs share: `~/.aws/sso/cache/`
/// and the SHA-1 of the session name (or, legacy, of the start URL).
pub fn token_file(env: &dyn Env, sign_in: &SignIn) -> Option<PathBuf> {
    let key = sign_in.session.as_deref().unwrap_or(&sign_in.start_url);
    Some(cache_dir(env)?.join(format!("{}.json", sha1_hex(key))))
}

/// `~/.aws/cli/cache`: the AWS CLI's cache of resolved credentials.
pub fn credentials_cache_dir(env: &dyn Env) -> Option<PathBuf> {
    let home = env.var("HOME").map(PathBuf::from).or_else(dirs::home_dir)?;
    Some(home.join(".aws").join("cli").join("cache"))
}

/// The name botocore gives the role credentials it caches for an SSO
/// profile: the SHA-1 of `json.dumps({"accountId", "roleName",
/// "sessionName"}, sort_keys=True, separators=(",", ":"))`, with
/// `startUrl` for a legacy sign-in.
pub fn role_credentials_key(sign_in: &SignIn, account_id: &str, role_name: &str) -> String {
    use crate::pyjson::string;
    let last = match &sign_in.session {
        Some(name) => format!("\"sessionName\":{}", string(name)),
        None => format!("\"startUrl\":{}", string(&sign_in.start_url)),
    };
    sha1_hex(&format!(
        "{{\"accountId\":{},\"roleName\":{},{last}}}",
        string(account_id),
        string(role_name)
    ))
}

/// Writes a new sign-in's token to `path` as the AWS CLI v2 does: its keys
/// in its order, its time format, one line; atomically, 0600.
pub fn store_token(
    path: &Path,
    sign_in: &SignIn,
    token: &Token,
    registration: &super::registration::Registration,
) -> Result<()> {
    use crate::pyjson::{Value, object};
    let expires = token.expires_at.to_string();
    let registration_expires = registration.expires_at.to_string();
    let mut fields = vec![
        ("startUrl", Value::Str(&sign_in.start_url)),
        ("region", Value::Str(&sign_in.region)),
        ("accessToken", Value::Str(token.access_token.expose())),
        ("expiresAt", Value::Str(&expires)),
        ("clientId", Value::Str(&registration.client_id)),
        (
            "clientSecret",
            Value::Str(registration.client_secret.expose()),
        ),
        ("registrationExpiresAt", Value::Str(&registration_expires)),
    ];
    if let Some(refresh) = &token.refresh_token {
        fields.push(("refreshToken", Value::Str(refresh.expose())));
    }
    write_private(path, &object(&fields))
}

pub(super) fn write_private(path: &Path, text: &str) -> Result<()> {
    crate::profiles::write::PreparedWrite::new(path, text, true)?.commit()
}

/// botocore refreshes a token this long before it expires.
pub const REFRESH_WINDOW_SECONDS: i64 = 15 * 60;

/// How long an export waits for another awsmfa refreshing the same sign-in:
/// longer than a refresh may take (its requests give up after 25 s).
pub const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(40);

/// How long a sign-in waits for another one of the same sign-in (a browser
/// or a device code may take that long), then uses its token.
pub const SIGN_IN_LOCK_WAIT: Duration = Duration::from_secs(10 * 60);

/// The token cache file, as botocore and the AWS SDKs write it.
pub struct CachedToken {
    pub path: PathBuf,
    doc: serde_json::Map<String, serde_json::Value>,
}

impl CachedToken {
    /// The cache of `sign_in`, or "signed out" (exit 3): no file, or one that is
    /// not a regular file (never waited on), or not a token.
    pub fn load(env: &dyn Env, profile: &str, sign_in: &SignIn) -> Result<CachedToken, Error> {
        let signed_out = |why: &str| {
            Error::no_session(format!("profile {profile}: {why}")).hint(sign_in.login_hint(profile))
        };
        let path = token_file(env, sign_in)
            .ok_or_else(|| signed_out("no home directory for the SSO cache"))?;
        let bytes = match crate::profiles::store::read_regular(&path) {
            Ok(Some(bytes)) => bytes,
            _ => return Err(signed_out("no SSO sign-in is cached")),
        };
        let doc = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(doc)) => doc,
            _ => return Err(signed_out("the cached SSO sign-in cannot be read")),
        };
        let token = CachedToken { path, doc };
        if token.text("accessToken").is_none() {
            return Err(signed_out("the cached SSO sign-in holds no token"));
        }
        Ok(token)
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.doc
            .get(key)
            .and_then(serde_json::Value::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn access_token(&self) -> Secret {
        Secret::new(self.text("accessToken").unwrap_or_default())
    }

    /// A time of the cache, read as botocore reads it (any RFC 3339 offset,
    /// `UTC`, a space for the `T`, ...).
    pub fn time(&self, key: &str) -> Option<Timestamp> {
        self.text(key).and_then(Timestamp::parse)
    }

    /// Whether the token may still be sent.
    pub fn valid(&self, now: Timestamp) -> bool {
        self.time("expiresAt").is_some_and(|t| t > now)
    }

    /// Whether the token is used as it is: more than botocore's refresh
    /// window left.
    pub fn fresh(&self, now: Timestamp) -> bool {
        self.time("expiresAt")
            .is_some_and(|t| now.seconds_until(t) > REFRESH_WINDOW_SECONDS)
    }

    /// Whether it may be refreshed, as botocore decides: the sso-session form
    /// with everything a refresh needs, and a client registration still valid.
    pub fn refreshable(&self, sign_in: &SignIn, now: Timestamp) -> bool {
        sign_in.session.is_some()
            && ["clientId", "clientSecret", "refreshToken"]
                .iter()
                .all(|k| self.text(k).is_some())
            && self.time("registrationExpiresAt").is_some_and(|t| t > now)
    }

    /// Writes a refreshed (and checked) token back (0600, atomically),
    /// keeping every other field.
    pub fn store(&mut self, refreshed: &Token) {
        self.doc
            .insert("accessToken".into(), refreshed.access_token.expose().into());
        self.doc
            .insert("expiresAt".into(), refreshed.expires_at.to_string().into());
        if let Some(refresh) = &refreshed.refresh_token {
            self.doc
                .insert("refreshToken".into(), refresh.expose().into());
        }
        let text = serde_json::Value::Object(self.doc.clone()).to_string();
        // The refreshed token is used either way; a cache that cannot be
        // written is refreshed again next time.
        if let Ok(write) = crate::profiles::write::PreparedWrite::new(&self.path, &text, true) {
            let _ = write.commit();
        }
    }
}

/// The lock that makes concurrent refreshes of one sign-in a single one:
/// the [`FileLock`] of `~/.aws/sso/<sha1>.json`, a name beside the cache
/// directory, so that its lock file stays out of `~/.aws/sso/cache/`, which
/// botocore, the SDKs and `aws sso logout` read. Waits while another awsmfa
/// may still be refreshing. `None` when no lock file can be made there (a
/// read-only `~/.aws`): the refresh then goes on unlocked, as botocore's.
pub fn lock_sign_in(cache: &Path, wait: Duration) -> Result<Option<FileLock>> {
    let (Some(name), Some(sso_dir)) = (cache.file_name(), cache.parent().and_then(Path::parent))
    else {
        return Ok(None);
    };
    let key = sso_dir.join(name);
    // A lock path that is no regular file (a planted link, a FIFO) is an
    // error, never a reason to go on unlocked.
    let lock_path = sso_dir.join(format!(".{}.awsmfa-lock", name.to_string_lossy()));
    if let Ok(meta) = std::fs::symlink_metadata(&lock_path)
        && !meta.is_file()
    {
        return Err(Error::failure(format!(
            "the lock file {} is not a regular file",
            lock_path.display()
        ))
        .hint("awsmfa locks a regular file there while it refreshes or signs in: delete it")
        .into());
    }
    let started = Instant::now();
    loop {
        let attempt = Instant::now();
        match FileLock::acquire(&key) {
            Ok(lock) => return Ok(Some(lock)),
            // It waited in vain: another awsmfa holds it. Wait on while a
            // refresh may still be under way.
            Err(_) if attempt.elapsed() >= Duration::from_secs(5) && started.elapsed() < wait => {}
            Err(err) if attempt.elapsed() >= Duration::from_secs(5) => return Err(err),
            Err(_) => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::registration::{Grant, registration_file};

    fn sign_in(session: Option<&str>, scopes: Option<&[&str]>) -> SignIn {
        SignIn {
            session: session.map(str::to_owned),
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: scopes.map(|s| s.iter().map(|x| (*x).to_owned()).collect()),
        }
    }

    fn home() -> std::collections::HashMap<&'static str, &'static str> {
        [("HOME", "/h")].into_iter().collect()
    }

    fn name(path: Option<PathBuf>) -> String {
        path.unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn file_names_are_the_aws_clis() {
        // As the AWS CLI v2 names them (json.dumps(..., sort_keys=True)).
        let session = sign_in(Some("my-sso"), Some(&["sso:account:access"]));
        assert_eq!(
            name(registration_file(
                &home(),
                &session,
                Grant::AuthorizationCode
            )),
            "a8343d65418848d0bc13a5f25cbb32508ceec5d1.json"
        );
        let legacy = sign_in(None, None);
        assert_eq!(
            name(registration_file(&home(), &legacy, Grant::DeviceCode)),
            "365414a68be7c9bfc776c660981dbdbd942acea4.json"
        );
        // A device registration of an sso-session is kept apart.
        assert_ne!(
            registration_file(&home(), &session, Grant::DeviceCode),
            registration_file(&home(), &session, Grant::AuthorizationCode)
        );
        assert_eq!(
            name(token_file(&home(), &session)),
            "0ad374308c5a4e22f723adf10145eafad7c4031c.json"
        );
        assert_eq!(
            role_credentials_key(&session, "123456789012", "ReadOnly"),
            "31b260dab331b2af063485cea75f7b8b3cf54c71"
        );
    }

    #[test]
    fn concurrent_refreshes_of_one_sso_sign_in_wait_for_each_other() {
        let home = tempfile::tempdir().unwrap();
        let cache_dir = home.path().join(".aws/sso/cache");
        std::fs::create_dir_all(&cache_dir).unwrap();
        let cache = cache_dir.join("0123abcd.json");
        let held = lock_sign_in(&cache, REFRESH_LOCK_WAIT)
            .unwrap()
            .expect("a lock");
        let waiter = {
            let cache = cache.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let lock = lock_sign_in(&cache, REFRESH_LOCK_WAIT).unwrap();
                (lock.is_some(), started.elapsed())
            })
        };
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
        let (locked, waited) = waiter.join().unwrap();
        assert!(locked && waited >= Duration::from_millis(250), "{waited:?}");
        // Nothing of the lock is in the directory botocore reads.
        assert_eq!(std::fs::read_dir(&cache_dir).unwrap().count(), 0);
    }
}
