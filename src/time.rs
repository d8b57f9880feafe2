//! Session expirations: RFC 3339 in UTC and the other forms AWS tools
//! write, read and written through the AWS SDK's own date type.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// A point in time, in whole seconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        Timestamp(secs)
    }

    /// Reads an expiration in the forms the AWS tools write, each read as
    /// botocore's `parse_timestamp` reads it:
    ///
    /// - RFC 3339: `2026-11-23T19:20:32Z`, with fractional seconds, `t`/`z`,
    ///   a space for the `T`, and an offset `+01:00`, `+0100` or `+01`
    ///   (the AWS CLI's `isoformat()` gives `+00:00`);
    /// - no zone, as the Python aws-mfa writes `2026-11-23 19:20:32`: UTC;
    /// - a zone written `UTC` or `GMT`, with or without a space before it;
    /// - seconds since the epoch: `1795461632`.
    ///
    /// Anything else (a bare date, a leap second, years outside 1..=9999) is
    /// `None`: a time awsmfa would have to guess.
    pub fn parse(text: &str) -> Option<Self> {
        let s = text.trim().as_bytes();
        if s.first().is_some_and(u8::is_ascii_digit) && s.get(4) != Some(&b'-') {
            return parse_epoch(s);
        }
        // The forms other tools write are rewritten into RFC 3339 with an
        // offset, which the SDK's own date type reads (and checks: month
        // lengths, leap years).
        if s.len() < 19 || !matches!(s[10], b'T' | b't' | b' ') {
            return None;
        }
        let (date, clock) = (&s[..10], &s[11..19]);
        let year = digits(&date[..4])?;
        let second = digits(&clock[6..8])?;
        if year < 1 || second > 59 {
            return None;
        }
        let mut rest = &s[19..];
        let mut fraction: &[u8] = b"";
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            fraction = &s[19..20 + n];
            rest = &frac[n..];
        }
        let offset = zone_offset_minutes(rest)?;
        let sign = if offset < 0 { '-' } else { '+' };
        let canonical = format!(
            "{}T{}{}{sign}{:02}:{:02}",
            std::str::from_utf8(date).ok()?,
            std::str::from_utf8(clock).ok()?,
            std::str::from_utf8(fraction).ok()?,
            offset.abs() / 60,
            offset.abs() % 60
        );
        let parsed = DateTime::from_str(&canonical, Format::DateTimeWithOffset).ok()?;
        Some(Timestamp(parsed.secs()))
    }

    /// Seconds from `self` until `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        later.0 - self.0
    }

    /// This time plus some seconds.
    pub fn plus(self, seconds: i64) -> Timestamp {
        Timestamp(self.0 + seconds)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2026-11-23T19:20:32Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match DateTime::from_secs(self.0).fmt(Format::DateTime) {
            Ok(text) => f.write_str(&text),
            // Beyond year 9999: no reader of these files could hold it anyway.
            Err(_) => write!(f, "@{}", self.0),
        }
    }
}

/// A short human form of a span: `11h52m`, `4m`, `2d3h`, `45s`.
pub fn human_span(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h{m:02}m"),
        (d, h, _) => format!("{d}d{h}h"),
    }
}

/// The latest time the AWS tools' readers (Python's `datetime`) can hold:
/// 9999-12-31T23:59:59Z. A larger epoch is more likely milliseconds than a
/// real expiration.
const LATEST: i64 = 253_402_300_799;

/// The value of a run of ASCII digits (at most 18, so it cannot overflow).
fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, b| n * 10 + i64::from(b - b'0')))
}

