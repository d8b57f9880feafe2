//! Command-line definitions.
//!
//! Conventions: every command takes `--profile` (the profile with long-term
//! keys) and `--target` (the profile that holds the session); environment
//! fallbacks are resolved in `names.rs` and the commands, not by clap, so
//! that empty variables count as unset and errors read the same everywhere.

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  awsmfa configure                  once: find your MFA device through IAM and save it
  awsmfa login --code 123456        log in with [default]'s keys, write the session to [mfa]
  eval \"$(awsmfa env)\"              export the session into this shell
  aws s3 ls --profile mfa           any AWS tool can use the [mfa] profile
  awsmfa status                     show whether [mfa] is still valid
  awsmfa login --profile work       [work]'s keys -> [work-mfa]; prompts for the code";

/// Painless AWS MFA sessions: one command from an MFA code to a ready profile.
#[derive(Debug, Parser)]
#[command(
    name = "awsmfa",
    version,
    about,
    long_about = "Painless AWS MFA sessions.\n\n\
        awsmfa trades the long-term keys of a profile and a code from your MFA device \
        for temporary session credentials (STS GetSessionToken), and writes them to a \
        profile of ~/.aws/credentials that every AWS tool can use.",
    after_help = EXAMPLES,
    propagate_version = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Save the profile's MFA device (found through IAM, or given) in the config file
    #[command(after_help = CONFIGURE_EXAMPLES)]
    Configure(ConfigureArgs),
    /// Get a session with an MFA code and save it to the target profile
    #[command(after_help = LOGIN_EXAMPLES)]
    Login(LoginArgs),
    /// Print shell code that exports the session as AWS_* variables
    #[command(after_help = ENV_EXAMPLES)]
    Env(EnvArgs),
    /// Show whether the target profile holds a valid session
    #[command(after_help = STATUS_EXAMPLES)]
    Status(StatusArgs),
    /// Remove the session from the credentials file
    #[command(after_help = LOGOUT_EXAMPLES)]
    Logout(LogoutArgs),
    /// Run a command with the session in its environment
    #[command(after_help = EXEC_EXAMPLES)]
    Exec(ExecArgs),
    /// Print the session as credential_process JSON, for any AWS SDK
    #[command(after_help = CREDENTIAL_PROCESS_EXAMPLES)]
    CredentialProcess(CredentialProcessArgs),
    /// Print a short prompt segment such as mfa:11h52m (nothing without a session)
    #[command(after_help = PROMPT_EXAMPLES)]
    Prompt(PromptArgs),
    /// Sign in to IAM Identity Center (SSO), or out, as the AWS CLI does
    #[command(subcommand)]
    Sso(SsoCommand),
    /// Keep long-term keys in the OS keychain instead of ~/.aws/credentials
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the man page (roff)
    #[command(after_help = "Examples:\n  awsmfa man > ~/.local/share/man/man1/awsmfa.1")]
    Man(ManArgs),
    /// List the profile names of both files (used by completions)
    #[command(hide = true)]
    Profiles,
}

pub use crate::names::ProfileArgs;

const LOGIN_EXAMPLES: &str = "\
Examples:
  awsmfa login --code 123456                    [default] -> [mfa]
  awsmfa login                                  prompt for the code
  echo 123456 | awsmfa login                    code from stdin
  awsmfa login -p work --duration 1h            [work] -> [work-mfa], for one hour
  awsmfa login --device arn:aws:iam::123456789012:mfa/me --code 123456

The MFA device comes from --device, $AWSMFA_DEVICE, or mfa_serial in the profile:
  aws configure set mfa_serial arn:aws:iam::123456789012:mfa/me";

