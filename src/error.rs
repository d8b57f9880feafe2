//! User-facing errors: a message, an optional hint, and the exit code they map to.

use std::fmt;

use crate::exit_codes::ExitCode;

/// An error the user can act on. Other errors (I/O with context) are runtime failures.
#[derive(Debug)]
pub struct Error {
    code: ExitCode,
    message: String,
    hint: Option<String>,
}

impl Error {
    /// Bad usage or input (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(ExitCode::Usage, message)
    }

    /// A runtime failure (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Error::new(ExitCode::Failure, message)
    }

    /// No valid session (exit 3).
    pub fn no_session(message: impl Into<String>) -> Self {
        Error::new(ExitCode::NoSession, message)
    }

    fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a line telling the user what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds `more` to the hint (or makes it the hint when there is none).
    pub fn and_hint(mut self, more: impl Into<String>) -> Self {
        let more = more.into();
        self.hint = Some(match self.hint.take() {
            Some(hint) if !hint.is_empty() => format!("{hint}; {more}"),
            _ => more,
        });
        self
    }

    /// The error with every occurrence of `secret` (a code STS quoted back)
    /// replaced, in its message and hint.
    pub fn redact(mut self, secret: &str) -> Self {
        if !secret.is_empty() {
            self.message = self.message.replace(secret, "<redacted>");
            self.hint = self.hint.map(|h| h.replace(secret, "<redacted>"));
        }
        self
    }

    /// The exit code this error ends the process with.
    pub fn code(&self) -> ExitCode {
        self.code
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The exit code an error ends the process with: its own, else a runtime failure.
pub fn exit_code(err: &anyhow::Error) -> ExitCode {
    err.downcast_ref::<Error>()
        .map_or(ExitCode::Failure, Error::code)
}

/// What the user reads for an error: the `awsmfa: error:` line and maybe a hint line.
pub fn render(err: &anyhow::Error) -> (ExitCode, String) {
    let ours = err.downcast_ref::<Error>();
    let code = exit_code(err);
    // `{:#}` joins the context chain on one line: "writing X: permission denied".
    let mut text = format!("awsmfa: error: {err:#}\n");
    // A hint with nothing in it (a server's empty message) prints no line.
    if let Some(hint) = ours
        .and_then(|e| e.hint.as_deref())
        .filter(|h| !h.trim().is_empty())
    {
        text.push_str(&format!("  hint: {hint}\n"));
    }
    (code, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn usage_error_renders_with_hint_and_code_2() {
        let err = anyhow::Error::new(Error::usage("bad code").hint("use 6 digits"));
        let (code, text) = render(&err);
        assert_eq!(code, ExitCode::Usage);
        assert_eq!(text, "awsmfa: error: bad code\n  hint: use 6 digits\n");
    }

    #[test]
    fn context_keeps_the_code_of_the_inner_error() {
        let err: anyhow::Result<()> = Err(Error::no_session("no session").into());
        let err = err.context("reading profile mfa").unwrap_err();
        let (code, text) = render(&err);
        assert_eq!(code, ExitCode::NoSession);
        assert_eq!(text, "awsmfa: error: reading profile mfa: no session\n");
    }

    #[test]
    fn an_empty_hint_prints_no_hint_line() {
        let err = anyhow::Error::new(Error::failure("the portal failed").hint(" "));
        assert_eq!(render(&err).1, "awsmfa: error: the portal failed\n");
    }

    #[test]
    fn foreign_errors_are_runtime_failures() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = anyhow::Error::new(io).context("writing /x");
        let (code, text) = render(&err);
        assert_eq!(code, ExitCode::Failure);
        assert_eq!(text, "awsmfa: error: writing /x: denied\n");
    }
}
