//! Where the MFA code comes from: `--code`, a code command (`ykman`, `op`,
//! aws-vault's `mfa_process`), one line of stdin, or a prompt on the
//! terminal itself (`/dev/tty`), which works inside `eval "$(…)"`, pipes
//! and programs that capture stderr.

mod job;
pub mod terminal;

use std::io::{BufRead, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::Result;

use crate::error::Error;
use crate::input::parse_code;
use crate::secret::Secret;
use job::Job;

/// What the login may read the code from besides the terminal.
pub enum Stdin<'a> {
    /// `login`: stdin may hold the code (`echo 123456 | awsmfa login`).
    Readable {
        reader: &'a mut dyn BufRead,
        is_terminal: bool,
    },
    /// `exec --login`: stdin belongs to the command awsmfa runs, and is never read.
    Caller,
}

/// A command that prints the code, and where it was configured. Its
/// `Debug` shows only where: the command may hold a TOTP seed.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeCommand {
    pub command: String,
    /// `--code-command`, `AWSMFA_CODE_COMMAND` or `mfa_process of profile P`.
    pub from: String,
}

impl std::fmt::Debug for CodeCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeCommand")
            .field("command", &"<redacted>")
            .field("from", &self.from)
            .finish()
    }
}

/// How long a code command may take (a YubiKey waits for a touch).
pub const COMMAND_LIMIT: Duration = Duration::from_secs(60);

/// The limit a code command gets: [`COMMAND_LIMIT`]. Debug builds (the
/// binary the tests run) take `$AWSMFA_TEST_CODE_COMMAND_LIMIT_MS` instead,
/// so that a test of the limit need not wait a minute; release builds do not
/// read it.
fn command_limit() -> Duration {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("AWSMFA_TEST_CODE_COMMAND_LIMIT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    COMMAND_LIMIT
}

/// The code for `device`: given, else from the code command, else from
/// stdin (when it is not a terminal and may be read), else asked for on the
/// terminal.
pub fn obtain(
    given: Option<Secret>,
    command: Option<&CodeCommand>,
    stdin: &mut Stdin<'_>,
    device: &str,
    profile: &str,
    stderr: &mut dyn Write,
) -> Result<Secret> {
    if let Some(code) = given {
        return Ok(code);
    }
    if let Some(command) = command {
        return run_command(command, command_limit());
    }
    if let Stdin::Readable {
        reader,
        is_terminal: false,
    } = stdin
    {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            return Err(Error::usage("no MFA code given")
                .hint("pass --code 123456, pipe it in (echo 123456 | awsmfa login), or give a code command (--code-command, mfa_process)")
                .into());
        }
        return Ok(parse_code(&line)?);
    }
    let question = format!("MFA code for {device} (profile {profile}): ");
    if let Some(answer) = terminal::ask(&question)? {
        return Ok(parse_code(&answer)?);
    }
    match stdin {
        // stdin is a terminal that the terminal device did not open for.
        Stdin::Readable { reader, .. } => {
            write!(stderr, "{question}")?;
            stderr.flush()?;
            let mut line = String::new();
            reader.read_line(&mut line)?;
            Ok(parse_code(&line)?)
        }
        Stdin::Caller => Err(Error::no_session(
            "no terminal to ask for the MFA code on, and stdin belongs to the caller",
        )
        .hint(format!(
            "log in first (awsmfa login --profile {profile} --code CODE), or give a code command \
             (--code-command 'ykman oath accounts code -s NAME', or mfa_process in the profile)"
        ))
        .into()),
    }
}

/// Runs a code command through the platform shell: stdin closed, stderr
/// passed through (so "Touch your YubiKey" shows), stdout read as the code.
/// It runs as a job of its own (see `job`): it can ask on the terminal and
/// Ctrl-C reaches it, and past the limit all its processes are killed.
/// Neither its output nor the command itself is ever shown: either may hold
/// a secret (`oathtool` takes the TOTP seed as an argument).
pub fn run_command(command: &CodeCommand, limit: Duration) -> Result<Secret> {
    let failed = |why: String| -> anyhow::Error {
        Error::failure(format!("the code command ({}) {why}", command.from))
            .hint("it must print the 6-digit code, and nothing else, on its standard output")
            .into()
    };
    let mut shell = shell(&command.command);
    shell
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut job = Job::start(&mut shell).map_err(|e| failed(format!("could not start: {e}")))?;
    let stdout = job.take_stdout().expect("stdout is piped");
    let output = Arc::new(Mutex::new(Vec::new()));
    // Read on a thread, so that a command printing much cannot block on a
    // full pipe, and so that a process it left running with its stdout
    // cannot hold awsmfa past the limit.
    let (done, finished) = mpsc::channel();
    let sink = Arc::clone(&output);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut stdout = stdout.take(64 * 1024);
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .expect("only this thread writes")
                .extend_from_slice(&buf[..n]);
        }
        let _ = done.send(());
    });
    let Some(status) = job.wait(limit)? else {
        return Err(failed(format!(
            "gave no answer within {} and was stopped",
            seconds(limit)
        )));
    };
    // The command has ended: its output is complete unless something it
    // started in the background still holds the pipe.
    let _ = finished.recv_timeout(OUTPUT_GRACE);
    if !status.success() {
        return Err(failed(match status.code() {
            Some(code) => format!("failed (exit code {code})"),
            None => "was ended by a signal".to_owned(),
        }));
    }
    let text =
        String::from_utf8(output.lock().map(|o| o.clone()).unwrap_or_default()).unwrap_or_default();
    parse_code(&text).map_err(|_| failed("did not print exactly 6 digits".to_owned()))
}

