//! `awsmfa configure`: saves the profile's MFA device as `mfa_serial` in the
//! config file, found through IAM unless `--device` names it.

use std::io::Write;

use anyhow::Result;

use crate::aws::error::{Call, explain};
use crate::aws::iam::{DeviceLister, DiscoveryError, NO_FIDO, is_fido_key};
use crate::cli::ConfigureArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::names::{ProfileNames, default_target};
use crate::net;
use crate::profiles::{
    AwsFile, AwsFiles, AwsPaths, FileLock, check_writable, config_profile_section,
    config_section_name, edit,
};

use crate::keys::long_term_keys;
use crate::login::run::mask;
use crate::login::save::edit_error;
use crate::partition::sts_endpoint;

const MFA_SERIAL: &str = "mfa_serial";

pub fn run(
    args: &ConfigureArgs,
    env: &dyn Env,
    lister: &dyn DeviceLister,
    stderr: &mut dyn Write,
) -> Result<ExitCode> {
    let source = ProfileNames::resolve(args.profile.as_deref(), None, env)?.source;
    let login = super::login_command(&ProfileNames {
        target: default_target(&source),
        source: source.clone(),
        long_term_of: None,
    });
    let given = args.device.as_deref().map(check_device).transpose()?;
    let paths = AwsPaths::resolve(env)?;
    let files = AwsFiles::load(&paths)?;
    if let Some(warning) = crate::profiles::store::shared_warning(&paths.credentials) {
        writeln!(stderr, "{warning}")?;
    }
    // Before asking AWS anything: the answer is saved in the config file.
    check_writable(&paths.config)?;
    let device = match given {
        Some(device) => device.to_owned(),
        None => discover(args, env, &files, &source, lister, stderr)?,
    };
    save(&paths, &source, &device, stderr)?;
    writeln!(stderr, "  next: {login}")?;
    Ok(ExitCode::Success)
}

/// IAM's rule for a serial number: 9 to 256 of `[A-Za-z0-9_+=/:,.@-]`; and
/// a device STS takes codes from.
fn check_device(device: &str) -> Result<&str, Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c);
    if !(9..=256).contains(&device.len()) || !device.chars().all(allowed) {
        return Err(Error::usage(format!(
            "--device: '{device}' is not an MFA device ARN or serial number"
        ))
        .hint("for example --device arn:aws:iam::123456789012:mfa/my-phone"));
    }
    if is_fido_key(device) {
        return Err(Error::usage(format!(
            "--device: {device} is a FIDO security key, which gives no codes: {NO_FIDO}"
        ))
        .hint(TOTP_HINT));
    }
    Ok(device)
}

/// Why FIDO security keys are skipped.
const TOTP_HINT: &str = "assign a virtual MFA device (an authenticator app) or a hardware TOTP token \
    in the IAM console (Security credentials, Multi-factor authentication), then run this again";

