//! Every way an MFA user signs in, against a real moto_server: role profiles
//! (one code for every role, chains, the AWS CLI keys), code commands,
//! `credential-process --login` run by the real AWS CLI (on a real pty),
//! one code for many parallel callers, partitions and FIPS endpoints, and
//! the Python aws-mfa's layout.

mod common;

use std::time::{Duration, Instant};

use common::*;
use predicates::prelude::*;

const ADMIN_ROLE: &str = "arn:aws:iam::123456789012:role/admin";
const OPS_ROLE: &str = "arn:aws:iam::123456789012:role/ops";

/// `[default]` keys (and device) plus role profiles admin (-> default) and
/// ops-admin (-> admin, a chain).
fn with_roles() -> TestEnv {
    let env = TestEnv::with_default_profile();
    env.write_config(&format!(
        "[default]\nregion = eu-west-1\n\n\
         [profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = default\n\
         external_id = ext-42\nrole_session_name = alice\nduration_seconds = 1800\noutput = json\n\n\
         [profile ops]\nrole_arn = {OPS_ROLE}\nsource_profile = admin\n"
    ));
    env
}

fn assume_role_requests(moto: &Moto) -> Vec<common::moto::Recorded> {
    moto.requests()
        .into_iter()
        .filter(|r| r.param("Action").as_deref() == Some("AssumeRole"))
        .collect()
}

