//! Files are sacred: only the target's key lines change, byte for byte,
//! writes are atomic and private, symlinks stay, concurrent runs lose nothing.

mod common;

use std::fs;

use common::*;
use predicates::prelude::*;

fn fixture(name: &str) -> String {
    fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The end of a long file, escaped, for failure messages.
fn tail(text: &str) -> String {
    format!("{:?}", &text[text.len().saturating_sub(400)..])
}

/// The session moto issued, as the four lines awsmfa appends.
fn session_lines(env: &TestEnv, eol: &str) -> String {
    let creds = env.credentials();
    let exp = creds
        .lines()
        .rev()
        .find_map(|l| l.trim_end_matches('\r').strip_prefix("expiration = "))
        .expect("an expiration line")
        .to_owned();
    let token = creds
        .lines()
        .find_map(|l| {
            l.trim_end_matches('\r')
                .strip_prefix("aws_session_token = ")
        })
        .unwrap()
        .to_owned();
    [
        "[mfa]".to_owned(),
        format!("aws_access_key_id = {MOTO_SESSION_KEY_ID}"),
        format!("aws_secret_access_key = {MOTO_SESSION_SECRET}"),
        format!("aws_session_token = {token}"),
        format!("expiration = {exp}"),
    ]
    .join(eol)
}

#[test]
fn updating_an_existing_section_changes_only_its_key_lines() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = peer("aws") else { return };
    let env = TestEnv::new();
    let original = fixture("commented.ini");
    env.write_credentials(&original);
    // The old session has expired, so login renews it.
    env.login(&moto.url(), &[]);
    let after = env.credentials();
    let token = aws_configure_get(&env, &aws, "aws_session_token", "mfa");
    let exp = aws_configure_get(&env, &aws, "expiration", "mfa");
    let expected = original
        .replace(
            "AWS_ACCESS_KEY_ID=ASIAOLDOLDOLD",
            &format!("AWS_ACCESS_KEY_ID={MOTO_SESSION_KEY_ID}"),
        )
        .replace(
            "aws_secret_access_key   =   old-secret",
            &format!("aws_secret_access_key   =   {MOTO_SESSION_SECRET}"),
        )
        .replace(
            "aws_session_token = old-token",
            &format!("aws_session_token = {token}"),
        )
        .replace(
            "expiration = 2020-01-01T00:00:00Z",
            &format!("expiration = {exp}"),
        );
    assert_eq!(after, expected);
    // botocore still reads every other value as before, quotes included.
    assert_eq!(aws_configure_get(&env, &aws, "note", "mfa"), "keep me");
    assert_eq!(
        aws_configure_get(&env, &aws, "aws_secret_access_key", "work"),
        "\"quoted secret stays quoted\""
    );
    assert_eq!(aws_configure_get(&env, &aws, "region", "work"), "eu-west-1");
}

#[test]
fn crlf_missing_final_newline_and_large_files_keep_their_bytes() {
    let Some(moto) = Moto::start() else { return };
    for (name, eol, final_eol) in [
        ("crlf.ini", "\r\n", true),
        ("no-final-newline.ini", "\n", false),
        ("many-sections.ini", "\n", true),
    ] {
        let env = TestEnv::new();
        let original = fixture(name);
        env.write_credentials(&original);
        env.login(&moto.url(), &[]);
        let mut expected = original.clone();
        if !original.ends_with('\n') {
            expected.push_str(eol);
        }
        expected.push_str(eol);
        expected.push_str(&session_lines(&env, eol));
        if final_eol {
            expected.push_str(eol);
        }
        let actual = env.credentials();
        assert!(
            actual == expected,
            "{name}: got\n{}\nexpected\n{}",
            tail(&actual),
            tail(&expected)
        );

        // logout restores the original bytes exactly.
        env.awsmfa(&["logout"]).assert().success();
        let actual = env.credentials();
        assert!(
            actual == original,
            "{name} after logout:\n{}",
            tail(&actual)
        );
    }
}