/// The one MFA device of the user whose keys the profile holds.
fn discover(
    args: &ConfigureArgs,
    env: &dyn Env,
    files: &AwsFiles,
    source: &str,
    lister: &dyn DeviceLister,
    stderr: &mut dyn Write,
) -> Result<String> {
    let sts_url = net::endpoint_url(args.endpoint_url.as_deref(), env, "AWS_ENDPOINT_URL_STS")?;
    let iam_url = net::endpoint_url(args.endpoint_url.as_deref(), env, "AWS_ENDPOINT_URL_IAM")?;
    let found = long_term_keys(files, source, &crate::keys::OsKeychain::default())?;
    let keys = found.keys;
    let region = crate::region::region(args.region.as_deref(), env, files, &[source], "us-east-1")?;
    let endpoint = sts_endpoint(env, files, &[source], region, sts_url, None)?;
    if args.verbose {
        writeln!(
            stderr,
            "awsmfa: asking STS ({}) and IAM who holds access key {} of profile {source} (from {})",
            endpoint.display(),
            mask(&keys.access_key_id),
            found.from
        )?;
    }
    let found = lister
        .list_devices(&keys, &endpoint, iam_url.as_deref())
        .map_err(|e| match e {
            DiscoveryError::Call {
                service,
                action,
                endpoint,
                error,
            } => explain(
                error,
                Call {
                    service,
                    action,
                    profile: source,
                    endpoint: &endpoint,
                },
            ),
            DiscoveryError::NotAUser { arn } => Error::failure(format!(
                "the keys of profile {source} belong to {arn}, not to an IAM user"
            ))
            .hint("MFA devices belong to IAM users; pass the device with --device"),
        })?;
    if args.verbose {
        writeln!(stderr, "awsmfa: the keys belong to {}", found.caller_arn)?;
    }
    let who = &found.caller_arn;
    let (fido, usable): (Vec<&String>, Vec<&String>) =
        found.serials.iter().partition(|s| is_fido_key(s));
    for key in &fido {
        writeln!(
            stderr,
            "awsmfa: skipping {key}: a FIDO security key; {NO_FIDO}"
        )?;
    }
    match usable.as_slice() {
        [] if !fido.is_empty() => Err(Error::failure(format!(
            "{who} has no MFA device that gives codes"
        ))
        .hint(TOTP_HINT)
        .into()),
        [] => Err(Error::failure(format!("no MFA device is assigned to {who}"))
            .hint("assign one in the IAM console (Security credentials, Multi-factor authentication), then run this again")
            .into()),
        [one] => Ok((*one).clone()),
        several => {
            writeln!(stderr, "awsmfa: {who} has {} MFA devices:", several.len())?;
            for serial in several {
                writeln!(stderr, "  {serial}")?;
            }
            let profile = if source == "default" {
                String::new()
            } else {
                format!(" --profile {source}")
            };
            Err(Error::failure("choose one of them with --device")
                .hint(format!("awsmfa configure{profile} --device {}", several[0]))
                .into())
        }
    }
}

/// Sets `mfa_serial` in the profile's config section, under the file's lock.
fn save(paths: &AwsPaths, source: &str, device: &str, stderr: &mut dyn Write) -> Result<()> {
    let _lock = FileLock::acquire(&paths.config)?;
    let config = AwsFile::load(&paths.config)?;
    let section = match config_profile_section(&config.ini, source) {
        Some(section) => section.name.clone(),
        None => config_section_name(source),
    };
    let where_ = format!("[{section}] of {}", config.path.display());
    let before = config
        .ini
        .section(&section)
        .and_then(|_| config.ini.get(&section, MFA_SERIAL));
    if before == Some(device) {
        writeln!(stderr, "awsmfa: {where_} already has mfa_serial = {device}")?;
        return Ok(());
    }
    let text = edit::set_keys(&config.ini, &section, &[(MFA_SERIAL, device)])
        .map_err(|e| edit_error(&config, e))?;
    config.write(&text, false)?;
    match before {
        Some(old) => writeln!(
            stderr,
            "awsmfa: mfa_serial = {device} saved in {where_} (was {old})"
        )?,
        None => writeln!(stderr, "awsmfa: mfa_serial = {device} saved in {where_}")?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_follow_iam_rules() {
        assert!(check_device("arn:aws:iam::123456789012:mfa/my-phone").is_ok());
        assert!(check_device("GAHT12345678").is_ok());
        for bad in [
            "",
            "short",
            "arn:aws:iam::1:mfa/a b",
            "arn:aws:iam::1:mfa/ü-device",
        ] {
            assert!(check_device(bad).is_err(), "{bad}");
        }
        assert!(check_device(&"a".repeat(257)).is_err());
        let key = "arn:aws:iam::123456789012:u2f/user/alice/fidosecuritykey-ABC";
        let err = check_device(key).unwrap_err();
        assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage);
        assert!(err.to_string().contains("FIDO security key"), "{err}");
    }
}
