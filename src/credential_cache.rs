//! The AWS CLI's credential cache, `~/.aws/cli/cache/`: the credentials
//! resolved for SSO profiles and for role profiles that need no MFA, under
//! botocore's own cache keys and in its JSON, so that the AWS CLI uses
//! awsmfa's entries and awsmfa the AWS CLI's. The cache belongs to the
//! tools, not to the user: an entry that is not a regular file of this
//! user, cannot be read or holds anything unexpected is ignored (never
//! waited on, never followed) and replaced; nothing here is ever an error.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::pyjson::{Value, object, string};
use crate::secret::Secret;
use crate::session::{Credentials, Expiry, RENEW_WINDOW_SECONDS};
use crate::time::Timestamp;

/// The largest entry read (a whole AssumeRole answer is a few KiB).
const MAX_ENTRY: u64 = 1024 * 1024;

/// The cache of one command: where it is, and whether `--force` skips reading it.
pub struct CredentialCache {
    dir: PathBuf,
    read: bool,
}

impl CredentialCache {
    /// `~/.aws/cli/cache` (`HOME`, as botocore's `~`); `force` skips
    /// reading it (what is resolved is still written).
    pub fn open(env: &dyn Env, force: bool) -> Option<CredentialCache> {
        let home = env.var("HOME").map(PathBuf::from).or_else(dirs::home_dir)?;
        Some(CredentialCache {
            dir: home.join(".aws").join("cli").join("cache"),
            read: !force,
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The credentials cached under `key` when they have more than 15
    /// minutes left (botocore's rule); `None` for anything else.
    pub fn get(&self, key: &str) -> Option<Credentials> {
        if !self.read {
            return None;
        }
        let doc = read_entry(&self.path(key))?;
        let creds = doc.get("Credentials")?;
        let text = |k: &str| {
            creds
                .get(k)
                .and_then(serde_json::Value::as_str)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic()))
        };
        let expiration = Timestamp::parse(text("Expiration")?)?;
        if Timestamp::now().seconds_until(expiration) <= RENEW_WINDOW_SECONDS {
            return None;
        }
        Some(Credentials {
            access_key_id: text("AccessKeyId")?.to_owned(),
            secret_access_key: Secret::new(text("SecretAccessKey")?),
            session_token: Some(Secret::new(text("SessionToken")?)),
            expiration: Expiry::At(expiration),
        })
    }

    /// Caches role credentials as botocore's assume-role provider does:
    /// `{"Credentials": {...}}`. Only credentials with an expiration.
    pub fn put_role(&self, key: &str, credentials: &Credentials) {
        if let Some(fields) = fields(credentials, None) {
            self.write(key, &format!("{{\"Credentials\": {fields}}}"));
        }
    }

    /// Caches SSO role credentials as botocore's SSO provider does:
    /// `{"ProviderType": "sso", "Credentials": {..., "AccountId"}}`.
    pub fn put_sso(&self, key: &str, credentials: &Credentials, account_id: &str) {
        if let Some(fields) = fields(credentials, Some(account_id)) {
            self.write(
                key,
                &format!("{{\"ProviderType\": \"sso\", \"Credentials\": {fields}}}"),
            );
        }
    }

    /// Writes an entry: a new file (0600) in the directory (0700 when
    /// made), renamed over the entry's name, so a link there is replaced,
    /// never followed. A cache that cannot be written is left as it is.
    fn write(&self, key: &str, text: &str) {
        let _ = (|| -> std::io::Result<()> {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&self.dir)?;
            let mut file = tempfile::Builder::new()
                .prefix(".awsmfa-")
                .suffix(".tmp")
                .tempfile_in(&self.dir)?;
            file.write_all(text.as_bytes())?;
            file.as_file().sync_all()?;
            file.persist(self.path(key)).map_err(|e| e.error)?;
            Ok(())
        })();
    }
}

/// The `Credentials` object of an entry; `None` without an expiration.
fn fields(credentials: &Credentials, account_id: Option<&str>) -> Option<String> {
    let expiration = credentials.expiration.at()?.to_string();
    let token = credentials.session_token.as_ref()?;
    let mut pairs = vec![
        ("AccessKeyId", Value::Str(&credentials.access_key_id)),
        (
            "SecretAccessKey",
            Value::Str(credentials.secret_access_key.expose()),
        ),
        ("SessionToken", Value::Str(token.expose())),
        ("Expiration", Value::Str(&expiration)),
    ];
    if let Some(account) = account_id {
        pairs.push(("AccountId", Value::Str(account)));
    }
    Some(object(&pairs))
}

