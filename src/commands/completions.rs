//! Shell completions (with profile names where the shell allows) and the man page.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::env::Env;
use crate::exit_codes::ExitCode;

/// Completes `--profile` and `--target` with the names `awsmfa profiles` lists.
const BASH_PROFILES: &str = r#"
_awsmfa_with_profiles() {
    case "${COMP_WORDS[COMP_CWORD-1]}" in
        -p|--profile|-t|--target)
            COMPREPLY=($(compgen -W "$(awsmfa profiles 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
            return 0 ;;
    esac
    _awsmfa "$@"
}
complete -F _awsmfa_with_profiles -o bashdefault -o default awsmfa
"#;

const FISH_PROFILES: &str = r#"
complete -c awsmfa -s p -l profile -x -a '(awsmfa profiles 2>/dev/null)'
complete -c awsmfa -s t -l target -x -a '(awsmfa profiles 2>/dev/null)'
"#;

const ZSH_PROFILES: &str = r#"
_awsmfa_profiles() {
    local -a names
    names=(${(f)"$(awsmfa profiles 2>/dev/null)"})
    compadd -a names
}
"#;

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "awsmfa", &mut buf);
    let mut text = String::from_utf8(buf).expect("clap_complete writes UTF-8");
    match shell {
        Shell::Bash => text.push_str(BASH_PROFILES),
        Shell::Fish => text.push_str(FISH_PROFILES),
        Shell::Zsh => {
            // Profile values complete from the files instead of file names.
            text = text
                .replace(":P:_default", ":P:_awsmfa_profiles")
                .replace(":T:_default", ":T:_awsmfa_profiles");
            let at = text.find("_awsmfa() {").unwrap_or(0);
            text.insert_str(at, ZSH_PROFILES.trim_start());
        }
        _ => {}
    }
    text
}

pub fn run(shell: Shell, out: &mut dyn Write) -> Result<ExitCode> {
    out.write_all(script(shell).as_bytes())?;
    Ok(ExitCode::Success)
}

/// The man page on `out`; with `dir`, every command's page written into it
/// instead, so the pages the main one names (awsmfa-login(1), ...) exist.
pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> Result<ExitCode> {
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(Cli::command(), dir))
            .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        return Ok(ExitCode::Success);
    }
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    out.write_all(&buf)?;
    Ok(ExitCode::Success)
}

/// Profile names from both files, sorted, one per line.
pub fn profiles(env: &dyn Env, out: &mut dyn Write) -> Result<ExitCode> {
    let files = super::load_files_quietly(env)?;
    let mut names: Vec<String> = files
        .credentials
        .ini
        .sections()
        .iter()
        .map(|s| s.name.clone())
        .chain(
            files
                .config
                .ini
                .sections()
                .iter()
                .filter_map(|s| crate::profiles::profile_of_config_section(&s.name)),
        )
        .filter(|n| n != crate::profiles::parse::DEFAULT_SECTION)
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        writeln!(out, "{name}")?;
    }
    Ok(ExitCode::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_complete_profiles() {
        assert!(script(Shell::Bash).contains("awsmfa profiles"));
        assert!(script(Shell::Fish).contains("awsmfa profiles"));
        let zsh = script(Shell::Zsh);
        assert!(zsh.contains(":P:_awsmfa_profiles"), "zsh script unchanged");
        assert!(zsh.contains("_awsmfa_profiles() {"));
        assert!(script(Shell::PowerShell).contains("awsmfa"));
        assert!(script(Shell::Elvish).contains("awsmfa"));
    }
}
