//! `awsmfa configure sso`: the AWS CLI's wizard (session name, start URL,
//! region, scopes, sign-in, account, role, region, output, profile name),
//! every answer also a flag, so that it runs in scripts; `--all-roles`
//! writes a profile for every account and role the sign-in can see. The
//! config file is edited as every awsmfa edit is: byte-exact elsewhere,
//! atomic, locked.

use anyhow::Result;

use crate::aws::sso::{Account, Pace};
use crate::cli::ConfigureSsoArgs;
use crate::env::Env;
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::net::Network;
use crate::profiles::{AwsFile, AwsFiles, AwsPaths, FileLock, config_section_name, edit};
use crate::sso::SignIn;
use crate::sso::login::{DEFAULT_SCOPE, Options};

pub fn run(args: &ConfigureSsoArgs, env: &dyn Env) -> Result<ExitCode> {
    let paths = AwsPaths::resolve(env)?;
    let files = AwsFiles::load(&paths)?;
    let sign_in = sign_in_settings(args, &files)?;
    let session = sign_in.session.clone().unwrap_or_default();
    let label = format!("--sso-session {session}");

    let network = Network::resolve(env, None)?;
    let oidc = crate::sso::endpoint(env, &sign_in, &network, "AWS_ENDPOINT_URL_SSO_OIDC")?;
    let options = Options {
        use_device_code: args.browser.use_device_code,
        no_browser: args.browser.no_browser,
        port: args.browser.port,
        unreachable_code: Some(ExitCode::Usage),
        ..Default::default()
    };
    let signed = crate::sso::login::sign_in(env, &sign_in, &label, &oidc, &options)?;
    let portal = crate::sso::endpoint(env, &sign_in, &network, "AWS_ENDPOINT_URL_SSO")?;
    let runtime = crate::aws::sts::runtime().map_err(|e| Error::failure(format!("{e:?}")))?;
    let hint = sign_in.login_hint(&session);
    let mut pace = Pace::new();
    let token = &signed.access_token;
    let mut accounts = runtime.block_on(crate::aws::sso::list_accounts(
        &portal, token, &hint, &mut pace,
    ))?;
    if accounts.is_empty() {
        return Err(Error::failure("the sign-in can see no AWS account")
            .hint("ask the IAM Identity Center administrator for an account assignment")
            .into());
    }
    accounts.sort_by_key(|a| (a.name.to_lowercase(), a.id.clone()));

    let mut blocks = vec![Block::session(&sign_in)];
    if args.all_roles {
        for account in &accounts {
            let roles = runtime.block_on(crate::aws::sso::list_roles(
                &portal,
                token,
                &account.id,
                &hint,
                &mut pace,
            ))?;
            for role in roles {
                let name = from_template(&args.name_template, account, &role);
                crate::names::ProfileNames::resolve(Some(&name), Some("x"), env)?;
                blocks.push(Block::profile(&name, &session, &account.id, &role, args));
            }
        }
        return write(&paths, &blocks, args, true);
    }

    let account = choose_account(args, &accounts)?;
    let mut roles = runtime.block_on(crate::aws::sso::list_roles(
        &portal,
        token,
        &account.id,
        &hint,
        &mut pace,
    ))?;
    roles.sort_by_key(|r| r.to_lowercase());
    let role = choose(
        args.role.as_deref(),
        "--role",
        "role",
        &roles,
        |r| r.clone(),
        |r, answer| r == answer,
    )?;
    let mut answers = args.clone();
    answers.region = optional(args.region.clone(), "Default client region")?;
    answers.output = optional(
        args.output.clone(),
        "Output format (json, text, table, yaml)",
    )?;
    let default_name = format!("{role}-{}", account.id);
    let name = match &args.name {
        Some(name) => name.clone(),
        None => ask(&format!("Profile name [{default_name}]: "))?.unwrap_or(default_name),
    };
    crate::names::ProfileNames::resolve(Some(&name), Some("x"), env)?;
    blocks.push(Block::profile(&name, &session, &account.id, role, &answers));
    write(&paths, &blocks, args, false)?;
    if !args.dry_run {
        eprintln!(
            "awsmfa: to use it: aws s3 ls --profile {name}   (or: awsmfa env --profile {name})"
        );
    }
    Ok(ExitCode::Success)
}

