//! JSON written byte for byte as Python's `json.dumps` writes it (default
//! separators `", "` and `": "`, non-ASCII as `\uXXXX`), and the SHA-1 names
//! botocore gives its cache files after such text: the AWS CLI's SSO and
//! credential caches are named and written so.

/// The SHA-1 of `text`, in lower-case hex.
pub fn sha1_hex(text: &str) -> String {
    use sha1::{Digest, Sha1};
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A value of the few kinds the SSO cache holds.
pub enum Value<'a> {
    Str(&'a str),
    Null,
    List(&'a [String]),
}

/// `{"k": v, ...}` with the keys in the order given.
pub fn object(pairs: &[(&str, Value<'_>)]) -> String {
    let fields: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}: {}", string(k), value(v)))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

fn value(v: &Value<'_>) -> String {
    match v {
        Value::Str(s) => string(s),
        Value::Null => "null".to_owned(),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|s| string(s)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// A string as `json.dumps` (with `ensure_ascii`) writes it.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if !(0x20..=0x7e).contains(&(c as u32)) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_as_python_json_dumps() {
        let scopes = ["sso:account:access".to_owned()];
        assert_eq!(
            object(&[
                ("region", Value::Str("us-east-1")),
                ("scopes", Value::List(&scopes)),
                ("session_name", Value::Null),
            ]),
            r#"{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": null}"#
        );
        assert_eq!(
            string("a\"b\\c\n\u{1}é\u{7f}😀"),
            r#""a\"b\\c\n\u0001\u00e9\u007f\ud83d\ude00""#
        );
    }
}
