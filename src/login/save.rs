//! Saving a session. Everything a save will write is worked out and proven
//! possible before the request that spends the code ([`SavePlan::prepare`]);
//! after it, the same edits are made again under the files' locks on what
//! the files hold then, so that concurrent runs lose nothing.

use std::io::Write;

use anyhow::Result;

use crate::error::Error;
use crate::names::ProfileNames;
use crate::profiles::write::{PreparedWrite, same_file};
use crate::profiles::{
    AwsFile, AwsFiles, AwsPaths, FileLock, IniFile, check_writable, config_profile_section,
    config_section_name, edit,
};
use crate::secret::Secret;
use crate::session::{EXPIRATION, ProfileCredentials, SECURITY_TOKEN, Session};
use crate::time::Timestamp;

/// The config keys a new `[profile T]` takes from the source's config profile.
const COPIED_KEYS: [&str; 2] = ["region", "output"];

/// What saving a session to a target will write.
#[derive(Debug, Clone)]
pub struct SavePlan {
    paths: AwsPaths,
    target: String,
    /// Values for a new `[profile T]`, each checked to be writable as it reads.
    copied: Vec<(&'static str, String)>,
    /// The config file is the credentials file (one lock, one write).
    one_file: bool,
    /// The config file (a separate one) gets a new `[profile T]`: only then
    /// is it locked and written.
    writes_config: bool,
}

/// The new text of each file that changes.
struct Texts {
    credentials: String,
    config: Option<String>,
}

impl SavePlan {
    /// Works out the save to `names.target` and proves it possible: the
    /// edits apply to the files as they are, and every file that will change
    /// can be replaced. A new config profile takes each copied key from the
    /// first of `copy_from` that has it. Notes (values not copied) go to `stderr`.
    pub fn prepare(
        paths: &AwsPaths,
        files: &AwsFiles,
        names: &ProfileNames,
        copy_from: &[&str],
        stderr: &mut dyn Write,
    ) -> Result<SavePlan> {
        let mut copied = Vec::new();
        for key in COPIED_KEYS {
            let found = copy_from
                .iter()
                .find_map(|p| files.config_value(p, key).map(|v| (p, v)));
            let Some((profile, value)) = found else {
                continue;
            };
            if value.contains(['\n', '\r']) {
                writeln!(
                    stderr,
                    "awsmfa: note: {key} of profile {profile} spans several lines; not copied to profile {}",
                    names.target
                )?;
                continue;
            }
            copied.push((key, value.to_owned()));
        }
        let mut plan = SavePlan {
            paths: paths.clone(),
            target: names.target.clone(),
            copied,
            one_file: same_file(&paths.credentials, &paths.config),
            writes_config: true,
        };
        let texts = plan.render(files, &placeholder_session())?;
        plan.writes_config = texts.config.is_some();
        check_writable(&paths.credentials)?;
        if plan.writes_config {
            check_writable(&paths.config)?;
        }
        Ok(plan)
    }

    /// Writes `session` to the target: both files' new contents are written
    /// to temporary files first, then renamed, the credentials file first: a
    /// failure before its rename leaves both files as they were, and the
    /// config's new profile (only region and output) cannot come without
    /// the session.
    pub fn save(&self, session: &Session) -> Result<()> {
        let _locks = if self.writes_config {
            FileLock::acquire_all(&[&self.paths.credentials, &self.paths.config])?
        } else {
            vec![FileLock::acquire(&self.paths.credentials)?]
        };
        let files = AwsFiles::load(&self.paths)?;
        let texts = self.render(&files, session)?;
        let config = match &texts.config {
            Some(text) => Some(PreparedWrite::new(&self.paths.config, text, false)?),
            None => None,
        };
        let credentials = PreparedWrite::new(&self.paths.credentials, &texts.credentials, true)?;
        credentials.commit()?;
        match config {
            Some(config) => config.commit(),
            None => Ok(()),
        }
    }