#[test]
fn one_code_serves_every_role() {
    let Some(moto) = Moto::start() else { return };
    let env = with_roles();
    env.awsmfa(&[
        "login",
        "--profile",
        "admin",
        "--code",
        "123456",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains(format!("assumed {ADMIN_ROLE}")));
    let sessions = moto.session_token_requests();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].signer(), ACCESS_KEY_ID);
    let roles = assume_role_requests(&moto);
    assert_eq!(roles.len(), 1);
    let role = &roles[0];
    assert_eq!(role.param("RoleArn").as_deref(), Some(ADMIN_ROLE));
    assert_eq!(role.param("RoleSessionName").as_deref(), Some("alice"));
    assert_eq!(role.param("ExternalId").as_deref(), Some("ext-42"));
    assert_eq!(role.param("DurationSeconds").as_deref(), Some("1800"));
    assert_eq!(
        role.signer(),
        MOTO_SESSION_KEY_ID,
        "signed with the MFA session"
    );
    let creds = env.credentials();
    assert!(
        creds.contains("[mfa]\n"),
        "the MFA session is saved for reuse:\n{creds}"
    );
    assert!(creds.contains("[admin-mfa]\n"), "{creds}");
    // The new config profile takes the role's output and the source's region.
    assert!(
        env.config()
            .contains("[profile admin-mfa]\nregion = eu-west-1\noutput = json\n"),
        "{}",
        env.config()
    );

    // A second role: no code, no GetSessionToken, and stdin is not read.
    env.awsmfa(&["login", "--profile", "ops", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "using the MFA session in profile mfa",
        ));
    assert_eq!(moto.session_token_requests().len(), 1);
    let roles = assume_role_requests(&moto);
    assert_eq!(roles.len(), 3, "ops is assumed through admin");
    assert_eq!(roles[1].param("RoleArn").as_deref(), Some(ADMIN_ROLE));
    assert_eq!(roles[2].param("RoleArn").as_deref(), Some(OPS_ROLE));
    assert_eq!(roles[2].param("DurationSeconds").as_deref(), Some("3600"));
    assert!(env.credentials().contains("[ops-mfa]\n"));

    // Still valid: the role is not assumed again; --force does, reusing the session.
    env.awsmfa(&["login", "--profile", "admin", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stderr(predicate::str::contains("still holds a valid session"));
    assert_eq!(assume_role_requests(&moto).len(), 3);
    env.awsmfa(&[
        "login",
        "-p",
        "admin",
        "--force",
        "--duration",
        "2h",
        "--endpoint-url",
        &moto.url(),
    ])
    .assert()
    .success();
    let roles = assume_role_requests(&moto);
    assert_eq!(roles.len(), 4);
    assert_eq!(roles[3].param("DurationSeconds").as_deref(), Some("7200"));
    assert_eq!(moto.session_token_requests().len(), 1);
}

#[test]
fn the_role_profile_works_for_the_aws_cli() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = peer("aws") else { return };
    let env = with_roles();
    env.login(&moto.url(), &["--profile", "admin"]);
    let out = env
        .program(
            &aws,
            &[
                "sts",
                "get-caller-identity",
                "--profile",
                "admin-mfa",
                "--endpoint-url",
                &moto.url(),
            ],
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let identity = String::from_utf8_lossy(&out.stdout);
    assert!(identity.contains("assumed-role/admin/alice"), "{identity}");
}

#[test]
fn role_mistakes_are_refused_before_any_request() {
    let Some(moto) = Moto::start() else { return };
    let env = with_roles();
    let url = moto.url();
    let cases: &[(&[&str], i32, &str)] = &[
        // A chained role gets an hour at most.
        (&["-p", "ops", "--duration", "2h"], 2, "longer than an hour"),
        (&["-p", "admin", "--duration", "13h"], 2, "900 to 43200"),
    ];
    for (args, code, says) in cases {
        let mut all = vec!["login", "--code", "123456", "--endpoint-url", &url];
        all.extend_from_slice(args);
        env.awsmfa(&all)
            .assert()
            .code(*code)
            .stderr(predicate::str::contains(*says));
    }
    let config = format!(
        "[profile a]\nrole_arn = {ADMIN_ROLE}\nsource_profile = b\n\
         [profile b]\nrole_arn = {OPS_ROLE}\nsource_profile = a\n\
         [profile c]\nrole_arn = {OPS_ROLE}\ncredential_source = Ec2InstanceMetadata\n\
         [profile d]\nrole_arn = {OPS_ROLE}\nsource_profile = missing\n\
         [profile e]\nrole_arn = {OPS_ROLE}\nsource_profile = default\nduration_seconds = soon\n"
    );
    env.write_config(&config);
    for (profile, code, says) in [
        ("a", 1, "a -> b -> a"),
        ("c", 1, "credential_source"),
        ("d", 1, "d -> missing"),
        ("e", 2, "duration_seconds of profile e"),
    ] {
        env.awsmfa(&[
            "login",
            "-p",
            profile,
            "--code",
            "123456",
            "--endpoint-url",
            &url,
        ])
        .assert()
        .code(code)
        .stderr(predicate::str::contains(says));
    }
    assert!(moto.requests().is_empty(), "a request was made");
}

#[test]
fn assume_role_errors_name_the_role() {
    let mock = MockSts::start(vec![
        common::mock_sts::session_reply(),
        common::mock_sts::Reply::Status(
            403,
            common::mock_sts::sts_error(
                "AccessDenied",
                "User: arn:aws:iam::123456789012:user/tester is not authorized to perform: sts:AssumeRole",
            ),
        ),
    ]);
    let env = with_roles();
    env.awsmfa(&[
        "login",
        "-p",
        "admin",
        "--code",
        "123456",
        "--endpoint-url",
        &mock.url(),
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains(format!(
        "profile default may not assume {ADMIN_ROLE}"
    )))
    .stderr(predicate::str::contains("trust policy"))
    .stderr(predicate::str::contains("external_id"));
    // The MFA session was saved before the role failed: the next try needs no code.
    assert!(env.credentials().contains("[mfa]\n"));
    assert!(!env.credentials().contains("[admin-mfa]"));

    let mock = MockSts::start(vec![common::mock_sts::Reply::Status(
        400,
        common::mock_sts::sts_error(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
    )]);
    env.awsmfa(&["login", "-p", "admin", "--endpoint-url", &mock.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("longer than"))
        .stderr(predicate::str::contains("--duration 1h"));
}

#[cfg(unix)]
#[test]
fn code_commands_give_the_code_and_never_show_it() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    // Like `ykman`: a message on stderr, the code on stdout.
    let out = env
        .awsmfa(&[
            "login",
            "--code-command",
            "echo 'Touch your YubiKey' >&2; echo 24681$((0+3))",
            "--endpoint-url",
            &moto.url(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Touch your YubiKey"), "{stderr}");
    assert!(!stderr.contains("246813"), "{stderr}");
    assert_eq!(
        moto.session_token_requests()[0]
            .param("TokenCode")
            .as_deref(),
        Some("246813")
    );

    // mfa_process in the profile, and $AWSMFA_CODE_COMMAND before it.
    env.write_config("[default]\nmfa_process = echo 111111\n");
    let login = ["login", "--force", "--endpoint-url", &moto.url()];
    env.awsmfa(&login).assert().success();
    env.awsmfa(&login)
        .env("AWSMFA_CODE_COMMAND", "echo 222222")
        .assert()
        .success();
    let codes: Vec<_> = moto
        .session_token_requests()
        .iter()
        .map(|r| r.param("TokenCode").unwrap())
        .collect();
    assert_eq!(codes, ["246813", "111111", "222222"]);

    // Failures name the command, never its output, and make no request.
    for (cmd, says) in [
        ("echo 12345$((0+6)); exit 4", "failed (exit code 4)"),
        ("echo not-a-$((1))code", "did not print exactly 6 digits"),
    ] {
        let out = env
            .awsmfa(&[
                "login",
                "--force",
                "--code-command",
                cmd,
                "--endpoint-url",
                &moto.url(),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(says) && stderr.contains("--code-command"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("123456") && !stderr.contains("not-a-1code"),
            "{stderr}"
        );
    }
    assert_eq!(moto.session_token_requests().len(), 3);
}

#[test]
fn credential_process_login_without_a_terminal_fails_at_once() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile().var("AWS_ENDPOINT_URL", &sts.url());
    let started = Instant::now();
    env.awsmfa(&["credential-process", "--login"])
        .write_stdin("123456\n")
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("--code-command"))
        .stderr(predicate::str::contains("mfa_process"));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(sts.requests(), 0);
    // Login flags without --login are a mistake.
    env.awsmfa(&["credential-process", "--device", DEVICE])
        .assert()
        .code(2);
}

/// The AWS CLI runs `credential-process --login` (capturing its stderr);
/// the prompt appears on the terminal itself and the typed code is used.
#[cfg(target_os = "linux")]
#[test]
fn the_aws_cli_gets_a_prompt_through_credential_process() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = peer("aws") else { return };
    let Some(script) = peer("script") else { return };
    let env = TestEnv::with_default_profile();
    env.write_config(&format!(
        "[profile work]\ncredential_process = '{}' credential-process --login --profile default\n",
        env!("CARGO_BIN_EXE_awsmfa")
    ));
    let command = format!(
        "AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL={url} '{aws}' sts get-caller-identity --profile work --endpoint-url {url}",
        url = moto.url(),
        aws = aws.display()
    );
    let out = env
        .program(&script, &["-qec", &command, "/dev/null"])
        .write_stdin("135790\n")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains(&format!("MFA code for {DEVICE}")),
        "{screen}"
    );
    assert!(screen.contains("\"Account\""), "{screen}");
    let sessions = moto.session_token_requests();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].param("TokenCode").as_deref(), Some("135790"));
}

/// Terraform's parallel providers: six callers at once, one code command
/// run, one GetSessionToken, the same credentials for all.
#[cfg(unix)]
#[test]
fn parallel_callers_share_one_code() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::with_default_profile();
    let counter = env.home().join("codes-asked");
    let command = format!("echo x >> '{}'; sleep 1; echo 123456", counter.display());
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_awsmfa"));
            env.apply(&mut cmd);
            cmd.args([
                "credential-process",
                "--login",
                "--code-command",
                &command,
                "--endpoint-url",
                &moto.url(),
            ]);
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert!(out.status.success(), "{out:?}");
    }
    let first = &outputs[0].stdout;
    assert!(
        outputs.iter().all(|o| &o.stdout == first),
        "different credentials printed"
    );
    let doc: serde_json::Value = serde_json::from_slice(first).unwrap();
    assert_eq!(doc["AccessKeyId"], MOTO_SESSION_KEY_ID);
    assert_eq!(
        std::fs::read_to_string(&counter).unwrap().lines().count(),
        1
    );
    assert_eq!(moto.session_token_requests().len(), 1);
}

