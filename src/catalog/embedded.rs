//! The embedded catalogue's text format (written by `scripts/refresh-catalog.py`):
//! `# key: value` header lines, then `[service]` lines each followed by `ActionName LEVEL` lines.

use super::{AccessLevel, Action, Catalog, CatalogInfo, Service, Slot};
use std::sync::OnceLock;

/// Reads the header and finds each service's lines without decoding any action.
pub(super) fn index(text: &'static str) -> Catalog {
    let mut info = CatalogInfo {
        source: "unknown".into(),
        date: "unknown".into(),
        services: 0,
        actions: 0,
    };
    let mut slots = Vec::new();
    let mut rest = text;
    // Header.
    while let Some(line) = rest.strip_prefix('#') {
        let (line, tail) = line.split_once('\n').unwrap_or((line, ""));
        rest = tail;
        if let Some((key, value)) = line.trim().split_once(':') {
            let value = value.trim().to_string();
            match key.trim() {
                "source" => info.source = value,
                "date" => info.date = value,
                "actions" => info.actions = value.parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    // Sections: each starts with "[prefix]\n"; its body runs to the next "\n[".
    while let Some(section) = rest.strip_prefix('[') {
        let Some((prefix, body_and_rest)) = section.split_once("]\n") else {
            break;
        };
        let end = body_and_rest
            .find("\n[")
            .map_or(body_and_rest.len(), |i| i + 1);
        let (body, tail) = body_and_rest.split_at(end);
        slots.push(Slot {
            prefix: prefix.into(),
            raw: body,
            decoded: OnceLock::new(),
        });
        rest = tail;
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
            Some(Action {
                name: name.into(),
                lower: name.to_ascii_lowercase().into(),
                level: level.chars().next().and_then(AccessLevel::from_code)?,
            })
        })
        .collect();
    Service::new(prefix, actions)
}