/// The sign-in's settings: the flags, else `[sso-session NAME]` as it is,
/// else the answers on the terminal (the scopes default to
/// `sso:account:access`).
fn sign_in_settings(args: &ConfigureSsoArgs, files: &AwsFiles) -> Result<SignIn> {
    let session = required(
        args.sso_session.clone(),
        "--sso-session",
        "SSO session name",
    )?;
    if session.is_empty()
        || session
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '[' | ']'))
    {
        return Err(
            Error::usage(format!("'{session}' cannot be an SSO session name"))
                .hint("use letters, digits and - _ .")
                .into(),
        );
    }
    let existing = SignIn::named(files, &session, None).ok();
    let from_file = |f: fn(&SignIn) -> Option<String>| existing.as_ref().and_then(f);
    let start_url = match args
        .start_url
        .clone()
        .or_else(|| from_file(|s| Some(s.start_url.clone())))
    {
        Some(url) => url,
        None => required(None, "--start-url", "SSO start URL (https://...)")?,
    };
    if !start_url.starts_with("https://") || start_url.contains(char::is_whitespace) {
        return Err(Error::usage(format!("'{start_url}' is not an https URL"))
            .hint("the AWS access portal URL looks like https://my-org.awsapps.com/start")
            .into());
    }
    let region = match args
        .sso_region
        .clone()
        .or_else(|| from_file(|s| Some(s.region.clone())))
    {
        Some(region) => region,
        None => required(None, "--sso-region", "SSO region")?,
    };
    crate::region::check_region(&region, "--sso-region")?;
    let scopes = match args
        .scopes
        .clone()
        .or_else(|| from_file(|s| s.scopes.as_ref().map(|s| s.join(","))))
    {
        Some(scopes) => scopes,
        None if existing.is_some() => DEFAULT_SCOPE.to_owned(),
        None => ask(&format!("SSO registration scopes [{DEFAULT_SCOPE}]: "))?
            .unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
    };
    let scopes: Vec<String> = scopes
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    Ok(SignIn {
        session: Some(session),
        start_url,
        region,
        scopes: Some(scopes),
    })
}

/// An answer on the terminal; `None` when there is no terminal or the
/// answer is empty.
fn ask(question: &str) -> Result<Option<String>> {
    let answer = crate::login::code::terminal::ask(question)?;
    Ok(answer
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty()))
}

/// `given`, else asked; without a terminal, exit 2 naming `flag`.
fn required(given: Option<String>, flag: &str, question: &str) -> Result<String> {
    if let Some(value) = given {
        return Ok(value);
    }
    if crate::login::code::terminal::ask_possible() {
        loop {
            if let Some(answer) = ask(&format!("{question}: "))? {
                return Ok(answer);
            }
        }
    }
    Err(Error::usage(format!(
        "{question} is needed, and there is no terminal to ask on"
    ))
    .hint(format!("give it with {flag}"))
    .into())
}

/// `given`, else asked (an empty answer, or no terminal: none).
fn optional(given: Option<String>, question: &str) -> Result<Option<String>> {
    match given {
        Some(value) => Ok(Some(value)),
        None => ask(&format!("{question} [none]: ")),
    }
}

fn choose_account<'a>(args: &ConfigureSsoArgs, accounts: &'a [Account]) -> Result<&'a Account> {
    choose(
        args.account.as_deref(),
        "--account",
        "account",
        accounts,
        |a| match (a.name.is_empty(), a.email.is_empty()) {
            (false, false) => format!("{}, {} ({})", a.name, a.email, a.id),
            (false, true) => format!("{} ({})", a.name, a.id),
            _ => a.id.clone(),
        },
        |a, answer| a.id == answer,
    )
}

/// One of `items`: the one `given` names (refused when it is not among
/// them), else the only one, else the one picked on the terminal by number;
/// without a terminal, exit 2 naming `flag`.
fn choose<'a, T>(
    given: Option<&str>,
    flag: &str,
    what: &str,
    items: &'a [T],
    show: impl Fn(&T) -> String,
    is: impl Fn(&T, &str) -> bool,
) -> Result<&'a T> {
    if let Some(given) = given {
        return items.iter().find(|i| is(i, given)).ok_or_else(|| {
            let all: Vec<String> = items.iter().map(&show).collect();
            Error::failure(format!("the sign-in can see no {what} {given}"))
                .hint(format!("it can see: {}", all.join("; ")))
                .into()
        });
    }
    match items {
        [] => Err(
            Error::failure(format!("the sign-in can see no {what} here"))
                .hint("ask the IAM Identity Center administrator for an assignment")
                .into(),
        ),
        [only] => {
            eprintln!(
                "awsmfa: the only {what} the sign-in can see: {}",
                show(only)
            );
            Ok(only)
        }
        _ if !crate::login::code::terminal::ask_possible() => {
            let all: Vec<String> = items.iter().map(&show).collect();
            Err(Error::usage(format!(
                "the sign-in can see {} {what}s, and there is no terminal to pick one on",
                items.len()
            ))
            .hint(format!("name one with {flag}: {}", all.join("; ")))
            .into())
        }
        _ => {
            let mut question = format!("There are {} {what}s:\n", items.len());
            for (i, item) in items.iter().enumerate() {
                question.push_str(&format!("  {}) {}\n", i + 1, show(item)));
            }
            question.push_str(&format!("Which {what} [1-{}]: ", items.len()));
            loop {
                let Some(answer) = ask(&question)? else {
                    continue;
                };
                let picked = answer
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|n| items.get(n))
                    .or_else(|| items.iter().find(|i| is(i, &answer)));
                if let Some(item) = picked {
                    return Ok(item);
                }
            }
        }
    }
}