/// A proxy that records the host of each CONNECT and forwards nothing.
struct RecordingProxy {
    port: u16,
    hosts: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RecordingProxy {
    fn start() -> RecordingProxy {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hosts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = hosts.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_ok()
                    && let Some(host) = line.strip_prefix("CONNECT ")
                {
                    let host = host.split_whitespace().next().unwrap_or_default();
                    seen.lock().unwrap().push(host.to_owned());
                }
                let _ = (&stream).write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            }
        });
        RecordingProxy { port, hosts }
    }

    fn hosts(&self) -> Vec<String> {
        self.hosts.lock().unwrap().clone()
    }
}

#[test]
fn partitions_and_fips_pick_the_endpoint() {
    let proxy = RecordingProxy::start();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
    let cases = [
        (
            "arn:aws-cn:iam::123456789012:mfa/me",
            None,
            None,
            "sts.cn-north-1.amazonaws.com.cn:443",
        ),
        (
            "arn:aws-us-gov:iam::123456789012:mfa/me",
            None,
            None,
            "sts.us-gov-west-1.amazonaws.com:443",
        ),
        (
            DEVICE,
            Some("eu-central-1"),
            None,
            "sts.eu-central-1.amazonaws.com:443",
        ),
        (
            DEVICE,
            None,
            Some("true"),
            "sts-fips.us-east-1.amazonaws.com:443",
        ),
        (
            "GAHT12345678",
            None,
            None,
            "sts.us-east-1.amazonaws.com:443",
        ),
    ];
    for (device, region, fips, host) in cases {
        let before = proxy.hosts().len();
        let mut env = TestEnv::with_default_profile().var("HTTPS_PROXY", &proxy_url);
        if let Some(fips) = fips {
            env = env.var("AWS_USE_FIPS_ENDPOINT", fips);
        }
        let mut args = vec!["login", "--code", "123456", "--device", device, "-v"];
        if let Some(region) = region {
            args.extend(["--region", region]);
        }
        env.awsmfa(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "https://{}",
                host.trim_end_matches(":443")
            )));
        // A refused CONNECT never reached STS, so it may be tried again: every try goes there.
        let tried = proxy.hosts()[before..].to_vec();
        assert!(
            !tried.is_empty() && tried.iter().all(|h| h == host),
            "{device}: {tried:?}"
        );
    }
    // use_fips_endpoint in the profile works as the variable does.
    let env = TestEnv::with_default_profile().var("HTTPS_PROXY", &proxy_url);
    env.write_config("[default]\nuse_fips_endpoint = true\nregion = us-west-2\n");
    env.awsmfa(&["login", "--code", "123456"]).assert().code(1);
    assert_eq!(
        proxy.hosts().last().map(String::as_str),
        Some("sts-fips.us-west-2.amazonaws.com:443")
    );

    // A region of another partition than the device: refused, nothing sent.
    let before = proxy.hosts().len();
    let env = TestEnv::with_default_profile().var("HTTPS_PROXY", &proxy_url);
    env.awsmfa(&[
        "login",
        "--code",
        "123456",
        "--device",
        "arn:aws-cn:iam::1:mfa/me",
        "--region",
        "us-east-1",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("partition"));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(proxy.hosts().len(), before);
}