#[test]
fn config_profile_is_appended_and_nothing_else_changes() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = peer("aws") else { return };
    let env = TestEnv::with_default_profile();
    let original = fixture("config-nested.ini");
    env.write_config(&original);
    env.login(&moto.url(), &[]);
    assert_eq!(
        env.config(),
        format!("{original}\n[profile mfa]\nregion = eu-west-1\noutput = json\n")
    );
    assert_eq!(aws_configure_get(&env, &aws, "region", "mfa"), "eu-west-1");
    assert_eq!(aws_configure_get(&env, &aws, "region", "x"), "us-west-2");
}

#[cfg(unix)]
#[test]
fn new_files_are_private_and_the_directory_is_created() {
    use std::os::unix::fs::PermissionsExt;
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new();
    fs::remove_dir(env.home().join(".aws")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let config = elsewhere.path().join("config");
    fs::write(
        &config,
        format!("[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\nmfa_serial = {DEVICE}\n"),
    )
    .unwrap();
    let env = env.var("AWS_CONFIG_FILE", config.to_str().unwrap());
    env.login(&moto.url(), &[]);
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&env.home().join(".aws")), 0o700);
    assert_eq!(mode(&env.credentials_path()), 0o600);
    let names: Vec<_> = fs::read_dir(env.home().join(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".awsmfa-lock"))
        .collect();
    assert_eq!(names, ["credentials"], "no temporary files are left behind");
}

#[cfg(unix)]
#[test]
fn an_existing_credentials_file_is_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    fs::set_permissions(env.credentials_path(), fs::Permissions::from_mode(0o644)).unwrap();
    env.login(&moto.url(), &[]);
    let mode = fs::metadata(env.credentials_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn aws_file_variables_are_honored() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = peer("aws") else { return };
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("my-creds");
    let config = dir.path().join("my-config");
    fs::write(&creds, default_credentials()).unwrap();
    fs::write(&config, "[default]\nregion = eu-west-3\n").unwrap();
    let env = TestEnv::new()
        .var("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap())
        .var("AWS_CONFIG_FILE", config.to_str().unwrap());
    env.login(&moto.url(), &[]);
    assert!(fs::read_to_string(&creds).unwrap().contains("[mfa]"));
    assert!(
        fs::read_to_string(&config)
            .unwrap()
            .contains("[profile mfa]")
    );
    assert!(!env.credentials_path().exists() && !env.config_path().exists());
    assert_eq!(
        aws_configure_get(&env, &aws, "aws_access_key_id", "mfa"),
        MOTO_SESSION_KEY_ID
    );
    env.awsmfa(&["status"]).assert().success();
}

/// The files of a directory, for "nothing was written here".
fn entries(dir: &std::path::Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn file_variables_expand_variables_and_tilde_as_botocore_does() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = peer("aws") else { return };
    let env = TestEnv::new();
    let data = env.home().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("creds"), default_credentials()).unwrap();
    fs::write(data.join("config"), "[default]\nregion = eu-west-3\n").unwrap();
    let env = env
        .var("DATA_DIR", data.to_str().unwrap())
        .var("AWS_SHARED_CREDENTIALS_FILE", "${DATA_DIR}/creds")
        .var("AWS_CONFIG_FILE", "~/data/config");
    let cwd = tempfile::tempdir().unwrap();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &moto.url()])
        .current_dir(cwd.path())
        .assert()
        .success();
    assert!(entries(cwd.path()).is_empty(), "{:?}", entries(cwd.path()));
    assert!(
        fs::read_to_string(data.join("creds"))
            .unwrap()
            .contains("[mfa]")
    );
    // The AWS CLI finds the session and the copied region in the same files.
    assert_eq!(
        aws_configure_get(&env, &aws, "aws_access_key_id", "mfa"),
        MOTO_SESSION_KEY_ID
    );
    assert_eq!(aws_configure_get(&env, &aws, "region", "mfa"), "eu-west-3");
    env.awsmfa(&["status"])
        .current_dir(cwd.path())
        .assert()
        .success();
}

