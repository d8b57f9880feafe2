//! Network faults and set-ups: a connection cut mid-answer, a 500 then a 200
//! (retried), TLS with a private CA trusted through AWS_CA_BUNDLE (or the
//! profile's ca_bundle) and refused without it, a server's own self-signed
//! certificate as the bundle (trusted as the AWS CLI trusts it, and nothing
//! looser), and HTTP(S)_PROXY/NO_PROXY, with a real CONNECT tunnel. Each case
//! ends within a bounded time. (A server that never answers and garbage
//! answers are in errors.rs.)

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::mock_sts::{Reply, session_reply, session_token_ok, sts_error};
use common::*;
use predicates::prelude::*;

const BOUND: Duration = Duration::from_secs(30);

/// A connection cut after the request was sent: STS may have used the code,
/// so the request is reported, not sent again with the same code.
#[test]
fn a_connection_cut_mid_answer_is_reported_not_sent_again() {
    let mock = MockSts::start(vec![Reply::CloseMidResponse, session_reply()]);
    let env = TestEnv::with_default_profile();
    let before = env.credentials();
    let started = Instant::now();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &mock.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("STS at"));
    assert!(started.elapsed() < BOUND);
    assert_eq!(mock.requests(), 1, "the code was sent twice");
    assert_eq!(env.credentials(), before);
}

#[test]
fn a_server_error_is_retried_and_the_second_answer_used() {
    let mock = MockSts::start(vec![
        Reply::Status(500, sts_error("InternalFailure", "try again")),
        session_reply(),
    ]);
    let env = TestEnv::with_default_profile();
    let started = Instant::now();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &mock.url()])
        .assert()
        .success();
    assert!(started.elapsed() < BOUND);
    assert_eq!(mock.requests(), 2);
    let bodies = mock.bodies();
    assert_eq!(bodies[0], bodies[1], "the retry sends the same request");
    assert!(env.credentials().contains("ASIAFAKEMOCKSESSION0"));
}

/// A server from tests/support (python), its port, and a directory of its files.
struct Helper {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Helper {
    /// Runs `script` with the directory and `args`; it prints its port first.
    fn start(script: &str, args: &[&str]) -> Option<Helper> {
        let python = peer("python3")?;
        let dir = tempfile::tempdir().unwrap();
        let script = format!("{}/tests/support/{script}", env!("CARGO_MANIFEST_DIR"));
        let mut child = std::process::Command::new(python)
            .arg(script)
            .arg(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the helper prints its port");
        Some(Helper { child, port, dir })
    }

    fn file(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The HTTPS stand-in of tests/support/tls_sts.py, and the directory with its CA.
struct TlsSts(Helper);

impl TlsSts {
    fn start() -> Option<TlsSts> {
        TlsSts::start_kind("private-ca")
    }

    /// A server whose certificate is of `kind` (see tls_sts.py).
    fn start_kind(kind: &str) -> Option<TlsSts> {
        Helper::start("tls_sts.py", &[kind]).map(TlsSts)
    }

    fn url(&self) -> String {
        format!("https://localhost:{}", self.0.port)
    }

    /// The CA bundle that trusts the server.
    fn ca(&self) -> String {
        self.0.file("ca.pem")
    }
}

#[test]
fn tls_with_a_private_ca_needs_aws_ca_bundle() {
    let Some(sts) = TlsSts::start() else { return };
    let env = TestEnv::with_default_profile();
    let before = env.credentials();

    // Not trusted by the system: a clear TLS error, with the way out.
    let started = Instant::now();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &sts.url()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "could not reach STS at {}",
            sts.url()
        )))
        .stderr(predicate::str::contains("certificate"))
        .stderr(predicate::str::contains("AWS_CA_BUNDLE"));
    assert!(started.elapsed() < BOUND);
    assert_eq!(env.credentials(), before);

    // Trusted through AWS_CA_BUNDLE.
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &sts.url()])
        .env("AWS_CA_BUNDLE", sts.ca())
        .assert()
        .success();
    assert!(env.credentials().contains("ASIAFAKETLSSESSION00"));

    // Or through ca_bundle in the source's config profile.
    env.write_config(&format!("[default]\nca_bundle = {}\n", sts.ca()));
    env.awsmfa(&[
        "login",
        "--force",
        "--code",
        "123456",
        "--endpoint-url",
        &sts.url(),
        "-t",
        "other",
    ])
    .assert()
    .success();
    assert!(env.credentials().contains("[other]"));
}