/// `template` with `{role_name}`, `{account_id}` and `{account_name}` (its
/// spaces made `-`) filled in.
fn from_template(template: &str, account: &Account, role: &str) -> String {
    let account_name = account
        .name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-");
    template
        .replace("{role_name}", role)
        .replace("{account_id}", &account.id)
        .replace("{account_name}", &account_name)
}

/// A config section and the keys awsmfa sets in it.
struct Block {
    section: String,
    keys: Vec<(&'static str, String)>,
}

impl Block {
    fn session(sign_in: &SignIn) -> Block {
        Block {
            section: format!(
                "sso-session {}",
                sign_in.session.as_deref().unwrap_or_default()
            ),
            keys: vec![
                ("sso_start_url", sign_in.start_url.clone()),
                ("sso_region", sign_in.region.clone()),
                (
                    "sso_registration_scopes",
                    sign_in.scopes.clone().unwrap_or_default().join(","),
                ),
            ],
        }
    }

    fn profile(
        name: &str,
        session: &str,
        account: &str,
        role: &str,
        args: &ConfigureSsoArgs,
    ) -> Block {
        let mut keys = vec![
            ("sso_session", session.to_owned()),
            ("sso_account_id", account.to_owned()),
            ("sso_role_name", role.to_owned()),
        ];
        keys.extend(args.region.clone().map(|r| ("region", r)));
        keys.extend(args.output.clone().map(|o| ("output", o)));
        Block {
            section: config_section_name(name),
            keys,
        }
    }

    fn text(&self) -> String {
        let mut text = format!("[{}]\n", self.section);
        for (key, value) in &self.keys {
            text.push_str(&format!("{key} = {value}\n"));
        }
        text
    }

    /// The keys whose value in `file` differs from this block's.
    fn differences(&self, file: &AwsFile) -> Vec<String> {
        if file.ini.section(&self.section).is_none() {
            return Vec::new();
        }
        self.keys
            .iter()
            .filter_map(|(key, value)| {
                let have = file.ini.get(&self.section, key)?;
                (have != value).then(|| format!("{key} = {have}"))
            })
            .collect()
    }
}

/// Writes `blocks` to the config file under its lock (or prints them with
/// `--dry-run`). A section of that name that says otherwise is refused
/// without `--force`; with `skip_existing` (`--all-roles`) an existing
/// profile is left as it is and named.
fn write(
    paths: &AwsPaths,
    blocks: &[Block],
    args: &ConfigureSsoArgs,
    skip_existing: bool,
) -> Result<ExitCode> {
    let _lock = (!args.dry_run)
        .then(|| FileLock::acquire(&paths.config))
        .transpose()?;
    let config = AwsFile::load(&paths.config)?;
    let mut chosen = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let exists = config.ini.section(&block.section).is_some();
        if skip_existing && i > 0 && exists {
            eprintln!("awsmfa: [{}] exists already; left as it is", block.section);
            continue;
        }
        let differences = block.differences(&config);
        if !differences.is_empty() && !args.force {
            return Err(Error::failure(format!(
                "[{}] of {} says otherwise ({})",
                block.section,
                config.path.display(),
                differences.join(", ")
            ))
            .hint("nothing was written; add --force to overwrite it, or pick another name")
            .into());
        }
        chosen.push(block);
    }
    if args.dry_run {
        let text: Vec<String> = chosen.iter().map(|b| b.text()).collect();
        print!("{}", text.join("\n"));
        return Ok(ExitCode::Success);
    }
    let mut text = config.ini.text().to_owned();
    for block in &chosen {
        let ini = crate::profiles::IniFile::parse(text.as_bytes())?;
        let pairs: Vec<(&str, &str)> = block.keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
        text = edit::set_keys(&ini, &block.section, &pairs)
            .map_err(|e| crate::login::save::edit_error(&config, e))?;
    }
    config.write(&text, false)?;
    let names: Vec<String> = chosen.iter().map(|b| format!("[{}]", b.section)).collect();
    eprintln!(
        "awsmfa: saved {} in {}",
        names.join(", "),
        config.path.display()
    );
    Ok(ExitCode::Success)
}
