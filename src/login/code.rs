//! Where the MFA code comes from: `--code`, one line of stdin, or a prompt
//! on the terminal itself (`/dev/tty`), which works inside `eval "$(…)"`,
//! pipes and programs that capture stderr.

use std::io::{BufRead, Write};

use anyhow::Result;

use crate::error::Error;
use crate::input::parse_code;
use crate::secret::Secret;

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

/// The code for `device`: given, else from stdin (when it is not a
/// terminal and may be read), else asked for on the terminal.
pub fn obtain(
    given: Option<Secret>,
    stdin: &mut Stdin<'_>,
    device: &str,
    profile: &str,
    stderr: &mut dyn Write,
) -> Result<Secret> {
    if let Some(code) = given {
        return Ok(code);
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
                .hint("pass --code 123456, or pipe it in: echo 123456 | awsmfa login")
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
            "no terminal to ask for the MFA code on, and stdin belongs to the command",
        )
        .hint(format!(
            "log in first with 'awsmfa login --profile {profile} --code CODE', or run this from a terminal"
        ))
        .into()),
    }
}

#[cfg(unix)]
mod terminal {
    use std::io::{BufRead, BufReader, Write};

    /// Asks on the controlling terminal; `None` when the process has none
    /// (cron, CI, a daemon), at once.
    pub fn ask(question: &str) -> std::io::Result<Option<String>> {
        let Ok(tty) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
        else {
            return Ok(None);
        };
        (&tty).write_all(question.as_bytes())?;
        (&tty).flush()?;
        let mut line = String::new();
        BufReader::new(&tty).read_line(&mut line)?;
        Ok(Some(line))
    }
}

#[cfg(windows)]
mod terminal {
    use std::io::{BufRead, BufReader, Write};

    /// Asks on the console (`CONIN$`/`CONOUT$`); `None` without one.
    pub fn ask(question: &str) -> std::io::Result<Option<String>> {
        let open = |name| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(name)
        };
        let (Ok(input), Ok(mut output)) = (open("CONIN$"), open("CONOUT$")) else {
            return Ok(None);
        };
        output.write_all(question.as_bytes())?;
        output.flush()?;
        let mut line = String::new();
        BufReader::new(input).read_line(&mut line)?;
        Ok(Some(line))
    }
}

#[cfg(test)]
mod tests {
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
        let code = obtain(None, &mut stdin, "d", "p", &mut Vec::new()).unwrap();
        assert_eq!(code.expose(), "123456");
    }

    #[test]
    fn empty_stdin_is_a_usage_error() {
        let mut input: &[u8] = b"";
        let mut stdin = Stdin::Readable {
            reader: &mut input,
            is_terminal: false,
        };
        let err = obtain(None, &mut stdin, "d", "p", &mut Vec::new()).unwrap_err();
        assert_eq!(
            crate::error::render(&err).0,
            crate::exit_codes::ExitCode::Usage
        );
    }
}