/// An entry's JSON object: a regular file of this user, opened without
/// following a link or waiting on a FIFO, at most 1 MiB.
fn read_entry(path: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NONBLOCK | libc::O_NOFOLLOW,
    );
    let file = options.open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_ENTRY {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions.
        if meta.uid() != unsafe { libc::geteuid() } {
            return None;
        }
    }
    let mut bytes = Vec::new();
    file.take(MAX_ENTRY).read_to_end(&mut bytes).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(doc) => Some(doc),
        _ => None,
    }
}

/// The name botocore's assume-role provider gives a role's cached
/// credentials: the SHA-1 of `json.dumps(args, sort_keys=True)` of the
/// role's settings, `RoleArn`, `RoleSessionName` (only when set),
/// `ExternalId` and `DurationSeconds` (a number).
pub fn assume_role_key(
    role_arn: &str,
    session_name: Option<&str>,
    external_id: Option<&str>,
    duration_seconds: Option<u32>,
) -> String {
    let mut fields = Vec::new();
    if let Some(seconds) = duration_seconds {
        fields.push(format!("\"DurationSeconds\": {seconds}"));
    }
    if let Some(id) = external_id {
        fields.push(format!("\"ExternalId\": {}", string(id)));
    }
    fields.push(format!("\"RoleArn\": {}", string(role_arn)));
    if let Some(name) = session_name {
        fields.push(format!("\"RoleSessionName\": {}", string(name)));
    }
    crate::pyjson::sha1_hex(&format!("{{{}}}", fields.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assume_role_keys_are_botocores() {
        // As botocore computes them (json.dumps(args, sort_keys=True)).
        assert_eq!(
            assume_role_key("arn:aws:iam::123456789012:role/Admin", None, None, None),
            "51e7b105b5040ce662656c8dc6ab4de70c4de7ad"
        );
    }

    fn env(home: &Path) -> std::collections::HashMap<&'static str, &str> {
        [("HOME", home.to_str().unwrap())].into_iter().collect()
    }

    fn credentials(left: i64) -> Credentials {
        Credentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: Expiry::At(Timestamp::now().plus(left)),
        }
    }

    #[test]
    fn entries_are_read_back_while_fresh_and_private() {
        let home = tempfile::tempdir().unwrap();
        let cache = CredentialCache::open(&env(home.path()), false).unwrap();
        cache.put_sso("k", &credentials(3600), "111");
        let got = cache.get("k").unwrap();
        assert_eq!(got.access_key_id, "ASIAX");
        let text = std::fs::read_to_string(home.path().join(".aws/cli/cache/k.json")).unwrap();
        assert!(
            text.starts_with(
                "{\"ProviderType\": \"sso\", \"Credentials\": {\"AccessKeyId\": \"ASIAX\""
            ),
            "{text}"
        );
        cache.put_role("old", &credentials(600));
        assert!(cache.get("old").is_none(), "15 minutes or less left");
        let forced = CredentialCache::open(&env(home.path()), true).unwrap();
        assert!(forced.get("k").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&home.path().join(".aws/cli/cache/k.json")), 0o600);
            assert_eq!(mode(&home.path().join(".aws/cli/cache")), 0o700);
        }
    }

    #[cfg(unix)]
    #[test]
    fn hostile_entries_are_ignored_and_replaced_never_followed() {
        let home = tempfile::tempdir().unwrap();
        let cache = CredentialCache::open(&env(home.path()), false).unwrap();
        let dir = home.path().join(".aws/cli/cache");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("garbage.json"), "{not json").unwrap();
        assert!(cache.get("garbage").is_none());
        let fifo = dir.join("fifo.json");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(cache.get("fifo").is_none(), "never waits on a FIFO");
        cache.put_role("fifo", &credentials(3600));
        assert!(cache.get("fifo").is_some());
        let elsewhere = home.path().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, dir.join("link.json")).unwrap();
        cache.put_role("link", &credentials(3600));
        assert!(!elsewhere.exists(), "a link is replaced, not followed");
        assert!(
            std::fs::symlink_metadata(dir.join("link.json"))
                .unwrap()
                .is_file()
        );
    }
}
