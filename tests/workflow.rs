//! The everyday loop: exec, credential-process, prompt, status --all/--within,
//! completions and the man page, against real peers.

mod common;

#[cfg(unix)]
use std::path::{Path, PathBuf};

use common::*;
use predicates::prelude::*;

const SESSION_ID: &str = "ASIAFAKEWORKFLOW0000";
const SESSION_SECRET: &str = "fakeWorkflowSessionSecret/0000000000000";
const SESSION_TOKEN: &str = "FakeWorkflowSessionToken+/=0000";

fn with_session(expiration: &str) -> TestEnv {
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "{}\n[mfa]\naws_access_key_id = {SESSION_ID}\naws_secret_access_key = {SESSION_SECRET}\n\
         aws_session_token = {SESSION_TOKEN}\nexpiration = {expiration}\n",
        default_credentials()
    ));
    env
}

fn valid() -> TestEnv {
    with_session("2999-01-01T00:00:00Z")
}

/// A PATH with the built binary first, for shells that call `awsmfa` by name.
#[cfg(unix)]
fn path_with_awsmfa() -> String {
    let dir = Path::new(env!("CARGO_BIN_EXE_awsmfa"))
        .parent()
        .unwrap()
        .to_owned();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let all: Vec<PathBuf> = std::iter::once(dir)
        .chain(std::env::split_paths(&rest))
        .collect();
    std::env::join_paths(all).unwrap().into_string().unwrap()
}

#[cfg(unix)]
#[test]
fn exec_gives_the_child_the_session_and_nothing_else() {
    let env = valid()
        .var("AWS_PROFILE", "other")
        .var("AWS_DEFAULT_PROFILE", "other");
    let script = r#"printf '%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" \
        "$AWS_CREDENTIAL_EXPIRATION" "${AWS_PROFILE-unset}" "${AWS_DEFAULT_PROFILE-unset}"; cat"#;
    env.awsmfa(&["exec", "--", "sh", "-c", script])
        .write_stdin("from stdin\n")
        .assert()
        .success()
        .stdout(format!(
            "{SESSION_ID}\n{SESSION_SECRET}\n{SESSION_TOKEN}\n2999-01-01T00:00:00Z\nunset\nunset\nfrom stdin\n"
        ));
}

#[cfg(unix)]
#[test]
fn exec_exits_with_the_childs_code_and_128_plus_signal() {
    let env = valid();
    env.awsmfa(&["exec", "--", "sh", "-c", "echo err >&2; exit 42"])
        .assert()
        .code(42)
        .stderr("err\n");
    env.awsmfa(&["exec", "sh", "-c", "kill -TERM $$"])
        .assert()
        .code(128 + 15);
    env.awsmfa(&["exec", "--", "/nonexistent/program"])
        .assert()
        .code(127);
}

#[test]
fn exec_without_a_session_exits_3_and_runs_nothing() {
    let env = with_session("2020-01-01T00:00:00Z");
    let marker = env.home().join("ran");
    env.awsmfa(&["exec", "--", "touch", marker.to_str().unwrap()])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("expired"))
        .stderr(predicate::str::contains("hint: run 'awsmfa login'"));
    assert!(!marker.exists());
}

/// An expired session: `exec --login` asks for the code on the terminal
/// (a real pty via `script`), saves the new session and runs with it.
#[cfg(target_os = "linux")]
#[test]
fn exec_login_logs_in_first() {
    let Some(moto) = Moto::start() else { return };
    let Some(script) = peer("script") else { return };
    let env = with_session("2020-01-01T00:00:00Z");
    let command = format!(
        "AWS_ENDPOINT_URL={} '{}' exec --login -- sh -c 'echo key=$AWS_ACCESS_KEY_ID'",
        moto.url(),
        env!("CARGO_BIN_EXE_awsmfa"),
    );
    let out = env
        .program(&script, &["-qec", &command, "/dev/null"])
        .write_stdin("123456\n")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains(&format!("key={MOTO_SESSION_KEY_ID}")),
        "{screen}"
    );
    assert_eq!(moto.session_token_requests().len(), 1);
    assert!(env.credentials().contains(MOTO_SESSION_KEY_ID));
}

#[test]
fn credential_process_prints_the_sdk_json() {
    let env = valid();
    let out = env.awsmfa(&["credential-process"]).output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"Version": 1, "AccessKeyId": SESSION_ID, "SecretAccessKey": SESSION_SECRET,
            "SessionToken": SESSION_TOKEN, "Expiration": "2999-01-01T00:00:00Z"})
    );
    with_session("2020-01-01T00:00:00Z")
        .awsmfa(&["credential-process", "--target", "mfa"])
        .assert()
        .code(3)
        .stdout("");
}

