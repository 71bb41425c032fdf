//! CamelCase word tokens of action names: `GetBucketCORS` -> Get|Bucket|CORS,
//! `CreateMFADevice` -> Create|MFA|Device, `ListS3Buckets` -> List|S3|Buckets. Digits stay with the
//! word before them (`DescribeIpv6Pools` -> Describe|Ipv6|Pools, `ListObjectsV2` -> List|Objects|V2).

/// Byte offsets where each token ends; the last one is the name's length.
pub fn token_ends(name: &str) -> Vec<usize> {
    let b = name.as_bytes();
    let mut ends = Vec::new();
    for i in 1..b.len() {
        let (prev, cur) = (b[i - 1], b[i]);
        let next = b.get(i + 1).copied();
        // An upper-case letter starts a word after anything but an upper-case letter (`tS`, `3B`,
        // `-E`), and ends an acronym when a lower-case letter follows it (`MFADevice`).
        let boundary = cur.is_ascii_uppercase()
            && (!prev.is_ascii_uppercase() || next.is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            ends.push(i);
        }
    }
    if !b.is_empty() {
        ends.push(b.len());
    }
    ends
}

/// The tokens themselves (for tests and docs).
pub fn tokens(name: &str) -> Vec<&str> {
    let mut start = 0;
    token_ends(name)
        .into_iter()
        .map(|end| {
            let t = &name[start..end];
            start = end;
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn acronyms_and_digits() {
        assert_eq!(tokens("GetBucketCORS"), ["Get", "Bucket", "CORS"]);
        assert_eq!(tokens("CreateMFADevice"), ["Create", "MFA", "Device"]);
        assert_eq!(tokens("ListS3Buckets"), ["List", "S3", "Buckets"]);
        assert_eq!(
            tokens("DescribeDBInstances"),
            ["Describe", "DB", "Instances"]
        );
        assert_eq!(tokens("DescribeIpv6Pools"), ["Describe", "Ipv6", "Pools"]);
        assert_eq!(tokens("ListObjectsV2"), ["List", "Objects", "V2"]);
        assert_eq!(tokens("GetObject"), ["Get", "Object"]);
        assert_eq!(tokens("DescribeVpcs"), ["Describe", "Vpcs"]);
        assert_eq!(tokens("EC2Instance"), ["EC2", "Instance"]);
    }

    #[test]
    fn odd_names() {
        assert_eq!(tokens("search"), ["search"]);
        assert_eq!(tokens("viewReports"), ["view", "Reports"]);
        assert_eq!(tokens("A"), ["A"]);
        assert!(tokens("").is_empty());
        assert_eq!(
            tokens("AssociateViaAWSService-EventsAndStates"),
            [
                "Associate",
                "Via",
                "AWS",
                "Service-",
                "Events",
                "And",
                "States"
            ]
        );
    }
}
