//! The embedded catalogue's text format (written by `scripts/refresh-catalog.py`):
//! `# key: value` header lines, then `[service]` lines each followed by `ActionName LEVEL` lines.
//! LEVEL `U` (unknown) marks an action known only from AWS managed policies.

use super::{AccessLevel, Action, Catalog, CatalogInfo, Service, Slot};
use std::sync::OnceLock;

/// Reads the header and finds each service's lines without decoding any action.
pub(super) fn index(text: &'static str) -> Catalog {
    let mut info = CatalogInfo {
        source: "unknown".into(),
        date: "unknown".into(),
        services: 0,
        actions: 0,
        extra_source: None,
        extra_actions: 0,
    };
    let mut slots = Vec::new();
    let mut rest = text;
    // Header: `# key: value` lines.
    while let Some(line) = rest.strip_prefix('#') {
        let (line, tail) = line.split_once('\n').unwrap_or((line, ""));
        rest = tail;
        if let Some((key, value)) = line.trim().split_once(':') {
            let value = value.trim().to_string();
            match key.trim() {
                "source" => info.source = value,
                "date" => info.date = value,
                "actions" => info.actions = value.parse().unwrap_or(0),
                "extra-source" => info.extra_source = Some(value),
                "extra-actions" => info.extra_actions = value.parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    // Sections: each starts with "[prefix]\n" and runs to the next line that starts with '['
    // (action names never hold one). memchr keeps this scan to a few tens of microseconds.
    let base = text.len() - rest.len();
    let starts: Vec<usize> = memchr::memchr_iter(b'[', rest.as_bytes())
        .filter(|&i| i == 0 || rest.as_bytes()[i - 1] == b'\n')
        .map(|i| base + i)
        .chain(std::iter::once(text.len()))
        .collect();
    for pair in starts.windows(2) {
        let section = &text[pair[0] + 1..pair[1]];
        let Some((prefix, body)) = section.split_once("]\n") else {
            continue;
        };
        slots.push(Slot {
            prefix: prefix.into(),
            raw: body,
            decoded: OnceLock::new(),
        });
    }
    info.services = slots.len();
    Catalog { info, slots }
}

/// Decodes one service's `Name LEVEL` lines.
pub(super) fn decode_service(prefix: &str, body: &str) -> Service {
    let actions = body
        .lines()
        .filter_map(|line| {
            let (name, level) = line.split_once(' ')?;
            let level = level.chars().next().and_then(AccessLevel::from_code)?;
            Some(Action {
                name: name.into(),
                lower: name.to_ascii_lowercase().into(),
                level,
                undocumented: level == AccessLevel::Unknown,
            })
        })
        .collect();
    Service::new(prefix, actions)
}
