//! `awsmfa env` evaluated by real shells: bash, dash, zsh, sh and fish get the exact values.
#![cfg(unix)]

mod common;

use common::*;
use predicates::prelude::*;

/// Session values with every character a shell might interpret.
const TRICKY_ID: &str = "ASIA'quote\"dq$HOME`x`";
const TRICKY_SECRET: &str = r#"s3cr\et'$(touch pwned);&|<>*?!%#~é’\'\\"#;
const TRICKY_TOKEN: &str = "tok/+=${PATH}\\n\\t'' \"\" %PATH% !! ^ tab\there \u{b}\u{c}\u{1b}[31m \u{85}\u{2028}\u{2029} end";
const EXPIRATION: &str = "2999-01-01T00:00:00Z";

/// Left in the shell by an earlier session: read by boto2 and older SDKs
/// (botocore even prefers it), so it must not survive the switch.
const STALE_SECURITY_TOKEN: &str = "StaleTokenOfAnotherSession";

fn tricky_env() -> TestEnv {
    let env = TestEnv::new()
        .var("AWSMFA_BIN", env!("CARGO_BIN_EXE_awsmfa"))
        .var("AWS_SECURITY_TOKEN", STALE_SECURITY_TOKEN);
    env.write_credentials(&format!(
        "{}\n[mfa]\naws_access_key_id = {TRICKY_ID}\naws_secret_access_key = {TRICKY_SECRET}\n\
         aws_session_token = {TRICKY_TOKEN}\nexpiration = {EXPIRATION}\n",
        default_credentials()
    ));
    env
}

/// The session's values, its expiration under both names, and no legacy token.
fn expected() -> String {
    format!("{TRICKY_ID}\n{TRICKY_SECRET}\n{TRICKY_TOKEN}\n{EXPIRATION}\n{EXPIRATION}\nunset\n")
}

const POSIX_SCRIPT: &str = r#"eval "$("$AWSMFA_BIN" env --shell "$SHELL_NAME")" || exit 9
printf '%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" \
    "$AWS_SESSION_EXPIRATION" "${AWS_SECURITY_TOKEN-unset}""#;

fn check_posix_shell(name: &str) {
    let Some(shell) = peer(name) else { return };
    let env = tricky_env().var("SHELL_NAME", name);
    env.program(&shell, &["-c", POSIX_SCRIPT])
        .current_dir(env.home())
        .assert()
        .success()
        .stdout(expected());
    assert!(!env.home().join("pwned").exists());
}

#[test]
fn bash_evaluates_exact_values() {
    check_posix_shell("bash");
}

#[test]
fn dash_evaluates_exact_values() {
    check_posix_shell("dash");
}

#[test]
fn zsh_evaluates_exact_values() {
    check_posix_shell("zsh");
}

#[test]
fn sh_evaluates_exact_values() {
    check_posix_shell("sh");
}

#[test]
fn fish_evaluates_exact_values() {
    let Some(fish) = peer("fish") else { return };
    let env = tricky_env();
    let script = r#"$AWSMFA_BIN env --shell fish | source; or exit 9
set -q AWS_SECURITY_TOKEN; or set AWS_SECURITY_TOKEN unset
printf '%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" \
    "$AWS_SESSION_EXPIRATION" "$AWS_SECURITY_TOKEN""#;
    env.program(&fish, &["--no-config", "-c", script])
        .current_dir(env.home())
        .assert()
        .success()
        .stdout(expected());
}