/// `awsmfa login` against `url` with `bundle` as AWS_CA_BUNDLE; and whether
/// the AWS CLI (botocore on OpenSSL) trusts the same server with it.
fn login_and_aws_cli(
    env: &TestEnv,
    url: &str,
    bundle: &str,
) -> (std::process::Output, Option<bool>) {
    let started = Instant::now();
    let out = env
        .awsmfa(&[
            "login",
            "--force",
            "--code",
            "123456",
            "--endpoint-url",
            url,
        ])
        .env("AWS_CA_BUNDLE", bundle)
        .output()
        .unwrap();
    assert!(started.elapsed() < BOUND);
    let aws_cli = peer("aws").map(|aws| {
        let args = [
            "sts",
            "get-session-token",
            "--serial-number",
            DEVICE,
            "--token-code",
            "123456",
            "--endpoint-url",
            url,
            "--region",
            "us-east-1",
        ];
        env.program(&aws, &args)
            .env("AWS_CA_BUNDLE", bundle)
            .env("AWS_MAX_ATTEMPTS", "1")
            .output()
            .unwrap()
            .status
            .success()
    });
    (out, aws_cli)
}

/// A server whose own self-signed certificate (CA:TRUE, as `openssl req
/// -x509` makes it) is the whole bundle: the AWS CLI trusts it, so awsmfa
/// does. Exactly that: the same certificate, valid, for the host connected to.
#[test]
fn a_servers_own_self_signed_certificate_as_the_bundle_is_trusted() {
    let Some(sts) = TlsSts::start_kind("self-signed") else {
        return;
    };
    let env = TestEnv::with_default_profile();

    let (out, aws_cli) = login_and_aws_cli(&env, &sts.url(), &sts.ca());
    assert!(out.status.success(), "{out:?}");
    assert!(env.credentials().contains("ASIAFAKETLSSESSION00"));
    assert_ne!(aws_cli, Some(false), "the AWS CLI trusts it too");

    // Refused, as the AWS CLI refuses them: ...
    let before = env.credentials();
    let other = sts.0.file("other.pem");
    let by_ip = format!("https://127.0.0.1:{}", sts.0.port);
    for (what, url, bundle, says) in [
        // another certificate made the same way for the same name;
        (
            "another self-signed certificate",
            sts.url(),
            other.as_str(),
            "certificate",
        ),
        // the right certificate, but not for the host name connected to.
        (
            "a host name the certificate is not for",
            by_ip,
            sts.ca().as_str(),
            "not valid for name",
        ),
    ] {
        let (out, aws_cli) = login_and_aws_cli(&env, &url, bundle);
        assert_eq!(out.status.code(), Some(1), "{what}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("could not reach STS"), "{what}: {stderr}");
        assert!(stderr.contains(says), "{what}: {stderr}");
        assert_ne!(aws_cli, Some(true), "{what}: the AWS CLI refuses it too");
    }
    // And without the bundle, the system's roots do not know it.
    env.awsmfa(&[
        "login",
        "--force",
        "--code",
        "123456",
        "--endpoint-url",
        &sts.url(),
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("certificate"));
    assert_eq!(env.credentials(), before);

    // An expired one stays refused, even as the whole bundle.
    let Some(expired) = TlsSts::start_kind("self-signed-expired") else {
        return;
    };
    let (out, aws_cli) = login_and_aws_cli(&env, &expired.url(), &expired.ca());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("xpired"),
        "{out:?}"
    );
    assert_ne!(aws_cli, Some(true), "the AWS CLI refuses it too");
    assert_eq!(env.credentials(), before);
}

/// HTTPS through an HTTPS_PROXY that only tunnels (CONNECT, with the proxy's
/// credentials), TLS end to end inside it, trusted through AWS_CA_BUNDLE.
#[test]
fn https_through_a_connect_tunnel_reaches_sts() {
    let Some(sts) = TlsSts::start() else { return };
    let Some(proxy) = Helper::start("connect_proxy.py", &[]) else {
        return;
    };
    let env = TestEnv::with_default_profile()
        .var(
            "HTTPS_PROXY",
            &format!("http://user:pa%3Ass@127.0.0.1:{}", proxy.port),
        )
        .var("AWS_CA_BUNDLE", &sts.ca());
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &sts.url()])
        .assert()
        .success();
    assert!(env.credentials().contains("ASIAFAKETLSSESSION00"));
    let log = std::fs::read_to_string(proxy.file("requests.log")).unwrap();
    // user:pa:ss, as Basic credentials.
    let expected = format!("CONNECT localhost:{} Basic dXNlcjpwYTpzcw==", sts.0.port);
    assert!(log.lines().all(|l| l == expected), "{log}");
    assert!(!log.is_empty());
}

#[test]
fn a_bad_ca_bundle_is_refused_before_any_request() {
    let mock = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let junk = env.home().join("junk.pem");
    std::fs::write(
        &junk,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let empty = env.home().join("empty.pem");
    std::fs::write(&empty, "no certificates here\n").unwrap();
    for (bundle, code, says) in [
        (junk.to_str().unwrap(), 2, "cannot be used"),
        (empty.to_str().unwrap(), 2, "holds no certificate"),
        ("/nonexistent/ca.pem", 1, "cannot read /nonexistent/ca.pem"),
    ] {
        env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &mock.url()])
            .env("AWS_CA_BUNDLE", bundle)
            .assert()
            .code(code)
            .stderr(predicate::str::contains("AWS_CA_BUNDLE: "))
            .stderr(predicate::str::contains(says));
    }
    assert_eq!(mock.requests(), 0);
}

