//! Secrets never leak: every command and error path, verbose where it can be,
//! with no secret key, session token or MFA code in what it prints (beyond the
//! variables `env` and `credential-process` exist to print). Files are 0600
//! in a 0700 directory, and a credentials file open to others is flagged.

mod common;

use common::mock_sts::{Reply, sts_error};
use common::*;

/// A code that appears nowhere else (the device ARN holds 123456).
const CODE: &str = "924731";
const SESSION_SECRET: &str = "fakeMockSessionSecret/000000000000000000";
const SESSION_TOKEN: &str = "FakeMockSessionToken+/=";

/// A program that exists on every OS, for `exec`.
fn awsmfa_exe() -> String {
    env!("CARGO_BIN_EXE_awsmfa").to_owned()
}

fn assert_clean(what: &str, text: &[u8]) {
    let text = String::from_utf8_lossy(text);
    for secret in [SECRET_ACCESS_KEY, SESSION_SECRET, SESSION_TOKEN, CODE] {
        assert!(!text.contains(secret), "{what} shows {secret:?}:\n{text}");
    }
}

#[test]
fn no_command_or_error_shows_a_secret() {
    let ok = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let url = ok.url();
    let login = |extra: &[&str]| {
        let mut args = vec!["login", "-v", "--code", CODE, "--endpoint-url", &url];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };

    // Successes. `env`, `exec` and `credential-process` print the session on
    // stdout by design: only their stderr is checked.
    let runs: Vec<(Vec<String>, bool)> = vec![
        (login(&[]), true),
        (login(&["--force", "-t", "second"]), true),
        (login(&[]), true), // skipped: still valid
        (vec!["env".into()], false),
        (vec!["env".into(), "--unset".into()], true),
        (vec!["status".into()], true),
        (vec!["status".into(), "--all".into(), "--json".into()], true),
        (vec!["prompt".into()], true),
        (vec!["credential-process".into()], false),
        (
            vec!["exec".into(), "--".into(), awsmfa_exe(), "--version".into()],
            true,
        ),
        (vec!["profiles".into()], true),
        (
            vec![
                "configure".into(),
                "-v".into(),
                "--device".into(),
                "arn:aws:iam::123456789012:mfa/other".into(),
            ],
            true,
        ),
        (vec!["logout".into(), "-t".into(), "second".into()], true),
    ];
    for (args, check_stdout) in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = env.awsmfa(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_clean(&format!("stderr of {args:?}"), &out.stderr);
        if check_stdout {
            assert_clean(&format!("stdout of {args:?}"), &out.stdout);
        }
    }

    // Failures, each with the secrets in play.
    let failing = |reply: Reply| MockSts::start(vec![reply]);
    let rejected = failing(Reply::Status(
        403,
        sts_error("AccessDenied", "MultiFactorAuthentication failed"),
    ));
    let bad_secret = failing(Reply::Status(
        403,
        sts_error("SignatureDoesNotMatch", "signature mismatch"),
    ));
    let garbage = failing(Reply::Status(200, format!("<x>{CODE}</x>")));
    let refused = format!("http://127.0.0.1:{}", free_port());
    for endpoint in [rejected.url(), bad_secret.url(), garbage.url(), refused] {
        let out = env
            .awsmfa(&[
                "login",
                "-v",
                "--force",
                "--code",
                CODE,
                "--endpoint-url",
                &endpoint,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert_clean(&format!("login against {endpoint}"), &out.stderr);
        let out = env
            .awsmfa(&["configure", "-v", "--endpoint-url", &endpoint])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert_clean(&format!("configure against {endpoint}"), &out.stderr);
    }
    // Usage errors that carry a code or a secret.
    for args in [
        &["login", "--code", CODE, "--duration", "1s"][..],
        &["login", "--code", &format!("{CODE}7")],
        &["login", CODE, "extra-arg", CODE],
        &["status", CODE],
        &[
            "login",
            "-v",
            "--force",
            "--code",
            CODE,
            "--device",
            "has space",
        ],
    ] {
        let out = env.awsmfa(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert_clean(&format!("{args:?}"), &out.stderr);
    }
    // A malformed line that holds the secret is named by number only.
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = AKIAFAKE\n{SECRET_ACCESS_KEY}\n"
    ));
    for args in [&["env"][..], &["status"], &["login", "--code", CODE]] {
        let out = env.awsmfa(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert_clean(&format!("{args:?} on a malformed file"), &out.stderr);
    }
}

#[cfg(unix)]
#[test]
fn private_files_and_a_warning_for_shared_ones() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let sts = MockSts::issuing_sessions();

    // Created by awsmfa: 0600 files in a 0700 directory.
    let env = TestEnv::new();
    std::fs::remove_dir(env.home().join(".aws")).unwrap();
    let keys = default_credentials();
    let config = env.home().join("config-elsewhere");
    std::fs::write(&config, &keys).unwrap();
    let env = env.var("AWS_CONFIG_FILE", config.to_str().unwrap());
    env.awsmfa(&["login", "--code", CODE, "--endpoint-url", &sts.url()])
        .assert()
        .success();
    assert_eq!(mode(&env.home().join(".aws")), 0o700);
    assert_eq!(mode(&env.credentials_path()), 0o600);

    // A credentials file open to others is flagged by every command that
    // reads it (but not by the prompt), and a login tightens it.
    std::fs::set_permissions(
        env.credentials_path(),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let warning = format!(
        "awsmfa: warning: {} is open to other users (mode 0644)",
        env.credentials_path().display()
    );
    for args in [
        &["env"][..],
        &["status"],
        &["credential-process"],
        &["exec", "--", "true"],
    ] {
        let out = env.awsmfa(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&warning), "{args:?}: {stderr}");
    }
    let out = env.awsmfa(&["prompt"]).output().unwrap();
    assert!(out.stderr.is_empty());
    env.awsmfa(&[
        "login",
        "--force",
        "--code",
        CODE,
        "--endpoint-url",
        &sts.url(),
    ])
    .assert()
    .success()
    .stderr(predicates::str::contains(warning.as_str()));
    assert_eq!(mode(&env.credentials_path()), 0o600);
    env.awsmfa(&["status"]).assert().success().stderr("");
}
