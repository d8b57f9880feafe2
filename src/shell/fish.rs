//! fish: inside single quotes only `\\` and `\'` are escapes.

pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

pub fn export(name: &str, value: &str) -> String {
    format!("set -gx {name} {};\n", quote(value))
}

/// Guarded: `set -e` of a missing variable fails, and the last status is
/// what `awsmfa env | source; or ...` sees.
pub fn unset(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("if set -q {n}; set -e {n}; end;\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_backslash_and_quote() {
        assert_eq!(quote("a\\b'c"), r"'a\\b\'c'");
        assert_eq!(quote("$x (y) *"), "'$x (y) *'");
    }
}
