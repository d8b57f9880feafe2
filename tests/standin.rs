//! The SSO stand-in the sign-in tests run against (tests/support/sso_portal.py)
//! speaks AWS's wire format: the real boto3 `sso-oidc` and `sso` clients,
//! driven by tests/support/check_sso_standin.py, register clients, run the
//! device and authorization-code flows in every mode, refresh, page through
//! accounts and roles, get role credentials and log out against it, and each
//! refusal raises the exception class AWS's model names. What a test of
//! awsmfa measures in the stand-in's log (poll times, bodies, queries) is
//! checked here too.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Runs `scenario` of the boto3 check against a stand-in started with
/// `flags`, and hands back the stand-in to read its log.
fn check(python: &Path, scenario: &str, flags: &[&str]) -> Portal {
    let portal = Portal::start(flags).expect("python3 was found");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/check_sso_standin.py"
    );
    let out = TestEnv::new()
        .program(python, &[script, scenario, &portal.url()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{scenario} {flags:?}: {stdout}{stderr}\nlog:\n{}",
        std::fs::read_to_string(portal.log.path()).unwrap_or_default()
    );
    assert_eq!(stdout, format!("ok: {scenario}\n"), "{stderr}");
    portal
}

fn boto3() -> Option<PathBuf> {
    python_with(&["boto3"])
}

#[test]
fn registrations_of_both_kinds_and_their_refusals() {
    let Some(python) = boto3() else {
        return;
    };
    let portal = check(&python, "register", &[]);
    let bodies: Vec<_> = portal
        .requests_to("POST", "/client/register")
        .into_iter()
        .map(|v| v["body"].clone())
        .collect();
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    assert_eq!(
        bodies[0],
        serde_json::json!({"clientName": "botocore-client-1717171717", "clientType": "public"})
    );
    assert_eq!(
        bodies[3]["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        bodies[3]["redirectUris"],
        serde_json::json!(["http://127.0.0.1/oauth/callback"])
    );
    // No client secret is ever written to the log.
    let log = std::fs::read_to_string(portal.log.path()).unwrap();
    assert!(!log.contains("secret-"), "{log}");
    assert!(!log.contains("clientSecret"), "{log}");

    check(
        &python,
        "registration-expiry",
        &["--registration-expires-in", "0"],
    );
}

#[test]
fn device_authorization_in_every_mode() {
    let Some(python) = boto3() else {
        return;
    };
    let portal = check(&python, "device", &["--approve-after", "2"]);
    // Each poll is logged with its arrival time, so a test can measure gaps.
    let polls = portal.requests_to("POST", "/token");
    assert!(polls.len() >= 5, "{polls:?}");
    assert_eq!(
        polls[0]["body"],
        serde_json::json!({
            "grantType": "urn:ietf:params:oauth:grant-type:device_code",
            "clientId": "client-2",
            "deviceCode": "device-1",
        })
    );
    let times = portal.times("POST", "/token");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert_eq!(
        portal.requests_to("GET", "/device")[0]["path"],
        "/device?user_code=ABCD-0002"
    );

    for (scenario, flags) in [
        (
            "slow-down",
            &["--device-mode", "slow-down", "--approve-after", "3"][..],
        ),
        ("deny", &["--device-mode", "deny"]),
        ("expire", &["--device-mode", "expire"]),
        (
            "device-timeout",
            &["--device-expires", "1", "--device-interval", "none"],
        ),
    ] {
        check(&python, scenario, flags);
    }
}

#[test]
fn authorization_code_with_pkce_in_every_mode() {
    let Some(python) = boto3() else {
        return;
    };
    let portal = check(&python, "auth-code", &[]);
    // The authorize request is logged with its whole query, in the order the
    // AWS CLI sends it.
    let first = portal.requests_to("GET", "/authorize")[0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let names: Vec<_> = first
        .split_once('?')
        .unwrap()
        .1
        .split('&')
        .map(|p| p.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "response_type",
            "client_id",
            "redirect_uri",
            "state",
            "code_challenge_method",
            "scopes",
            "code_challenge"
        ]
    );
    assert!(
        first.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A53817%2Foauth%2Fcallback"),
        "{first}"
    );
    let exchange = &portal.requests_to("POST", "/token")[0]["body"];
    assert_eq!(exchange["grantType"], "authorization_code");
    assert_eq!(exchange["code"], "code-1");
    assert_eq!(exchange["codeVerifier"].as_str().unwrap().len(), 64);

    for (scenario, flags) in [
        ("auth-deny", &["--authorize-mode", "deny"][..]),
        ("auth-bad-state", &["--authorize-mode", "bad-state"]),
        ("auth-never", &["--authorize-mode", "never"]),
    ] {
        check(&python, scenario, flags);
    }
}

#[test]
fn refresh_grants_and_token_answers() {
    let Some(python) = boto3() else {
        return;
    };
    for (scenario, flags) in [
        ("refresh-legacy", &[][..]),
        ("rotate", &["--rotate"]),
        ("expired-token-answer", &["--token-answer", "expired-token"]),
        ("server-error-answer", &["--token-answer", "500"]),
    ] {
        check(&python, scenario, flags);
    }
}

#[test]
fn the_portal_pages_accounts_and_roles_and_logs_out() {
    let Some(python) = boto3() else {
        return;
    };
    let portal = check(&python, "portal", &["--accounts", "5"]);
    let pages: Vec<_> = portal
        .requests_to("GET", "/assignment/accounts")
        .into_iter()
        .map(|v| v["path"].as_str().unwrap().to_owned())
        .take(3)
        .collect();
    assert_eq!(
        pages,
        [
            "/assignment/accounts",
            "/assignment/accounts?next_token=page-2",
            "/assignment/accounts?next_token=page-4"
        ]
    );
    let logout = portal.requests_to("POST", "/logout");
    assert_eq!(logout.len(), 2);
    assert_eq!(logout[0]["bearer"], "token-1");
    assert!(
        portal
            .times("GET", "/assignment/roles")
            .iter()
            .all(|t| t.is_finite())
    );

    check(&python, "no-accounts", &["--accounts", "0"]);
    check(&python, "rate-limit", &["--max-rps", "2"]);
}

#[test]
fn the_harness_gets_as_a_browser_and_reads_the_log() {
    // Portal::get, as a test of awsmfa uses it in place of a browser.
    let Some(portal) = Portal::start(&[]) else {
        return;
    };
    let page = portal.get("/device");
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.body.contains("Enter the code"), "{page:?}");
    assert_eq!(portal.get("/device?user_code=ABCD-0001").status, 404);
    let unknown = portal.get(
        "/authorize?response_type=code&client_id=client-9&redirect_uri=x&state=s\
         &code_challenge_method=S256&code_challenge=c",
    );
    assert_eq!(unknown.status, 400, "{unknown:?}");
    assert_eq!(unknown.header("Location"), None);
    assert!(
        unknown
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let entries = portal.entries();
    assert_eq!(entries.len(), 3);
    let times = portal.times("GET", "/device");
    assert_eq!(times.len(), 2);
    assert!(times[0] <= times[1] && times[1] <= entries[2]["time"].as_f64().unwrap());
    assert!(
        entries[2]["path"]
            .as_str()
            .unwrap()
            .contains("client_id=client-9")
    );
    assert_eq!(portal.requests()[0], ("GET".into(), "/device".into(), None));
}
