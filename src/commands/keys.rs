//! `awsmfa keys add | import | list | remove`: a profile's long-term keys
//! in the OS keychain (service `awsmfa`, account the profile name), so that
//! `~/.aws/credentials` only ever holds short-lived sessions. `login` reads
//! them when the files hold none (`keys.rs`).

use std::io::{BufRead, Write};

use anyhow::Result;

use crate::cli::{KeysArgs, KeysCommand};
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::keys::{Keychain, check_shape};
use crate::login::run::mask;
use crate::login::save::edit_error;
use crate::names::ProfileNames;
use crate::profiles::{AwsFile, AwsFiles, AwsPaths, FileLock, check_writable, edit};
use crate::secret::Secret;
use crate::session::{
    ACCESS_KEY_ID, LongTermKeys, SECRET_ACCESS_KEY, SECURITY_TOKEN, SESSION_TOKEN,
};

/// Where `keys add` reads the access key id and the secret.
pub enum KeysInput<'a> {
    /// Two lines: the access key id, then the secret (stdin, not a terminal).
    Lines(&'a mut dyn BufRead),
    /// Asked on the terminal, the secret without echo.
    Terminal,
}

/// What a `keys` command reads and writes besides the keychain.
pub struct KeysConsole<'a> {
    pub input: KeysInput<'a>,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

pub fn run(
    command: &KeysCommand,
    env: &dyn Env,
    keychain: &dyn Keychain,
    console: &mut KeysConsole<'_>,
) -> Result<ExitCode> {
    match command {
        KeysCommand::Add(args) => add(args, env, keychain, console),
        KeysCommand::Import(args) => import(args, env, keychain, console.stderr),
        KeysCommand::List => list(keychain, console.stdout, console.stderr),
        KeysCommand::Remove(args) => remove(args, env, keychain, console.stderr),
    }
}

/// The profile a command names (`--profile`, `$AWSMFA_PROFILE`, `default`), checked.
fn profile(args: &KeysArgs, env: &dyn Env) -> Result<String> {
    Ok(ProfileNames::resolve(args.profile.as_deref(), None, env)?.source)
}

fn add(
    args: &KeysArgs,
    env: &dyn Env,
    keychain: &dyn Keychain,
    console: &mut KeysConsole<'_>,
) -> Result<ExitCode> {
    let profile = profile(args, env)?;
    let keys = read_keys(&profile, &mut console.input)?;
    check_shape(&keys)?;
    keychain.store(&profile, &keys)?;
    writeln!(
        console.stderr,
        "awsmfa: stored the keys of profile {profile} (access key {}) in the keychain",
        mask(&keys.access_key_id)
    )?;
    // Keys in a file come first: say so, or the new ones would seem ignored.
    let in_file = AwsPaths::resolve(env)
        .ok()
        .and_then(|paths| AwsFiles::load(&paths).ok())
        .and_then(|files| crate::keys::in_files(&files, &profile).ok().flatten());
    if let Some(found) = in_file {
        writeln!(
            console.stderr,
            "awsmfa: note: {} also holds keys for profile {profile}, and login uses those first; \
             'awsmfa keys import --profile {profile}' moves them to the keychain",
            found.from
        )?;
    }
    Ok(ExitCode::Success)
}

/// The two answers of `keys add`, trimmed.
fn read_keys(profile: &str, input: &mut KeysInput<'_>) -> Result<LongTermKeys> {
    let (id, secret) = match input {
        KeysInput::Lines(reader) => {
            let mut line = |what: &str| -> Result<String> {
                let mut line = String::new();
                if reader.read_line(&mut line)? == 0 {
                    return Err(Error::usage(format!(
                        "stdin ended before {what}: expected two lines, the access key id and the secret access key"
                    ))
                    .hint("nothing was stored")
                    .into());
                }
                Ok(line.trim().to_owned())
            };
            (
                line("the access key id")?,
                Secret::new(line("the secret access key")?),
            )
        }
        KeysInput::Terminal => {
            use crate::login::code::terminal;
            let no_terminal = || -> anyhow::Error {
                Error::usage("no terminal to ask for the keys on")
                    .hint("give them as two lines on stdin: the access key id, then the secret access key")
                    .into()
            };
            let id = terminal::ask(&format!("AWS access key ID for profile {profile}: "))?
                .ok_or_else(no_terminal)?;
            let secret = terminal::ask_hidden(
                "AWS secret access key (not shown): ",
                "the secret access key",
            )?
            .ok_or_else(no_terminal)?;
            (id.trim().to_owned(), Secret::new(secret.trim()))
        }
    };
    Ok(LongTermKeys {
        access_key_id: id,
        secret_access_key: secret,
    })
}

