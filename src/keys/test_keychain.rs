//! A keychain in memory, for unit tests only: it is never built into
//! awsmfa itself, so no run can choose it.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use anyhow::Result;

use super::Keychain;
use crate::error::Error;
use crate::secret::Secret;
use crate::session::LongTermKeys;

/// Entries by profile; `down` makes every call fail as an unreachable
/// store does; `calls` counts every call, to prove one was never made.
#[derive(Default)]
pub struct TestKeychain {
    pub entries: RefCell<BTreeMap<String, LongTermKeys>>,
    pub down: bool,
    pub calls: Cell<usize>,
}

impl TestKeychain {
    /// A keychain holding `id`/`secret` for `profile`.
    pub fn with(profile: &str, id: &str, secret: &str) -> TestKeychain {
        let keychain = TestKeychain::default();
        keychain.entries.borrow_mut().insert(
            profile.to_owned(),
            LongTermKeys {
                access_key_id: id.to_owned(),
                secret_access_key: Secret::new(secret),
            },
        );
        keychain
    }

    /// A keychain that cannot be reached.
    pub fn down() -> TestKeychain {
        TestKeychain {
            down: true,
            ..Default::default()
        }
    }

    fn call(&self) -> Result<()> {
        self.calls.set(self.calls.get() + 1);
        match self.down {
            true => {
                Err(Error::failure("cannot reach the keychain: the test keychain is down").into())
            }
            false => Ok(()),
        }
    }
}

impl Keychain for TestKeychain {
    fn read(&self, profile: &str) -> Result<Option<LongTermKeys>> {
        self.call()?;
        Ok(self.entries.borrow().get(profile).cloned())
    }

    fn store(&self, profile: &str, keys: &LongTermKeys) -> Result<()> {
        self.call()?;
        self.entries
            .borrow_mut()
            .insert(profile.to_owned(), keys.clone());
        Ok(())
    }

    fn remove(&self, profile: &str) -> Result<bool> {
        self.call()?;
        Ok(self.entries.borrow_mut().remove(profile).is_some())
    }

    fn list(&self) -> Result<Vec<(String, Option<LongTermKeys>)>> {
        self.call()?;
        Ok(self
            .entries
            .borrow()
            .iter()
            .map(|(p, k)| (p.clone(), Some(k.clone())))
            .collect())
    }
}
