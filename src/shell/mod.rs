//! Shell code that sets or removes environment variables, one file per shell family.

mod cmd;
mod fish;
mod posix;
mod powershell;

use crate::env::Env;
use crate::error::Error;

/// A family of shells that share a syntax for variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// sh, bash, zsh, dash, ksh: `export K='v'`.
    Posix,
    /// fish: `set -gx K 'v'`.
    Fish,
    /// PowerShell and pwsh: `$Env:K = 'v'`.
    PowerShell,
    /// Windows cmd.exe: `set K=v`.
    Cmd,
}

/// The names `--shell` accepts.
pub const SHELL_NAMES: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "fish",
    "powershell",
    "pwsh",
    "cmd",
];

impl Shell {
    /// The family of a shell name or path (`/usr/bin/zsh`, `pwsh.exe`).
    pub fn from_name(name: &str) -> Option<Shell> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let base = base
            .strip_suffix(".exe")
            .unwrap_or(base)
            .to_ascii_lowercase();
        match base.as_str() {
            "sh" | "bash" | "zsh" | "dash" | "ksh" | "mksh" | "ash" | "posix" => Some(Shell::Posix),
            "fish" => Some(Shell::Fish),
            "powershell" | "pwsh" => Some(Shell::PowerShell),
            "cmd" => Some(Shell::Cmd),
            _ => None,
        }
    }

    /// `--shell` if given, else the basename of `$SHELL`, else POSIX.
    pub fn choose(flag: Option<&str>, env: &dyn Env) -> Result<Shell, Error> {
        match flag {
            Some(name) => Shell::from_name(name).ok_or_else(|| {
                Error::usage(format!("unknown shell '{name}'"))
                    .hint(format!("--shell takes one of: {}", SHELL_NAMES.join(", ")))
            }),
            None => Ok(env
                .var("SHELL")
                .and_then(|s| Shell::from_name(&s))
                .unwrap_or(Shell::Posix)),
        }
    }

    /// Code that sets each variable to its value, verbatim; refused, naming
    /// the variable, when this shell cannot hold a value exactly.
    pub fn export(self, vars: &[(&str, &str)]) -> Result<String, Error> {
        let mut code = String::new();
        for (name, value) in vars {
            if let Some(why) = self.refusal(value) {
                return Err(Error::usage(format!(
                    "cannot write {name} for {}: its value holds {why}",
                    self.name()
                ))
                .hint("use another --shell, or run the command with 'awsmfa exec'"));
            }
            code.push_str(&match self {
                Shell::Posix => posix::export(name, value),
                Shell::Fish => fish::export(name, value),
                Shell::PowerShell => powershell::export(name, value),
                Shell::Cmd => cmd::export(name, value),
            });
        }
        Ok(code)
    }

    /// Why this shell cannot set a variable to `value` verbatim, if it cannot.
    fn refusal(self, value: &str) -> Option<&'static str> {
        if value.contains('\0') {
            return Some("a NUL character, which no environment variable can hold");
        }
        match self {
            // Their quoting holds every other character, line breaks included.
            Shell::Posix | Shell::Fish | Shell::PowerShell => None,
            Shell::Cmd => cmd::refusal(value),
        }
    }

    /// The family's name in messages.
    fn name(self) -> &'static str {
        match self {
            Shell::Posix => "POSIX shells",
            Shell::Fish => "fish",
            Shell::PowerShell => "PowerShell",
            Shell::Cmd => "cmd",
        }
    }

    /// Code that removes each variable.
    pub fn unset(self, names: &[&str]) -> String {
        match self {
            Shell::Posix => posix::unset(names),
            Shell::Fish => fish::unset(names),
            Shell::PowerShell => powershell::unset(names),
            Shell::Cmd => cmd::unset(names),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn names_and_paths_map_to_families() {
        assert_eq!(Shell::from_name("/bin/bash"), Some(Shell::Posix));
        assert_eq!(Shell::from_name("/usr/local/bin/fish"), Some(Shell::Fish));
        assert_eq!(
            Shell::from_name("C:\\Program Files\\PowerShell\\7\\pwsh.exe"),
            Some(Shell::PowerShell)
        );
        assert_eq!(Shell::from_name("cmd.exe"), Some(Shell::Cmd));
        assert_eq!(Shell::from_name("tcsh"), None);
    }

    #[test]
    fn flag_then_shell_variable_then_posix() {
        let env = HashMap::from([("SHELL", "/usr/bin/fish")]);
        assert_eq!(Shell::choose(Some("zsh"), &env).unwrap(), Shell::Posix);
        assert_eq!(Shell::choose(None, &env).unwrap(), Shell::Fish);
        let env = HashMap::from([("SHELL", "/bin/tcsh")]);
        assert_eq!(Shell::choose(None, &env).unwrap(), Shell::Posix);
        assert_eq!(Shell::choose(None, &HashMap::new()).unwrap(), Shell::Posix);
        let err = Shell::choose(Some("csh"), &env).unwrap_err();
        assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage);
    }

    #[test]
    fn export_lines_per_family() {
        let vars = [("K", "v/1+=")];
        let export = |shell: Shell| shell.export(&vars).unwrap();
        assert_eq!(export(Shell::Posix), "export K='v/1+='\n");
        assert_eq!(export(Shell::Fish), "set -gx K 'v/1+=';\n");
        assert_eq!(export(Shell::PowerShell), "$Env:K = 'v/1+='\n");
        assert_eq!(export(Shell::Cmd), "set \"K=v/1+=\"\n");
    }

    #[test]
    fn values_a_shell_cannot_hold_are_refused_by_name() {
        let vars = [("OK", "fine"), ("K", "two\nlines")];
        let err = Shell::Cmd.export(&vars).unwrap_err();
        assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage);
        assert!(err.to_string().contains("cannot write K for cmd"), "{err}");
        for shell in [Shell::Posix, Shell::Fish, Shell::PowerShell] {
            assert!(shell.export(&vars).is_ok(), "{shell:?}");
            let err = shell.export(&[("K", "a\0b")]).unwrap_err();
            assert!(err.to_string().contains("NUL"), "{err}");
        }
    }
}