/// botocore itself runs `awsmfa credential-process` and gets the session.
#[test]
fn botocore_and_the_aws_cli_resolve_credentials_through_it() {
    let Some(python) = peer("python3") else {
        return;
    };
    let Some(aws) = peer("aws") else { return };
    let Some(moto) = Moto::start() else { return };
    let env = valid();
    env.write_config(&format!(
        "[profile via-process]\nregion = us-east-1\ncredential_process = {} credential-process --target mfa\n",
        env!("CARGO_BIN_EXE_awsmfa")
    ));
    let script = "import botocore.session\n\
        c = botocore.session.Session(profile='via-process').get_credentials().get_frozen_credentials()\n\
        print(c.access_key, c.secret_key, c.token)";
    env.program(&python, &["-c", script])
        .assert()
        .success()
        .stdout(format!("{SESSION_ID} {SESSION_SECRET} {SESSION_TOKEN}\n"));
    env.program(
        &aws,
        &[
            "sts",
            "get-caller-identity",
            "--profile",
            "via-process",
            "--endpoint-url",
            &moto.url(),
        ],
    )
    .assert()
    .success();
    let signed_with = moto.requests().last().unwrap().authorization.clone();
    assert!(
        signed_with.contains(&format!("Credential={SESSION_ID}/")),
        "{signed_with}"
    );

    // No session: botocore reports the failure instead of using anything else.
    let expired = with_session("2020-01-01T00:00:00Z");
    expired.write_config(&env.config());
    expired
        .program(
            &aws,
            &[
                "sts",
                "get-caller-identity",
                "--profile",
                "via-process",
                "--endpoint-url",
                &moto.url(),
            ],
        )
        .assert()
        .failure();
}

/// A session as the Python aws-mfa writes it: `aws_security_token` beside
/// (here: instead of, or ahead of) `aws_session_token`.
#[test]
fn aws_security_token_is_read_as_botocore_reads_it() {
    for (tokens, expected) in [
        ("aws_security_token = OldNameToken\n", "OldNameToken"),
        (
            "aws_session_token = NewNameToken\naws_security_token = OldNameToken\n",
            "OldNameToken",
        ),
    ] {
        let env = TestEnv::new();
        env.write_credentials(&format!(
            "{}\n[mfa]\naws_access_key_id = {SESSION_ID}\naws_secret_access_key = {SESSION_SECRET}\n\
             {tokens}expiration = 2999-01-01 00:00:00\nassumed_role = False\n",
            default_credentials()
        ));
        env.awsmfa(&["status"]).assert().success();
        env.awsmfa(&["env", "--shell", "sh"])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "export AWS_SESSION_TOKEN='{expected}'"
            )));
        if let Some(python) = peer("python3") {
            let script = "import botocore.session\n\
                c = botocore.session.Session(profile='mfa').get_credentials()\n\
                print(c.method, c.token)";
            env.program(&python, &["-c", script])
                .assert()
                .success()
                .stdout(format!("shared-credentials-file {expected}\n"));
        }
    }
}

#[test]
fn a_source_with_aws_security_token_is_refused_as_temporary() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "{}aws_security_token = OldNameToken\n",
        default_credentials()
    ));
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &sts.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("holds temporary credentials"));
    assert_eq!(sts.requests(), 0);
}