#[derive(Clone, Default, Args)]
pub struct LoginArgs {
    /// The 6-digit code from your MFA device (else a code command, stdin or a prompt)
    #[arg(short = 'c', long, value_name = "CODE")]
    pub code: Option<String>,
    /// The code, given without --code
    #[arg(value_name = "CODE", conflicts_with = "code", hide = true)]
    pub code_positional: Option<String>,
    #[command(flatten)]
    pub profiles: ProfileArgs,
    #[command(flatten)]
    pub sign_in: SignInArgs,
    /// Call STS even when the target's session is still valid
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Say what is being done (never shows secrets)
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

/// How to sign in: the flags `login`, `exec --login` and `credential-process --login` share.
#[derive(Debug, Clone, Default, Args)]
pub struct SignInArgs {
    /// MFA device ARN or serial number [env: AWSMFA_DEVICE] [default: mfa_serial of the profile]
    #[arg(short = 'd', long, value_name = "ARN")]
    pub device: Option<String>,
    /// Session length: seconds, or 15m, 12h, 1d (900s to 36h; a role's: to 12h) [env: AWSMFA_DURATION] [default: 12h, a role's: 1h]
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,
    /// A command that prints the code, e.g. 'ykman oath accounts code -s aws' [env: AWSMFA_CODE_COMMAND] [default: mfa_process of the profile]
    #[arg(long, value_name = "CMD")]
    pub code_command: Option<String>,
    /// STS region [default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's region, the device's partition's]
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// STS endpoint [default: $AWS_ENDPOINT_URL_STS, $AWS_ENDPOINT_URL, the region's]
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl SignInArgs {
    /// Whether any flag was given (they need `--login`).
    pub fn any(&self) -> bool {
        [
            &self.device,
            &self.duration,
            &self.code_command,
            &self.region,
            &self.endpoint_url,
        ]
        .iter()
        .any(|f| f.is_some())
    }
}

/// What `awsmfa configure` sets up besides the MFA device.
#[derive(Debug, Clone, Subcommand)]
pub enum ConfigureCommand {
    /// Set up an IAM Identity Center (SSO) profile, as `aws configure sso` does
    #[command(after_help = CONFIGURE_SSO_EXAMPLES)]
    Sso(ConfigureSsoArgs),
}

const CONFIGURE_SSO_EXAMPLES: &str = "\
Examples:
  awsmfa configure sso                       asks for each answer, signs in, lists accounts and roles
  awsmfa configure sso --sso-session corp --start-url https://corp.awsapps.com/start \\
      --sso-region us-east-1 --account 111122223333 --role ReadOnly --name dev
                                             no questions: every answer as a flag
  awsmfa configure sso --sso-session corp --all-roles --dry-run
                                             a profile for every account and role, shown, not written

It writes [sso-session NAME] and [profile NAME] to ~/.aws/config ($AWS_CONFIG_FILE),
as the AWS CLI does; nothing else in the file changes. Without a terminal, a missing
answer is exit 2 naming its flag.";

/// `awsmfa configure sso`: every answer of the wizard is also a flag.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigureSsoArgs {
    /// The sign-in's name: its [sso-session NAME] section
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    /// The AWS access portal URL, e.g. https://my-org.awsapps.com/start
    #[arg(long, value_name = "URL")]
    pub start_url: Option<String>,
    /// The region of IAM Identity Center
    #[arg(long, value_name = "R")]
    pub sso_region: Option<String>,
    /// Registration scopes, comma-separated [default: sso:account:access]
    #[arg(long, value_name = "S")]
    pub scopes: Option<String>,
    /// The account ID [default: the only one, else asked]
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// The role name [default: the only one, else asked]
    #[arg(long, value_name = "NAME")]
    pub role: Option<String>,
    /// The profile's default region
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// The profile's output format (json, text, table, yaml)
    #[arg(long, value_name = "FORMAT")]
    pub output: Option<String>,
    /// The profile's name [default: <RoleName>-<AccountId>]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// A profile for every account and role the sign-in can see
    #[arg(long)]
    pub all_roles: bool,
    /// Profile names with --all-roles: {role_name}, {account_id}, {account_name}
    #[arg(long, value_name = "T", default_value = "{role_name}-{account_id}")]
    pub name_template: String,
    /// Print what would be written instead of writing it
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite a profile or sso-session of that name that says otherwise
    #[arg(short = 'f', long)]
    pub force: bool,
    #[command(flatten)]
    pub browser: SsoBrowserArgs,
}

/// How the browser is used for a sign-in.
#[derive(Debug, Clone, Default, Args)]
pub struct SsoBrowserArgs {
    /// The device code grant: a URL and a code, for any device's browser
    #[arg(long)]
    pub use_device_code: bool,
    /// Never open a browser; only show the URL
    #[arg(long)]
    pub no_browser: bool,
    /// The callback's port on 127.0.0.1 (for SSH port forwarding) [default: a free one]
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
}

/// `awsmfa sso`: signing in to IAM Identity Center.
#[derive(Debug, Clone, Subcommand)]
pub enum SsoCommand {
    /// Sign in (browser with PKCE, or a device code); the AWS CLI and SDKs use the sign-in too
    #[command(after_help = SSO_LOGIN_EXAMPLES)]
    Login(SsoLoginArgs),
    /// Sign out: every sign-in, or one
    #[command(after_help = SSO_LOGOUT_EXAMPLES)]
    Logout(SsoLogoutArgs),
}

const SSO_LOGIN_EXAMPLES: &str = "\
Examples:
  awsmfa sso login --profile dev             the sign-in of profile dev (its sso_session)
  awsmfa sso login --sso-session corp        a sign-in by its [sso-session] name
  awsmfa sso login --use-device-code         a URL and a code, for a browser elsewhere
  ssh -L 8400:127.0.0.1:8400 host; awsmfa sso login --no-browser --port 8400

The token is cached in ~/.aws/sso/cache as the AWS CLI caches it: the AWS CLI,
botocore and the SDKs use it, and awsmfa uses theirs. Still signed in (more than
15 minutes left): nothing is asked. Messages go to the terminal, never stdout.";

const SSO_LOGOUT_EXAMPLES: &str = "\
Examples:
  awsmfa sso logout                          every sign-in, as aws sso logout
  awsmfa sso logout --sso-session corp       one sign-in";

/// `awsmfa sso login`.
#[derive(Debug, Clone, Default, Args)]
pub struct SsoLoginArgs {
    /// The profile whose sign-in this is [env: AWSMFA_PROFILE, AWS_PROFILE] [default: default]
    #[arg(short = 'p', long, value_name = "P", conflicts_with = "sso_session")]
    pub profile: Option<String>,
    /// The sign-in by its [sso-session NAME]
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
    #[command(flatten)]
    pub browser: SsoBrowserArgs,
    /// Sign in anew even when still signed in
    #[arg(short = 'f', long)]
    pub force: bool,
    /// SSO OIDC's endpoint [default: $AWS_ENDPOINT_URL_SSO_OIDC, $AWS_ENDPOINT_URL, the region's]
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// `awsmfa sso logout`.
#[derive(Debug, Clone, Default, Args)]
pub struct SsoLogoutArgs {
    /// Only the sign-in of this profile
    #[arg(short = 'p', long, value_name = "P", conflicts_with_all = ["sso_session", "all"])]
    pub profile: Option<String>,
    /// Only this sign-in
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub sso_session: Option<String>,
    /// Every sign-in (the default)
    #[arg(long)]
    pub all: bool,
}

/// `awsmfa keys`: long-term keys in the OS keychain (service `awsmfa`,
/// account the profile name).
#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Store a profile's access key id and secret (asked on the terminal, or two lines on stdin)
    #[command(after_help = KEYS_ADD_EXAMPLES)]
    Add(KeysArgs),
    /// Move a profile's keys from the credentials file into the keychain
    #[command(after_help = KEYS_IMPORT_EXAMPLES)]
    Import(KeysArgs),
    /// List the profiles with keys in the keychain and their key ids (never the secrets)
    List,
    /// Remove a profile's keys from the keychain
    Remove(KeysArgs),
}

const KEYS_ADD_EXAMPLES: &str = "\
Examples:
  awsmfa keys add                          asks for [default]'s access key id and secret
  awsmfa keys add -p work                  the same for profile work
  printf '%s\\n%s\\n' \"$ID\" \"$SECRET\" | awsmfa keys add -p ci

The secret is never shown. The keys are stored in the OS keychain (macOS Keychain,
Windows Credential Manager, the Secret Service) under the service awsmfa and the
account P; nothing is written to the AWS files. 'awsmfa login -p P' uses them when
the files hold no keys for P.";

const KEYS_IMPORT_EXAMPLES: &str = "\
Examples:
  awsmfa keys import                       [default]'s keys -> the keychain
  awsmfa keys import -p work

The keys are stored and read back first; only then are their two lines removed
from ~/.aws/credentials (the section too, when nothing else is left in it). A
keychain that cannot be reached leaves the file as it was.";

/// The profile a `keys` command works on.
#[derive(Debug, Clone, Default, Args)]
pub struct KeysArgs {
    /// The profile whose long-term keys these are [env: AWSMFA_PROFILE] [default: default]
    #[arg(short = 'p', long, value_name = "P")]
    pub profile: Option<String>,
}

const CONFIGURE_EXAMPLES: &str = "\
Examples:
  awsmfa configure                     find [default]'s MFA device through IAM and save it
  awsmfa configure -p work             the same for [work]
  awsmfa configure --device arn:aws:iam::123456789012:mfa/me
                                       save this device; no network call

The device is saved as mfa_serial in [default] or [profile P] of ~/.aws/config
($AWS_CONFIG_FILE), where login and the AWS CLI look for it; nothing else in the
file changes. Finding it needs iam:ListMFADevices on your own user, which the
usual MFA policies allow without MFA. FIDO security keys are skipped: STS
GetSessionToken takes codes only from virtual and hardware TOTP devices.";

#[derive(Debug, Clone, Default, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConfigureArgs {
    #[command(subcommand)]
    pub what: Option<ConfigureCommand>,
    /// Profile with the long-term keys [env: AWSMFA_PROFILE] [default: default]
    #[arg(short = 'p', long, value_name = "P")]
    pub profile: Option<String>,
    /// MFA device ARN or serial number to save [default: the user's one device in IAM]
    #[arg(short = 'd', long, value_name = "ARN")]
    pub device: Option<String>,
    /// STS region for the lookup [default: as for login]
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// STS and IAM endpoint [default: $AWS_ENDPOINT_URL_STS and _IAM, $AWS_ENDPOINT_URL]
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Say what is being done (never shows secrets)
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

// The code is a secret until it is used: keep it out of Debug output.
impl std::fmt::Debug for LoginArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = |c: &Option<String>| c.as_ref().map(|_| "<redacted>");
        f.debug_struct("LoginArgs")
            .field("code", &code(&self.code))
            .field("code_positional", &code(&self.code_positional))
            .field("profiles", &self.profiles)
            .field("sign_in", &self.sign_in)
            .field("force", &self.force)
            .field("verbose", &self.verbose)
            .finish()
    }
}

