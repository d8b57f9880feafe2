//! `credential_process` profiles, run as the AWS CLI runs them: the command
//! split as a POSIX shell would (no shell runs it), stdin and stderr passed
//! through, and its stdout read as the credential process JSON (Version 1).

use std::io::Read;
use std::process::{Command, Stdio};

use anyhow::Result;

use crate::error::Error;
use crate::secret::Secret;
use crate::session::{Credentials, Expiry};
use crate::time::Timestamp;

/// Names the profiles whose `credential_process` is running, so that a
/// process that runs awsmfa for one of them again is a loop, not a fork bomb.
pub const RESOLVING: &str = "AWSMFA_RESOLVING";

/// Runs `profile`'s `credential_process`.
pub fn credentials(profile: &str, command: &str) -> Result<Credentials> {
    let resolving = std::env::var(RESOLVING).unwrap_or_default();
    if resolving.split('\n').any(|p| p == profile) {
        return Err(Error::failure(format!(
            "the credential_process of profile {profile} runs awsmfa for profile {profile} again (a loop)"
        ))
        .hint("point it at the profile that holds the keys or the session, e.g. credential-process --login --profile KEYS")
        .into());
    }
    let failed = |why: String| -> anyhow::Error {
        Error::failure(format!("the credential_process of profile {profile} {why}")).into()
    };
    let words = crate::profiles::shell_words(command)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| failed("cannot be split into words (an unclosed quote?)".to_owned()))?;
    let chain = match resolving.is_empty() {
        true => profile.to_owned(),
        false => format!("{resolving}\n{profile}"),
    };
    let mut child = Command::new(&words[0])
        .args(&words[1..])
        .env(RESOLVING, chain)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| failed(format!("could not start ({}: {e})", words[0])))?;
    // Credential JSON is a few hundred bytes: a process that prints without
    // end is stopped instead of filling memory.
    let mut stdout = Vec::new();
    let read = child
        .stdout
        .take()
        .expect("stdout is piped")
        .take(OUTPUT_LIMIT + 1)
        .read_to_end(&mut stdout);
    if read.is_err() || stdout.len() as u64 > OUTPUT_LIMIT {
        let _ = child.kill();
        let _ = child.wait();
        return Err(failed(format!(
            "printed more than {} KiB, which is no credential JSON",
            OUTPUT_LIMIT / 1024
        )));
    }
    let status = child
        .wait()
        .map_err(|e| failed(format!("could not be waited for ({e})")))?;
    if !status.success() {
        return Err(failed(match status.code() {
            Some(code) => format!("failed (exit code {code})"),
            None => "was ended by a signal".to_owned(),
        }));
    }
    parse(&stdout).map_err(failed)
}

/// The most a credential process may print.
const OUTPUT_LIMIT: u64 = 1024 * 1024;

/// Reads the process's JSON: `Version` 1, `AccessKeyId`, `SecretAccessKey`,
/// and optionally `SessionToken` and `Expiration` (RFC 3339).
fn parse(stdout: &[u8]) -> Result<Credentials, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(stdout).map_err(|_| "did not print credential JSON".to_owned())?;
    // `1` or `1.0`, as botocore compares it.
    if doc.get("Version").and_then(serde_json::Value::as_f64) != Some(1.0) {
        return Err("printed JSON without \"Version\": 1".to_owned());
    }
    let text = |key: &str| doc.get(key).and_then(serde_json::Value::as_str);
    let required = |key: &str| {
        text(key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("printed no {key}"))
    };
    let not_text = |key: &str| doc.get(key).is_some_and(|v| !v.is_string() && !v.is_null());
    if let Some(key) = [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ]
    .into_iter()
    .find(|k| not_text(k))
    {
        return Err(format!("printed a {key} that is not a string"));
    }
    let expiration = match text("Expiration") {
        None => Expiry::Unknown,
        Some(value) => Expiry::At(
            Timestamp::parse(value)
                .ok_or_else(|| format!("printed an Expiration that cannot be read ({value})"))?,
        ),
    };
    Ok(Credentials {
        access_key_id: required("AccessKeyId")?.to_owned(),
        secret_access_key: Secret::new(required("SecretAccessKey")?),
        session_token: text("SessionToken")
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_the_sdks_expect() {
        let full = br#"{"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-11-23T19:20:32Z"}"#;
        let c = parse(full).unwrap();
        assert_eq!(c.access_key_id, "ASIA");
        assert_eq!(c.session_token.unwrap().expose(), "t");
        assert_eq!(c.expiration, Expiry::At(Timestamp(1_795_461_632)));
        let keys = parse(br#"{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}"#).unwrap();
        assert_eq!(keys.session_token, None);
        assert_eq!(keys.expiration, Expiry::Unknown);
        for bad in [
            &br#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"}"#[..],
            br#"{"Version":1,"SecretAccessKey":"s"}"#,
            br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"}"#,
            b"not json",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(!err.contains('s') || !err.contains("\"s\""), "{err}");
        }
    }
}
