//! Reading environment variables. Most settings treat an empty value as
//! unset; the file variables do not (botocore uses an empty path as given).

/// A source of environment variables; the process environment in production,
/// a map in tests.
pub trait Env {
    /// The variable's value as set, even when empty; `None` when unset.
    fn raw_var(&self, name: &str) -> Option<String>;

    /// The variable's value, or `None` when unset or empty.
    fn var(&self, name: &str) -> Option<String> {
        self.raw_var(name).filter(|v| !v.is_empty())
    }
}

/// The real process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn raw_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

#[cfg(test)]
impl Env for std::collections::HashMap<&str, &str> {
    fn raw_var(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn empty_is_unset_for_var_but_set_for_raw_var() {
        let env = HashMap::from([("EMPTY", ""), ("SET", "x")]);
        assert_eq!(env.var("EMPTY"), None);
        assert_eq!(env.raw_var("EMPTY").as_deref(), Some(""));
        assert_eq!(env.var("SET").as_deref(), Some("x"));
        assert_eq!(env.raw_var("UNSET"), None);
    }
}