const ENV_EXAMPLES: &str = "\
Examples:
  eval \"$(awsmfa env)\"                      bash, zsh, sh
  awsmfa env | source                       fish
  awsmfa env --shell powershell | Invoke-Expression
  eval \"$(awsmfa env --unset)\"              forget the session in this shell
  for /f \"delims=\" %i in ('awsmfa env --shell cmd') do @%i

Exports AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and the
expiration as AWS_CREDENTIAL_EXPIRATION and AWS_SESSION_EXPIRATION (starship,
granted); removes AWS_SECURITY_TOKEN, the token's name in older SDKs.";

#[derive(Debug, Clone, Default, Args)]
pub struct EnvArgs {
    #[command(flatten)]
    pub profiles: ProfileArgs,
    /// Sign in first when there is no valid session (SSO: the browser or a device code; MFA: a code)
    #[arg(short = 'l', long)]
    pub login: bool,
    /// Resolve an SSO or role profile anew, past the AWS CLI's credential cache
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Shell syntax: sh, bash, zsh, fish, powershell, cmd [default: from $SHELL]
    #[arg(short = 's', long, value_name = "S")]
    pub shell: Option<String>,
    /// Print code that removes the variables instead
    #[arg(short = 'u', long)]
    pub unset: bool,
}

const STATUS_EXAMPLES: &str = "\
Examples:
  awsmfa status                 mfa: valid until 2026-11-23T19:20:32Z (11h52m left)
  awsmfa status --json          for scripts
  awsmfa status || awsmfa login exit code 3 when there is no valid session";