#[test]
fn an_empty_file_variable_names_no_file() {
    let sts = MockSts::issuing_sessions();
    // A valid session where the variable would lead if empty meant unset.
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "{}\n[mfa]\naws_access_key_id = ASIAFAKE\naws_secret_access_key = s\n\
         aws_session_token = t\nexpiration = 2999-01-01T00:00:00Z\n",
        default_credentials()
    ));
    let before = env.credentials();
    let cwd = tempfile::tempdir().unwrap();
    let empty_credentials = env.var("AWS_SHARED_CREDENTIALS_FILE", "");
    let run = |args: &[&str]| {
        let mut cmd = empty_credentials.awsmfa(args);
        cmd.current_dir(cwd.path());
        cmd.assert()
    };
    // Reading: no file, so no session.
    run(&["status"]).code(3).stdout("mfa: no session\n");
    run(&["env"])
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("set but empty"));
    if let Some(aws) = peer("aws") {
        // botocore agrees: no credentials file, no key.
        let out = empty_credentials
            .program(
                &aws,
                &["configure", "get", "aws_access_key_id", "--profile", "mfa"],
            )
            .output()
            .unwrap();
        assert!(out.stdout.is_empty(), "{out:?}");
    }
    // Writing: refused before any request, with keys found in the config file.
    empty_credentials.write_config(&format!(
        "[default]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n\
         mfa_serial = {DEVICE}\n"
    ));
    run(&["login", "--code", "123456", "--endpoint-url", &sts.url()])
        .code(1)
        .stderr(predicate::str::contains("path is empty"));
    run(&["logout"]).code(1);
    assert_eq!(sts.requests(), 0);
    assert!(entries(cwd.path()).is_empty(), "{:?}", entries(cwd.path()));
    assert_eq!(empty_credentials.credentials(), before);
}

#[test]
fn a_file_of_30000_profiles_is_read_and_edited_in_linear_time() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::new();
    let mut text = default_credentials();
    for i in 0..30_000 {
        text.push_str(&format!(
            "\n[s{i}]\naws_access_key_id = ASIA{i:016}\naws_secret_access_key = s{i}\n\
             aws_session_token = t{i}\nexpiration = 2999-01-01T00:00:00Z\n"
        ));
    }
    env.write_credentials(&text);
    // Generous bounds for a debug build on a busy machine: each command
    // reads the file (and checks its rewrite) in linear time. Quadratic,
    // `status --all` looked every profile up in a full scan and took minutes.
    let timed = |args: &[&str]| {
        let started = std::time::Instant::now();
        let out = env.awsmfa(args).output().unwrap();
        let took = started.elapsed();
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert!(
            took < std::time::Duration::from_secs(10),
            "{args:?} took {took:?}"
        );
        out
    };
    timed(&["login", "--code", "123456", "--endpoint-url", &sts.url()]);
    let all = timed(&["status", "--all"]);
    assert_eq!(all.stdout.iter().filter(|&&b| b == b'\n').count(), 30_002);
    timed(&["logout", "--target", "s15000"]);
    let after = env.credentials();
    assert!(after.contains("[mfa]") && !after.contains("[s15000]") && after.contains("[s29999]"));
}

#[cfg(unix)]
#[test]
fn a_symlinked_credentials_file_stays_a_symlink() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new();
    let dotfiles = tempfile::tempdir().unwrap();
    let real = dotfiles.path().join("aws-credentials");
    fs::write(&real, default_credentials()).unwrap();
    std::os::unix::fs::symlink(&real, env.credentials_path()).unwrap();
    env.login(&moto.url(), &[]);
    assert!(
        fs::symlink_metadata(env.credentials_path())
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::read_to_string(&real).unwrap().contains("[mfa]"));
    assert!(
        fs::read_to_string(&real)
            .unwrap()
            .starts_with(&default_credentials())
    );
}

