use super::retired;
use super::{Kind, RuleInfo};
use crate::catalog::{ActionPattern, Catalog};
use crate::diagnostic::{Finding, Severity};
use crate::policy::model::Policy;

pub static INFO: RuleInfo = RuleInfo {
    id: "unknown-action",
    summary: "An action pattern matches no action in the catalogue",
    default: Severity::Warning,
    kind: Kind::Hygiene,
    doc: "## What it does
Reports an `Action` or `NotAction` entry that matches no action of the IAM action catalogue:
a service prefix that does not exist, or a name no action of the service has. The help says why:
a retired action (one AWS removed: iamtrim keeps the names removed from its catalogue's source),
a typo (the closest catalogued name, with the same verb, within two edits), or an action newer
than the catalogue. A service that does not exist is `unknown-service`.

## Why is this bad?
IAM accepts the policy, but the entry grants (or, in a `Deny` or `NotAction`, withholds)
nothing: usually a typo, so the access its author meant to grant or deny is not what IAM does.
It can also be an action newer than iamtrim's catalogue; `iamtrim catalog` shows the catalogue's
date, and refinement leaves such entries as they are.

## Example
```json
\"Action\": [\"s3:GetObjcet\", \"s4:ListBucket\"]
```
Did you mean `s3:GetObject` and `s3:ListBucket`?

## Fix safety
No fix: changing an entry to the suggested name grants what the entry does not grant today, a
decision for its author.",
};

/// Every entry of every statement that matches nothing in `catalog`: `unknown-action`, or
/// `unknown-service` when its service is not in the catalogue.
pub fn check(policy: &Policy, catalog: &Catalog) -> Vec<Finding> {
    let mut out = Vec::new();
    // An opaque entry's value is unknown until deployment: nothing to judge.
    for p in policy
        .statements
        .iter()
        .flat_map(|s| &s.patterns)
        .filter(|p| !p.opaque)
    {
        let Some(pattern) = ActionPattern::parse(&p.text) else {
            continue; // not `service:name`: the grammar rule reports it
        };
        if catalog.matches_any(&pattern) {
            continue;
        }
        let service = pattern.service_written();
        let known_service = !pattern.literal_service() || catalog.service_index(service).is_some();
        if !known_service {
            out.push(super::unknown_service::finding(catalog, p, &pattern));
            continue;
        }
        let info = catalog.info();
        let (message, label, help) = if let Some(when) = retired::action(&p.text) {
            (
                format!(
                    "`{}` is a retired action: {service} no longer has it",
                    p.text
                ),
                "retired",
                format!(
                    "remove it: it grants nothing (last seen in the catalogue's source: {when})"
                ),
            )
        } else if let Some(s) = suggest_action(catalog, &pattern) {
            (
                format!("`{}` matches no {service} action in the catalogue", p.text),
                "matches nothing",
                format!("did you mean `{s}`?"),
            )
        } else {
            (
                format!(
                    "`{}` matches no {} action in the catalogue",
                    p.text,
                    if pattern.literal_service() {
                        service
                    } else {
                        "catalogued"
                    }
                ),
                "matches nothing",
                format!(
                    "a typo, or newer than the catalogue ({}, {}); refinement leaves it as it is",
                    info.source, info.date
                ),
            )
        };
        out.push(
            Finding::new(INFO.id, p.span.clone(), message)
                .label(label)
                .help(help),
        );
    }
    out
}

/// The closest catalogued action of the pattern's service, for an explicit action: within two
/// edits, the same verb (`Get` is never offered as `Put`), and two edits only when the word
/// they touch is long enough for that to be a typo (`DescribeVpn` is not `DescribeVpcs`).
fn suggest_action(catalog: &Catalog, pattern: &ActionPattern) -> Option<String> {
    if pattern.is_wildcard() {
        return None;
    }
    let svc = catalog.service_index(pattern.service_written())?;
    let service = catalog.service(svc);
    let name = pattern.name_glob();
    let verb = first_word(name);
    // A verb the service uses: a candidate must keep it (a misspelt verb may change).
    let known_verb = service
        .actions
        .iter()
        .any(|a| first_word(&a.name).eq_ignore_ascii_case(verb));
    let candidates = service.actions.iter().map(|a| a.name.as_ref()).filter(|c| {
        // Lengths first: the distance is quadratic, and an entry may be megabytes long.
        c.len().abs_diff(name.len()) <= 2
            && (!known_verb || first_word(c).eq_ignore_ascii_case(verb))
            && (distance(name, c) < 2 || touched_word_len(name, c) >= 5)
    });
    closest(name, candidates).map(|n| format!("{}:{n}", pattern.service_written()))
}

/// The first CamelCase word of an action name (`Get` of `GetObject`).
fn first_word(name: &str) -> &str {
    let end = name
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(name.len(), |(i, _)| i);
    &name[..end]
}

/// The length of the candidate's CamelCase word where it first differs from `written`.
fn touched_word_len(written: &str, candidate: &str) -> usize {
    let c = candidate.as_bytes();
    if c.is_empty() {
        return 0;
    }
    let at = written
        .bytes()
        .zip(c.iter())
        .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
        .count()
        .min(c.len() - 1);
    let start = (0..=at)
        .rev()
        .find(|&i| c[i].is_ascii_uppercase())
        .unwrap_or(0);
    let end = (start + 1..c.len())
        .find(|&i| c[i].is_ascii_uppercase())
        .unwrap_or(c.len());
    end - start
}

/// The one candidate within two edits (ASCII case-insensitive) that is nearer than any other.
pub(super) fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for c in candidates {
        if c.len().abs_diff(word.len()) > 2 {
            continue;
        }
        let d = distance(word, c);
        if d > 2 {
            continue;
        }
        match best {
            Some((b, _)) if d > b => {}
            Some((b, _)) if d == b => tie = true,
            _ => {
                best = Some((d, c));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(_, c)| c)
}

/// Edit distance with adjacent transpositions (optimal string alignment), ASCII
/// case-insensitive. Shared with the config's did-you-mean for rule ids.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("GetObject", "getobject"), 0);
        assert_eq!(distance("GetObjcet", "GetObject"), 1);
        assert_eq!(distance("GetObjet", "GetObject"), 1);
        assert_eq!(distance("s4", "s3"), 1);
        assert_eq!(distance("abc", ""), 3);
    }

    #[test]
    fn closest_needs_one_best() {
        let words = ["GetObject", "PutObject", "GetObjectAcl"];
        assert_eq!(closest("GetObjcet", words.into_iter()), Some("GetObject"));
        assert_eq!(closest("Nothing", words.into_iter()), None);
        // Two candidates one edit away: no guess.
        assert_eq!(closest("ab", ["aa", "bb"].into_iter()), None);
    }
}
