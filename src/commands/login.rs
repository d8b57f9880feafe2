//! `awsmfa login`: long-term keys + MFA code -> STS GetSessionToken (then
//! AssumeRole for a role profile) -> target profile.
//!
//! The whole login is resolved and checked first (`login::plan`), so that
//! nothing is asked or sent when anything is wrong, then run (`login::run`).

use anyhow::Result;

use crate::aws::sts::Sts;
use crate::cli::{LoginArgs, SignInArgs};
use crate::env::Env;
use crate::exit_codes::ExitCode;
use crate::keys::Keychain;
use crate::login::plan;
use crate::login::run::{self, Console};
use crate::names::ProfileArgs;

pub fn run(
    args: &LoginArgs,
    env: &dyn Env,
    sts: &dyn Sts,
    keychain: &dyn Keychain,
    console: &mut Console<'_>,
) -> Result<ExitCode> {
    let plan = match plan::resolve(&options(args), env, keychain, console.stderr)? {
        plan::Resolved::Plan(plan) => plan,
        plan::Resolved::Fresh {
            target,
            session,
            left,
        } => {
            run::say_still_valid(&target, &session, left, console.stderr)?;
            return Ok(ExitCode::Success);
        }
    };
    let outcome = run::execute(&plan, sts, keychain, console)?;
    if outcome.saved {
        let target = plan.target();
        let env_cmd = if target == "mfa" {
            "awsmfa env".to_owned()
        } else {
            format!("awsmfa env --target {target}")
        };
        writeln!(
            console.stderr,
            "  use it: aws --profile {target} ...   or: eval \"$({env_cmd})\""
        )?;
    }
    Ok(ExitCode::Success)
}

/// The login `login`'s flags ask for.
pub fn options(args: &LoginArgs) -> plan::LoginOptions {
    let mut options = sign_in_options(&args.sign_in, &args.profiles);
    options.code = args.code.clone().or_else(|| args.code_positional.clone());
    options.force = args.force;
    options.verbose = args.verbose;
    options
}

/// The login the shared sign-in flags ask for, for `profiles` (`exec
/// --login` and `credential-process --login` too).
pub fn sign_in_options(sign_in: &SignInArgs, profiles: &ProfileArgs) -> plan::LoginOptions {
    plan::LoginOptions {
        profiles: profiles.clone(),
        device: sign_in.device.clone(),
        duration: sign_in.duration.clone(),
        code_command: sign_in.code_command.clone(),
        region: sign_in.region.clone(),
        endpoint_url: sign_in.endpoint_url.clone(),
        ..Default::default()
    }
}