/// Files the real Python aws-mfa wrote are read and renewed in place, and
/// aws-mfa still reads what awsmfa wrote.
#[test]
fn the_python_aws_mfa_layout_is_read_and_renewed() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws_mfa) = peer("aws-mfa") else {
        return;
    };
    let env = TestEnv::new()
        .var("AWS_ENDPOINT_URL", &moto.url())
        .var("AWS_DEFAULT_REGION", "us-east-1");
    let long_term = format!(
        "[default-long-term]\naws_access_key_id = {ACCESS_KEY_ID}\n\
         aws_secret_access_key = {SECRET_ACCESS_KEY}\naws_mfa_device = {DEVICE}\n"
    );
    env.write_credentials(&long_term);
    env.program(&aws_mfa, &[])
        .write_stdin("123456\n")
        .assert()
        .success();
    let written = env.credentials();
    assert!(written.contains("aws_security_token = "), "{written}");
    assert!(written.contains("assumed_role = False"), "{written}");

    // Every command takes [default-long-term] -> [default].
    env.awsmfa(&["status"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("default: valid until"));
    env.awsmfa(&["env"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "AWS_ACCESS_KEY_ID='{MOTO_SESSION_KEY_ID}'"
        )));

    // A renewal replaces both tokens, keeps aws-mfa's other keys and its
    // expiration format, and never touches the long-term keys.
    let mock = MockSts::issuing_sessions();
    env.awsmfa(&[
        "login",
        "--force",
        "--code",
        "123456",
        "--endpoint-url",
        &mock.url(),
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("saved to profile default"));
    let renewed = env.credentials();
    assert!(renewed.starts_with(&long_term), "{renewed}");
    assert!(
        renewed.contains("aws_session_token = FakeMockSessionToken+/=\n"),
        "{renewed}"
    );
    assert!(
        renewed.contains("aws_security_token = FakeMockSessionToken+/=\n"),
        "{renewed}"
    );
    assert!(renewed.contains("assumed_role = False"), "{renewed}");
    assert!(
        renewed.contains("expiration = 2999-01-01 00:00:00\n"),
        "{renewed}"
    );
    // aws-mfa reads it back as still valid: no new request.
    let before = moto.session_token_requests().len();
    env.program(&aws_mfa, &[]).assert().success();
    assert_eq!(moto.session_token_requests().len(), before);
    assert_eq!(env.credentials(), renewed);

    // $MFA_DEVICE and $MFA_STS_DURATION, as aws-mfa reads them.
    env.awsmfa(&[
        "login",
        "--force",
        "--code",
        "123456",
        "--endpoint-url",
        &moto.url(),
    ])
    .env("MFA_DEVICE", "arn:aws:iam::123456789012:mfa/other")
    .env("MFA_STS_DURATION", "3600")
    .assert()
    .success();
    let last = moto.session_token_requests().pop().unwrap();
    assert_eq!(
        last.param("SerialNumber").as_deref(),
        Some("arn:aws:iam::123456789012:mfa/other")
    );
    assert_eq!(last.param("DurationSeconds").as_deref(), Some("3600"));
}

