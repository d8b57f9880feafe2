//! PowerShell: single-quoted strings double their quotes, including the
//! typographic single quotes PowerShell also accepts as quotes.

pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

pub fn export(name: &str, value: &str) -> String {
    format!("$Env:{name} = {}\n", quote(value))
}

pub fn unset(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("Remove-Item Env:{n} -ErrorAction SilentlyContinue\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_quotes() {
        assert_eq!(quote("it's $x"), "'it''s $x'");
        assert_eq!(quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
    }
}
