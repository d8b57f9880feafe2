//! AWS partitions (aws, aws-cn, aws-us-gov, ...) and STS's endpoint for a
//! region, as the SDK's own endpoint rules give it (FIPS included).

use crate::aws::sts::Endpoint;
use crate::env::Env;
use crate::error::Error;
use crate::net::Network;
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

/// AWS's partitions other than the commercial one: the prefix of their
/// region names (by the region patterns of AWS's partition table) and the
/// region a login uses when none is given.
const PARTITIONS: [(&str, &str, &str); 7] = [
    ("aws-cn", "cn-", "cn-north-1"),
    ("aws-us-gov", "us-gov-", "us-gov-west-1"),
    ("aws-iso-b", "us-isob-", "us-isob-east-1"),
    ("aws-iso-f", "us-isof-", "us-isof-south-1"),
    ("aws-iso", "us-iso-", "us-iso-east-1"),
    ("aws-iso-e", "eu-isoe-", "eu-isoe-west-1"),
    ("aws-eusc", "eusc-", "eusc-de-east-1"),
];

/// The partition of a region (`cn-north-1` is in `aws-cn`, `us-gov-west-1`
/// in `aws-us-gov`).
pub fn of_region(region: &str) -> &'static str {
    PARTITIONS
        .iter()
        .find(|(_, prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(partition, _, _)| partition)
}

/// The usual region of `partition`: `us-east-1` for the commercial one and
/// for a partition awsmfa does not know.
fn partition_region(partition: &str) -> &'static str {
    PARTITIONS
        .iter()
        .find(|(name, _, _)| *name == partition)
        .map_or("us-east-1", |(_, _, region)| region)
}

/// The region a login uses when none is given: the MFA device's partition's
/// usual one (`us-east-1` for the commercial partition and serial numbers).
pub fn default_region(device: &str) -> &'static str {
    of_arn(device).map_or("us-east-1", partition_region)
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
    let hint = match PARTITIONS
        .iter()
        .find(|(name, _, _)| *name == device_partition)
    {
        Some((_, prefix, usual)) => format!(
            "use a region of {device_partition}, whose names start with {prefix} (--region {usual})"
        ),
        None if device_partition == "aws" => {
            "use a region of the commercial partition aws (--region us-east-1)".to_owned()
        }
        None => format!(
            "awsmfa does not know the regions of {device_partition}: name STS's endpoint with --endpoint-url"
        ),
    };
    Err(Error::usage(format!(
        "region {region} is in partition {region_partition}, but the MFA device {device} is in {device_partition}"
    ))
    .hint(hint))
}

/// Where STS is in `region`: the (checked) endpoint override, else the
/// region's endpoint from the SDK's rules (FIPS when `profiles` or the
/// environment ask for it; refused when the MFA `device` is in another
/// partition), with the trust store (`ca_bundle` of the first of `profiles`
/// that has one) and proxies to reach it.
pub fn sts_endpoint(
    env: &dyn Env,
    files: &AwsFiles,
    profiles: &[&str],
    region: String,
    url: Option<String>,
    device: Option<&str>,
) -> Result<Endpoint, Error> {
    let url = match url {
        Some(url) => url,
        None => {
            if let Some(device) = device {
                check_device_region(device, &region)?;
            }
            let fips = fips_wanted(env, files, profiles);
            sts_url(&region, fips)?
        }
    };
    let ca_bundle = profiles
        .iter()
        .find_map(|p| files.config_value(p, "ca_bundle"));
    Ok(Endpoint {
        region,
        url: Some(url),
        network: Network::resolve(env, ca_bundle)?,
    })
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

    let params = Params::builder()
        .region(region)
        .use_fips(fips)
        .use_dual_stack(false)
        .use_global_endpoint(false)
        .build()
        .map_err(|e| Error::usage(format!("region {region}: {e}")))?;
    let result = crate::aws::at_once(DefaultResolver::new().resolve_endpoint(&params));
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
    fn every_partition_has_a_default_region_of_its_own_that_sts_serves() {
        for (partition, _, region) in PARTITIONS {
            let device = format!("arn:{partition}:iam::123456789012:mfa/me");
            assert_eq!(default_region(&device), region);
            assert_eq!(of_region(region), partition);
            assert!(check_device_region(&device, region).is_ok(), "{partition}");
            assert!(sts_url(region, false).is_ok(), "{partition}: {region}");
        }
    }

    #[test]
    fn a_refused_region_hint_names_a_region_that_works() {
        let iso = "arn:aws-iso:iam::123456789012:mfa/me";
        let err = check_device_region(iso, "us-east-1").unwrap_err();
        let text = crate::error::render(&err.into()).1;
        assert!(text.contains("--region us-iso-east-1"), "{text}");
        assert!(text.contains("us-iso-"), "{text}");
        let unknown = "arn:aws-mars:iam::123456789012:mfa/me";
        let err = check_device_region(unknown, "us-east-1").unwrap_err();
        let text = crate::error::render(&err.into()).1;
        assert!(text.contains("--endpoint-url"), "{text}");
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
