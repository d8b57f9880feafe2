//! cmd.exe: no quoting; its metacharacters are escaped with `^`.

pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '^' | '&' | '|' | '<' | '>' | '(' | ')' | '%' | '!' | '"') {
            out.push('^');
        }
        out.push(c);
    }
    out
}

pub fn export(name: &str, value: &str) -> String {
    format!("set {name}={}\n", quote(value))
}

pub fn unset(names: &[&str]) -> String {
    names.iter().map(|n| format!("set {n}=\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_metacharacters() {
        assert_eq!(quote("a&b|c<d>e^f"), "a^&b^|c^<d^>e^^f");
        assert_eq!(quote("AbC/+="), "AbC/+=");
    }
}
