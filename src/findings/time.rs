//! RFC 3339 timestamps as the AWS CLI prints them (`2024-06-10T08:15:02+00:00`,
//! `2026-09-02T10:11:12.345000+00:00`, `...Z`), to whole seconds since the Unix epoch.
//!
//! The calendar is jiff's; this module only insists on RFC 3339's shape, which is narrower than
//! what jiff's ISO 8601 parser takes (`2024-06-10T08Z`, `-05`, `[Europe/Paris]`).

/// Seconds since 1970-01-01T00:00:00Z, or `None` when `s` is not an RFC 3339 date-time.
pub fn parse(s: &str) -> Option<i64> {
    if !is_rfc3339_shape(s.as_bytes()) {
        return None;
    }
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, digits where digits go (`T` may be `t` or a
/// space, `Z` may be `z`, as RFC 3339 allows). Ranges are jiff's to check.
fn is_rfc3339_shape(b: &[u8]) -> bool {
    const HEAD: &[u8; 19] = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < 20 {
        return false;
    }
    let head_ok = HEAD.iter().zip(b).all(|(&want, &c)| match want {
        b'd' => c.is_ascii_digit(),
        b'T' => matches!(c, b'T' | b't' | b' '),
        other => c == other,
    });
    if !head_ok {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &frac[digits..];
    }
    match rest {
        b"Z" | b"z" => true,
        [sign, h1, h2, b':', m1, m2] => {
            matches!(sign, b'+' | b'-') && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// Now, in seconds since the epoch (`SystemTime`, not jiff's `now`, which panics on a clock
/// outside its range).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A duration such as `30d`, `12h`, `2w` or `90m` (minutes), in seconds.
pub fn parse_age(s: &str) -> Option<i64> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    let unit_secs = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(unit_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_cli_timestamps() {
        assert_eq!(parse("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(parse("2024-06-10T08:15:02+00:00"), Some(1_718_007_302));
        assert_eq!(parse("2024-06-10T08:15:02Z"), Some(1_718_007_302));
        assert_eq!(parse("2024-06-10T08:15:02.123Z"), Some(1_718_007_302));
        assert_eq!(parse("2024-06-10T10:15:02+02:00"), Some(1_718_007_302));
        assert_eq!(
            parse("2026-09-02T10:11:12.345000+00:00"),
            parse("2026-09-02T10:11:12+00:00")
        );
        assert_eq!(parse("2024-13-10T08:15:02Z"), None);
        assert_eq!(parse("2023-02-29T08:15:02Z"), None);
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse_age("30d"), Some(30 * 86_400));
        assert_eq!(parse_age("2w"), Some(14 * 86_400));
        assert_eq!(parse_age("30"), None);
        assert_eq!(parse_age("d"), None);
    }

    /// Not RFC 3339, and no panic on any of them (a multi-byte character used to land inside a
    /// byte slice).
    #[test]
    fn what_is_not_a_date() {
        for s in [
            "2024-06-10T08:15:02+0é0",
            "2024-06-10T08:15:02+0é",
            "2024-06-10T08:15:0é+00:00",
            "é024-06-10T08:15:02+00:00",
            "2024-06-10T08:15:02",
            "2024-06-10T08:15:02+0000",
            "2024-06-10T08:15:02.Z",
            "2024-06-10T08Z",
            "2024-06-10",
            "2024-06-10T08:15:02+00:00[UTC]",
            "2024-06-10T08:15:02 +00:00",
            "2024-06-10T25:15:02Z",
            "",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