/// Moves `[P]`'s keys from the credentials file into the keychain: stored
/// and read back first, then only their two lines are removed (the section
/// too when nothing else is left in it), with the file's guarantees
/// (locked, replaced atomically). Any failure before leaves the file as it was.
fn import(
    args: &KeysArgs,
    env: &dyn Env,
    keychain: &dyn Keychain,
    stderr: &mut dyn Write,
) -> Result<ExitCode> {
    let profile = profile(args, env)?;
    let paths = AwsPaths::resolve(env)?;
    let _lock = FileLock::acquire(&paths.credentials)?;
    let credentials = AwsFile::load(&paths.credentials)?;
    let keys = keys_in_section(&credentials, &profile)?;
    check_shape(&keys)?;
    let text = edit::remove_keys(
        &credentials.ini,
        &profile,
        &[ACCESS_KEY_ID, SECRET_ACCESS_KEY],
    )
    .map_err(|e| edit_error(&credentials, e))?;
    // Everything that can fail before the keys leave the file, first.
    check_writable(&paths.credentials)?;
    keychain.store(&profile, &keys)?;
    let back = keychain.read(&profile)?;
    let same = back.as_ref().is_some_and(|b| {
        b.access_key_id == keys.access_key_id && b.secret_access_key == keys.secret_access_key
    });
    if !same {
        return Err(Error::failure(format!(
            "the keychain did not give the keys of profile {profile} back as stored"
        ))
        .hint(format!(
            "{} was not changed; try again, or keep the keys there",
            credentials.path.display()
        ))
        .into());
    }
    credentials.write(&text, false)?;
    let section_gone = AwsFile::load(&paths.credentials)
        .map(|f| f.ini.section(&profile).is_none())
        .unwrap_or(false);
    writeln!(
        stderr,
        "awsmfa: moved the keys of profile {profile} (access key {}) from {} to the keychain{}",
        mask(&keys.access_key_id),
        credentials.path.display(),
        match section_gone {
            true => "; nothing else was in the section, so it is gone too",
            false => "",
        }
    )?;
    Ok(ExitCode::Success)
}

/// `[profile]`'s own long-term keys in the credentials file.
fn keys_in_section(credentials: &AwsFile, profile: &str) -> Result<LongTermKeys> {
    let ini = &credentials.ini;
    let path = credentials.path.display();
    let none = || -> anyhow::Error {
        Error::failure(format!("{path} holds no long-term keys in [{profile}]"))
            .hint(format!(
                "nothing to import; 'awsmfa keys add --profile {profile}' asks for them"
            ))
            .into()
    };
    let section = ini.section(profile).ok_or_else(none)?;
    let value = |key| ini.entry(section, key).map(|e| ini.value(e));
    if [SESSION_TOKEN, SECURITY_TOKEN]
        .iter()
        .any(|k| value(k).is_some())
    {
        return Err(Error::failure(format!(
            "[{profile}] of {path} holds a session, not long-term keys"
        ))
        .hint("nothing was changed; name the profile with the IAM user's keys")
        .into());
    }
    match (value(ACCESS_KEY_ID), value(SECRET_ACCESS_KEY)) {
        (Some(id), Some(secret)) => Ok(LongTermKeys {
            access_key_id: id.to_owned(),
            secret_access_key: Secret::new(secret),
        }),
        (None, None) => Err(none()),
        _ => Err(Error::failure(format!(
            "[{profile}] of {path} holds only one of aws_access_key_id and aws_secret_access_key"
        ))
        .hint("nothing was changed; fix the section first")
        .into()),
    }
}

