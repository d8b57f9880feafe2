//! What the user sees and where: messages on the terminal itself (never
//! stdout, which may be `eval`ed or read by an SDK), and the browser, when
//! one can be reached.

use std::io::Write;

use crate::env::Env;

/// Writes `text` on the terminal itself (`/dev/tty`; the console on
/// Windows), else on stderr.
pub fn show(text: &str) {
    #[cfg(unix)]
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty")
        && tty.write_all(text.as_bytes()).is_ok()
    {
        return;
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Whether a browser can be opened here: `$BROWSER` names one; else not
/// over SSH, nor on Linux or the BSDs with no display (`DISPLAY`,
/// `WAYLAND_DISPLAY`).
pub fn reachable(env: &dyn Env) -> bool {
    let set = |name: &str| env.var(name).is_some_and(|v| !v.trim().is_empty());
    if set("BROWSER") {
        return true;
    }
    if set("SSH_CONNECTION") || set("SSH_CLIENT") || set("SSH_TTY") {
        return false;
    }
    if cfg!(any(target_os = "macos", windows)) {
        return true;
    }
    set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// Opens `url` in the browser, without waiting for it: `$BROWSER` (a
/// `:`-separated list of commands, each run with the URL as its argument,
/// or in place of `%s`; the first that starts is used), else the
/// platform's opener. Whether it started; the URL is shown either way.
pub fn open(env: &dyn Env, url: &str) -> bool {
    let commands: Vec<Vec<String>> = match env.var("BROWSER").filter(|b| !b.trim().is_empty()) {
        Some(list) => list
            .split(':')
            .filter_map(crate::profiles::shell_words)
            .filter(|words| !words.is_empty())
            .map(|words| with_url(words, url))
            .collect(),
        None => vec![platform_opener(url)],
    };
    commands.into_iter().any(|words| start(&words))
}

/// The command with the URL in place of `%s`, else after it.
fn with_url(words: Vec<String>, url: &str) -> Vec<String> {
    if words.iter().any(|w| w.contains("%s")) {
        words.into_iter().map(|w| w.replace("%s", url)).collect()
    } else {
        let mut words = words;
        words.push(url.to_owned());
        words
    }
}

fn platform_opener(url: &str) -> Vec<String> {
    let words: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        // Not `cmd /c start`: cmd would read the `&` of the URL.
        &["rundll32", "url.dll,FileProtocolHandler"]
    } else {
        &["xdg-open"]
    };
    let mut words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
    words.push(url.to_owned());
    words
}

/// Starts a command detached from awsmfa's standard streams (a browser's
/// chatter must not reach stdout), reaped in the background.
fn start(words: &[String]) -> bool {
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    let child = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match child {
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
            true
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        vars.iter().copied().collect()
    }

    #[test]
    fn a_browser_is_reachable_with_browser_set_or_a_display_and_no_ssh() {
        assert!(reachable(&env(&[
            ("BROWSER", "firefox"),
            ("SSH_TTY", "/dev/pts/1")
        ])));
        assert!(!reachable(&env(&[
            ("SSH_CONNECTION", "1 2 3 4"),
            ("DISPLAY", ":0")
        ])));
        if cfg!(all(unix, not(target_os = "macos"))) {
            assert!(!reachable(&env(&[])));
            assert!(reachable(&env(&[("WAYLAND_DISPLAY", "wayland-0")])));
        }
    }

    #[test]
    fn the_url_goes_in_place_of_percent_s_or_last() {
        let words = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            with_url(words(&["firefox", "--new-tab"]), "http://x/?a&b"),
            words(&["firefox", "--new-tab", "http://x/?a&b"])
        );
        assert_eq!(
            with_url(words(&["w3m", "%s", "-o"]), "u"),
            words(&["w3m", "u", "-o"])
        );
    }
}
