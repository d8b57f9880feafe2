//! `awsmfa login`: long-term keys + MFA code -> STS GetSessionToken -> target profile.
//!
//! Everything the user typed is checked before the one network request, and
//! nothing is written unless the request succeeded and both files can be
//! updated without touching anything but the target's keys.

use std::io::{BufRead, Write};

use anyhow::Result;

use crate::cli::LoginArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::input::{DEFAULT_DURATION, parse_code, parse_duration};
use crate::names::ProfileNames;
use crate::profiles::{
    AwsFile, AwsFiles, AwsPaths, FileLock, config_profile_section, config_section_name, edit,
};
use crate::secret::Secret;
use crate::session::{
    ACCESS_KEY_ID, LongTermKeys, ProfileCredentials, REFRESH_WINDOW_SECONDS, SECRET_ACCESS_KEY,
    SESSION_TOKEN, Session,
};
use crate::sts::{SessionIssuer, SessionRequest, explain};
use crate::time::{Timestamp, human_span};

/// Where the code comes from when `--code` is not given, and where messages go.
pub struct Console<'a> {
    pub stdin: &'a mut dyn BufRead,
    pub stdin_is_terminal: bool,
    pub stderr: &'a mut dyn Write,
}

/// A skipped login warns when the session has less than this left.
const WARN_WITHIN_SECONDS: i64 = 3600;

pub fn run(
    args: &LoginArgs,
    env: &dyn Env,
    issuer: &dyn SessionIssuer,
    console: &mut Console<'_>,
) -> Result<ExitCode> {
    // 1. Input checks that need no file.
    let duration = match (&args.duration, env.var("AWSMFA_DURATION")) {
        (Some(d), _) => parse_duration(d, "--duration")?,
        (None, Some(d)) => parse_duration(&d, "AWSMFA_DURATION")?,
        (None, None) => DEFAULT_DURATION,
    };
    let given_code = args.code.as_deref().or(args.code_positional.as_deref());
    let code = given_code.map(parse_code).transpose()?;
    let endpoint = endpoint_url(args, env)?;
    let names = args.profiles.names(env)?;
    let (source, target) = (names.source.as_str(), names.target.as_str());
    if source == target {
        return Err(Error::failure(format!(
            "the target profile cannot be the source profile ({source})"
        ))
        .hint("the session would overwrite the long-term keys; pick another --target")
        .into());
    }

    // 2. The files.
    let paths = AwsPaths::resolve(env)?;
    let files = AwsFiles::load(&paths)?;
    let now = Timestamp::now();
    match ProfileCredentials::read(&files.credentials.ini, target) {
        ProfileCredentials::LongTerm => return Err(refuse_long_term(target)),
        ProfileCredentials::Session(s) if !args.force => {
            if let Some(left) = s.remaining(now).filter(|&l| l > REFRESH_WINDOW_SECONDS) {
                let until = s.expiration.expect("remaining implies expiration");
                writeln!(
                    console.stderr,
                    "awsmfa: profile {target} still holds a valid session until {until} ({} left); not calling STS",
                    human_span(left)
                )?;
                if left < WARN_WITHIN_SECONDS {
                    writeln!(
                        console.stderr,
                        "awsmfa: warning: it expires within the hour; 'awsmfa login --force' renews it now"
                    )?;
                } else {
                    writeln!(
                        console.stderr,
                        "  hint: use --force to get a new session anyway"
                    )?;
                }
                return Ok(ExitCode::Success);
            }
        }
        _ => {}
    }
    let keys = long_term_keys(&files, source)?;
    let device = mfa_device(args, env, &files, source)?;
    let region = region(args, env, &files, source);

    // 3. The code, last: no prompt when anything above fails.
    let code = match code {
        Some(code) => code,
        None => read_code(console, &device)?,
    };
    let request = SessionRequest {
        keys: &keys,
        device: &device,
        code: &code,
        duration_seconds: duration,
        region: &region,
        endpoint: endpoint.as_deref(),
    };
    if args.verbose {
        let mut say = |s: String| writeln!(console.stderr, "awsmfa: {s}");
        say(format!("credentials file: {}", paths.credentials.display()))?;
        say(format!("config file: {}", paths.config.display()))?;
        say(format!(
            "source profile: {source} (access key {})",
            mask(&keys.access_key_id)
        ))?;
        say(format!("target profile: {target}"))?;
        say(format!("MFA device: {device}"))?;
        say(format!("STS: {} in {region}", request.endpoint_display()))?;
        say(format!(
            "duration: {duration}s ({})",
            human_span(duration.into())
        ))?;
    }

    // 4. The request, then the write.
    let session = issuer
        .get_session_token(&request)
        .map_err(|e| explain(e, source, &request.endpoint_display()))?;
    save(&paths, &names, &session)?;
    let now = Timestamp::now();
    match session.expiration {
        Some(exp) => writeln!(
            console.stderr,
            "awsmfa: session saved to profile {target}, valid until {exp} ({} left)",
            human_span(now.seconds_until(exp))
        )?,
        None => writeln!(console.stderr, "awsmfa: session saved to profile {target}")?,
    }
    let env_cmd = if target == "mfa" {
        "awsmfa env".to_owned()
    } else {
        format!("awsmfa env --target {target}")
    };
    writeln!(
        console.stderr,
        "  use it: aws --profile {target} ...   or: eval \"$({env_cmd})\""
    )?;
    Ok(ExitCode::Success)
}