/// `60s`, or `1.5s` for a limit that is not whole seconds.
fn seconds(limit: Duration) -> String {
    match limit.subsec_millis() {
        0 => format!("{}s", limit.as_secs()),
        _ => format!("{:.1}s", limit.as_secs_f64()),
    }
}

/// How long the output may trail the end of the command.
const OUTPUT_GRACE: Duration = Duration::from_millis(500);

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command);
    cmd
}

#[cfg(windows)]
fn shell(command: &str) -> Command {
    let mut cmd = Command::new("cmd");
    cmd.arg("/C").arg(command);
    cmd
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_given_code_wins_and_stdin_is_not_read() {
        let mut input: &[u8] = b"654321\n";
        let mut stdin = Stdin::Readable {
            reader: &mut input,
            is_terminal: false,
        };
        let code = obtain(
            Some(Secret::new("123456")),
            None,
            &mut stdin,
            "d",
            "p",
            &mut Vec::new(),
        );
        assert_eq!(code.unwrap().expose(), "123456");
        assert_eq!(input, b"654321\n");
    }

    #[test]
    fn a_piped_line_is_the_code() {
        let mut input: &[u8] = b" 123456 \nrest\n";
        let mut stdin = Stdin::Readable {
            reader: &mut input,
            is_terminal: false,
        };
        let code = obtain(None, None, &mut stdin, "d", "p", &mut Vec::new()).unwrap();
        assert_eq!(code.expose(), "123456");
    }

    #[cfg(unix)]
    fn command(text: &str) -> CodeCommand {
        CodeCommand {
            command: text.to_owned(),
            from: "--code-command".to_owned(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn code_commands() {
        let limit = Duration::from_secs(5);
        let code = run_command(&command("echo ' 123456'"), limit).unwrap();
        assert_eq!(code.expose(), "123456");
        for (cmd, says) in [
            ("echo 12345", "6 digits"),
            // The digits are built, so that only the output could show them.
            ("echo 65432$((0+1)); echo extra", "6 digits"),
            ("echo 11111$((0+1)); exit 3", "exit code 3"),
            ("kill -9 $$", "signal"),
            ("/nonexistent/ykman", "exit code 127"),
        ] {
            let err = run_command(&command(cmd), limit).unwrap_err();
            let (code, text) = crate::error::render(&err);
            assert_eq!(code, crate::exit_codes::ExitCode::Failure, "{cmd}");
            assert!(text.contains(says), "{cmd}: {text}");
            assert!(
                !text.contains("654321") && !text.contains("111111"),
                "{text}"
            );
        }
        let started = Instant::now();
        let err = run_command(&command("sleep 30 & sleep 30"), Duration::from_millis(300));
        assert!(err.unwrap_err().to_string().contains("no answer within"));
        assert!(started.elapsed() < Duration::from_secs(5));
        // Past the limit the whole pipeline is killed, not just the shell.
        let err = run_command(&command("sleep 97.321 | cat"), Duration::from_millis(300));
        assert!(err.unwrap_err().to_string().contains("within 0.3s"));
        std::thread::sleep(Duration::from_millis(200));
        let left = std::process::Command::new("pgrep")
            .args(["-f", "sleep 97.321"])
            .output()
            .unwrap();
        assert!(left.stdout.is_empty(), "left running: {left:?}");
        // A process left running with the output open does not hold awsmfa.
        let started = Instant::now();
        let code = run_command(&command("echo 123456; sleep 30 &"), limit).unwrap();
        assert_eq!(code.expose(), "123456");
        assert!(started.elapsed() < Duration::from_secs(3));
        // Errors never show the command: it may hold a TOTP seed.
        let err = run_command(&command("echo SEED-ABC >/dev/null; exit 1"), limit).unwrap_err();
        assert!(!crate::error::render(&err).1.contains("SEED-ABC"));
    }

    #[test]
    fn empty_stdin_is_a_usage_error() {
        let mut input: &[u8] = b"";
        let mut stdin = Stdin::Readable {
            reader: &mut input,
            is_terminal: false,
        };
        let err = obtain(None, None, &mut stdin, "d", "p", &mut Vec::new()).unwrap_err();
        assert_eq!(
            crate::error::render(&err).0,
            crate::exit_codes::ExitCode::Usage
        );
    }
}
