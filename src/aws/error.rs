//! How a call to AWS failed, in words the user can act on: the SDK's
//! errors sorted by whether the request may have arrived, and STS's and
//! IAM's error codes mapped to what to do.

use crate::aws::sts::Endpoint;
use crate::aws::xml::error_fields;
use crate::error::Error;
use crate::net::{ATTEMPT_TIMEOUT, MAX_ATTEMPTS, OPERATION_TIMEOUT};

/// How a call to AWS failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsError {
    /// The service answered with an error code.
    Service {
        code: Option<String>,
        message: Option<String>,
    },
    /// No connection: refused, DNS, TLS handshake, connect timeout. The
    /// request never left this machine.
    Unreachable { detail: String },
    /// The request was sent, but no whole answer came back (a timeout, a
    /// connection that broke): the server may have acted on it.
    NoAnswer { detail: String },
    /// An answer that could not be read.
    BadResponse { detail: String },
}

/// A connection that failed before the request was written: refused,
/// unresolvable, or a connect or TLS handshake that did not complete.
pub(crate) fn never_sent(err: &(dyn std::error::Error + 'static)) -> bool {
    use aws_smithy_runtime_api::client::dns::ResolveDnsError;
    let mut next = Some(err);
    while let Some(e) = next {
        if e.downcast_ref::<ResolveDnsError>().is_some() {
            return true;
        }
        if let Some(e) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            return e.is_connect();
        }
        next = e.source();
    }
    false
}
pub(crate) fn classify<E>(
    err: aws_sdk_sts::error::SdkError<E, aws_sdk_sts::config::http::HttpResponse>,
) -> AwsError
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_sts::error::SdkError;
    match &err {
        SdkError::ServiceError(e) => {
            // Some emulators and proxies wrap the error as <Errors><Error>,
            // which the SDK does not read: fall back to the raw body.
            let body = e
                .raw()
                .body()
                .bytes()
                .and_then(|b| std::str::from_utf8(b).ok());
            let (body_code, body_message) = body.map(error_fields).unwrap_or_default();
            let code = e.err().code().map(str::to_owned).or(body_code);
            let message = e.err().message().map(str::to_owned).or(body_message);
            let status = e.raw().status();
            match code {
                None if status.is_success() => AwsError::BadResponse {
                    detail: format!(
                        "HTTP {} with a body that is not an STS answer",
                        status.as_u16()
                    ),
                },
                None => AwsError::Service {
                    code: None,
                    message: Some(message.unwrap_or_else(|| format!("HTTP {}", status.as_u16()))),
                },
                code => AwsError::Service { code, message },
            }
        }
        SdkError::TimeoutError(_) => AwsError::NoAnswer {
            detail: format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs()),
        },
        SdkError::DispatchFailure(e) => match e.as_connector_error() {
            Some(c) if never_sent(c) => AwsError::Unreachable {
                detail: if c.is_timeout() {
                    "the connection timed out".to_owned()
                } else {
                    root_cause(c)
                },
            },
            Some(c) if c.is_timeout() => AwsError::NoAnswer {
                detail: format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs()),
            },
            Some(c) => AwsError::NoAnswer {
                detail: root_cause(c),
            },
            None => AwsError::Unreachable {
                detail: "the request could not be sent".to_owned(),
            },
        },
        _ => AwsError::BadResponse {
            detail: root_cause(&err),
        },
    }
}

/// `Code` and `Message` of the first `Error` element of an error answer, at
/// The innermost message of an error chain: "Connection refused (os error 111)".
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = err;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

/// What was being called, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// `STS` or `IAM`.
    pub service: &'a str,
    /// The IAM action, as in a policy: `sts:GetSessionToken`.
    pub action: &'a str,
    /// The profile whose keys signed the request.
    pub profile: &'a str,
    pub endpoint: &'a str,
}

/// The one call that carries an MFA code.
pub const CODE_ACTION: &str = "sts:GetSessionToken";

