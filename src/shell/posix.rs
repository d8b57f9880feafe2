//! POSIX shells: single quotes keep everything; a quote is written as `'\''`.

pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

pub fn export(name: &str, value: &str) -> String {
    format!("export {name}={}\n", quote(value))
}

pub fn unset(names: &[&str]) -> String {
    format!("unset {}\n", names.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_everything_verbatim() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME `x` \\n \"q\""), "'$HOME `x` \\n \"q\"'");
        assert_eq!(quote(""), "''");
    }
}
