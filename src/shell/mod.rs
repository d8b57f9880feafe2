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

    /// Code that sets each variable to its value, verbatim.
    pub fn export(self, vars: &[(&str, &str)]) -> String {
        vars.iter()
            .map(|(k, v)| match self {
                Shell::Posix => posix::export(k, v),
                Shell::Fish => fish::export(k, v),
                Shell::PowerShell => powershell::export(k, v),
                Shell::Cmd => cmd::export(k, v),
            })
            .collect()
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
        assert_eq!(Shell::Posix.export(&vars), "export K='v/1+='\n");
        assert_eq!(Shell::Fish.export(&vars), "set -gx K 'v/1+=';\n");
        assert_eq!(Shell::PowerShell.export(&vars), "$Env:K = 'v/1+='\n");
        assert_eq!(Shell::Cmd.export(&vars), "set K=v/1+=\n");
    }
}