/// Whole seconds since the epoch, with an optional fraction (dropped).
fn parse_epoch(s: &[u8]) -> Option<Timestamp> {
    let (whole, fraction) = match s.iter().position(|&b| b == b'.') {
        Some(dot) => (&s[..dot], Some(&s[dot + 1..])),
        None => (s, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.iter().all(u8::is_ascii_digit)) {
        return None;
    }
    digits(whole).filter(|&secs| secs <= LATEST).map(Timestamp)
}

/// The zone after the time, in minutes east of UTC: none (UTC), `Z`, `UTC`,
/// `GMT`, or `+hh:mm`, `+hhmm`, `+hh` (and `-`), after optional spaces.
fn zone_offset_minutes(zone: &[u8]) -> Option<i64> {
    let n = zone.iter().take_while(|&&b| b == b' ').count();
    let zone = &zone[n..];
    let (sign, rest) = match zone {
        b"" | b"Z" | b"z" | b"UTC" | b"GMT" => return Some(0),
        [b'+', rest @ ..] => (1, rest),
        [b'-', rest @ ..] => (-1, rest),
        _ => return None,
    };
    let (hours, minutes) = match rest {
        [h1, h2] => ([*h1, *h2], [b'0', b'0']),
        [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => ([*h1, *h2], [*m1, *m2]),
        _ => return None,
    };
    let (hours, minutes) = (digits(&hours)?, digits(&minutes)?);
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 60 + minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_rfc3339() {
        let t = Timestamp::parse("2026-11-23T19:20:32Z").unwrap();
        assert_eq!(t.0, 1_795_461_632);
        assert_eq!(t.to_string(), "2026-11-23T19:20:32Z");
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn accepts_fractions_offsets_and_space_form() {
        let t = Timestamp::parse("2026-11-23T19:20:32Z").unwrap();
        assert_eq!(Timestamp::parse("2026-11-23T19:20:32.441421Z"), Some(t));
        assert_eq!(Timestamp::parse("2026-11-23T20:20:32+01:00"), Some(t));
        assert_eq!(Timestamp::parse("2026-11-23T18:20:32-01:00"), Some(t));
        assert_eq!(Timestamp::parse("2026-11-23 19:20:32"), Some(t));
        assert_eq!(Timestamp::parse("  2026-11-23T19:20:32+00:00 "), Some(t));
    }

    #[test]
    fn reads_what_other_tools_write() {
        let t = Timestamp::parse("2026-11-23T19:20:32Z").unwrap();
        for form in [
            "2026-11-23T19:20:32+0000",
            "2026-11-23T19:20:32+00",
            "2026-11-23T19:20:32-00:00",
            "2026-11-23T21:20:32+0200",
            "2026-11-23T17:50:32-0130",
            "2026-11-23 19:20:32+00:00",
            "2026-11-23T19:20:32.000Z",
            "2026-11-23T19:20:32.123456789Z",
            "2026-11-23t19:20:32z",
            "2026-11-23 19:20:32 UTC",
            "2026-11-23T19:20:32UTC",
            "2026-11-23T19:20:32 GMT",
            "2026-11-23T20:20:32 +01:00",
            "1795461632",
            "1795461632.75",
        ] {
            assert_eq!(Timestamp::parse(form), Some(t), "{form}");
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "tomorrow",
            "2026-11-23",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T19:20:60Z",
            "0000-01-01T00:00:00Z",
            "2026-11-23T19:20:32X",
            "2026-11-23T19:20:32.Z",
            "2026-11-23T19:20:32+24:00",
            "2026-11-23T19:20:32+2:00",
            "2026-11-23T19:20:32+01:00:00",
            "2026-11-23T19:20:32 utc",
            "2026-11-23T19:20:32UTC+01:00",
            "2026/11/23T19:20:32Z",
            "+026-11-23T19:20:32Z",
            "1795461632000",
            "1795461632.",
            "17954616x2",
            "99999999999999999999999",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_across_centuries_and_leap_days() {
        for secs in [0, 951_782_400, 4_107_542_399, -86_400, 1_709_164_800] {
            let t = Timestamp(secs);
            assert_eq!(Timestamp::parse(&t.to_string()), Some(t), "{t}");
        }
        assert!(Timestamp::parse("2024-02-29T00:00:00Z").is_some());
        assert!(Timestamp::parse("2100-02-29T00:00:00Z").is_none());
    }

    #[test]
    fn human_spans() {
        assert_eq!(human_span(42_720), "11h52m");
        assert_eq!(human_span(240), "4m");
        assert_eq!(human_span(45), "45s");
        assert_eq!(human_span(-5), "0s");
        assert_eq!(human_span(3 * 3600 + 60), "3h01m");
        assert_eq!(human_span(86_400 * 2 + 3 * 3600), "2d3h");
    }
}