/// Turns a failed call into words the user can act on.
pub fn explain(err: AwsError, call: Call<'_>) -> Error {
    let Call {
        service,
        action,
        profile,
        endpoint,
    } = call;
    match err {
        AwsError::Service { code, message } => {
            let code = code.unwrap_or_default();
            let message = message
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| "(no message)".to_owned());
            let says = |m: &str| m.to_ascii_lowercase();
            match code.as_str() {
                "AccessDenied"
                    if says(&message).contains("multifactorauthentication")
                        && says(&message).contains("already")
                        && says(&message).contains("used") =>
                {
                    Error::failure("the MFA code was already used: each code works only once")
                        .hint("wait for the next code from your authenticator and try again")
                }
                "AccessDenied" if says(&message).contains("multifactorauthentication") => {
                    Error::failure("the MFA code was rejected: it is wrong, expired or was already used")
                        .hint("wait for the next code from your authenticator and try again")
                }
                "InvalidClientTokenId" => Error::failure(format!(
                    "the access key of profile {profile} is unknown or inactive"
                ))
                .hint(format!(
                    "check aws_access_key_id in [{profile}], or create a new access key in IAM"
                )),
                "RequestTimeTooSkewed" | "RequestExpired" => clock_is_off(service),
                "SignatureDoesNotMatch"
                    if says(&message).contains("expired") || says(&message).contains("clock") =>
                {
                    clock_is_off(service)
                }
                "SignatureDoesNotMatch" => Error::failure(format!(
                    "the secret key of profile {profile} does not match its access key"
                ))
                .hint(format!("check aws_secret_access_key in [{profile}]")),
                "ExpiredToken" => Error::failure(format!(
                    "profile {profile} holds an expired session token"
                ))
                .hint(format!(
                    "[{profile}] must hold long-term keys (aws_access_key_id and aws_secret_access_key)"
                )),
                "AccessDenied" => Error::failure(format!(
                    "the access key of profile {profile} may not call {action}"
                ))
                .hint(format!("{service} says: {message}")),
                "" => Error::failure(format!(
                    "{service} at {endpoint} refused the request ({message})"
                )),
                _ => Error::failure(format!("{service} refused the request: {code}: {message}")),
            }
        }
        AwsError::Unreachable { detail } => {
            let advice = if says_certificate(&detail) {
                "if a proxy inspects TLS, point AWS_CA_BUNDLE at its CA certificates"
            } else {
                "check the network, --endpoint-url and --region"
            };
            Error::failure(format!("could not reach {service} at {endpoint}"))
                .hint(format!("{detail}; {advice}"))
        }
        // Only GetSessionToken carries a code, and only it is never sent again.
        AwsError::NoAnswer { detail } if action == CODE_ACTION => {
            Error::failure(format!("no answer from {service} at {endpoint}")).hint(format!(
                "{detail}; the request may have reached {service}, so it was not sent again \
                 (an MFA code works once: wait for the next code before trying again)"
            ))
        }
        AwsError::NoAnswer { detail } => Error::failure(format!(
            "no answer from {service} at {endpoint} to {action}"
        ))
        .hint(format!(
            "{detail} (tried up to {MAX_ATTEMPTS} times in {} s); check the network, --endpoint-url and --region",
            OPERATION_TIMEOUT.as_secs()
        )),
        AwsError::BadResponse { detail } => Error::failure(format!(
            "{service} at {endpoint} sent an answer that could not be read"
        ))
        .hint(detail),
    }
}

/// Turns a failed AssumeRole into words that name the role.
/// `shorten` says how to ask for a shorter session (see
/// [`crate::input::shorter`]).
pub fn explain_role(
    err: AwsError,
    call: Call<'_>,
    role_arn: &str,
    external_id: bool,
    shorten: &str,
) -> Error {
    if let AwsError::Service {
        code: Some(code),
        message,
    } = &err
    {
        let message = message
            .clone()
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| "(no message)".to_owned());
        let lower = message.to_ascii_lowercase();
        if code == "AccessDenied" {
            let mut hint = format!(
                "STS says: {message}; the role's trust policy must allow this principal to call sts:AssumeRole"
            );
            if external_id {
                hint.push_str(", and its sts:ExternalId condition must match external_id");
            }
            return Error::failure(format!(
                "profile {} may not assume {role_arn}",
                call.profile
            ))
            .hint(hint);
        }
        if code == "ValidationError" && lower.contains("durationseconds") {
            return Error::failure(format!(
                "the session asked for is longer than {role_arn} allows"
            ))
            .hint(format!("STS says: {message}; {shorten}"));
        }
    }
    explain(err, call)
}

fn clock_is_off(service: &str) -> Error {
    Error::failure(format!(
        "{service} refused the request because this computer's clock is off"
    ))
    .hint("set the system clock right (for example with NTP) and try again")
}

fn says_certificate(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    detail.contains("certificate") || detail.contains("unknownissuer")
}

/// The endpoint as shown to the user.
pub fn shown(endpoint: &Endpoint, service: &str) -> String {
    match &endpoint.url {
        Some(url) => url.clone(),
        None => format!("the {service} endpoint of {}", endpoint.region),
    }
}

