//! The AWS shared files: where they are, how they read, how they are edited.

pub mod edit;
pub mod lock;
mod owner;
pub mod parse;
pub mod paths;
pub mod store;
pub mod write;

use anyhow::Result;

pub use lock::FileLock;
pub use parse::{IniFile, Section};
pub use paths::AwsPaths;
pub use store::{AwsFile, check_writable, warn_if_shared};

/// Both shared files, parsed.
#[derive(Debug, Clone)]
pub struct AwsFiles {
    pub credentials: AwsFile,
    pub config: AwsFile,
}

impl AwsFiles {
    /// Reads both files; a malformed one is a usage error naming path and line.
    pub fn load(paths: &AwsPaths) -> Result<AwsFiles> {
        Ok(AwsFiles {
            credentials: AwsFile::load(&paths.credentials)?,
            config: AwsFile::load(&paths.config)?,
        })
    }

    /// The value of `key` in the config file's profile `profile`, as botocore reads it.
    pub fn config_value(&self, profile: &str, key: &str) -> Option<&str> {
        let section = config_profile_section(&self.config.ini, profile)?;
        self.config.ini.get(&section.name, key)
    }
}

/// The config file's section name for a profile: `default` or `profile NAME`.
pub fn config_section_name(profile: &str) -> String {
    if profile == "default" {
        "default".to_owned()
    } else {
        format!("profile {profile}")
    }
}

/// The config section botocore uses for `profile`: `[default]` or
/// `[profile NAME]` (the name may be quoted); the last match wins, as in botocore.
pub fn config_profile_section<'a>(ini: &'a IniFile, profile: &str) -> Option<&'a Section> {
    ini.sections()
        .iter()
        .rfind(|s| profile_of_config_section(&s.name).as_deref() == Some(profile))
}

/// botocore's `build_profile_map`: `profile X` (split as a shell would) names X; `default` names itself.
pub fn profile_of_config_section(name: &str) -> Option<String> {
    if name.starts_with("profile") {
        let mut words = shell_words(name)?;
        (words.len() == 2).then(|| words.swap_remove(1))
    } else {
        (name == "default").then(|| name.to_owned())
    }
}

/// POSIX shell word splitting (Python's `shlex.split`); `None` on an unclosed quote.
pub(crate) fn shell_words(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                words.extend(word.take());
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => {
                            let next = chars.next()?;
                            if !matches!(next, '\\' | '"') {
                                w.push('\\');
                            }
                            w.push(next);
                        }
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_sections_map_to_profiles_like_botocore() {
        assert_eq!(profile_of_config_section("profile dev"), Some("dev".into()));
        assert_eq!(
            profile_of_config_section("profile \"my dev\""),
            Some("my dev".into())
        );
        assert_eq!(
            profile_of_config_section("profile   dev  "),
            Some("dev".into())
        );
        assert_eq!(profile_of_config_section("default"), Some("default".into()));
        assert_eq!(
            profile_of_config_section("profile default"),
            Some("default".into())
        );
        assert_eq!(profile_of_config_section("dev"), None);
        assert_eq!(profile_of_config_section("profile"), None);
        assert_eq!(profile_of_config_section("profile a b"), None);
        assert_eq!(profile_of_config_section("profile 'open"), None);
        assert_eq!(profile_of_config_section("sso-session x"), None);
    }

    #[test]
    fn last_matching_config_section_wins() {
        let ini =
            IniFile::parse(b"[profile default]\nregion = a\n[default]\nregion = b\n").unwrap();
        let sec = config_profile_section(&ini, "default").unwrap();
        assert_eq!(ini.entry(sec, "region").map(|e| ini.value(e)), Some("b"));
    }

    #[test]
    fn section_names() {
        assert_eq!(config_section_name("default"), "default");
        assert_eq!(config_section_name("dev"), "profile dev");
    }
}