#[derive(Debug, Clone, Default, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub profiles: ProfileArgs,
    /// Print JSON: {\"profile\", \"valid\", \"expiration\", \"remaining_seconds\"}
    #[arg(long)]
    pub json: bool,
    /// Exit 3 when less than this is left (30m, 1h, 600)
    #[arg(short = 'w', long, value_name = "D")]
    pub within: Option<String>,
    /// List every session in the credentials file
    #[arg(short = 'a', long, conflicts_with_all = ["profile", "target"])]
    pub all: bool,
}

const EXEC_EXAMPLES: &str = "\
Examples:
  awsmfa exec -- aws s3 ls                 run with the [mfa] session
  awsmfa exec -t work-mfa -- terraform plan
  awsmfa exec --login -- ./deploy.sh       log in first when there is no valid session
  awsmfa exec -p admin --login -- aws s3 ls  assume the role profile admin (one code for every role)

The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
the expiration as AWS_CREDENTIAL_EXPIRATION and AWS_SESSION_EXPIRATION;
AWS_SECURITY_TOKEN, AWS_PROFILE and AWS_DEFAULT_PROFILE are removed.
SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to awsmfa are passed on to the command;
awsmfa waits for it and exits with its exit code (128+N when signal N ended it).";

#[derive(Debug, Clone, Default, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub profiles: ProfileArgs,
    /// Log in first when there is no valid session (code from a code command or the terminal)
    #[arg(short = 'l', long)]
    pub login: bool,
    /// Resolve an SSO or role profile anew, past the AWS CLI's credential cache
    #[arg(short = 'f', long)]
    pub force: bool,
    #[command(flatten)]
    pub sign_in: SignInArgs,
    /// The command and its arguments
    #[arg(value_name = "COMMAND", required = true, trailing_var_arg = true)]
    pub command: Vec<std::ffi::OsString>,
}