#[test]
fn http_proxy_and_no_proxy_are_honored() {
    // The "proxy" answers as STS would: the request must reach it, in
    // absolute form, for a host this machine cannot even resolve.
    let proxy = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile().var("HTTP_PROXY", &proxy.url());
    let endpoint = "http://sts.awsmfa-test.invalid:8080";
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", endpoint])
        .assert()
        .success();
    assert_eq!(proxy.requests(), 1);
    assert!(
        proxy.heads()[0].starts_with("POST http://sts.awsmfa-test.invalid:8080/ HTTP/1.1"),
        "{:?}",
        proxy.heads()
    );

    // NO_PROXY names the host: straight to it (which does not exist).
    let started = Instant::now();
    env.awsmfa(&[
        "login",
        "--force",
        "--code",
        "123456",
        "--endpoint-url",
        endpoint,
    ])
    .env("NO_PROXY", "awsmfa-test.invalid")
    .assert()
    .code(1)
    .stderr(predicate::str::contains("could not reach STS"));
    assert!(started.elapsed() < BOUND);
    assert_eq!(proxy.requests(), 1);
}

#[test]
fn https_proxy_gets_a_connect_tunnel() {
    let proxy = MockSts::start(vec![Reply::Status(502, String::new())]);
    let env = TestEnv::with_default_profile().var("HTTPS_PROXY", &proxy.url());
    let started = Instant::now();
    env.awsmfa(&[
        "login",
        "--code",
        "123456",
        "--endpoint-url",
        "https://sts.awsmfa-test.invalid",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("could not reach STS"));
    assert!(started.elapsed() < BOUND);
    assert!(proxy.requests() >= 1);
    assert!(
        proxy.heads()[0].starts_with("CONNECT sts.awsmfa-test.invalid:443 HTTP/1.1"),
        "{:?}",
        proxy.heads()
    );
}

/// `20261123T100000Z` as Unix time.
fn amz_date(v: &str) -> i64 {
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &v[0..4],
        &v[4..6],
        &v[6..8],
        &v[9..11],
        &v[11..13],
        &v[13..15]
    );
    awsmfa::time::Timestamp::parse(&iso).unwrap().0
}

#[test]
fn the_mock_writes_http_dates() {
    assert_eq!(
        common::mock_sts::http_date(784111777),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(amz_date("19941106T084937Z"), 784111777);
}

fn signed_at(head: &str) -> i64 {
    let line = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("x-amz-date:")
                .map(str::to_owned)
        })
        .expect("a signed request");
    amz_date(line.trim().to_ascii_uppercase().as_str())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// This machine's clock an hour behind STS's: the SDK measures the skew from
/// the answer's Date header and signs the retry in the server's time.
#[test]
fn clock_skew_is_corrected_from_the_servers_date() {
    let skew = 3600;
    let expired = sts_error(
        "SignatureDoesNotMatch",
        "Signature expired: 20261123T100000Z is now earlier than 20261123T105500Z",
    );
    let mock = MockSts::start(vec![
        Reply::Dated(403, expired, skew),
        Reply::Dated(200, session_token_ok("2999-01-01T00:00:00Z"), skew),
    ]);
    let env = TestEnv::with_default_profile();
    env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &mock.url()])
        .assert()
        .success();
    let heads = mock.heads();
    assert_eq!(heads.len(), 2);
    assert!(
        (signed_at(&heads[0]) - now()).abs() < 120,
        "first signed in local time"
    );
    assert!(
        (signed_at(&heads[1]) - (now() + skew)).abs() < 120,
        "the retry is signed in the server's time"
    );
    assert!(env.credentials().contains("ASIAFAKEMOCKSESSION0"));
}

/// Without a server time to correct from, the message says to fix the clock.
#[test]
fn a_skew_that_cannot_be_corrected_says_to_fix_the_clock() {
    for (code, message) in [
        (
            "SignatureDoesNotMatch",
            "Signature expired: 20261123T100000Z is now earlier than 20261123T105500Z",
        ),
        (
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ),
    ] {
        let mock = MockSts::start(vec![Reply::Status(403, sts_error(code, message))]);
        let env = TestEnv::with_default_profile();
        env.awsmfa(&["login", "--code", "123456", "--endpoint-url", &mock.url()])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "STS refused the request because this computer's clock is off",
            ))
            .stderr(predicate::str::contains("hint: set the system clock right"));
        assert_eq!(mock.requests(), 1, "{code}");
    }
}
