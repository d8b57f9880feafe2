//! The OS keychain as awsmfa uses it: one entry per profile, under the
//! service `awsmfa` and the account (user name) of the profile, whose secret
//! is the access key id and the secret access key as a small JSON object.
//!
//! The commands and the login plan see only the [`Keychain`] trait; the
//! real one, [`OsKeychain`], opens the system's store on its first use (so
//! a command that never needs it never touches it) and refuses a store that
//! would keep nothing: there is never a fallback to a file or to memory.

use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use anyhow::Result;
use keyring_core::api::{CredentialPersistence, CredentialStore};

use super::backend;
use crate::error::Error;
use crate::secret::Secret;
use crate::session::{ACCESS_KEY_ID, LongTermKeys, SECRET_ACCESS_KEY};

/// The service every entry is stored under.
pub const SERVICE: &str = "awsmfa";

/// How long a keychain call may take: long enough for a person to answer an
/// unlock prompt, short enough that a store that never answers is no hang.
pub const KEYCHAIN_WAIT: Duration = Duration::from_secs(120);

/// How long reaching the keychain may take: no person answers there, so a
/// bus or service that accepts and never answers is "not reachable" soon.
pub const OPEN_WAIT: Duration = Duration::from_secs(10);

/// Where `awsmfa keys` keeps long-term keys, and where a login finds them
/// when the AWS files hold none.
pub trait Keychain {
    /// The keys stored for `profile`; `None` when it has no entry.
    fn read(&self, profile: &str) -> Result<Option<LongTermKeys>>;
    /// Stores `keys` for `profile`, replacing what was there.
    fn store(&self, profile: &str, keys: &LongTermKeys) -> Result<()>;
    /// Removes the entry of `profile`; whether there was one.
    fn remove(&self, profile: &str) -> Result<bool>;
    /// Every profile with an entry and its keys (`None`: an entry that is
    /// not awsmfa's JSON), sorted by profile name.
    fn list(&self) -> Result<Vec<(String, Option<LongTermKeys>)>>;
}

/// The system's keychain: the macOS Keychain, the Windows Credential
/// Manager, or the Secret Service (Linux, the BSDs). Connected on first use.
#[derive(Default)]
pub struct OsKeychain {
    store: OnceLock<Arc<CredentialStore>>,
}

impl OsKeychain {
    fn store(&self) -> Result<Arc<CredentialStore>> {
        if let Some(store) = self.store.get() {
            return Ok(store.clone());
        }
        let store = within(OPEN_WAIT, backend::open)
            .map_err(|_| no_answer())?
            .map_err(|e| unreachable(&e))?;
        refuse_a_store_that_keeps_nothing(&*store)?;
        Ok(self.store.get_or_init(|| store).clone())
    }

    fn entry(&self, profile: &str) -> Result<keyring_core::Entry> {
        let store = self.store()?;
        let modifiers = backend::modifiers(profile);
        let modifiers = modifiers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        store
            .build(SERVICE, profile, Some(&modifiers))
            .map_err(|e| failed(&e, &of(profile)).into())
    }
}

impl Keychain for OsKeychain {
    fn read(&self, profile: &str) -> Result<Option<LongTermKeys>> {
        let entry = self.entry(profile)?;
        match within_wait(move || entry.get_password())? {
            Ok(text) => decode(&text)
                .map(Some)
                .ok_or_else(|| not_ours(profile).into()),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(failed(&e, &of(profile)).into()),
        }
    }

    fn store(&self, profile: &str, keys: &LongTermKeys) -> Result<()> {
        let entry = self.entry(profile)?;
        let text = encode(keys);
        within_wait(move || entry.set_password(text.expose()))?
            .map_err(|e| failed(&e, &of(profile)).into())
    }

    fn remove(&self, profile: &str) -> Result<bool> {
        let entry = self.entry(profile)?;
        match within_wait(move || entry.delete_credential())? {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(failed(&e, &of(profile)).into()),
        }
    }

    fn list(&self) -> Result<Vec<(String, Option<LongTermKeys>)>> {
        let store = self.store()?;
        let found = within_wait(move || {
            let spec = backend::search_spec();
            let spec = spec.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let entries = store.search(&spec)?;
            let mut found = Vec::new();
            for entry in entries {
                let Some((service, profile)) = entry.get_specifiers() else {
                    continue;
                };
                if service != SERVICE {
                    continue;
                }
                let keys = entry.get_password().ok().and_then(|t| decode(&t));
                found.push((profile, keys));
            }
            Ok(found)
        })?;
        let mut found =
            found.map_err(|e: keyring_core::Error| failed(&e, "the list of its entries"))?;
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.dedup_by(|a, b| a.0 == b.0);
        Ok(found)
    }
}

/// keyring-core's mock store (or any like it) keeps entries in memory only:
/// keys "stored" there would be gone when awsmfa exits, and a login would
/// then find none. Only a store that keeps them until deleted will do.
pub fn refuse_a_store_that_keeps_nothing(store: &CredentialStore) -> Result<(), Error> {
    match store.persistence() {
        CredentialPersistence::UntilDelete => Ok(()),
        _ => Err(Error::failure(format!(
            "the keychain store awsmfa was built with ({}) does not keep keys; refusing to use it",
            store.vendor()
        ))
        .hint("this build of awsmfa has no keychain for this system: keep the keys in the credentials file")),
    }
}