/// A target that is still fresh needs nothing else: no keys, device or code.
#[test]
fn a_fresh_session_needs_no_device_and_no_keys() {
    let env = TestEnv::new();
    env.write_credentials(
        "[mfa]\naws_access_key_id = ASIAFAKE\naws_secret_access_key = s\n\
         aws_session_token = t\nexpiration = 2999-01-01T00:00:00Z\n",
    );
    env.awsmfa(&["login"])
        .assert()
        .success()
        .stderr(predicate::str::contains("still holds a valid session"));
    // A malformed config file is still reported.
    env.write_config("[default]\nbroken line\n");
    env.awsmfa(&["login"]).assert().code(2);
}

/// A role whose source is in the Python aws-mfa's layout signs with the
/// session aws-mfa saved in [default]: no code, no GetSessionToken.
#[test]
fn a_role_over_the_aws_mfa_layout_uses_its_session() {
    let Some(moto) = Moto::start() else { return };
    let env = TestEnv::new();
    env.write_credentials(&format!(
        "[default-long-term]\naws_access_key_id = {ACCESS_KEY_ID}\naws_secret_access_key = {SECRET_ACCESS_KEY}\n\
         aws_mfa_device = {DEVICE}\n\n[default]\nassumed_role = False\naws_access_key_id = ASIAFROMAWSMFA00001\n\
         aws_secret_access_key = s\naws_session_token = t\naws_security_token = t\n\
         expiration = 2999-01-01 00:00:00\n"
    ));
    env.write_config(&format!(
        "[profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = default\n"
    ));
    env.awsmfa(&["login", "-p", "admin", "--endpoint-url", &moto.url()])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "using the MFA session in profile default",
        ));
    assert!(moto.session_token_requests().is_empty());
    let roles = assume_role_requests(&moto);
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].signer(), "ASIAFROMAWSMFA00001");
}

/// A FIDO security key gives no codes: refused before a code is asked.
#[test]
fn a_fido_key_as_the_device_is_refused_at_once() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    env.awsmfa(&[
        "login",
        "--device",
        "arn:aws:iam::123456789012:u2f/user/tester/key-ABC",
        "--endpoint-url",
        &sts.url(),
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("FIDO security key"));
    assert_eq!(sts.requests(), 0);
}
