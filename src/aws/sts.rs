//! STS through the AWS SDK: GetSessionToken for `login`, AssumeRole for
//! roles, GetCallerIdentity for `configure`, each behind a small trait.
//!
//! Only `login` and `configure` build the SDK client and a (single-threaded)
//! tokio runtime; the offline commands never reach this module.

use crate::aws::error::{AwsError, classify, never_sent};
use crate::aws::xml::WholeAnswer;
use crate::net::{ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, MAX_ATTEMPTS, Network, OPERATION_TIMEOUT};
use crate::secret::Secret;
use crate::session::{LongTermKeys, Session};
use crate::time::Timestamp;

/// Everything GetSessionToken needs.
#[derive(Debug)]
pub struct SessionRequest<'a> {
    pub keys: &'a LongTermKeys,
    pub device: &'a str,
    pub code: &'a Secret,
    pub duration_seconds: u32,
    pub endpoint: &'a Endpoint,
}

/// Where STS requests go, and how.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub region: String,
    /// `--endpoint-url` or an `AWS_ENDPOINT_URL*` variable.
    pub url: Option<String>,
    pub network: Network,
}

impl Endpoint {
    /// The endpoint as shown to the user: the override, else the regional STS endpoint.
    pub fn display(&self) -> String {
        match &self.url {
            Some(url) => url.clone(),
            None if self.region.starts_with("cn-") => {
                format!("https://sts.{}.amazonaws.com.cn", self.region)
            }
            None => format!("https://sts.{}.amazonaws.com", self.region),
        }
    }
}

/// Everything AssumeRole needs: the role, and the session that signs.
#[derive(Debug)]
pub struct RoleRequest<'a> {
    /// The MFA session, the previous role's credentials in a chain, or the
    /// source's own credentials (a role without MFA).
    pub signer: &'a crate::session::Credentials,
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    pub duration_seconds: u32,
    pub endpoint: &'a Endpoint,
}

/// The STS calls a login makes.
pub trait Sts {
    /// GetSessionToken: long-term keys and an MFA code for a session.
    fn get_session_token(&self, request: &SessionRequest<'_>) -> Result<Session, AwsError>;
    /// AssumeRole, signed with a session.
    fn assume_role(&self, request: &RoleRequest<'_>) -> Result<Session, AwsError>;
}

/// The real STS: the AWS SDK for Rust, configured only from the request.
pub struct SdkSts;

impl Sts for SdkSts {
    fn get_session_token(&self, request: &SessionRequest<'_>) -> Result<Session, AwsError> {
        runtime()?.block_on(call_sts(request))
    }

    fn assume_role(&self, request: &RoleRequest<'_>) -> Result<Session, AwsError> {
        runtime()?.block_on(call_assume_role(request))
    }
}

/// A single-threaded runtime for the one or two requests a command makes.
pub fn runtime() -> Result<tokio::runtime::Runtime, AwsError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AwsError::Unreachable {
            detail: format!("cannot start the network runtime: {e}"),
        })
}

/// The keys as the SDK holds them.
pub fn sdk_credentials(keys: &LongTermKeys) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        keys.access_key_id.clone(),
        keys.secret_access_key.expose().to_owned(),
        None,
        None,
        "awsmfa-source-profile",
    )
}

/// An STS client signing with `keys` only.
pub fn client(keys: &LongTermKeys, endpoint: &Endpoint) -> aws_sdk_sts::Client {
    client_signing(sdk_credentials(keys), endpoint)
}

/// An STS client signing with these credentials only.
fn client_signing(
    credentials: aws_credential_types::Credentials,
    endpoint: &Endpoint,
) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&sdk_config(endpoint, Some(credentials)))
}

/// The SDK's configuration for one endpoint, built by hand so that nothing
/// comes from the environment, profiles, SSO or IMDS: requests are signed
/// with `credentials` only (or not at all), through awsmfa's connector.
pub fn sdk_config(
    endpoint: &Endpoint,
    credentials: Option<aws_credential_types::Credentials>,
) -> aws_config::SdkConfig {
    use aws_config::retry::RetryConfig;
    use aws_config::timeout::TimeoutConfig;
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_sdk_sts::config::SharedCredentialsProvider;

    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(endpoint.region.clone()))
        .http_client(endpoint.network.http_client())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(credentials) = credentials {
        config = config.credentials_provider(SharedCredentialsProvider::new(credentials));
    }
    if let Some(url) = &endpoint.url {
        config = config.endpoint_url(url);
    }
    config.build()
}

/// GetSessionToken, sent again only when the request cannot have used the
/// code: no connection was made, or STS itself answered that it should be
/// (a 5xx or throttling answer, a signature it refused for the clock). A
/// request that timed out or broke after it was sent is never repeated.
async fn call_sts(request: &SessionRequest<'_>) -> Result<Session, AwsError> {
    let output = client(request.keys, request.endpoint)
        .get_session_token()
        .serial_number(request.device)
        .token_code(request.code.expose())
        .duration_seconds(request.duration_seconds as i32)
        .customize()
        .interceptor(WholeAnswer)
        .config_override(aws_sdk_sts::Config::builder().retry_classifier(CodeSentOnce))
        .send()
        .await
        .map_err(classify)?;
    session_of(output.credentials(), Timestamp::now())
}

