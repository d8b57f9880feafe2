//! The terminal during a login: a code command past its limit is killed
//! whole (a pipeline's processes too) and gives the terminal back, yet can
//! still ask on the terminal and hear Ctrl-C; the prompt works on a raw
//! terminal and leaves its mode as it was, however awsmfa ends; a terminal
//! closed at the prompt is said so. Every case runs on a real pseudo-terminal
//! (tests/support/pty_run.py) or with a caller reading stderr to its end,
//! and ends within a bounded time.
#![cfg(unix)]

mod common;

use std::io::Read;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// The code command limit the tests set, in milliseconds (awsmfa's is 60 s).
const LIMIT_MS: &str = "1000";
const LIMIT: Duration = Duration::from_millis(1000);
/// How long after the limit a caller may wait for the end of awsmfa's stderr.
const SLACK: Duration = Duration::from_millis(2500);

const CLOSED: &str = "the terminal was closed while awsmfa waited for the MFA code";

/// The pids of processes whose command line starts with `command` (each
/// test gives its `sleep` a number of its own).
fn running(command: &str) -> Vec<i32> {
    let out = std::process::Command::new("pgrep")
        .args(["-f", &format!("^{command}")])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Kills, when dropped, what a failing run left of a test's own command.
struct KillLeft(&'static str);

impl Drop for KillLeft {
    fn drop(&mut self) {
        for pid in running(self.0) {
            // SAFETY: kill(2) on a process this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// Waits up to a second for `command` to be gone, and says what is left.
fn left_running(command: &str) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let left = running(command);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `command` on a pseudo-terminal of its own through
/// tests/support/pty_run.py, which plays `steps`; its JSON report.
fn on_a_terminal(env: &TestEnv, options: &[&str], steps: &[&str], command: &[&str]) -> Value {
    let python = peer("python3").expect("python3 runs the terminal tests");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pty_run.py");
    let mut args = vec![script];
    args.extend_from_slice(options);
    args.extend_from_slice(steps);
    args.push("--");
    args.extend_from_slice(command);
    let out = env
        .program(&python, &args)
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text<'a>(report: &'a Value, key: &str) -> &'a str {
    report[key].as_str().unwrap_or_default()
}

/// awsmfa's exit code; negative: the signal that ended it.
fn exit(report: &Value) -> Option<i64> {
    report["exit"].as_i64()
}

const AWSMFA: &str = env!("CARGO_BIN_EXE_awsmfa");

/// `sleep 97.123 | cat` never answers: past the limit its whole pipeline is
/// killed, not just `sh`. A caller that reads awsmfa's stderr to its end
/// (botocore runs `credential_process` so) sees it end with the limit, not
/// when the pipeline would have.
#[test]
fn a_code_command_past_its_limit_is_killed_whole() {
    const SLEEP: &str = "sleep 97.123";
    let _cleanup = KillLeft(SLEEP);
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile()
        .var("AWS_ENDPOINT_URL", &sts.url())
        .var("AWSMFA_TEST_CODE_COMMAND_LIMIT_MS", LIMIT_MS);
    let before = env.credentials();
    let mut cmd = std::process::Command::new(AWSMFA);
    env.apply(&mut cmd);
    cmd.args([
        "credential-process",
        "--login",
        "--code-command",
        &format!("{SLEEP} | cat"),
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = sender.send((started.elapsed(), text));
    });
    let Ok((eof_after, stderr)) = receiver.recv_timeout(LIMIT + Duration::from_secs(10)) else {
        let _ = child.kill();
        panic!("awsmfa's stderr did not end within 10 s of the limit");
    };
    assert!(
        eof_after < LIMIT + SLACK,
        "stderr ended {eof_after:?} after the start"
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("gave no answer within 1s"), "{stderr}");
    assert!(stderr.contains("--code-command"), "{stderr}");
    assert!(
        !stderr.contains("97.123"),
        "the command was shown: {stderr}"
    );
    assert_eq!(left_running(SLEEP), Vec::<i32>::new(), "left running");
    assert_eq!(sts.requests(), 0);
    assert_eq!(env.credentials(), before);
}

/// On a terminal the code command is the foreground job while it runs;
/// killed at the limit, the terminal comes back: the shell that ran awsmfa
/// can read from it again (from the background it would be stopped).
#[test]
fn a_code_command_past_its_limit_gives_the_terminal_back() {
    const SLEEP: &str = "sleep 97.456";
    let _cleanup = KillLeft(SLEEP);
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile().var("AWSMFA_TEST_CODE_COMMAND_LIMIT_MS", LIMIT_MS);
    let script = format!(
        "'{AWSMFA}' login --code-command '{SLEEP} | cat' --endpoint-url {url}; \
         echo \"exit=$?\" >/dev/tty; read line; echo \"then=$line\" >/dev/tty",
        url = sts.url()
    );
    let report = on_a_terminal(
        &env,
        &[],
        &["wait=exit=", "type=ok\\r", "wait=then=ok"],
        &["sh", "-c", &script],
    );
    let screen = text(&report, "screen");
    assert!(screen.contains("exit=1"), "{report}");
    assert!(
        screen.contains("then=ok"),
        "the terminal was not given back: {report}"
    );
    assert_eq!(exit(&report), Some(0), "{report}");
    assert!(
        text(&report, "stderr").contains("gave no answer within 1s"),
        "{report}"
    );
    assert_eq!(left_running(SLEEP), Vec::<i32>::new(), "left running");
    assert_eq!(sts.requests(), 0);
}

/// A code command that asks on the terminal (a PIN, a password) gets what is
/// typed there, as the foreground job.
#[test]
fn a_code_command_can_ask_on_the_terminal() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let report = on_a_terminal(
        &env,
        &[],
        &["wait=PIN? ", "type=246810\\r"],
        &[
            AWSMFA,
            "login",
            "--code-command",
            "printf 'PIN? ' >/dev/tty; read pin </dev/tty; echo \"$pin\"",
            "--endpoint-url",
            &sts.url(),
        ],
    );
    assert_eq!(exit(&report), Some(0), "{report}");
    assert!(
        sts.bodies()[0].contains("TokenCode=246810"),
        "{:?}",
        sts.bodies()
    );
}

/// Ctrl-C while a code command waits on the terminal ends the command and
/// awsmfa with it, as it ends any foreground job.
#[test]
fn ctrl_c_during_a_code_command_ends_awsmfa() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let before = env.credentials();
    let report = on_a_terminal(
        &env,
        &[],
        &["wait=PIN? ", "type=\\x03"],
        &[
            AWSMFA,
            "login",
            "--code-command",
            "printf 'PIN? ' >/dev/tty; read pin </dev/tty; echo \"$pin\"",
            "--endpoint-url",
            &sts.url(),
        ],
    );
    assert_eq!(exit(&report), Some(-libc::SIGINT as i64), "{report}");
    assert_eq!(sts.requests(), 0);
    assert_eq!(env.credentials(), before);
}

/// A terminal left in raw mode (no line editing, Enter sends CR, Ctrl-C is
/// a plain byte): the prompt still reads the line ended by Enter, and the
/// terminal is raw again afterwards, exactly as it was.
#[test]
fn the_prompt_on_a_raw_terminal_reads_the_line_and_restores_the_mode() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let report = on_a_terminal(
        &env,
        &["--raw"],
        &["wait=MFA code for", "type=123456\\r"],
        &[AWSMFA, "login", "--endpoint-url", &sts.url()],
    );
    assert_eq!(report["raw_before"], true, "{report}");
    assert_eq!(exit(&report), Some(0), "{report}");
    assert!(
        sts.bodies()[0].contains("TokenCode=123456"),
        "{:?}",
        sts.bodies()
    );
    assert_eq!(report["mode_after"], report["mode_before"], "{report}");
}

/// Ctrl-C at the prompt of a raw terminal ends awsmfa (by SIGINT, as on any
/// terminal), with the raw mode back and nothing sent or saved.
#[test]
fn ctrl_c_at_the_prompt_of_a_raw_terminal_ends_awsmfa() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile();
    let before = env.credentials();
    let report = on_a_terminal(
        &env,
        &["--raw"],
        &["wait=MFA code for", "type=12\\x03"],
        &[AWSMFA, "login", "--endpoint-url", &sts.url()],
    );
    assert_eq!(exit(&report), Some(-libc::SIGINT as i64), "{report}");
    assert_eq!(report["mode_after"], report["mode_before"], "{report}");
    assert_eq!(sts.requests(), 0);
    assert_eq!(env.credentials(), before);
}