/// Profile names and key ids on stdout; never a secret.
fn list(
    keychain: &dyn Keychain,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<ExitCode> {
    let entries = keychain.list()?;
    if entries.is_empty() {
        writeln!(stderr, "awsmfa: no keys in the keychain (service awsmfa)")?;
        return Ok(ExitCode::Success);
    }
    let width = entries
        .iter()
        .map(|(p, _)| p.chars().count())
        .max()
        .unwrap_or(0);
    for (profile, keys) in &entries {
        let id = match keys {
            Some(keys) => keys.access_key_id.as_str(),
            None => "(not keys awsmfa stored)",
        };
        writeln!(stdout, "{profile:<width$}  {id}")?;
    }
    Ok(ExitCode::Success)
}

fn remove(
    args: &KeysArgs,
    env: &dyn Env,
    keychain: &dyn Keychain,
    stderr: &mut dyn Write,
) -> Result<ExitCode> {
    let profile = profile(args, env)?;
    match keychain.remove(&profile)? {
        true => writeln!(
            stderr,
            "awsmfa: removed the keys of profile {profile} from the keychain"
        )?,
        false => writeln!(
            stderr,
            "awsmfa: the keychain holds no keys for profile {profile}; nothing to remove"
        )?,
    }
    Ok(ExitCode::Success)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::keys::test_keychain::TestKeychain;

    const ID: &str = "AKIAFAKEFAKEFAKE1234";
    const SECRET: &str = "fakeSecretKey/ForTests+0123456789ABCDEFG";

    struct Home {
        dir: tempfile::TempDir,
    }

    impl Home {
        fn with_credentials(text: &str) -> Home {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join(".aws")).unwrap();
            std::fs::write(dir.path().join(".aws/credentials"), text).unwrap();
            Home { dir }
        }

        fn env(&self) -> HashMap<&str, &str> {
            HashMap::from([("HOME", self.dir.path().to_str().unwrap())])
        }

        fn credentials(&self) -> String {
            std::fs::read_to_string(self.dir.path().join(".aws/credentials")).unwrap()
        }
    }

    fn run_keys(
        command: KeysCommand,
        env: &HashMap<&str, &str>,
        keychain: &TestKeychain,
        stdin: &str,
    ) -> (Result<ExitCode>, String, String) {
        let mut reader = stdin.as_bytes();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut console = KeysConsole {
            input: KeysInput::Lines(&mut reader),
            stdout: &mut out,
            stderr: &mut err,
        };
        let result = run(&command, env, keychain, &mut console);
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (result, text(out), text(err))
    }

    fn args(profile: &str) -> KeysArgs {
        KeysArgs {
            profile: Some(profile.to_owned()),
        }
    }

    #[test]
    fn add_stores_two_lines_of_stdin_and_shows_no_secret() {
        let home = Home::with_credentials("");
        let keychain = TestKeychain::default();
        let (result, out, err) = run_keys(
            KeysCommand::Add(args("work")),
            &home.env(),
            &keychain,
            &format!("{ID}\r\n{SECRET}\r\n"),
        );
        assert_eq!(result.unwrap(), ExitCode::Success);
        let stored = keychain.entries.borrow()["work"].clone();
        assert_eq!(stored.access_key_id, ID);
        assert_eq!(stored.secret_access_key.expose(), SECRET);
        assert!(!out.contains(SECRET) && !err.contains(SECRET), "{out}{err}");
        assert_eq!(home.credentials(), "");
    }

    #[test]
    fn add_refuses_bad_shapes_with_exit_2_and_stores_nothing() {
        let home = Home::with_credentials("");
        for input in [
            format!("ASIAFAKEFAKEFAKE1234\n{SECRET}\n"),
            format!("AKIAfakefakefake1234\n{SECRET}\n"),
            format!("AKIAFAKEFAKEFAKE123\n{SECRET}\n"),
            format!("{ID}\n{}\n", &SECRET[1..]),
            format!("{ID}\n{SECRET}x\n"),
            format!("{ID}\n"),
            // The secret at the id's prompt is never quoted.
            format!("{SECRET}\n{ID}\n"),
        ] {
            let keychain = TestKeychain::default();
            let (result, _, _) =
                run_keys(KeysCommand::Add(args("p")), &home.env(), &keychain, &input);
            let err = result.unwrap_err();
            let (code, text) = crate::error::render(&err);
            assert_eq!(code, ExitCode::Usage, "{input}: {text}");
            assert!(!text.contains(SECRET), "{text}");
            assert_eq!(keychain.calls.get(), 0, "{input}");
        }
    }

    #[test]
    fn import_moves_only_the_two_lines() {
        let before = format!(
            "# mine\r\n[default]\r\nregion = eu-west-1\r\naws_access_key_id = {ID}\r\n; why\r\naws_secret_access_key = {SECRET}\r\nmfa_serial = arn:aws:iam::1:mfa/me\r\n\r\n[other]\r\nx = 1\r\n"
        );
        let home = Home::with_credentials(&before);
        let keychain = TestKeychain::default();
        let (result, _, err) = run_keys(
            KeysCommand::Import(args("default")),
            &home.env(),
            &keychain,
            "",
        );
        assert_eq!(result.unwrap(), ExitCode::Success, "{err}");
        assert_eq!(
            home.credentials(),
            "# mine\r\n[default]\r\nregion = eu-west-1\r\n; why\r\nmfa_serial = arn:aws:iam::1:mfa/me\r\n\r\n[other]\r\nx = 1\r\n"
        );
        assert_eq!(
            keychain.entries.borrow()["default"]
                .secret_access_key
                .expose(),
            SECRET
        );
        assert!(!err.contains(SECRET));
    }

    #[test]
    fn import_removes_a_section_left_empty() {
        let before = format!(
            "[a]\nx = 1\n\n[work]\naws_access_key_id = {ID}\naws_secret_access_key = {SECRET}\n\n[b]\ny = 2\n"
        );
        let home = Home::with_credentials(&before);
        let keychain = TestKeychain::default();
        let (result, _, _) = run_keys(
            KeysCommand::Import(args("work")),
            &home.env(),
            &keychain,
            "",
        );
        result.unwrap();
        assert_eq!(home.credentials(), "[a]\nx = 1\n\n[b]\ny = 2\n");
    }

    #[test]
    fn import_with_the_keychain_down_leaves_the_file_as_it_was() {
        let before =
            format!("[default]\naws_access_key_id = {ID}\naws_secret_access_key = {SECRET}\n");
        let home = Home::with_credentials(&before);
        let (result, _, _) = run_keys(
            KeysCommand::Import(args("default")),
            &home.env(),
            &TestKeychain::down(),
            "",
        );
        let (code, _) = crate::error::render(&result.unwrap_err());
        assert_eq!(code, ExitCode::Failure);
        assert_eq!(home.credentials(), before);
    }

    #[test]
    fn import_refuses_sessions_and_half_keys_without_touching_anything() {
        let keychain = TestKeychain::default();
        for text in [
            format!(
                "[default]\naws_access_key_id = {ID}\naws_secret_access_key = {SECRET}\naws_session_token = t\n"
            ),
            format!("[default]\naws_access_key_id = {ID}\n"),
            "[other]\nx = 1\n".to_owned(),
        ] {
            let home = Home::with_credentials(&text);
            let (result, _, _) = run_keys(
                KeysCommand::Import(args("default")),
                &home.env(),
                &keychain,
                "",
            );
            assert!(result.is_err(), "{text}");
            assert_eq!(home.credentials(), text);
        }
        assert_eq!(keychain.calls.get(), 0);
    }

    #[test]
    fn list_shows_profiles_and_key_ids_only() {
        let keychain = TestKeychain::with("work", ID, SECRET);
        keychain.entries.borrow_mut().insert(
            "default".into(),
            LongTermKeys {
                access_key_id: "AKIA0000000000000000".into(),
                secret_access_key: Secret::new(SECRET),
            },
        );
        let (result, out, err) = run_keys(KeysCommand::List, &HashMap::new(), &keychain, "");
        result.unwrap();
        assert_eq!(
            out,
            format!("default  AKIA0000000000000000\nwork     {ID}\n")
        );
        assert!(!err.contains(SECRET));
    }

    #[test]
    fn remove_forgets_the_entry() {
        let keychain = TestKeychain::with("work", ID, SECRET);
        let (result, _, _) = run_keys(
            KeysCommand::Remove(args("work")),
            &HashMap::new(),
            &keychain,
            "",
        );
        result.unwrap();
        assert!(keychain.entries.borrow().is_empty());
        let (result, _, err) = run_keys(
            KeysCommand::Remove(args("work")),
            &HashMap::new(),
            &keychain,
            "",
        );
        assert_eq!(result.unwrap(), ExitCode::Success);
        assert!(err.contains("nothing to remove"), "{err}");
    }
}
