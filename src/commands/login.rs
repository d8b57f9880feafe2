//! `awsmfa login`: long-term keys + MFA code -> STS GetSessionToken (then
//! AssumeRole for a role profile) -> target profile.
//!
//! The whole login is resolved and checked first (`login::plan`), so that
//! nothing is asked or sent when anything is wrong, then run (`login::run`).

use anyhow::Result;

use crate::cli::LoginArgs;
use crate::env::Env;
use crate::exit_codes::ExitCode;
use crate::login::plan;
use crate::login::run::{self, Console};
use crate::sts::Sts;

pub fn run(
    args: &LoginArgs,
    env: &dyn Env,
    sts: &dyn Sts,
    console: &mut Console<'_>,
) -> Result<ExitCode> {
    let plan = match plan::resolve(&args.options(), env, console.stderr)? {
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
    let outcome = run::execute(&plan, sts, console)?;
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