/// 32 logins to distinct targets and 32 to one target at once, against moto,
/// while readers run `env` without pause: no section is lost, the file is
/// never torn, and no reader ever sees a half-written file.
#[test]
fn concurrent_logins_and_readers_lose_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let Some(moto) = Moto::start() else { return };
    let env = Arc::new(TestEnv::new());
    let session = "[steady]\naws_access_key_id = ASIASTEADYFAKE000000\n\
                   aws_secret_access_key = steadySecret\naws_session_token = steadyToken\n\
                   expiration = 2999-01-01T00:00:00Z\n";
    let original = format!("{}\n{session}", fixture("commented.ini"));
    env.write_credentials(&original);

    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (env, done) = (env.clone(), done.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !done.load(Ordering::SeqCst) {
                    let out = env
                        .awsmfa(&["env", "--target", "steady", "--shell", "bash"])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "a reader failed mid-write: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    assert!(
                        String::from_utf8_lossy(&out.stdout)
                            .contains("export AWS_SESSION_TOKEN='steadyToken'")
                    );
                    reads += 1;
                }
                reads
            })
        })
        .collect();

    let spawn = |target: String, force: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_awsmfa"));
        env.apply(&mut cmd);
        cmd.args(["login", "--code", "123456", "--endpoint-url", &moto.url()])
            .args(["--target", &target])
            .args(force.then_some("--force"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    let children: Vec<_> = (0..32)
        .flat_map(|i| {
            [
                spawn(format!("parallel-{i}"), false),
                spawn("shared".into(), true),
            ]
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    done.store(true, Ordering::SeqCst);
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }

    let after = env.credentials();
    assert!(after.starts_with(&original), "the original content changed");
    for i in 0..32 {
        env.awsmfa(&["status", "--target", &format!("parallel-{i}")])
            .assert()
            .success();
    }
    env.awsmfa(&["status", "--target", "shared"])
        .assert()
        .success();
    assert_eq!(after.matches("[parallel-").count(), 32);
    assert_eq!(after.matches("[shared]").count(), 1);
    assert_eq!(moto.session_token_requests().len(), 64);
    let aws_dir = env.home().join(".aws");
    let leftovers: Vec<_> = fs::read_dir(&aws_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".awsmfa-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn status_reports_human_and_json_with_exit_codes() {
    let env = TestEnv::new();
    env.write_credentials(
        "[mfa]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\n\
         expiration = 2999-01-01T00:00:00Z\n\
         [old-mfa]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\n\
         expiration = 2020-01-01T00:00:00Z\n",
    );
    env.awsmfa(&["status"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "mfa: valid until 2999-01-01T00:00:00Z (",
        ))
        .stdout(predicate::str::contains(" left)"));
    let out = env.awsmfa(&["status", "--json"]).output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["profile"], "mfa");
    assert_eq!(json["valid"], true);
    assert_eq!(json["expiration"], "2999-01-01T00:00:00Z");
    assert!(json["remaining_seconds"].as_i64().unwrap() > 0);

    env.awsmfa(&["status", "--profile", "old"])
        .assert()
        .code(3)
        .stdout(predicate::str::starts_with(
            "old-mfa: expired at 2020-01-01T00:00:00Z",
        ));
    env.awsmfa(&["status", "--target", "old-mfa", "--json"])
        .assert()
        .code(3)
        .stdout(
            "{\"profile\":\"old-mfa\",\"valid\":false,\"expiration\":\"2020-01-01T00:00:00Z\",\"remaining_seconds\":0}\n",
        );
    env.awsmfa(&["status", "-t", "none", "--json"])
        .assert()
        .code(3)
        .stdout("{\"profile\":\"none\",\"valid\":false,\"expiration\":null,\"remaining_seconds\":null}\n");
}

#[test]
fn logout_removes_only_the_target_section() {
    let env = TestEnv::new();
    let original = fixture("commented.ini");
    env.write_credentials(&original);
    env.awsmfa(&["logout"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("removed profile mfa"));
    let after = env.credentials();
    // From the header through the last key; the blank line before [work] stays.
    let start = original.find("[mfa]").unwrap();
    let end = original.find("note = keep me\n").unwrap() + "note = keep me\n".len();
    assert_eq!(after, format!("{}{}", &original[..start], &original[end..]));
    assert!(after.contains("# the session goes here\n\n[work]"));

    env.awsmfa(&["logout"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no profile mfa"));
    assert_eq!(env.credentials(), after);

    env.awsmfa(&["logout", "--target", "work"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("work holds long-term keys"));
    assert_eq!(env.credentials(), after);
}