fn refuse_long_term(target: &str) -> anyhow::Error {
    Error::failure(format!(
        "profile {target} holds long-term keys; awsmfa never overwrites them"
    ))
    .hint("choose another profile for the session with --target")
    .into()
}

/// `--endpoint-url`, `$AWS_ENDPOINT_URL_STS`, `$AWS_ENDPOINT_URL`; checked to be an http(s) URL.
fn endpoint_url(args: &LoginArgs, env: &dyn Env) -> Result<Option<String>, Error> {
    let (value, source) = match &args.endpoint_url {
        Some(url) => (url.clone(), "--endpoint-url"),
        None => match env.var("AWS_ENDPOINT_URL_STS") {
            Some(url) => (url, "AWS_ENDPOINT_URL_STS"),
            None => match env.var("AWS_ENDPOINT_URL") {
                Some(url) => (url, "AWS_ENDPOINT_URL"),
                None => return Ok(None),
            },
        },
    };
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty()
                && !host.starts_with('/')
                && !value.contains(char::is_whitespace) =>
        {
            Ok(Some(value))
        }
        _ => Err(
            Error::usage(format!("{source}: '{value}' is not an http(s) URL"))
                .hint("for example --endpoint-url https://sts.eu-west-1.amazonaws.com"),
        ),
    }
}

/// The source profile's long-term keys: credentials file first, then the config file.
fn long_term_keys(files: &AwsFiles, source: &str) -> Result<LongTermKeys> {
    let from_credentials = files
        .credentials
        .ini
        .section(source)
        .map(|_| (&files.credentials, source.to_owned()));
    let from_config =
        config_profile_section(&files.config.ini, source).map(|s| (&files.config, s.name.clone()));
    for (file, section) in [from_credentials, from_config].into_iter().flatten() {
        let get = |key| file.ini.get(&section, key);
        match (
            get(ACCESS_KEY_ID),
            get(SECRET_ACCESS_KEY),
            get(SESSION_TOKEN),
        ) {
            (Some(_), _, Some(_)) => {
                return Err(Error::failure(format!(
                    "{source} holds temporary credentials; GetSessionToken needs long-term keys"
                ))
                .hint(format!(
                    "put the IAM user's access key in [{section}] of {}",
                    file.path.display()
                ))
                .into());
            }
            (Some(id), Some(secret), None) => {
                return Ok(LongTermKeys {
                    access_key_id: id.to_owned(),
                    secret_access_key: Secret::new(secret),
                });
            }
            (Some(_), None, None) => {
                return Err(Error::failure(format!(
                    "profile {source} has aws_access_key_id but no aws_secret_access_key"
                ))
                .hint(format!("add it to [{section}] of {}", file.path.display()))
                .into());
            }
            _ => {}
        }
    }
    Err(Error::failure(format!("no long-term keys for profile {source}"))
        .hint(format!(
            "add aws_access_key_id and aws_secret_access_key to [{source}] of {} (aws configure --profile {source})",
            files.credentials.path.display()
        ))
        .into())
}

