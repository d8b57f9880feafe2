//! `awsmfa credential-process`: the session as AWS `credential_process` JSON.
//!
//! In `~/.aws/config`:
//! `credential_process = awsmfa credential-process --target mfa`

use anyhow::Result;

use crate::cli::CredentialProcessArgs;
use crate::env::Env;
use crate::exit_codes::ExitCode;
use crate::session::Credentials;

/// The JSON document the AWS SDKs expect (format version 1).
pub fn document(session: &Credentials) -> String {
    let mut doc = serde_json::Map::new();
    doc.insert("Version".into(), 1.into());
    doc.insert("AccessKeyId".into(), session.access_key_id.clone().into());
    doc.insert(
        "SecretAccessKey".into(),
        session.secret_access_key.expose().into(),
    );
    if let Some(token) = &session.session_token {
        doc.insert("SessionToken".into(), token.expose().into());
    }
    if let Some(exp) = session.expiration.at() {
        doc.insert("Expiration".into(), exp.to_string().into());
    }
    serde_json::Value::Object(doc).to_string()
}

pub fn run(
    args: &CredentialProcessArgs,
    env: &dyn Env,
    out: &mut dyn std::io::Write,
) -> Result<ExitCode> {
    let (_, session) =
        super::credentials_for(&args.profiles, args.login, args.force, &args.sign_in, env)?;
    writeln!(out, "{}", document(&session))?;
    Ok(ExitCode::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    #[test]
    fn document_has_the_sdk_fields() {
        let session = Credentials {
            access_key_id: "ASIA".into(),
            secret_access_key: "s\"ecret".into(),
            session_token: Some("tok".into()),
            expiration: crate::session::Expiry::At(Timestamp(1_795_461_632)),
        };
        let v: serde_json::Value = serde_json::from_str(&document(&session)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "s\"ecret",
                "SessionToken": "tok", "Expiration": "2026-11-23T19:20:32Z"})
        );
        let unknown = Credentials {
            expiration: crate::session::Expiry::Unknown,
            session_token: None,
            ..session
        };
        let doc = document(&unknown);
        assert!(
            !doc.contains("Expiration") && !doc.contains("SessionToken"),
            "{doc}"
        );
    }
}
