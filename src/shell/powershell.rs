//! PowerShell: single-quoted strings double their quotes, including the
//! typographic single quotes PowerShell also accepts as quotes. A line break
//! is written as `"`n"` joined on with `+`, so every assignment stays on one
//! line: `awsmfa env | Invoke-Expression` runs each line on its own.

pub fn quote(value: &str) -> String {
    let mut parts = Vec::new();
    let mut literal = String::new();
    for c in value.chars() {
        match c {
            '\n' | '\r' => {
                if !literal.is_empty() {
                    parts.push(single_quoted(&literal));
                    literal.clear();
                }
                parts.push(if c == '\n' { "\"`n\"" } else { "\"`r\"" }.to_owned());
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() || parts.is_empty() {
        parts.push(single_quoted(&literal));
    }
    parts.join(" + ")
}

fn single_quoted(value: &str) -> String {
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
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn line_breaks_are_joined_on_one_line() {
        assert_eq!(quote("a\nb"), "'a' + \"`n\" + 'b'");
        assert_eq!(quote("a\r\n"), "'a' + \"`r\" + \"`n\"");
        assert_eq!(quote("\n'"), "\"`n\" + ''''");
        assert!(!export("K", "x\ny\r\nz\r").trim_end().contains(['\n', '\r']));
    }
}
