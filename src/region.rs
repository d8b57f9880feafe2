//! Which region a request goes to: flags, the environment, then the
//! profiles' own `region`, checked to be a region name before any request.

use crate::env::Env;
use crate::error::Error;
use crate::profiles::AwsFiles;

/// `--region`, `$AWS_REGION`, `$AWS_DEFAULT_REGION`, `region` of the first
/// of `profiles` that has one, else `fallback`; checked to be a region name
/// before any request.
pub fn region(
    flag: Option<&str>,
    env: &dyn Env,
    files: &AwsFiles,
    profiles: &[&str],
    fallback: &str,
) -> Result<String, Error> {
    let (region, from) = flag
        .filter(|r| !r.is_empty())
        .map(|r| (r.to_owned(), "--region".to_owned()))
        .or_else(|| env.var("AWS_REGION").map(|r| (r, "AWS_REGION".to_owned())))
        .or_else(|| {
            env.var("AWS_DEFAULT_REGION")
                .map(|r| (r, "AWS_DEFAULT_REGION".to_owned()))
        })
        .or_else(|| {
            profiles.iter().find_map(|p| {
                files
                    .config_value(p, "region")
                    .map(|r| (r.to_owned(), format!("region of profile {p}")))
            })
        })
        .unwrap_or_else(|| (fallback.to_owned(), String::new()));
    check_region(&region, &from)?;
    Ok(region)
}

/// Refuses a region that is not a region name (`from` says where it came from).
pub fn check_region(region: &str, from: &str) -> Result<(), Error> {
    if is_region_name(region) {
        return Ok(());
    }
    // Only the first line is shown: a value may run on into other text.
    let shown = region.lines().next().unwrap_or_default();
    Err(
        Error::usage(format!("{from}: '{shown}' is not a region name"))
            .hint("regions look like us-east-1 or eu-central-1"),
    )
}

/// A region is one DNS label (letters, digits, '-'), as the SDK's endpoint rules require.
fn is_region_name(region: &str) -> bool {
    (1..=63).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for good in ["us-east-1", "cn-north-1", "us-gov-west-1", "local"] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in [
            "",
            "us-east-1\n",
            "eu/west",
            "a b",
            "-x",
            "x-",
            "ü",
            &"a".repeat(64),
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