/// Runs `call` on a thread of its own and gives up after `limit` (the
/// thread is left behind: awsmfa exits soon after).
fn within<T: Send + 'static>(
    limit: Duration,
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, mpsc::RecvTimeoutError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(call());
    });
    rx.recv_timeout(limit)
}

/// The keychain was reached but did not answer: exit 1, naming what hangs.
fn no_answer() -> Error {
    Error::failure(format!(
        "{} was not reachable: no answer within {}s",
        backend::NAME,
        OPEN_WAIT.as_secs()
    ))
    .hint(backend::HINT_HUNG)
}

/// Runs a keychain call on a thread of its own and gives up after
/// [`KEYCHAIN_WAIT`]: a store that never answers (an unlock prompt on a
/// screen nobody sees) is an error, never a hang.
fn within_wait<T: Send + 'static>(call: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    within(KEYCHAIN_WAIT, call).map_err(|_| {
        Error::failure(format!(
            "the keychain did not answer within {}s",
            KEYCHAIN_WAIT.as_secs()
        ))
        .hint(format!(
            "{} may be waiting for an unlock prompt: unlock it, then run awsmfa again",
            backend::NAME
        ))
        .into()
    })
}

/// The JSON an entry holds.
fn encode(keys: &LongTermKeys) -> Secret {
    let value = serde_json::json!({
        ACCESS_KEY_ID: keys.access_key_id,
        SECRET_ACCESS_KEY: keys.secret_access_key.expose(),
    });
    Secret::new(value.to_string())
}

/// The keys of an entry's JSON; `None` for anything else (never quoted:
/// it may be a secret of another program's).
fn decode(text: &str) -> Option<LongTermKeys> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let field = |name| value.get(name)?.as_str().filter(|s| !s.is_empty());
    Some(LongTermKeys {
        access_key_id: field(ACCESS_KEY_ID)?.to_owned(),
        secret_access_key: Secret::new(field(SECRET_ACCESS_KEY)?),
    })
}

/// No store to open: what is missing, and what to do instead.
fn unreachable(e: &keyring_core::Error) -> Error {
    Error::failure(format!(
        "cannot reach the keychain: {}",
        backend::missing(e)
    ))
    .hint(backend::HINT_UNREACHABLE)
}

/// The keys of `profile`, as [`failed`] names them.
fn of(profile: &str) -> String {
    format!("the keys of profile {profile}")
}

/// A call on `what` the store refused or failed. Only keyring's own words
/// about the store are shown: never an entry's bytes.
fn failed(e: &keyring_core::Error, what: &str) -> Error {
    use keyring_core::Error as E;
    let name = backend::NAME;
    match e {
        E::NoStorageAccess(why) => {
            Error::failure(format!("{name} refused access to {what}: {why}"))
                .hint(format!("unlock {name}, then run awsmfa again"))
        }
        E::BadEncoding(_) | E::BadDataFormat(..) => Error::failure(format!(
            "{name} holds {what} in a form awsmfa did not write"
        ))
        .hint("replace them: awsmfa keys add"),
        E::Ambiguous(items) => Error::failure(format!(
            "{name} holds {} entries for {what} (service {SERVICE})",
            items.len()
        ))
        .hint("remove them (awsmfa keys remove, until none is left), then add the keys again"),
        E::PlatformFailure(why) => Error::failure(format!("{name} failed on {what}: {why}")),
        E::NoEntry => Error::failure(format!("{name} holds no entry for {what}")),
        other => Error::failure(format!("{name} failed on {what}: {other}")),
    }
}

fn not_ours(profile: &str) -> Error {
    Error::failure(format!(
        "the keychain entry of profile {profile} (service {SERVICE}) is not one awsmfa wrote"
    ))
    .hint(format!("replace it: awsmfa keys add --profile {profile}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_holds_both_keys_as_json_and_reads_back() {
        let keys = LongTermKeys {
            access_key_id: "AKIAFAKEFAKEFAKE1234".into(),
            secret_access_key: Secret::new("fakeSecret/Key+ForTests0123456789ABCDEFG"),
        };
        let text = encode(&keys);
        let json: serde_json::Value = serde_json::from_str(text.expose()).unwrap();
        assert_eq!(json[ACCESS_KEY_ID], "AKIAFAKEFAKEFAKE1234");
        let back = decode(text.expose()).unwrap();
        assert_eq!(back.access_key_id, keys.access_key_id);
        assert_eq!(back.secret_access_key, keys.secret_access_key);
    }

    #[test]
    fn anything_but_awsmfa_json_is_no_keys() {
        for text in [
            "",
            "hunter2",
            "{}",
            r#"{"aws_access_key_id": "AKIA"}"#,
            r#"{"aws_access_key_id": "AKIA", "aws_secret_access_key": 4}"#,
            r#"{"aws_access_key_id": "", "aws_secret_access_key": "s"}"#,
        ] {
            assert!(decode(text).is_none(), "{text}");
        }
    }

    #[test]
    fn the_in_memory_mock_store_is_refused() {
        let mock = keyring_core::mock::Store::new().unwrap();
        let err = refuse_a_store_that_keeps_nothing(&*mock).unwrap_err();
        assert_eq!(err.code(), crate::exit_codes::ExitCode::Failure);
        assert!(err.to_string().contains("does not keep keys"), "{err}");
    }

    #[test]
    fn an_unreadable_entry_is_never_quoted() {
        let secret = b"hunter2-secret".to_vec();
        let err = failed(&keyring_core::Error::BadEncoding(secret), &of("p"));
        let text = crate::error::render(&err.into()).1;
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("the keys of profile p"), "{text}");
    }
}
