//! `awsmfa exec` stands in for its command: SIGTERM, SIGINT and SIGHUP sent
//! to awsmfa reach the command, awsmfa waits for it and exits as it does; the
//! terminal's own signals are not delivered twice. Every case ends within a
//! bounded time.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

const BOUND: Duration = Duration::from_secs(10);

fn with_session() -> TestEnv {
    let env = TestEnv::new();
    env.write_credentials(
        "[mfa]\naws_access_key_id = ASIAFAKEEXEC00000000\naws_secret_access_key = fakeExecSecret\n\
         aws_session_token = FakeExecToken\nexpiration = 2999-01-01T00:00:00Z\n",
    );
    env
}

/// `awsmfa exec -- sh -c SCRIPT`, once SCRIPT has printed `ready`; the rest
/// of its output comes through the receiver.
fn start(
    env: &TestEnv,
    script: &str,
    prepare: fn(&mut std::process::Command),
) -> (Child, mpsc::Receiver<String>) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_awsmfa"));
    env.apply(&mut cmd);
    cmd.args(["exec", "--", "sh", "-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    // Start from the default dispositions, whatever the test runner was
    // started with (a shell's background job ignores SIGINT, nohup SIGHUP);
    // `prepare` may then change them.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGQUIT] {
                libc::signal(signal, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    prepare(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let (lines, received) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    match received.recv_timeout(BOUND) {
        Ok(line) if line == "ready" => (child, received),
        other => {
            let _ = child.kill();
            panic!("the command did not start: {other:?}");
        }
    }
}

/// Waits (bounded) for awsmfa to end; its exit code.
fn finish(mut child: Child) -> i32 {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            use std::os::unix::process::ExitStatusExt;
            return status
                .code()
                .unwrap_or_else(|| panic!("awsmfa itself died of signal {:?}", status.signal()));
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            panic!("awsmfa did not end within {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The rest of the command's output, up to its end (bounded).
fn rest(output: mpsc::Receiver<String>) -> Vec<String> {
    let deadline = Instant::now() + BOUND;
    let mut lines = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match output.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => return lines,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("output did not end: {lines:?}"),
        }
    }
}

fn send(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on a process this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
}

/// A command that reports the signal it got, finishes its work, and exits
/// with a code of its own.
const TRAPPING: &str = r#"
trap 'echo got TERM; sleep 0.2; echo cleaned up; exit 70' TERM
trap 'echo got INT; sleep 0.2; echo cleaned up; exit 71' INT
trap 'echo got HUP; sleep 0.2; echo cleaned up; exit 72' HUP
echo ready
while :; do sleep 0.05; done"#;

#[test]
fn signals_reach_the_command_and_awsmfa_exits_with_its_code() {
    for (signal, name, code) in [
        (libc::SIGTERM, "TERM", 70),
        (libc::SIGINT, "INT", 71),
        (libc::SIGHUP, "HUP", 72),
    ] {
        let env = with_session();
        let (child, output) = start(&env, TRAPPING, |_| {});
        send(&child, signal);
        assert_eq!(finish(child), code, "SIG{name}");
        assert_eq!(
            rest(output),
            [format!("got {name}"), "cleaned up".to_owned()]
        );
    }
}

#[test]
fn a_command_ended_by_the_signal_gives_128_plus_its_number() {
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        let env = with_session();
        let (child, _) = start(&env, "echo ready; exec sleep 30", |_| {});
        let started = Instant::now();
        send(&child, signal);
        assert_eq!(finish(child), 128 + signal, "signal {signal}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "sleep was not ended"
        );
    }
}

#[test]
fn a_hang_up_ignored_by_nohup_stays_ignored() {
    let env = with_session();
    let ignore_hangups = |cmd: &mut std::process::Command| {
        use std::os::unix::process::CommandExt;
        // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGHUP, libc::SIG_IGN);
                Ok(())
            });
        }
    };
    let script = "echo ready; sleep 0.5; echo still here";
    let (child, output) = start(&env, script, ignore_hangups);
    send(&child, libc::SIGHUP);
    assert_eq!(finish(child), 0);
    assert_eq!(rest(output), ["still here"]);
}

/// Runs tests/support/pty_exec.py: its exit code line and the child's report.
fn on_a_terminal(action: &str) -> Option<(String, String)> {
    let python = peer("python3")?;
    let env = with_session();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pty_exec.py");
    let out = env
        .program(
            &python,
            &[
                script,
                env!("CARGO_BIN_EXE_awsmfa"),
                action,
                env.home().to_str().unwrap(),
            ],
        )
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines().map(str::to_owned);
    Some((lines.next().unwrap(), lines.next().unwrap_or_default()))
}

/// Ctrl-C reaches the whole foreground job from the terminal; awsmfa must not
/// send a second one (terraform aborts on a second Ctrl-C). The child here
/// left the foreground job, so anything it gets came from awsmfa.
#[test]
fn the_terminals_ctrl_c_is_not_sent_again() {
    let Some((code, report)) = on_a_terminal("ctrl-c") else {
        return;
    };
    assert_eq!((code.as_str(), report.as_str()), ("0", "none"));
}

/// When awsmfa leads the session (`ssh -t host awsmfa exec ...`), a closed
/// terminal hangs up awsmfa alone: the command must hear it from awsmfa.
#[test]
fn a_hang_up_of_the_session_leader_reaches_the_command() {
    let Some((code, report)) = on_a_terminal("hangup") else {
        return;
    };
    assert_eq!(
        (code.as_str(), report.as_str()),
        ("0", "SIGHUP from awsmfa")
    );
}

/// The command sees the session as `env` exports it: the expiration under
/// both names, and no legacy token (or expiration) left from another session.
#[test]
fn the_command_gets_the_session_variables_and_no_stale_ones() {
    let print = r#"printf '%s\n' "$AWS_SESSION_TOKEN" "${AWS_CREDENTIAL_EXPIRATION-unset}" \
        "${AWS_SESSION_EXPIRATION-unset}" "${AWS_SECURITY_TOKEN-unset}""#;
    let env = with_session()
        .var("AWS_SECURITY_TOKEN", "StaleTokenOfAnotherSession")
        .var("AWS_SESSION_EXPIRATION", "2020-01-01T00:00:00Z");
    env.awsmfa(&["exec", "--", "sh", "-c", print])
        .assert()
        .success()
        .stdout("FakeExecToken\n2999-01-01T00:00:00Z\n2999-01-01T00:00:00Z\nunset\n");

    let env = TestEnv::new()
        .var("AWS_SECURITY_TOKEN", "StaleTokenOfAnotherSession")
        .var("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z")
        .var("AWS_SESSION_EXPIRATION", "2020-01-01T00:00:00Z");
    env.write_credentials(
        "[mfa]\naws_access_key_id = ASIANOEXP\naws_secret_access_key = s\naws_session_token = t\n",
    );
    env.awsmfa(&["exec", "--", "sh", "-c", print])
        .assert()
        .success()
        .stdout("t\nunset\nunset\nunset\n");
}
