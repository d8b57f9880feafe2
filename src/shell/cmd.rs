//! cmd.exe: `set "K=v"`. Inside the quotes `&|<>()^` and spaces are literal,
//! whether the line runs from a batch file, the prompt or `for /f ... do %i`.
//! What no form of `set` can carry verbatim in all of those is refused:
//! `%` and `!` (expanded depending on context), `"` (ends the quoting), line
//! ends and other control characters, and non-ASCII (read in the console's
//! code page).

/// Why cmd cannot hold `value` verbatim, if it cannot.
pub fn refusal(value: &str) -> Option<&'static str> {
    value.chars().find_map(|c| match c {
        '\n' | '\r' => Some("a line break, which ends a cmd command"),
        '%' | '!' => Some("% or !, which cmd expands"),
        '"' => Some("a double quote, which ends cmd's quoting"),
        c if c.is_ascii_control() => Some("a control character"),
        c if !c.is_ascii() => Some("a non-ASCII character, which cmd reads in its code page"),
        _ => None,
    })
}

/// `set "K=v"`; the value must have passed [`refusal`].
pub fn export(name: &str, value: &str) -> String {
    format!("set \"{name}={value}\"\n")
}

/// Guarded: `set "K="` of a missing variable sets ERRORLEVEL 1.
pub fn unset(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("if defined {n} set \"{n}=\"\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metacharacters_stay_inside_the_quotes() {
        assert_eq!(
            export("K", "a&b|c<d>e^f(g) h"),
            "set \"K=a&b|c<d>e^f(g) h\"\n"
        );
        assert_eq!(refusal("AbC/+=&|<>^()' `$~"), None);
    }

    #[test]
    fn what_cmd_cannot_hold_is_refused() {
        for value in [
            "a\nb",
            "a\rb",
            "50%",
            "%PATH%",
            "wow!",
            "say \"hi\"",
            "tab\there",
            "é",
        ] {
            assert!(refusal(value).is_some(), "{value:?}");
        }
    }
}
