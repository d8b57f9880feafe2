//! SSO OIDC client registrations, cached beside the tokens as the AWS CLI
//! v2 caches them: one per grant, reused until 15 minutes before they end.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::SignIn;
use super::cache::cache_dir;
use crate::env::Env;
use crate::pyjson::sha1_hex;
use crate::secret::Secret;
use crate::time::Timestamp;

/// The two ways to sign in, each with a client registration of its own
/// (SSO OIDC refuses one registration with both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// The authorization code with PKCE, through the browser and a callback.
    AuthorizationCode,
    /// The device authorization grant: a URL and a code to confirm.
    DeviceCode,
}

impl Grant {
    /// The grant's name in SSO OIDC's `grantTypes`.
    pub fn name(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => crate::aws::oidc::AUTHORIZATION_CODE_GRANT,
            Grant::DeviceCode => crate::aws::oidc::DEVICE_CODE_GRANT,
        }
    }
}

/// The registration cache file of `sign_in` for `grant`. The AWS CLI v2
/// names it after the SHA-1 of `json.dumps({"region", "scopes",
/// "session_name", "startUrl", "tool": "botocore"}, sort_keys=True)`, one
/// name for both grants (it overwrites one with the other): the
/// authorization code grant, its default, and every legacy sign-in (which
/// has only the device grant) use that name, so the AWS CLI and awsmfa
/// share them; a device registration of an `sso-session` is kept under the
/// same text with `"grantType": "device_code"` added, so neither grant
/// replaces the other's.
pub fn registration_file(env: &dyn Env, sign_in: &SignIn, grant: Grant) -> Option<PathBuf> {
    use crate::pyjson::{Value, object};
    let scopes = match &sign_in.scopes {
        Some(scopes) => Value::List(scopes),
        None => Value::Null,
    };
    let session = match &sign_in.session {
        Some(name) => Value::Str(name),
        None => Value::Null,
    };
    let mut fields = Vec::new();
    if grant == Grant::DeviceCode && sign_in.session.is_some() {
        fields.push(("grantType", Value::Str("device_code")));
    }
    fields.extend([
        ("region", Value::Str(&sign_in.region)),
        ("scopes", scopes),
        ("session_name", session),
        ("startUrl", Value::Str(&sign_in.start_url)),
        ("tool", Value::Str("botocore")),
    ]);
    Some(cache_dir(env)?.join(format!("{}.json", sha1_hex(&object(&fields)))))
}

/// A client registration of SSO OIDC.
#[derive(Debug, Clone)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: Timestamp,
    pub scopes: Vec<String>,
    /// What it was registered for (empty when none were named, as the AWS
    /// CLI registers a device client).
    pub grant_types: Vec<String>,
}

impl Registration {
    /// The registration cached at `path`, when it serves `grant` for more
    /// than 15 minutes yet (the AWS CLI's rule); anything else is `None`.
    pub fn load(path: &Path, grant: Grant, now: Timestamp) -> Option<Registration> {
        let bytes = crate::profiles::store::read_regular(path).ok()??;
        let doc: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let text = |k: &str| {
            doc.get(k)
                .and_then(serde_json::Value::as_str)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic()))
                .map(str::to_owned)
        };
        let list = |k: &str| -> Vec<String> {
            doc.get(k)
                .and_then(serde_json::Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let registration = Registration {
            client_id: text("clientId")?,
            client_secret: Secret::new(text("clientSecret")?),
            expires_at: Timestamp::parse(&text("expiresAt")?)?,
            scopes: list("scopes"),
            grant_types: list("grantTypes"),
        };
        let for_code = registration
            .grant_types
            .iter()
            .any(|g| g == Grant::AuthorizationCode.name());
        let serves = match grant {
            Grant::AuthorizationCode => for_code,
            Grant::DeviceCode => !for_code,
        };
        (serves
            && now.seconds_until(registration.expires_at) > super::cache::REFRESH_WINDOW_SECONDS)
            .then_some(registration)
    }

    /// Writes it to `path` as the AWS CLI v2 does: `clientId`,
    /// `clientSecret`, `expiresAt`, then `scopes` and `grantTypes` when
    /// there are any; atomically, 0600.
    pub fn store(&self, path: &Path) -> Result<()> {
        use crate::pyjson::{Value, object};
        let expires = self.expires_at.to_string();
        let mut fields = vec![
            ("clientId", Value::Str(&self.client_id)),
            ("clientSecret", Value::Str(self.client_secret.expose())),
            ("expiresAt", Value::Str(&expires)),
        ];
        if !self.scopes.is_empty() {
            fields.push(("scopes", Value::List(&self.scopes)));
        }
        if !self.grant_types.is_empty() {
            fields.push(("grantTypes", Value::List(&self.grant_types)));
        }
        super::cache::write_private(path, &object(&fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_serve_their_own_grant_while_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let now = Timestamp::now();
        let registration = Registration {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            expires_at: now.plus(3600),
            scopes: vec!["sso:account:access".into()],
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        };
        registration.store(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("{\"clientId\": \"c\", \"clientSecret\": \"s\", \"expiresAt\": \""),
            "{text}"
        );
        assert!(Registration::load(&path, Grant::AuthorizationCode, now).is_some());
        assert!(Registration::load(&path, Grant::DeviceCode, now).is_none());
        // Within 15 minutes of its end it is not used.
        assert!(
            Registration::load(&path, Grant::AuthorizationCode, now.plus(3600 - 600)).is_none()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
