//! Checks of what the user typed, done before any network request.

use crate::error::Error;
use crate::secret::Secret;

/// The shortest and longest session GetSessionToken issues for an IAM user.
pub const MIN_DURATION: u32 = 900;
pub const MAX_DURATION: u32 = 129_600;
/// 12 hours, as the AWS CLI and STS default to.
pub const DEFAULT_DURATION: u32 = 43_200;

/// Parses `3600`, `15m`, `12h`, `1d` or a sum like `1h30m` into seconds within the allowed range.
pub fn parse_duration(text: &str, source: &str) -> Result<u32, Error> {
    let total = parse_span(text, source)?;
    if !(u64::from(MIN_DURATION)..=u64::from(MAX_DURATION)).contains(&total) {
        return Err(Error::usage(format!(
            "{source}: {text} is {total} seconds; sessions last 900 to 129600 seconds"
        ))
        .hint("pick a duration from 15m to 36h"));
    }
    Ok(total as u32)
}

/// The longest role session AWS allows, and the longest for a role assumed
/// with another role's credentials (role chaining).
pub const MAX_ROLE_DURATION: u32 = 43_200;
pub const MAX_CHAINED_ROLE_DURATION: u32 = 3600;

/// Parses a role session's length (900 seconds to 12 hours; an hour at most
/// when `chained`).
pub fn parse_role_duration(
    text: &str,
    source: &str,
    chained: bool,
    outermost: bool,
) -> Result<u32, Error> {
    let total = parse_span(text, source)?;
    if !(u64::from(MIN_DURATION)..=u64::from(MAX_ROLE_DURATION)).contains(&total) {
        return Err(Error::usage(format!(
            "{source}: {text} is {total} seconds; role sessions last 900 to 43200 seconds"
        ))
        .hint("pick a duration from 15m to 12h"));
    }
    if chained && total > u64::from(MAX_CHAINED_ROLE_DURATION) {
        return Err(Error::usage(format!(
            "{source}: {text} is longer than an hour, and this role is assumed with another role's credentials"
        ))
        .hint(format!(
            "AWS limits chained roles to one hour: {}",
            shorter(Some(source), outermost)
        )));
    }
    Ok(total as u32)
}

/// How to ask for a role session of an hour (which every role allows, and
/// the most a chained role gets), where the length came from `source`
/// (`--duration`, `duration_seconds of profile P`, `None` for the default).
/// `--duration` sets only the outermost role's: an intermediate role's
/// length is its profile's `duration_seconds`.
pub fn shorter(source: Option<&str>, outermost: bool) -> String {
    let profile = source.and_then(|s| s.strip_prefix("duration_seconds of profile "));
    match (profile, outermost) {
        (Some(p), false) => {
            format!("set duration_seconds of profile {p} to 3600 or less in the config file")
        }
        (Some(p), true) => {
            format!("use --duration 1h, or set duration_seconds of profile {p} to 3600 or less")
        }
        (None, _) => "use --duration 1h or less".to_owned(),
    }
}

/// The longest span awsmfa counts: its clock is whole seconds in an `i64`.
pub const MAX_SPAN: u64 = i64::MAX as u64;

/// Parses a span of time: `3600`, `90s`, `15m`, `12h`, `1d` or a sum like
/// `1h30m`, in seconds, at most [`MAX_SPAN`].
pub fn parse_span(text: &str, source: &str) -> Result<u64, Error> {
    let bad = || {
        Error::usage(format!("{source}: '{text}' is not a duration"))
            .hint("use seconds (3600) or a number with a unit: 900s, 15m, 12h, 1d, 1h30m")
    };
    let too_long = || {
        Error::usage(format!(
            "{source}: '{text}' is longer than awsmfa can count"
        ))
        .hint(format!("use at most {MAX_SPAN} seconds"))
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        // All digits: the only way this fails is a number beyond u64.
        let n: u64 = rest[..digits].parse().map_err(|_| too_long())?;
        rest = &rest[digits..];
        let unit = match rest.chars().next() {
            None if total == 0 => 1,
            None => return Err(bad()),
            Some(c) => {
                rest = &rest[c.len_utf8()..];
                match c {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86_400,
                    _ => return Err(bad()),
                }
            }
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .filter(|&t| t <= MAX_SPAN)
            .ok_or_else(too_long)?;
    }
    Ok(total)
}

/// Checks an MFA code: exactly six digits once surrounding whitespace is trimmed.
/// The error never repeats what was typed.
pub fn parse_code(text: &str) -> Result<Secret, Error> {
    let code = text.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Secret::new(code))
    } else {
        Err(Error::usage("the MFA code must be exactly 6 digits")
            .hint("type the current code shown by your authenticator app or device"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_with_units() {
        let d = |s| parse_duration(s, "--duration");
        assert_eq!(d("3600").unwrap(), 3600);
        assert_eq!(d("900").unwrap(), 900);
        assert_eq!(d("15m").unwrap(), 900);
        assert_eq!(d("12h").unwrap(), 43_200);
        assert_eq!(d("1d").unwrap(), 86_400);
        assert_eq!(d("1h30m").unwrap(), 5400);
        assert_eq!(d(" 36h ").unwrap(), 129_600);
        assert_eq!(d("3600s").unwrap(), 3600);
    }

    #[test]
    fn durations_out_of_range_or_garbage_are_usage_errors() {
        for bad in [
            "899",
            "129601",
            "14m",
            "2d",
            "",
            "h",
            "12x",
            "1.5h",
            "-3600",
            "1h30",
            "99999999999999999999",
        ] {
            let err = parse_duration(bad, "--duration").unwrap_err();
            assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage, "{bad}");
        }
    }

    #[test]
    fn role_durations() {
        assert_eq!(
            parse_role_duration("12h", "d", false, true).unwrap(),
            43_200
        );
        assert_eq!(parse_role_duration("1h", "d", true, true).unwrap(), 3600);
        for (bad, chained) in [("13h", false), ("899", false), ("61m", true)] {
            let err = parse_role_duration(bad, "d", chained, true).unwrap_err();
            assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage, "{bad}");
        }
    }

    #[test]
    fn spans_have_no_bounds() {
        assert_eq!(parse_span("30m", "--within").unwrap(), 1800);
        assert_eq!(parse_span("0", "--within").unwrap(), 0);
        assert!(parse_span("soon", "--within").is_err());
    }

    #[test]
    fn spans_beyond_the_clock_are_usage_errors() {
        assert_eq!(
            parse_span("9223372036854775807", "--within").unwrap(),
            i64::MAX as u64
        );
        assert_eq!(
            parse_span("106751991167300d", "--within").unwrap(),
            106_751_991_167_300 * 86_400
        );
        for huge in [
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "106751991167301d",
            "9223372036854775807s1s",
        ] {
            let err = parse_span(huge, "--within").unwrap_err();
            assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage, "{huge}");
        }
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(parse_code("123456").unwrap().expose(), "123456");
        assert_eq!(parse_code(" 012345\n").unwrap().expose(), "012345");
        for bad in ["12345", "1234567", "12345a", "", "12 3456", "١٢٣٤٥٦"] {
            assert!(parse_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn code_errors_do_not_repeat_the_input() {
        let err = parse_code("98765x").unwrap_err();
        assert!(!err.to_string().contains("98765"));
    }
}
