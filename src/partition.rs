//! AWS partitions (aws, aws-cn, aws-us-gov, ...) and STS's endpoint for a
//! region, as the SDK's own endpoint rules give it (FIPS included).

use crate::env::Env;
use crate::error::Error;
use crate::profiles::AwsFiles;

/// The partition an ARN names: `arn:aws-cn:iam::…` is `aws-cn`; `None` for
/// a hardware serial number (`GAHT12345678`), which names none.
pub fn of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn"))
        .then(|| parts.next())
        .flatten()
        .filter(|p| !p.is_empty())
}

/// The partition of a region, by the region patterns of AWS's partition
/// table (`cn-north-1` is in `aws-cn`, `us-gov-west-1` in `aws-us-gov`).
pub fn of_region(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 7] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// The region a login uses when none is given: the MFA device's partition's
/// usual one (`us-east-1` for the commercial partition and serial numbers).
pub fn default_region(device: &str) -> &'static str {
    match of_arn(device) {
        Some("aws-cn") => "cn-north-1",
        Some("aws-us-gov") => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// Refuses a region in another partition than the device's ARN: such a
/// request could only fail, after spending the code.
pub fn check_device_region(device: &str, region: &str) -> Result<(), Error> {
    let Some(device_partition) = of_arn(device) else {
        return Ok(());
    };
    let region_partition = of_region(region);
    if device_partition == region_partition {
        return Ok(());
    }
    Err(Error::usage(format!(
        "region {region} is in partition {region_partition}, but the MFA device {device} is in {device_partition}"
    ))
    .hint(format!(
        "use a region of {device_partition} (--region {})",
        match device_partition {
            "aws-cn" => "cn-north-1",
            "aws-us-gov" => "us-gov-west-1",
            _ => "us-east-1",
        }
    )))
}

/// `$AWS_USE_FIPS_ENDPOINT`, else `use_fips_endpoint` of the first of `profiles` that sets it.
pub fn fips_wanted(env: &dyn Env, files: &AwsFiles, settings: &[&str]) -> bool {
    let setting = env.var("AWS_USE_FIPS_ENDPOINT").or_else(|| {
        settings
            .iter()
            .find_map(|p| files.config_value(p, "use_fips_endpoint"))
            .map(str::to_owned)
    });
    setting.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// STS's endpoint for `region` (its FIPS endpoint when `fips`), from the
/// SDK's endpoint rules; an error when the rules give none.
pub fn sts_url(region: &str, fips: bool) -> Result<String, Error> {
    use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    let params = Params::builder()
        .region(region)
        .use_fips(fips)
        .use_dual_stack(false)
        .use_global_endpoint(false)
        .build()
        .map_err(|e| Error::usage(format!("region {region}: {e}")))?;
    let resolver = DefaultResolver::new();
    let mut future = std::pin::pin!(resolver.resolve_endpoint(&params));
    // The rules are evaluated at once: the future is ready when first polled.
    let result = match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result,
        Poll::Pending => unreachable!("the endpoint rules never wait"),
    };
    let what = if fips {
        "a FIPS endpoint"
    } else {
        "an endpoint"
    };
    result.map(|e| e.url().to_owned()).map_err(|e| {
        Error::usage(format!("STS has no {what} in region {region} ({e})"))
            .hint("pick another region, or set the endpoint with --endpoint-url")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_of_arns_and_regions() {
        assert_eq!(
            of_arn("arn:aws-cn:iam::123456789012:mfa/me"),
            Some("aws-cn")
        );
        assert_eq!(of_arn("arn:aws:iam::123456789012:mfa/me"), Some("aws"));
        assert_eq!(of_arn("GAHT12345678"), None);
        assert_eq!(of_region("cn-northwest-1"), "aws-cn");
        assert_eq!(of_region("us-gov-east-1"), "aws-us-gov");
        assert_eq!(of_region("eu-west-1"), "aws");
        assert_eq!(
            default_region("arn:aws-us-gov:iam::1:mfa/x"),
            "us-gov-west-1"
        );
        assert_eq!(default_region("arn:aws-cn:iam::1:mfa/x"), "cn-north-1");
        assert_eq!(default_region("GAHT12345678"), "us-east-1");
    }

    #[test]
    fn a_region_of_another_partition_is_refused() {
        let cn = "arn:aws-cn:iam::123456789012:mfa/me";
        assert!(check_device_region(cn, "cn-north-1").is_ok());
        let err = check_device_region(cn, "us-east-1").unwrap_err();
        assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage);
        assert!(check_device_region("GAHT12345678", "cn-north-1").is_ok());
    }

    #[test]
    fn endpoints_come_from_the_sdk_rules() {
        assert_eq!(
            sts_url("eu-west-1", false).unwrap(),
            "https://sts.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            sts_url("cn-north-1", false).unwrap(),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            sts_url("us-gov-west-1", false).unwrap(),
            "https://sts.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            sts_url("us-east-1", true).unwrap(),
            "https://sts-fips.us-east-1.amazonaws.com"
        );
    }
}