/// `--device`, `$AWSMFA_DEVICE`, `mfa_serial` of the config profile, then of the credentials section.
fn mfa_device(args: &LoginArgs, env: &dyn Env, files: &AwsFiles, source: &str) -> Result<String> {
    let creds = |key| {
        files
            .credentials
            .ini
            .section(source)
            .and_then(|_| files.credentials.ini.get(source, key))
            .map(str::to_owned)
    };
    let device = args
        .device
        .clone()
        .or_else(|| env.var("AWSMFA_DEVICE"))
        .or_else(|| files.config_value(source, "mfa_serial").map(str::to_owned))
        .or_else(|| creds("mfa_serial"))
        .or_else(|| creds("aws_mfa_device"));
    match device {
        Some(d) if !d.trim().is_empty() && !d.contains(char::is_whitespace) => Ok(d),
        Some(_) => Err(Error::usage("the MFA device must be an ARN or serial number without spaces").into()),
        None => Err(Error::failure(format!("no MFA device configured for profile {source}"))
            .hint(format!(
                "aws configure set mfa_serial arn:aws:iam::ACCOUNT_ID:mfa/DEVICE --profile {source}   (or pass --device)"
            ))
            .into()),
    }
}

/// `--region`, `$AWS_REGION`, `$AWS_DEFAULT_REGION`, the source's config region, `us-east-1`.
fn region(args: &LoginArgs, env: &dyn Env, files: &AwsFiles, source: &str) -> String {
    args.region
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| env.var("AWS_REGION"))
        .or_else(|| env.var("AWS_DEFAULT_REGION"))
        .or_else(|| files.config_value(source, "region").map(str::to_owned))
        .unwrap_or_else(|| "us-east-1".to_owned())
}

fn read_code(console: &mut Console<'_>, device: &str) -> Result<Secret> {
    if console.stdin_is_terminal {
        write!(console.stderr, "MFA code for {device}: ")?;
        console.stderr.flush()?;
    }
    let mut line = String::new();
    console.stdin.read_line(&mut line)?;
    if line.trim().is_empty() {
        return Err(Error::usage("no MFA code given")
            .hint("pass --code 123456, or pipe it in: echo 123456 | awsmfa login")
            .into());
    }
    Ok(parse_code(&line)?)
}

/// `AKIA…MPLE`: enough to recognise a key, not to use it.
fn mask(id: &str) -> String {
    if id.len() <= 8 || !id.is_ascii() {
        return "…".to_owned();
    }
    format!("{}…{}", &id[..4], &id[id.len() - 4..])
}

/// Writes the session (and, when missing, the target's config profile) under
/// the files' locks, re-reading them so that concurrent runs lose nothing.
fn save(paths: &AwsPaths, names: &ProfileNames, session: &Session) -> Result<()> {
    let _credentials_lock = FileLock::acquire(&paths.credentials)?;
    let _config_lock = FileLock::acquire(&paths.config)?;
    let files = AwsFiles::load(paths)?;
    let target = &names.target;
    if ProfileCredentials::read(&files.credentials.ini, target) == ProfileCredentials::LongTerm {
        return Err(refuse_long_term(target));
    }
    let pairs = session.to_pairs();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let credentials_text = edit::set_keys(&files.credentials.ini, target, &pairs)
        .map_err(|e| edit_error(&files.credentials, e))?;
    let config_text = match config_profile_section(&files.config.ini, target) {
        Some(_) => None,
        None => {
            let copied: Vec<(&str, &str)> = ["region", "output"]
                .into_iter()
                .filter_map(|k| files.config_value(&names.source, k).map(|v| (k, v)))
                .collect();
            if copied.is_empty() {
                None
            } else {
                let section = config_section_name(target);
                Some(
                    edit::set_keys(&files.config.ini, &section, &copied)
                        .map_err(|e| edit_error(&files.config, e))?,
                )
            }
        }
    };
    if let Some(text) = config_text {
        files.config.write(&text, false)?;
    }
    files.credentials.write(&credentials_text, true)?;
    Ok(())
}

fn edit_error(file: &AwsFile, err: edit::UnsafeEdit) -> anyhow::Error {
    Error::failure(format!("{}: {err}", file.path.display()))
        .hint("nothing was written; edit the file by hand or pick another --target")
        .into()
}
