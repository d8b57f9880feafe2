//! awsmfa: painless AWS MFA sessions.
//!
//! `login` trades a profile's long-term keys and an MFA code for an STS
//! session and writes it to another profile; `env`, `status` and `logout`
//! work on that profile offline. Only `login` touches the network (and the
//! AWS SDK); the other commands only read the shared AWS files.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod credential_cache;
pub mod env;
pub mod error;
pub mod exit_codes;
pub mod export;

pub mod input;
pub mod keys;
pub mod login;
pub mod names;
pub mod net;
pub mod partition;
pub mod profiles;
pub mod pyjson;
pub mod region;
pub mod secret;
pub mod session;
pub mod shell;
pub mod sso;

pub mod time;

use std::io::{IsTerminal, Write};

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};
use exit_codes::ExitCode;

/// Runs one parsed command against the real environment and terminal.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let env = env::ProcessEnv;
    let stdout = std::io::stdout();
    match &cli.command {
        Command::Login(args) => {
            let stdin = std::io::stdin();
            let is_terminal = stdin.is_terminal();
            let mut console = login::run::Console {
                stdin: login::code::Stdin::Readable {
                    reader: &mut stdin.lock(),
                    is_terminal,
                },
                stderr: &mut std::io::stderr(),
            };
            // Opened only if the login needs keys that no file holds.
            let keychain = keys::OsKeychain::default();
            commands::login::run(args, &env, &aws::sts::SdkSts, &keychain, &mut console)
        }
        Command::Configure(cli::ConfigureArgs {
            what: Some(cli::ConfigureCommand::Sso(args)),
            ..
        }) => commands::configure_sso::run(args, &env),
        Command::Configure(args) => commands::configure::run(
            args,
            &env,
            &aws::iam::AwsDeviceLister,
            &mut std::io::stderr(),
        ),
        Command::Env(args) => commands::env::run(args, &env, &mut stdout.lock()),
        Command::Status(args) => commands::status::run(args, &env, &mut stdout.lock()),
        Command::Logout(args) => commands::logout::run(args, &env),
        Command::Exec(args) => commands::exec::run(args, &env),
        Command::CredentialProcess(args) => {
            commands::credential_process::run(args, &env, &mut stdout.lock())
        }
        Command::Prompt(args) => commands::prompt::run(args, &env, &mut stdout.lock()),
        Command::Completions(args) => commands::completions::run(args.shell, &mut stdout.lock()),
        Command::Man(args) => commands::completions::man(args.dir.as_deref(), &mut stdout.lock()),
        Command::Profiles => commands::completions::profiles(&env, &mut stdout.lock()),
        Command::Sso(cli::SsoCommand::Login(args)) => commands::sso::login(args, &env),
        Command::Sso(cli::SsoCommand::Logout(args)) => commands::sso::logout(args, &env),
        Command::Keys(command) => {
            let stdin = std::io::stdin();
            let mut lines = stdin.lock();
            let input = match stdin.is_terminal() {
                true => commands::keys::KeysInput::Terminal,
                false => commands::keys::KeysInput::Lines(&mut lines),
            };
            let mut console = commands::keys::KeysConsole {
                input,
                stdout: &mut stdout.lock(),
                stderr: &mut std::io::stderr(),
            };
            commands::keys::run(command, &env, &keys::OsKeychain::default(), &mut console)
        }
    }
}

/// The whole program: parse, run, report.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return cli::report_parse_error(err),
    };
    match run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            let (code, text) = error::render(&err);
            let _ = std::io::stderr().write_all(text.as_bytes());
            code.into()
        }
    }
}

#[cfg(test)]
mod redaction {
    //! `Debug` of every type that holds a secret shows none of it.

    use crate::aws::sts::{Endpoint, SessionRequest};
    use crate::profiles::{AwsFile, AwsFiles, IniFile};
    use crate::secret::Secret;
    use crate::session::{LongTermKeys, ProfileCredentials, Session};

    const SECRET: &str = "fakeSecret/KeyValue+0000";
    const TOKEN: &str = "FakeSessionTokenValue//==";
    const CODE: &str = "924731";

