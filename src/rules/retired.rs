//! Actions and services AWS retired: names in older releases of the catalogue's source that the
//! current one no longer has (`data/retired.txt`, written by `scripts/retired-actions.py`). An
//! unknown entry that is one of them is reported as retired, not as a typo.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Lower-cased `service:Action` (or `service:*` for a whole service) → the month it was last seen.
fn table() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| parse(include_str!("../../data/retired.txt")))
}

fn parse(text: &'static str) -> HashMap<String, &'static str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (name, when) = l.split_once('\t')?;
            Some((name.trim().to_ascii_lowercase(), when.trim()))
        })
        .collect()
}

/// When a retired service was last seen.
pub(super) fn service(prefix: &str) -> Option<&'static str> {
    table()
        .get(&format!("{}:*", prefix.to_ascii_lowercase()))
        .copied()
}

/// When a retired action (an explicit `service:Action`) was last seen, or its service.
pub(super) fn action(text: &str) -> Option<&'static str> {
    if text.contains(['*', '?']) {
        return None;
    }
    let (svc, _) = text.split_once(':')?;
    table()
        .get(&text.to_ascii_lowercase())
        .copied()
        .or_else(|| service(svc))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_reads_its_format() {
        let t =
            super::parse("# header\nsso:GetPermissionsPolicy\t2025-03\nmobilehub:*\t2025-01\n\n");
        assert_eq!(t.get("sso:getpermissionspolicy"), Some(&"2025-03"));
        assert_eq!(t.get("mobilehub:*"), Some(&"2025-01"));
        assert_eq!(t.len(), 2);
    }
}