#[test]
fn shell_is_detected_from_the_shell_variable() {
    let Some(fish) = peer("fish") else { return };
    let env = tricky_env().var("SHELL", fish.to_str().unwrap());
    env.awsmfa(&["env"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("set -gx AWS_ACCESS_KEY_ID "));
    let script = r#"$AWSMFA_BIN env | source; printf '%s\n' "$AWS_SECRET_ACCESS_KEY""#;
    env.program(&fish, &["--no-config", "-c", script])
        .assert()
        .success()
        .stdout(format!("{TRICKY_SECRET}\n"));
    let env = tricky_env().var("SHELL", "/bin/bash");
    env.awsmfa(&["env"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("export AWS_ACCESS_KEY_ID="));
    let env = tricky_env();
    env.awsmfa(&["env"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("export AWS_ACCESS_KEY_ID="));
}

#[test]
fn unset_removes_the_variables() {
    let Some(bash) = peer("bash") else { return };
    let env = tricky_env();
    let script = r#"eval "$("$AWSMFA_BIN" env)"; export AWS_SECURITY_TOKEN=set-by-hand
eval "$("$AWSMFA_BIN" env --unset)"
for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION \
    AWS_SESSION_EXPIRATION AWS_SECURITY_TOKEN; do
  eval "printf '%s=%s\n' $v \"\${$v-unset}\""
done"#;
    env.program(&bash, &["-c", script]).assert().success().stdout(
        "AWS_ACCESS_KEY_ID=unset\nAWS_SECRET_ACCESS_KEY=unset\nAWS_SESSION_TOKEN=unset\nAWS_CREDENTIAL_EXPIRATION=unset\n\
         AWS_SESSION_EXPIRATION=unset\nAWS_SECURITY_TOKEN=unset\n",
    );
    let Some(fish) = peer("fish") else { return };
    let script = r#"$AWSMFA_BIN env --shell fish | source; set -gx AWS_SECURITY_TOKEN set-by-hand
$AWSMFA_BIN env --shell fish --unset | source; or exit 9
set -q AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION \
    AWS_SESSION_EXPIRATION AWS_SECURITY_TOKEN; or echo all-unset"#;
    env.program(&fish, &["--no-config", "-c", script])
        .assert()
        .success()
        .stdout("all-unset\n");
}

#[test]
fn every_shell_syntax_is_printed() {
    let env = tricky_env();
    let first_line = |shell: &str| {
        let out = env.awsmfa(&["env", "--shell", shell]).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    let quoted_id = "ASIA'\\''quote\"dq$HOME`x`";
    assert_eq!(
        first_line("bash"),
        format!("export AWS_ACCESS_KEY_ID='{quoted_id}'")
    );
    assert_eq!(
        first_line("zsh"),
        format!("export AWS_ACCESS_KEY_ID='{quoted_id}'")
    );
    assert_eq!(
        first_line("sh"),
        format!("export AWS_ACCESS_KEY_ID='{quoted_id}'")
    );
    assert_eq!(
        first_line("fish"),
        "set -gx AWS_ACCESS_KEY_ID 'ASIA\\'quote\"dq$HOME`x`';"
    );
    assert_eq!(
        first_line("powershell"),
        "$Env:AWS_ACCESS_KEY_ID = 'ASIA''quote\"dq$HOME`x`'"
    );
    // cmd cannot hold these values verbatim: refused below.
}

/// cmd's `set "K=v"` keeps its metacharacters inside the quotes; what no
/// `set` line can carry verbatim (`%`, `!`, `"`, control characters,
/// non-ASCII) is refused with nothing on stdout, naming the variable.
#[test]
fn cmd_gets_quoted_values_or_a_refusal() {
    let env = TestEnv::new();
    let write = |secret: &str| {
        env.write_credentials(&format!(
            "[mfa]\naws_access_key_id = ASIAFAKE\naws_secret_access_key = {secret}\n\
             aws_session_token = tok/+=\nexpiration = {EXPIRATION}\n"
        ))
    };
    write("a&b|c<d>e^f(g) h'`$~=");
    env.awsmfa(&["env", "--shell", "cmd"])
        .assert()
        .success()
        .stdout(format!(
            "set \"AWS_ACCESS_KEY_ID=ASIAFAKE\"\n\
             set \"AWS_SECRET_ACCESS_KEY=a&b|c<d>e^f(g) h'`$~=\"\n\
             set \"AWS_SESSION_TOKEN=tok/+=\"\n\
             set \"AWS_CREDENTIAL_EXPIRATION={EXPIRATION}\"\n\
             set \"AWS_SESSION_EXPIRATION={EXPIRATION}\"\n\
             if defined AWS_SECURITY_TOKEN set \"AWS_SECURITY_TOKEN=\"\n"
        ));
    for (secret, why) in [
        ("50%PATH%", "% or !"),
        ("wow!", "% or !"),
        ("say\"&calc", "double quote"),
        ("tab\there", "control character"),
        ("caf\u{e9}", "non-ASCII"),
    ] {
        write(secret);
        env.awsmfa(&["env", "--shell", "cmd"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "cannot write AWS_SECRET_ACCESS_KEY for cmd",
            ))
            .stderr(predicate::str::contains(why));
    }
    tricky_env()
        .awsmfa(&["env", "--shell", "cmd"])
        .assert()
        .code(2)
        .stdout("");
}

/// Values no credentials file can hold (line breaks: a credential_process
/// or SSO answer may carry them), evaluated by the real shells.
#[test]
fn line_breaks_in_values_are_evaluated_verbatim() {
    use awsmfa::shell::Shell;
    let values = [
        "two\nlines",
        "cr\rlf\r\n",
        "\n'; touch pwned; echo '\n",
        "end\n",
    ];
    let vars: Vec<(&str, &str)> = ["A", "B", "C", "D"].into_iter().zip(values).collect();
    let expected: String = values.iter().map(|v| format!("<{v}>")).collect();
    let print = r#"printf '<%s>' "$A" "$B" "$C" "$D""#;
    let env = TestEnv::new();
    std::fs::write(
        env.home().join("env.sh"),
        Shell::Posix.export(&vars).unwrap(),
    )
    .unwrap();
    let script = format!("eval \"$(cat env.sh)\"; {print}");
    for name in ["bash", "dash", "zsh", "sh"] {
        let Some(shell) = peer(name) else { continue };
        env.program(&shell, &["-c", &script])
            .current_dir(env.home())
            .assert()
            .success()
            .stdout(expected.clone());
    }
    if let Some(fish) = peer("fish") {
        let code = Shell::Fish.export(&vars).unwrap();
        std::fs::write(env.home().join("env.fish"), code).unwrap();
        let script = format!("source env.fish; {print}");
        env.program(&fish, &["--no-config", "-c", &script])
            .current_dir(env.home())
            .assert()
            .success()
            .stdout(expected.clone());
    }
    assert!(!env.home().join("pwned").exists());
    // PowerShell runs `awsmfa env | Invoke-Expression` line by line: every
    // assignment must stay on its one line.
    let code = Shell::PowerShell.export(&vars).unwrap();
    assert_eq!(code.lines().count(), vars.len(), "{code}");
    assert!(Shell::Cmd.export(&vars).is_err());
}

#[test]
fn a_moto_session_round_trips_through_bash() {
    let Some(moto) = Moto::start() else { return };
    let Some(bash) = peer("bash") else { return };
    let env = TestEnv::with_default_profile().var("AWSMFA_BIN", env!("CARGO_BIN_EXE_awsmfa"));
    env.login(&moto.url(), &[]);
    let script = r#"eval "$("$AWSMFA_BIN" env)"; printf '%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY""#;
    env.program(&bash, &["-c", script])
        .assert()
        .success()
        .stdout(format!("{MOTO_SESSION_KEY_ID}\n{MOTO_SESSION_SECRET}\n"));
}

#[test]
fn no_session_prints_nothing_and_exits_3() {
    let env = TestEnv::with_default_profile();
    env.awsmfa(&["env"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("no session in profile mfa"))
        .stderr(predicate::str::contains("hint: run 'awsmfa login'"));
    // A profile with long-term keys is not a session either.
    env.awsmfa(&["env", "--target", "default"])
        .assert()
        .code(3)
        .stdout("");
    // Nor is a missing credentials file.
    TestEnv::new().awsmfa(&["env"]).assert().code(3).stdout("");
}

#[test]
fn expired_session_prints_nothing_and_exits_3() {
    let env = TestEnv::new();
    env.write_credentials(
        "[work-mfa]\naws_access_key_id = ASIA\naws_secret_access_key = s\naws_session_token = t\n\
         expiration = 2020-01-01T00:00:00Z\n",
    );
    env.awsmfa(&["env", "--profile", "work"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("expired at 2020-01-01T00:00:00Z"))
        .stderr(predicate::str::contains("awsmfa login --profile work"));
}

#[test]
fn env_reads_the_target_named_by_flag_or_variable() {
    let env = TestEnv::new().var("AWSMFA_TARGET", "fromvar");
    env.write_credentials(
        "[fromvar]\naws_access_key_id = ASIAVAR\naws_secret_access_key = s\naws_session_token = t\n\
         [fromflag]\naws_access_key_id = ASIAFLAG\naws_secret_access_key = s\naws_session_token = t\n",
    );
    env.awsmfa(&["env"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ASIAVAR"));
    env.awsmfa(&["env", "-t", "fromflag"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ASIAFLAG"))
        .stdout(predicate::str::contains("export AWS_CREDENTIAL_EXPIRATION").not());
}

/// Whatever an earlier session left that this one does not set (the legacy
/// token; the expirations, when this session has none) is removed, in every
/// shell's syntax.
#[test]
fn what_the_session_does_not_set_is_removed() {
    let env = TestEnv::new()
        .var("AWSMFA_BIN", env!("CARGO_BIN_EXE_awsmfa"))
        .var("AWS_SECURITY_TOKEN", STALE_SECURITY_TOKEN)
        .var("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z")
        .var("AWS_SESSION_EXPIRATION", "2020-01-01T00:00:00Z");
    env.write_credentials(
        "[mfa]\naws_access_key_id = ASIANOEXP\naws_secret_access_key = s\naws_session_token = t\n",
    );
    let stale = [
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_SESSION_EXPIRATION",
    ];
    if let Some(bash) = peer("bash") {
        let script = r#"eval "$("$AWSMFA_BIN" env --shell bash)" || exit 9
printf '%s\n' "$AWS_ACCESS_KEY_ID" "${AWS_SECURITY_TOKEN-unset}" "${AWS_CREDENTIAL_EXPIRATION-unset}" \
    "${AWS_SESSION_EXPIRATION-unset}""#;
        env.program(&bash, &["-c", script])
            .assert()
            .success()
            .stdout("ASIANOEXP\nunset\nunset\nunset\n");
    }
    if let Some(fish) = peer("fish") {
        let script = r#"$AWSMFA_BIN env --shell fish | source; or exit 9
echo $AWS_ACCESS_KEY_ID
set -q AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION; or echo all-unset"#;
        env.program(&fish, &["--no-config", "-c", script])
            .assert()
            .success()
            .stdout("ASIANOEXP\nall-unset\n");
    }
    let printed = |shell: &str| {
        let out = env.awsmfa(&["env", "--shell", shell]).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let powershell = printed("powershell");
    let cmd = printed("cmd");
    for name in stale {
        let removal = format!("Remove-Item Env:{name} -ErrorAction SilentlyContinue\n");
        assert!(powershell.contains(&removal), "{powershell}");
        assert!(
            cmd.contains(&format!("if defined {name} set \"{name}=\"\n")),
            "{cmd}"
        );
    }
}