    fn assert_redacted(what: &str, shown: String) {
        for secret in [SECRET, TOKEN, CODE] {
            assert!(
                !shown.contains(secret),
                "Debug of {what} shows {secret}: {shown}"
            );
        }
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let keys = LongTermKeys {
            access_key_id: "AKIAFAKE".into(),
            secret_access_key: Secret::new(SECRET),
        };
        let session = Session {
            access_key_id: "ASIAFAKE".into(),
            secret_access_key: Secret::new(SECRET),
            session_token: Secret::new(TOKEN),
            expiration: crate::session::Expiry::Unknown,
        };
        let text = format!(
            "[default]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = {SECRET}\n\
             [mfa]\naws_access_key_id = ASIAFAKE\naws_secret_access_key = {SECRET}\n\
             aws_session_token = {TOKEN}\n"
        );
        let ini = IniFile::parse(text.as_bytes()).unwrap();
        let file = AwsFile {
            path: "credentials".into(),
            ini: ini.clone(),
        };
        let files = AwsFiles {
            credentials: file.clone(),
            config: file.clone(),
        };
        let endpoint = Endpoint {
            region: "us-east-1".into(),
            url: None,
            network: crate::net::Network::default(),
        };
        let code = Secret::new(CODE);
        let request = SessionRequest {
            keys: &keys,
            device: "arn:aws:iam::000000000000:mfa/x",
            code: &code,
            duration_seconds: 900,
            endpoint: &endpoint,
        };
        let cli =
            <crate::cli::Cli as clap::Parser>::try_parse_from(["awsmfa", "login", "--code", CODE])
                .unwrap();
        let positional =
            <crate::cli::Cli as clap::Parser>::try_parse_from(["awsmfa", "login", CODE]).unwrap();

        assert_redacted(
            "Secret",
            format!("{:?} {}", Secret::new(SECRET), Secret::new(SECRET)),
        );
        assert_redacted("LongTermKeys", format!("{keys:?}"));
        assert_redacted("Session", format!("{session:?}"));
        assert_redacted(
            "ProfileCredentials",
            format!("{:?}", ProfileCredentials::read(&ini, "mfa")),
        );
        assert_redacted("IniFile", format!("{ini:?}"));
        assert_redacted("Section", format!("{:?}", ini.sections()));
        assert_redacted("AwsFiles", format!("{files:?}"));
        assert_redacted("SessionRequest", format!("{request:?}"));
        assert_redacted("Cli (login --code)", format!("{cli:?}"));
        assert_redacted("Cli (login CODE)", format!("{positional:?}"));
    }

    #[test]
    fn a_renewal_never_opens_the_keychain_and_a_login_reads_it_last() {
        use crate::keys::test_keychain::TestKeychain;
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".aws")).unwrap();
        std::fs::write(
            home.path().join(".aws/config"),
            "[default]\nmfa_serial = arn:aws:iam::000000000000:mfa/x\n",
        )
        .unwrap();
        let env = std::collections::HashMap::from([("HOME", home.path().to_str().unwrap())]);
        let mut options = crate::login::plan::LoginOptions {
            code: Some(CODE.into()),
            renewal: true,
            ..Default::default()
        };
        let keychain = TestKeychain::down();
        let resolved = crate::login::plan::resolve(&options, &env, &keychain, &mut Vec::new());
        let crate::login::plan::Resolved::Plan(plan) = resolved.unwrap() else {
            panic!("no session yet")
        };
        assert!(plan.session.keys.is_none());
        assert_eq!(keychain.calls.get(), 0);
        // A login that needs GetSessionToken reads the keychain's keys.
        options.renewal = false;
        let keychain = TestKeychain::with("default", "AKIAKEYCHAIN", SECRET);
        let resolved = crate::login::plan::resolve(&options, &env, &keychain, &mut Vec::new());
        let crate::login::plan::Resolved::Plan(plan) = resolved.unwrap() else {
            panic!("no session yet")
        };
        let found = plan.session.keys.as_ref().unwrap();
        assert_eq!(found.keys.access_key_id, "AKIAKEYCHAIN");
        assert_eq!(found.from, crate::keys::KeysFrom::Keychain);
        assert_redacted("Plan from the keychain", format!("{plan:?}"));
    }

    #[test]
    fn debug_of_a_login_plan_shows_no_secret() {
        let home = tempfile::tempdir().unwrap();
        let aws = home.path().join(".aws");
        std::fs::create_dir(&aws).unwrap();
        std::fs::write(
            aws.join("credentials"),
            format!("[default]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = {SECRET}\n"),
        )
        .unwrap();
        std::fs::write(
            aws.join("config"),
            "[default]\nmfa_serial = arn:aws:iam::000000000000:mfa/x\n\
             mfa_process = oathtool --totp -b SEEDSEEDSEED\n\
             [profile admin]\nrole_arn = arn:aws:iam::000000000000:role/a\nsource_profile = default\n",
        )
        .unwrap();
        let env = std::collections::HashMap::from([("HOME", home.path().to_str().unwrap())]);
        let options = crate::login::plan::LoginOptions {
            profiles: crate::names::ProfileArgs {
                profile: Some("admin".into()),
                target: None,
            },
            code: Some(CODE.into()),
            ..Default::default()
        };
        let keychain = crate::keys::test_keychain::TestKeychain::default();
        let resolved =
            crate::login::plan::resolve(&options, &env, &keychain, &mut Vec::new()).unwrap();
        let shown = format!("{resolved:?}");
        assert!(
            shown.contains("arn:aws:iam::000000000000:role/a"),
            "{shown}"
        );
        assert_redacted("Plan", shown.clone());
        assert!(!shown.contains("SEEDSEEDSEED"), "{shown}");
    }
}
