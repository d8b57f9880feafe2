//! The authorization code grant with PKCE (RFC 7636), as the AWS CLI v2
//! runs it: a random verifier, its S256 challenge, a random `state`, and
//! the authorize URL with its parameters in the AWS CLI's order and
//! encoding.

use crate::secret::Secret;

/// The characters RFC 7636 allows in a verifier (its "unreserved" set).
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// One sign-in's secrets: the verifier (sent only with the code) and the
/// `state` the callback must bring back.
#[derive(Debug)]
pub struct Pkce {
    pub verifier: Secret,
    pub state: String,
}

impl Pkce {
    /// A new verifier of 64 characters and a new state, from the system's
    /// random numbers.
    pub fn new() -> Result<Pkce, crate::error::Error> {
        // Bytes from 198 (3 x 66) up are dropped, so that each of the 66
        // characters is equally likely.
        let mut verifier = String::with_capacity(64);
        while verifier.len() < 64 {
            for byte in random_bytes::<64>()? {
                let i = usize::from(byte);
                if i < UNRESERVED.len() * 3 && verifier.len() < 64 {
                    verifier.push(char::from(UNRESERVED[i % UNRESERVED.len()]));
                }
            }
        }
        let state: String = random_bytes::<16>()?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Pkce {
            verifier: Secret::new(verifier),
            state,
        })
    }

    /// The S256 challenge: the verifier's SHA-256, in base64url without padding.
    pub fn challenge(&self) -> String {
        challenge_of(self.verifier.expose())
    }
}

fn challenge_of(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    base64url(digest.as_ref())
}

fn random_bytes<const N: usize>() -> Result<[u8; N], crate::error::Error> {
    use aws_lc_rs::rand::SecureRandom;
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| crate::error::Error::failure("the system's random numbers cannot be read"))?;
    Ok(bytes)
}

/// Base64 with the URL-safe alphabet and no padding.
pub fn base64url(bytes: &[u8]) -> String {
    aws_smithy_types::base64::encode(bytes)
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect()
}

/// What the authorize URL carries.
pub struct Authorize<'a> {
    /// SSO OIDC's base URL: `https://oidc.<region>.amazonaws.com` or the override.
    pub base: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub scopes: &'a [String],
    pub challenge: &'a str,
}

impl Authorize<'_> {
    /// `<base>/authorize?response_type=code&client_id=…&redirect_uri=…&state=…
    /// &code_challenge_method=S256&scopes=…&code_challenge=…`, every value
    /// percent-encoded as Python's `quote(safe='-._~')` does (the scopes
    /// joined by spaces).
    pub fn url(&self) -> String {
        let scopes = self.scopes.join(" ");
        let params = [
            ("response_type", "code"),
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("state", self.state),
            ("code_challenge_method", "S256"),
            ("scopes", scopes.as_str()),
            ("code_challenge", self.challenge),
        ];
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        format!(
            "{}/authorize?{}",
            self.base.trim_end_matches('/'),
            query.join("&")
        )
    }
}

/// Every byte but ASCII letters, digits and `-._~` as `%XX`.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` (and `+` as a space) in a query value.
pub fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `key=value` pairs of a query string, decoded.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_64_unreserved_characters_and_new_each_time() {
        let a = Pkce::new().unwrap();
        let b = Pkce::new().unwrap();
        assert_eq!(a.verifier.expose().len(), 64);
        assert!(a.verifier.expose().bytes().all(|c| UNRESERVED.contains(&c)));
        assert_ne!(a.verifier.expose(), b.verifier.expose());
        assert_ne!(a.state, b.state);
        assert_eq!(a.state.len(), 32);
        assert!(!format!("{a:?}").contains(a.verifier.expose()));
    }

    #[test]
    fn the_authorize_url_is_the_aws_clis() {
        let scopes = [
            "sso:account:access".to_owned(),
            "codewhisperer:x".to_owned(),
        ];
        let url = Authorize {
            base: "https://oidc.us-east-1.amazonaws.com",
            client_id: "id/+=",
            redirect_uri: "http://127.0.0.1:53817/oauth/callback",
            state: "s",
            scopes: &scopes,
            challenge: "abc-_",
        }
        .url();
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=id%2F%2B%3D\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A53817%2Foauth%2Fcallback&state=s\
             &code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Ax\
             &code_challenge=abc-_"
        );
    }

    #[test]
    fn queries_are_decoded() {
        let pairs = query_pairs("code=a%2Fb+c&state=x&error=&bad=%zz&end=%4");
        assert_eq!(
            pairs,
            [
                ("code".to_owned(), "a/b c".to_owned()),
                ("state".to_owned(), "x".to_owned()),
                ("error".to_owned(), String::new()),
                ("bad".to_owned(), "%zz".to_owned()),
                ("end".to_owned(), "%4".to_owned()),
            ]
        );
    }
}