#[test]
fn prompt_segment() {
    let out = valid().awsmfa(&["prompt"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("mfa:") && text.ends_with("h\n"), "{text}");
    with_session("2020-01-01T00:00:00Z")
        .awsmfa(&["prompt"])
        .assert()
        .success()
        .stdout("");
    TestEnv::new()
        .awsmfa(&["prompt"])
        .assert()
        .success()
        .stdout("");
}

/// A prompt runs before every command line: an error never prints there,
/// it only shows in the exit code.
#[test]
fn prompt_is_silent_when_it_cannot_read_the_files() {
    let broken_credentials = valid();
    broken_credentials.write_credentials(&format!(
        "{}broken line\n",
        broken_credentials.credentials()
    ));
    let broken_config = valid();
    broken_config.write_config("[default]\n[default]\n");
    let directory = TestEnv::new();
    std::fs::create_dir(directory.credentials_path()).unwrap();
    for (env, code) in [
        (&broken_credentials, 2),
        (&broken_config, 2),
        (&directory, 1),
    ] {
        env.awsmfa(&["prompt"])
            .assert()
            .code(code)
            .stdout("")
            .stderr("");
    }
    // The same files still give their error where one is asked for.
    broken_credentials
        .awsmfa(&["status"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 11"));
}

#[test]
fn status_within_exits_3_when_the_session_ends_soon() {
    let soon = awsmfa::time::Timestamp::now().plus(20 * 60).to_string();
    let env = with_session(&soon);
    env.awsmfa(&["status"]).assert().success();
    env.awsmfa(&["status", "--within", "10m"])
        .assert()
        .success();
    env.awsmfa(&["status", "--within", "30m"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("expires within 30m"));
    env.awsmfa(&["status", "--within", "whenever"])
        .assert()
        .code(2);
}

#[test]
fn status_within_a_huge_span_compares_or_is_a_usage_error() {
    let env = valid();
    // The longest span awsmfa counts: longer than any session.
    env.awsmfa(&["status", "--within", "9223372036854775807"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("expires within"));
    env.awsmfa(&["status", "--all", "--within", "106751991167300d"])
        .assert()
        .code(3);
    for overflowing in [
        "9223372036854775808",
        "18446744073709551616",
        "106751991167301d",
    ] {
        env.awsmfa(&["status", "--within", overflowing])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("longer than awsmfa can count"));
    }
}

#[test]
fn status_all_lists_every_session() {
    let env = valid();
    let mut creds = env.credentials();
    creds.push_str(
        "\n[old-mfa]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\n\
         expiration = 2020-01-01T00:00:00Z\n",
    );
    env.write_credentials(&creds);
    env.awsmfa(&["status", "--all"]).assert().success().stdout(
        "PROFILE  STATE    EXPIRES               LEFT\n\
             mfa      valid    2999-01-01T00:00:00Z  "
            .to_owned()
            + &awsmfa::time::human_span(
                awsmfa::time::Timestamp::now()
                    .seconds_until(awsmfa::time::Timestamp::parse("2999-01-01T00:00:00Z").unwrap()),
            )
            + "\nold-mfa  expired  2020-01-01T00:00:00Z  -\n",
    );
    let out = env.awsmfa(&["status", "--all", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let profiles: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["profile"].clone())
        .collect();
    assert_eq!(profiles, ["mfa", "old-mfa"]);
    assert_eq!(json[1]["valid"], false);
    TestEnv::with_default_profile()
        .awsmfa(&["status", "--all"])
        .assert()
        .code(3);
}

#[cfg(unix)]
#[test]
fn completions_load_and_complete_profile_names() {
    let env = valid().var("PATH", &path_with_awsmfa());
    env.write_config("[profile from-config]\nregion = eu-west-1\n");
    if let Some(bash) = peer("bash") {
        let script = r#"source <(awsmfa completions bash) || exit 9
complete -p awsmfa >/dev/null || exit 8
COMP_WORDS=(awsmfa status --profile f); COMP_CWORD=3; _awsmfa_with_profiles
printf '%s\n' "${COMPREPLY[@]}""#;
        env.program(&bash, &["-c", script])
            .assert()
            .success()
            .stdout("from-config\n");
    }
    if let Some(zsh) = peer("zsh") {
        let script = "autoload -U compinit && compinit -u -D && source <(awsmfa completions zsh) \
                      && whence -w _awsmfa_profiles && whence -w _awsmfa";
        env.program(&zsh, &["-f", "-c", script])
            .assert()
            .success()
            .stdout(predicate::str::contains("_awsmfa: function"));
    }
    if let Some(fish) = peer("fish") {
        let script = "awsmfa completions fish | source; complete -C 'awsmfa status --target '";
        env.program(&fish, &["--no-config", "-c", script])
            .assert()
            .success()
            .stdout(predicate::str::contains("default"))
            .stdout(predicate::str::contains("from-config"))
            .stdout(predicate::str::contains("mfa"));
        let script = "awsmfa completions fish | source; complete -C 'awsmfa cred'";
        env.program(&fish, &["--no-config", "-c", script])
            .assert()
            .success()
            .stdout(predicate::str::contains("credential-process"));
    }
    for shell in ["powershell", "elvish"] {
        env.awsmfa(&["completions", shell]).assert().success();
    }
}

#[test]
fn man_page_is_roff() {
    TestEnv::new()
        .awsmfa(&["man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH awsmfa 1"))
        .stdout(predicate::str::contains("credential\\-process"));
}

#[test]
fn man_dir_holds_a_page_for_every_page_named() {
    let dir = tempfile::tempdir().unwrap();
    TestEnv::new()
        .awsmfa(&["man", "--dir", dir.path().to_str().unwrap()])
        .assert()
        .success()
        .stdout("");
    let pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    for page in ["awsmfa.1", "awsmfa-login.1", "awsmfa-sso-login.1"] {
        assert!(pages.iter().any(|p| p == page), "{page} missing: {pages:?}");
    }
    assert!(
        !pages
            .iter()
            .any(|p| p.contains("profiles") || p.contains("help"))
    );
    // Every awsmfa-x(1) a page refers to is a page of the directory.
    for page in &pages {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        for (at, _) in text.match_indices("(1)") {
            let name = text[..at].rsplit(char::is_whitespace).next().unwrap();
            let name = name.replace("\\-", "-");
            if name.starts_with("awsmfa") {
                assert!(
                    pages.contains(&format!("{name}.1")),
                    "{page} names {name}(1): {pages:?}"
                );
            }
        }
    }
}
