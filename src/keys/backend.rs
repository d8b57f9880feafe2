//! The one store of each system, and how it is named to the user. A system
//! with none of them does not build: awsmfa never falls back to keeping
//! keys in memory or in a file of its own.

use std::sync::Arc;

use keyring_core::api::CredentialStore;

#[cfg(not(any(
    target_os = "macos",
    windows,
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)))]
compile_error!(
    "awsmfa keeps long-term keys in the OS keychain: macOS Keychain, Windows Credential Manager \
     or the Secret Service (Linux, BSD); this target has none of them"
);

#[cfg(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
mod system {
    use super::*;

    pub const NAME: &str = "the Secret Service";

    pub const HINT_UNREACHABLE: &str = "start a Secret Service in this session (GNOME Keyring, KWallet, KeePassXC; \
         headless: dbus-run-session with gnome-keyring-daemon --unlock), or keep the keys in the credentials file";

    pub const HINT_HUNG: &str = "something listens at the D-Bus session bus address (DBUS_SESSION_BUS_ADDRESS, \
         else $XDG_RUNTIME_DIR/bus) but does not answer: restart the session's bus, or keep the keys in the credentials file";

    /// Connects to the Secret Service on the session bus.
    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Ok(zbus_secret_service_keyring_store::Store::new()?)
    }

    /// What is missing, in the user's words: the bus, or the service on it.
    pub fn missing(e: &keyring_core::Error) -> String {
        let why = platform_words(e);
        let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
        if !address.is_empty() {
            // A bus that has gone (its session ended) leaves its address behind.
            let socket = address
                .strip_prefix("unix:path=")
                .map(|rest| rest.split(',').next().unwrap_or(rest));
            if socket.is_some_and(|s| !std::path::Path::new(s).exists()) {
                return format!(
                    "no D-Bus session bus, so no Secret Service: nothing listens at DBUS_SESSION_BUS_ADDRESS={address}"
                );
            }
            return format!(
                "no Secret Service (org.freedesktop.secrets) answers on the D-Bus session bus {address}: {why}"
            );
        }
        // Where zbus looks when the variable is unset.
        let runtime = std::env::var("XDG_RUNTIME_DIR")
            .ok()
            .filter(|d| !d.is_empty())
            // SAFETY: geteuid has no preconditions.
            .unwrap_or_else(|| format!("/run/user/{}", unsafe { libc::geteuid() }));
        let socket = std::path::Path::new(&runtime).join("bus");
        match socket.exists() {
            true => format!(
                "no Secret Service (org.freedesktop.secrets) answers on the D-Bus session bus {}: {why}",
                socket.display()
            ),
            false => format!(
                "no D-Bus session bus, so no Secret Service: DBUS_SESSION_BUS_ADDRESS is not set and {} does not exist",
                socket.display()
            ),
        }
    }

    /// The label the Secret Service shows for an entry.
    pub fn modifiers(profile: &str) -> Vec<(&'static str, String)> {
        vec![(
            "label",
            format!("awsmfa: long-term AWS keys of profile {profile}"),
        )]
    }

    /// Every entry of the service (its attributes are `service` and `username`).
    pub fn search_spec() -> Vec<(&'static str, String)> {
        vec![("service", super::super::keychain::SERVICE.to_owned())]
    }
}

#[cfg(target_os = "macos")]
mod system {
    use super::*;

    pub const NAME: &str = "the macOS Keychain";

    pub const HINT_UNREACHABLE: &str =
        "unlock the login keychain (Keychain Access), or keep the keys in the credentials file";

    pub const HINT_HUNG: &str = HINT_UNREACHABLE;

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Ok(apple_native_keyring_store::keychain::Store::new()?)
    }

    pub fn missing(e: &keyring_core::Error) -> String {
        format!("the macOS Keychain: {}", platform_words(e))
    }

    pub fn modifiers(_profile: &str) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    pub fn search_spec() -> Vec<(&'static str, String)> {
        vec![("service", super::super::keychain::SERVICE.to_owned())]
    }
}

#[cfg(windows)]
mod system {
    use super::*;

    pub const NAME: &str = "the Windows Credential Manager";

    pub const HINT_UNREACHABLE: &str = "the Credential Manager needs an interactive logon session; \
         otherwise keep the keys in the credentials file";

    pub const HINT_HUNG: &str = HINT_UNREACHABLE;

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Ok(windows_native_keyring_store::Store::new()?)
    }

    pub fn missing(e: &keyring_core::Error) -> String {
        format!("the Windows Credential Manager: {}", platform_words(e))
    }

    pub fn modifiers(_profile: &str) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Targets are `PROFILE.awsmfa` (the account, a dot, the service).
    pub fn search_spec() -> Vec<(&'static str, String)> {
        vec![(
            "pattern",
            format!(r"\.{}$", super::super::keychain::SERVICE),
        )]
    }
}

pub use system::*;

/// keyring's error without its own prefix ("Platform failure: ").
pub fn platform_words(e: &keyring_core::Error) -> String {
    match e {
        keyring_core::Error::PlatformFailure(why) | keyring_core::Error::NoStorageAccess(why) => {
            why.to_string()
        }
        other => other.to_string(),
    }
}