/// A signal that ends awsmfa at the prompt (a supervisor's SIGTERM, a
/// SIGHUP) still leaves the terminal's mode as it found it.
#[test]
fn a_signal_at_the_prompt_leaves_the_mode_as_it_was() {
    for signal in ["TERM", "HUP"] {
        let sts = MockSts::issuing_sessions();
        let env = TestEnv::with_default_profile();
        let step = format!("signal={signal}");
        let report = on_a_terminal(
            &env,
            &["--raw"],
            &["wait=MFA code for", &step],
            &[AWSMFA, "login", "--endpoint-url", &sts.url()],
        );
        let number = if signal == "TERM" {
            libc::SIGTERM
        } else {
            libc::SIGHUP
        };
        assert_eq!(exit(&report), Some(-number as i64), "{signal}: {report}");
        assert_eq!(
            report["mode_after"], report["mode_before"],
            "{signal}: {report}"
        );
        assert_eq!(sts.requests(), 0);
    }
}

/// The terminal closed at the prompt while SIGHUP is ignored (`nohup`, a
/// parent that ignores it): a clear error, exit 1 (a runtime failure, as
/// for `login` and the `--login` forms alike), nothing sent, nothing saved.
#[test]
fn a_terminal_closed_at_the_prompt_says_so() {
    let sts = MockSts::issuing_sessions();
    let env = TestEnv::with_default_profile().var("AWS_ENDPOINT_URL", &sts.url());
    let before = env.credentials();
    for args in [
        &[AWSMFA, "login"][..],
        &[AWSMFA, "credential-process", "--login"][..],
    ] {
        let report = on_a_terminal(
            &env,
            &["--ignore-hup"],
            &["wait=MFA code for", "hangup"],
            args,
        );
        let stderr = text(&report, "stderr");
        assert_eq!(exit(&report), Some(1), "{args:?}: {report}");
        assert!(stderr.contains(CLOSED), "{args:?}: {stderr}");
        assert!(stderr.contains("hint:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("os error"), "{args:?}: {stderr}");
        assert_eq!(text(&report, "stdout"), "", "{args:?}");
    }
    assert_eq!(sts.requests(), 0);
    assert_eq!(env.credentials(), before);
}
