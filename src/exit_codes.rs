//! The process exit codes that scripts may rely on (see the README).

/// How an `awsmfa` run ended, as seen by the calling shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// The command did what was asked.
    Success,
    /// A runtime failure: STS refused, the network failed, a file could not be written.
    Failure,
    /// Bad usage or input: flags, MFA code, duration, a malformed AWS file.
    Usage,
    /// There is no valid session in the target profile.
    NoSession,
    /// The exit code of the command `awsmfa exec` ran.
    Child(u8),
}

impl ExitCode {
    /// The numeric code handed to the operating system.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Failure => 1,
            ExitCode::Usage => 2,
            ExitCode::NoSession => 3,
            ExitCode::Child(code) => code,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(ExitCode::Success.code(), 0);
        assert_eq!(ExitCode::Failure.code(), 1);
        assert_eq!(ExitCode::Usage.code(), 2);
        assert_eq!(ExitCode::NoSession.code(), 3);
    }
}