/// What a server answered, for an error message: its HTTP status, its error
/// code and message or, for an answer that is not AWS's JSON, the start of
/// its body; every secret of the request removed, one line.
pub fn server_said(
    raw: &aws_sdk_sso::config::http::HttpResponse,
    code: Option<&str>,
    message: Option<&str>,
    secrets: &[&str],
) -> String {
    let body = raw.body().bytes().unwrap_or_default();
    let doc = serde_json::from_slice::<serde_json::Value>(body).ok();
    let field = |key: &str| {
        doc.as_ref()
            .and_then(|d| d.get(key))
            .and_then(serde_json::Value::as_str)
            .filter(|m| !m.trim().is_empty())
            .map(str::to_owned)
    };
    let message = message
        .filter(|m| !m.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| field("error_description"))
        .or_else(|| field("message"))
        .or_else(|| field("Message"));
    let mut said = format!("HTTP {}", raw.status().as_u16());
    if let Some(code) = code.filter(|c| !c.trim().is_empty()) {
        said.push(' ');
        said.push_str(code);
    }
    match (message, doc.is_some()) {
        (Some(message), _) => {
            said.push_str(": ");
            said.push_str(&message);
        }
        (None, false) if !body.is_empty() => {
            said.push_str(", not JSON: ");
            said.push_str(&String::from_utf8_lossy(body));
        }
        (None, false) => said.push_str(", with no body"),
        (None, true) => {}
    }
    sanitize(&said, secrets)
}

/// Text from a server made fit for one line of an error message: the
/// request's secrets removed (before anything is cut), control characters
/// replaced, runs of blanks made one space, and at most 200 characters.
pub fn sanitize(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "<redacted>");
    }
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    const LIMIT: usize = 200;
    if clean.chars().count() > LIMIT {
        let cut: String = clean.chars().take(LIMIT).collect();
        format!("{cut}...")
    } else {
        clean
    }
}

/// The hint for a request that got no answer: why, never empty.
pub fn network_hint(err: &(dyn std::error::Error + 'static), secrets: &[&str]) -> String {
    let cause = sanitize(&root_cause(err), secrets);
    if cause.is_empty() {
        "check the network, the endpoint variables (AWS_ENDPOINT_URL_SSO, \
         AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL) and any proxy"
            .to_owned()
    } else {
        cause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, message: &str) -> AwsError {
        AwsError::Service {
            code: Some(code.into()),
            message: Some(message.into()),
        }
    }

    fn says(err: AwsError) -> String {
        let call = Call {
            service: "STS",
            action: "sts:GetSessionToken",
            profile: "work",
            endpoint: "http://sts.test",
        };
        explain(err, call).to_string()
    }

    #[test]
    fn maps_sts_codes_to_plain_words() {
        let mfa = "MultiFactorAuthentication failed with invalid MFA one time pass code.";
        assert!(says(service("AccessDenied", mfa)).contains("MFA code was rejected"));
        assert!(
            says(service("InvalidClientTokenId", "x"))
                .contains("access key of profile work is unknown")
        );
        assert!(says(service("SignatureDoesNotMatch", "x")).contains("secret key of profile work"));
        assert!(
            says(service(
                "SignatureDoesNotMatch",
                "Signature expired: 20260101T000000Z is now earlier than ..."
            ))
            .contains("clock")
        );
        assert!(says(service("ExpiredToken", "x")).contains("work holds an expired session token"));
        assert!(says(service("RequestTimeTooSkewed", "x")).contains("clock is off"));
        assert!(says(service("RequestExpired", "x")).contains("clock is off"));
        assert!(
            says(service("AccessDenied", "not authorized"))
                .contains("may not call sts:GetSessionToken")
        );
        let unreachable = AwsError::Unreachable {
            detail: "refused".into(),
        };
        assert_eq!(says(unreachable), "could not reach STS at http://sts.test");
    }

    #[test]
    fn server_text_is_one_short_line_without_secrets() {
        assert_eq!(
            sanitize(
                "bad token aoaSECRET\r\n\tX-Injected:  1",
                &["aoaSECRET", ""]
            ),
            "bad token <redacted> X-Injected: 1"
        );
        // A secret is removed before the text is cut, so no part of it shows.
        let text = format!("{}SECRETTOKEN", "x".repeat(195));
        let clean = sanitize(&text, &["SECRETTOKEN"]);
        assert!(!clean.contains("SECRET"), "{clean}");
        assert_eq!(clean.chars().count(), 203);
        assert_eq!(sanitize(" \n ", &[]), "");
    }
}