    /// The files' new texts with `session` in the target.
    fn render(&self, files: &AwsFiles, session: &Session) -> Result<Texts> {
        let target = &self.target;
        let credentials = &files.credentials;
        if ProfileCredentials::read(&credentials.ini, target) == ProfileCredentials::LongTerm {
            return Err(refuse_long_term(target));
        }
        let mut pairs = session.to_pairs();
        // The Python aws-mfa reads only its own `2026-11-23 19:20:32` (UTC):
        // a section it wrote keeps that form, so that both tools go on working.
        let naive = credentials
            .ini
            .get(target, EXPIRATION)
            .is_some_and(is_naive_utc);
        if naive {
            for (key, value) in &mut pairs {
                if *key == EXPIRATION {
                    *value = value.replacen('T', " ", 1).trim_end_matches('Z').to_owned();
                }
            }
        }
        // Tools such as the Python aws-mfa write the token twice; botocore
        // reads aws_security_token first, so both must hold the new one.
        let has_security_token = credentials
            .ini
            .section(target)
            .is_some_and(|s| credentials.ini.entry(s, SECURITY_TOKEN).is_some());
        if has_security_token {
            pairs.push((SECURITY_TOKEN, session.session_token.expose().to_owned()));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let credentials_text = edit::set_keys(&credentials.ini, target, &pairs)
            .map_err(|e| edit_error(credentials, e))?;
        if !self.one_file {
            // A config change found only now (another run removed the
            // profile meanwhile) was not proven possible: it is left out.
            let config = match self.writes_config {
                true => self.config_text(&files.config)?,
                false => None,
            };
            return Ok(Texts {
                credentials: credentials_text,
                config,
            });
        }
        // One file holds both: the config edit applies to the edited text.
        let edited = AwsFile {
            path: credentials.path.clone(),
            ini: IniFile::parse(credentials_text.as_bytes())
                .map_err(|_| edit_error(credentials, unsafe_edit(target)))?,
        };
        let text = self.config_text(&edited)?.unwrap_or(credentials_text);
        Ok(Texts {
            credentials: text,
            config: None,
        })
    }

    /// The config file's new text when the target has no config profile yet
    /// and there is something to copy into one.
    fn config_text(&self, config: &AwsFile) -> Result<Option<String>> {
        if self.copied.is_empty() || config_profile_section(&config.ini, &self.target).is_some() {
            return Ok(None);
        }
        let pairs: Vec<(&str, &str)> = self.copied.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let section = config_section_name(&self.target);
        edit::set_keys(&config.ini, &section, &pairs)
            .map(Some)
            .map_err(|e| edit_error(config, e))
    }
}

/// `YYYY-MM-DD HH:MM:SS` without a zone, as the Python aws-mfa writes it.
fn is_naive_utc(value: &str) -> bool {
    let b = value.trim().as_bytes();
    b.len() == 19
        && b[10] == b' '
        && b.iter()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10 | 13 | 16) || c.is_ascii_digit())
        && Timestamp::parse(value).is_some()
}

/// A session shaped like STS's, for proving the edits before the request.
fn placeholder_session() -> Session {
    Session {
        access_key_id: "ASIA".to_owned() + &"0".repeat(16),
        secret_access_key: Secret::new("0".repeat(40)),
        session_token: Secret::new("0".repeat(400)),
        expiration: crate::session::Expiry::At(Timestamp::now()),
    }
}

pub(crate) fn refuse_long_term(target: &str) -> anyhow::Error {
    Error::failure(format!(
        "profile {target} holds long-term keys; awsmfa never overwrites them"
    ))
    .hint("choose another profile for the session with --target")
    .into()
}

fn unsafe_edit(section: &str) -> edit::UnsafeEdit {
    edit::UnsafeEdit {
        section: section.to_owned(),
    }
}

pub(crate) fn edit_error(file: &AwsFile, err: edit::UnsafeEdit) -> anyhow::Error {
    Error::failure(format!("{}: {err}", file.path.display()))
        .hint("nothing was written; edit the file by hand or pick another --target")
        .into()
}