/// AssumeRole signed with a session (it holds no code: retried as the SDK does).
async fn call_assume_role(request: &RoleRequest<'_>) -> Result<Session, AwsError> {
    let signer = aws_credential_types::Credentials::new(
        request.signer.access_key_id.clone(),
        request.signer.secret_access_key.expose().to_owned(),
        request
            .signer
            .session_token
            .as_ref()
            .map(|t| t.expose().to_owned()),
        None,
        "awsmfa-session",
    );
    let output = client_signing(signer, request.endpoint)
        .assume_role()
        .role_arn(request.role_arn)
        .role_session_name(request.session_name)
        .set_external_id(request.external_id.map(str::to_owned))
        .duration_seconds(request.duration_seconds as i32)
        .customize()
        .interceptor(WholeAnswer)
        .send()
        .await
        .map_err(classify)?;
    session_of(output.credentials(), Timestamp::now())
}

/// Forbids a retry of a request that may have reached STS without an answer.
#[derive(Debug)]
struct CodeSentOnce;

impl aws_sdk_sts::config::retry::ClassifyRetry for CodeSentOnce {
    fn classify_retry(
        &self,
        ctx: &aws_sdk_sts::config::interceptors::InterceptorContext,
    ) -> aws_sdk_sts::config::retry::RetryAction {
        use aws_sdk_sts::config::retry::RetryAction;
        let Some(Err(err)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        let may_have_arrived = match err.as_connector_error() {
            Some(connector) => !never_sent(connector),
            None => err.is_timeout_error() || err.is_response_error(),
        };
        if may_have_arrived {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "CodeSentOnce"
    }
}

/// The session in STS's answer, checked: an answer that lacks a field, holds
/// one that cannot be written, or expires before `now` is never saved.
fn session_of(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    now: Timestamp,
) -> Result<Session, AwsError> {
    let bad = |what: &str| AwsError::BadResponse {
        detail: format!("the answer {what}; nothing was saved"),
    };
    let creds = creds.ok_or_else(|| bad("holds no credentials"))?;
    let fields = [
        ("AccessKeyId", creds.access_key_id()),
        ("SecretAccessKey", creds.secret_access_key()),
        ("SessionToken", creds.session_token()),
    ];
    for (name, value) in fields {
        if value.is_empty() {
            return Err(bad(&format!("has no {name}")));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad(&format!("has an unusable {name}")));
        }
    }
    let expiration = Timestamp(creds.expiration().secs());
    // A missing <Expiration> reads as the epoch itself.
    if expiration.0 == 0 {
        return Err(bad("has no Expiration"));
    }
    if expiration <= now {
        return Err(bad(&format!(
            "says the session expired at {expiration} (is this computer's clock right?)"
        )));
    }
    Ok(Session {
        access_key_id: creds.access_key_id().to_owned(),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token: Secret::new(creds.session_token()),
        expiration: crate::session::Expiry::At(expiration),
    })
}

/// The ARN of the identity the keys belong to (STS GetCallerIdentity).
pub async fn caller_arn(keys: &LongTermKeys, endpoint: &Endpoint) -> Result<String, AwsError> {
    let output = client(keys, endpoint)
        .get_caller_identity()
        .send()
        .await
        .map_err(classify)?;
    output
        .arn()
        .map(str::to_owned)
        .ok_or_else(|| AwsError::BadResponse {
            detail: "the answer holds no ARN".to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_endpoints_follow_the_region() {
        let mut endpoint = Endpoint {
            region: "eu-west-1".into(),
            url: None,
            network: Network::default(),
        };
        assert_eq!(endpoint.display(), "https://sts.eu-west-1.amazonaws.com");
        endpoint.region = "cn-north-1".into();
        assert_eq!(
            endpoint.display(),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        endpoint.url = Some("http://127.0.0.1:5000".into());
        assert_eq!(endpoint.display(), "http://127.0.0.1:5000");
    }

    #[test]
    fn requests_never_show_the_code_or_secret() {
        let keys = LongTermKeys {
            access_key_id: "AKIAFAKE".into(),
            secret_access_key: Secret::new("fake/secret/key"),
        };
        let code = Secret::new("123456");
        let endpoint = Endpoint {
            region: "us-east-1".into(),
            url: None,
            network: Network::default(),
        };
        let req = SessionRequest {
            keys: &keys,
            device: "arn",
            code: &code,
            duration_seconds: 900,
            endpoint: &endpoint,
        };
        let shown = format!("{req:?}");
        assert!(
            !shown.contains("123456") && !shown.contains("fake/secret/key"),
            "{shown}"
        );
    }
}
