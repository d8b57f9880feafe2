//! `awsmfa login`: long-term keys + MFA code -> STS GetSessionToken -> target profile.
//!
//! Everything the user typed is checked before the one network request, and
//! nothing is written unless the request succeeded and both files can be
//! updated without touching anything but the target's keys.

use std::io::Write;

use anyhow::Result;

use crate::cli::LoginArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::input::{DEFAULT_DURATION, parse_code, parse_duration};
use crate::login::code::{self, Stdin};
use crate::login::save::{SavePlan, refuse_long_term};
use crate::profiles::{AwsFiles, AwsPaths};

use super::{long_term_keys, sts_endpoint};
use crate::net;
use crate::session::{ProfileCredentials, REFRESH_WINDOW_SECONDS};
use crate::sts::{Call, SessionIssuer, SessionRequest, explain};
use crate::time::{Timestamp, human_span};

/// Where the code may come from besides `--code`, and where messages go.
pub struct Console<'a> {
    pub stdin: Stdin<'a>,
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
    let endpoint_url =
        net::endpoint_url(args.endpoint_url.as_deref(), env, "AWS_ENDPOINT_URL_STS")?;
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
    if let Some(warning) = crate::profiles::store::shared_warning(&paths.credentials) {
        writeln!(console.stderr, "{warning}")?;
        writeln!(
            console.stderr,
            "  (awsmfa writes it as 0600 whenever it saves a session)"
        )?;
    }
    let now = Timestamp::now();
    match ProfileCredentials::read(&files.credentials.ini, target) {
        ProfileCredentials::LongTerm => return Err(refuse_long_term(target)),
        ProfileCredentials::Session(s) if !args.force => {
            if let Some(left) = s.remaining(now).filter(|&l| l > REFRESH_WINDOW_SECONDS) {
                let until = s.expiration.at().expect("remaining implies expiration");
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
    let endpoint = sts_endpoint(args.region.as_deref(), endpoint_url, env, &files, source)?;

    // Every write the save will make is proven possible before a code is spent.
    let plan = SavePlan::prepare(&paths, &files, &names, console.stderr)?;

    // 3. The code, last: no prompt when anything above fails.
    let code = code::obtain(
        code,
        None,
        &mut console.stdin,
        &device,
        source,
        console.stderr,
    )?;
    let request = SessionRequest {
        keys: &keys,
        device: &device,
        code: &code,
        duration_seconds: duration,
        endpoint: &endpoint,
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
        say(format!(
            "STS: {} in {}",
            endpoint.display(),
            endpoint.region
        ))?;
        say(format!(
            "duration: {duration}s ({})",
            human_span(duration.into())
        ))?;
    }

    // 4. The request, then the write.
    let session = issuer.get_session_token(&request).map_err(|e| {
        let call = Call {
            service: "STS",
            action: "sts:GetSessionToken",
            profile: source,
            endpoint: &endpoint.display(),
        };
        explain(e, call)
    })?;
    plan.save(&session)?;
    let now = Timestamp::now();
    match session.expiration.at() {
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

/// `AKIA…MPLE`: enough to recognise a key, not to use it.
pub(crate) fn mask(id: &str) -> String {
    if id.len() <= 8 || !id.is_ascii() {
        return "…".to_owned();
    }
    format!("{}…{}", &id[..4], &id[id.len() - 4..])
}