const CREDENTIAL_PROCESS_EXAMPLES: &str = "\
Examples, in ~/.aws/config:
  [profile mfa-process]
  credential_process = awsmfa credential-process --target mfa

  [profile work]
  credential_process = awsmfa credential-process --login --profile work-keys

Then any AWS SDK or tool can use --profile mfa-process (or --profile work, which
logs in when needed: the code comes from --code-command, mfa_process or a prompt
on the terminal; parallel callers share one code).";

#[derive(Debug, Clone, Default, Args)]
pub struct CredentialProcessArgs {
    #[command(flatten)]
    pub profiles: ProfileArgs,
    /// Log in first when there is no valid session (code from a code command or the terminal)
    #[arg(short = 'l', long)]
    pub login: bool,
    /// Resolve an SSO or role profile anew, past the AWS CLI's credential cache
    #[arg(short = 'f', long)]
    pub force: bool,
    #[command(flatten)]
    pub sign_in: SignInArgs,
}

const PROMPT_EXAMPLES: &str = "\
Examples:
  PS1='$(awsmfa prompt) \\$ '             bash: shows mfa:11h52m while a session is valid
  starship: [custom.awsmfa] command = \"awsmfa prompt\", when = true";

#[derive(Debug, Clone, Default, Args)]
pub struct PromptArgs {
    #[command(flatten)]
    pub profiles: ProfileArgs,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  awsmfa completions bash > ~/.local/share/bash-completion/completions/awsmfa
  awsmfa completions zsh > \"${fpath[1]}/_awsmfa\"
  awsmfa completions fish > ~/.config/fish/completions/awsmfa.fish
  awsmfa completions powershell >> $PROFILE";

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

const LOGOUT_EXAMPLES: &str = "\
Examples:
  awsmfa logout                 remove [mfa] from the credentials file
  awsmfa logout -p work         remove [work-mfa]";

#[derive(Debug, Clone, Default, Args)]
pub struct ManArgs {
    /// Write every command's page (awsmfa.1, awsmfa-login.1, ...) into this directory, for packages
    #[arg(long, value_name = "DIR", hide = true)]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub profiles: ProfileArgs,
}

/// Renders a clap error in the `awsmfa: error:` form; help and version pass through.
pub fn report_parse_error(err: clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return std::process::ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
        _ => {}
    }
    // A stray number is most likely an MFA code: never echo it.
    if err.kind() == ErrorKind::UnknownArgument {
        let arg = err
            .get(clap::error::ContextKind::InvalidArg)
            .map(|v| v.to_string());
        if arg.is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit())) {
            eprintln!("awsmfa: error: unexpected extra argument (a number, not shown)");
            eprintln!("  hint: give the MFA code once: awsmfa login --code CODE");
            return std::process::ExitCode::from(crate::exit_codes::ExitCode::Usage.code());
        }
    }
    let rendered = err.render().to_string();
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid arguments");
    let what = first.strip_prefix("error: ").unwrap_or(first);
    let tip = lines.find_map(|l| l.strip_prefix("tip: "));
    eprintln!("awsmfa: error: {what}");
    match tip {
        Some(tip) => eprintln!("  hint: {tip}"),
        None => eprintln!("  hint: see 'awsmfa --help'"),
    }
    std::process::ExitCode::from(crate::exit_codes::ExitCode::Usage.code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("awsmfa").chain(args.iter().copied()))
    }

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn login_flags() {
        let cli = parse(&[
            "login",
            "--code",
            "123456",
            "-p",
            "work",
            "--target",
            "t",
            "--device",
            "arn",
            "--duration",
            "1h",
            "--force",
            "--region",
            "eu-west-1",
            "--endpoint-url",
            "http://x",
            "-v",
        ])
        .unwrap();
        let Command::Login(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.code.as_deref(), Some("123456"));
        assert_eq!(a.profiles.profile.as_deref(), Some("work"));
        assert_eq!(a.profiles.target.as_deref(), Some("t"));
        assert!(a.force && a.verbose);
        assert_eq!(a.sign_in.duration.as_deref(), Some("1h"));
        assert_eq!(a.sign_in.endpoint_url.as_deref(), Some("http://x"));
    }

    #[test]
    fn login_accepts_the_code_without_flag_but_not_twice() {
        let cli = parse(&["login", "123456"]).unwrap();
        let Command::Login(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.code_positional.as_deref(), Some("123456"));
        assert!(parse(&["login", "123456", "--code", "654321"]).is_err());
    }

    #[test]
    fn env_and_status_flags() {
        let cli = parse(&["env", "--shell", "fish", "--unset", "-t", "x"]).unwrap();
        let Command::Env(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.shell.as_deref(), Some("fish"));
        assert!(a.unset);
        let cli = parse(&["status", "--json", "--profile", "p"]).unwrap();
        let Command::Status(a) = cli.command else {
            panic!()
        };
        assert!(a.json);
    }

    #[test]
    fn keys_commands() {
        let cli = parse(&["keys", "add", "-p", "work"]).unwrap();
        let Command::Keys(KeysCommand::Add(a)) = cli.command else {
            panic!()
        };
        assert_eq!(a.profile.as_deref(), Some("work"));
        assert!(matches!(
            parse(&["keys", "list"]).unwrap().command,
            Command::Keys(KeysCommand::List)
        ));
        assert!(parse(&["keys", "import", "--profile", "p"]).is_ok());
        assert!(parse(&["keys", "remove"]).is_ok());
        // The secret is never an argument.
        assert!(parse(&["keys", "add", "AKIAFAKEFAKEFAKE1234"]).is_err());
    }

    #[test]
    fn unknown_flags_are_errors() {
        assert!(parse(&["env", "--bogus"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
    }
}
