//! iamtrim's own normalized snapshot (`iamtrim snapshot import`): versioned, sorted, stable, so its
//! git diffs read well.
//!
//! ```json
//! {
//!   "version": 1,
//!   "principals": [
//!     {
//!       "principal": "arn:aws:iam::123456789012:role/MyRole",
//!       "findingId": "…", "findingType": "UnusedPermission",
//!       "analyzedAt": "…", "lastAccessed": "…",
//!       "unusedRole": false,
//!       "unusedServices": ["kms"],
//!       "unusedActions": {"s3": ["GetBucketAcl", "GetBucketPolicy"]},
//!       "recommendations": [{"existingPolicyId": "…", "detach": true, "recommendedPolicy": "…"}]
//!     },
//!     {"principal": "arn:aws:iam::123456789012:role/Quiet", "analyzedAt": "…", "nothingUnused": true}
//!   ]
//! }
//! ```
//!
//! `nothingUnused` (optional, so older snapshots read as before): the analyzer analyzed the
//! principal at `analyzedAt` and had no active finding for it.

use super::field::{self, At, opt, req};
use super::{FindingsError, PrincipalFindings, Recommendation, RecommendedStep, Snapshot};
use super::{UnusedService, UnusedSet};
use serde_json::{Map, Value, json};

pub const VERSION: u64 = 1;

/// Reads a normalized snapshot from its JSON tree, checking every field (the fast reader below
/// sends here whatever it does not take, so that the error names the field).
pub fn read_with_recommendations(
    path: &str,
    v: &Value,
) -> Result<(Vec<PrincipalFindings>, Vec<Recommendation>), FindingsError> {
    let root = At::root(path);
    let o = field::object(&root, v)?;
    match o.get("version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        _ => {
            return Err(root.key("version").error(format!(
                "normalized snapshot version {} is not supported (this iamtrim reads version {VERSION})",
                o.get("version").map_or_else(|| "(none)".into(), Value::to_string)
            )));
        }
    }
    let at = root.key("principals");
    let entries = field::array(&at, &o["principals"], "an array of principals")?;
    let mut findings = Vec::new();
    let mut recs = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = at.index(i);
        let e = field::object(&at, e)?;
        let owned = |s: Option<&str>| s.map(String::from);
        let principal = req(e, &at, "principal", field::principal)?.to_string();
        let mut unused = UnusedSet {
            everything: opt(e, &at, "unusedRole", field::boolean)?.unwrap_or(false),
            ..UnusedSet::default()
        };
        if let Some(list) = e.get("unusedServices") {
            let at = at.key("unusedServices");
            for (j, s) in field::array(&at, list, "an array of service prefixes")?
                .iter()
                .enumerate()
            {
                unused.add_service(field::service(&at.index(j), s)?);
            }
        }
        if let Some(map) = e.get("unusedActions") {
            let at = at.key("unusedActions");
            for (svc, names) in field::object(&at, map)? {
                let at = at.key(svc);
                if !field::is_service(svc) {
                    return Err(at.bad_form("a service prefix as the key", svc));
                }
                for (j, n) in field::array(&at, names, "an array of action names")?
                    .iter()
                    .enumerate()
                {
                    unused.add_action(svc, field::action(&at.index(j), n)?);
                }
            }
        }
        let mut steps = Vec::new();
        if let Some(list) = e.get("recommendations") {
            let at = at.key("recommendations");
            for (j, r) in field::array(&at, list, "an array of recommendations")?
                .iter()
                .enumerate()
            {
                let at = at.index(j);
                let r = field::object(&at, r)?;
                steps.push(RecommendedStep {
                    existing_policy_id: req(r, &at, "existingPolicyId", field::policy_id)?
                        .to_string(),
                    detach: opt(r, &at, "detach", field::boolean)?.unwrap_or(false),
                    recommended_policy: owned(opt(r, &at, "recommendedPolicy", field::policy)?),
                    policy_updated_at: owned(opt(r, &at, "policyUpdatedAt", field::date)?),
                });
            }
        }
        let (f, rec) = finish(
            principal,
            Texts {
                id: owned(opt(e, &at, "findingId", field::text)?),
                finding_type: owned(opt(e, &at, "findingType", field::text)?),
                analyzed_at: owned(opt(e, &at, "analyzedAt", field::date)?),
                last_accessed: owned(opt(e, &at, "lastAccessed", field::date)?),
            },
            (
                opt(e, &at, "detailsMissing", field::boolean)?.unwrap_or(false),
                opt(e, &at, "nothingUnused", field::boolean)?.unwrap_or(false),
            ),
            unused,
            steps,
        );
        findings.push(f);
        recs.extend(rec);
    }
    Ok((findings, recs))
}

/// The optional texts of an entry.
struct Texts {
    id: Option<String>,
    finding_type: Option<String>,
    analyzed_at: Option<String>,
    last_accessed: Option<String>,
}

/// One entry's findings, and its recommendation when it has steps (both readers end here).
fn finish(
    principal: String,
    t: Texts,
    (details_missing, nothing_unused): (bool, bool),
    unused: UnusedSet,
    steps: Vec<RecommendedStep>,
) -> (PrincipalFindings, Option<Recommendation>) {
    let rec = (!steps.is_empty()).then(|| Recommendation {
        principal: Some(principal.clone()),
        status: Some("SUCCEEDED".into()),
        completed_at: None,
        steps,
    });
    (
        PrincipalFindings {
            principal: Some(principal),
            id: t.id,
            status: Some("ACTIVE".into()),
            finding_type: t.finding_type,
            analyzed_at: t.analyzed_at,
            last_accessed: t.last_accessed,
            details_missing,
            nothing_unused,
            unused,
        },
        rec,
    )
}

/// A normalized file read straight from its bytes into borrowed views, with no JSON tree: the
/// path for an indexed snapshot's principal files, read once per checked file. `None` when the
/// text is not exactly the expected shape, or a string not of its form: the checking reader
/// above then says what is wrong (or what else the file holds). So this reader may decline
/// what the other takes, but never takes what the other refuses.
pub fn read_fast(bytes: &[u8]) -> Option<(Vec<PrincipalFindings>, Vec<Recommendation>)> {
    use serde::Deserialize;
    use std::borrow::Cow;
    // A present `null` is not an absent field: these make it a type error (so the checking
    // reader names it) where `Option`'s own deserializer would take it as `None`.
    fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        String::deserialize(d).map(Some)
    }
    fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        bool::deserialize(d)
    }
    #[derive(Deserialize)]
    struct File<'a> {
        version: u64,
        #[serde(borrow)]
        principals: Vec<Entry<'a>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Entry<'a> {
        #[serde(borrow)]
        principal: Cow<'a, str>,
        #[serde(default, deserialize_with = "some")]
        finding_id: Option<String>,
        #[serde(default, deserialize_with = "some")]
        finding_type: Option<String>,
        #[serde(default, deserialize_with = "some")]
        analyzed_at: Option<String>,
        #[serde(default, deserialize_with = "some")]
        last_accessed: Option<String>,
        #[serde(default, deserialize_with = "flag")]
        unused_role: bool,
        #[serde(default, deserialize_with = "flag")]
        details_missing: bool,
        #[serde(default, deserialize_with = "flag")]
        nothing_unused: bool,
        // Borrowed: a name with a JSON escape (none has one) sends the file to the checking
        // reader.
        #[serde(default, borrow)]
        unused_services: Vec<&'a str>,
        #[serde(default, borrow)]
        unused_actions: std::collections::BTreeMap<&'a str, Vec<&'a str>>,
        #[serde(default)]
        recommendations: Vec<Step>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Step {
        existing_policy_id: String,
        #[serde(default, deserialize_with = "flag")]
        detach: bool,
        #[serde(default, deserialize_with = "some")]
        recommended_policy: Option<String>,
        #[serde(default, deserialize_with = "some")]
        policy_updated_at: Option<String>,
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // From a `str`: serde_json does not check the UTF-8 of the values it skips (an unknown
    // field), and the checking reader refuses a file that is not UTF-8.
    let file: File = serde_json::from_str(std::str::from_utf8(bytes).ok()?).ok()?;
    if file.version != VERSION {
        return None;
    }
    let opt_is = |v: &Option<String>, is: fn(&str) -> bool| v.as_deref().is_none_or(is);
    let mut findings = Vec::with_capacity(file.principals.len());
    let mut recs = Vec::new();
    for e in file.principals {
        let formed = field::is_principal_arn(&e.principal)
            && opt_is(&e.finding_id, field::is_text)
            && opt_is(&e.finding_type, field::is_text)
            && opt_is(&e.analyzed_at, field::is_date)
            && opt_is(&e.last_accessed, field::is_date)
            && e.unused_services.iter().all(|s| field::is_service(s))
            && e.unused_actions.iter().all(|(svc, names)| {
                field::is_service(svc) && names.iter().all(|n| field::is_action(n))
            })
            && e.recommendations.iter().all(|r| {
                field::is_policy_id(&r.existing_policy_id)
                    && opt_is(&r.recommended_policy, field::is_policy)
                    && opt_is(&r.policy_updated_at, field::is_date)
            });
        if !formed {
            return None;
        }
        let mut unused = UnusedSet {
            everything: e.unused_role,
            ..UnusedSet::default()
        };
        for s in &e.unused_services {
            unused.add_service(s);
        }
        for (svc, names) in &e.unused_actions {
            for n in names {
                unused.add_action(svc, n);
            }
        }
        let steps = e
            .recommendations
            .into_iter()
            .map(|r| RecommendedStep {
                existing_policy_id: r.existing_policy_id,
                detach: r.detach,
                recommended_policy: r.recommended_policy,
                policy_updated_at: r.policy_updated_at,
            })
            .collect();
        let (f, rec) = finish(
            e.principal.into_owned(),
            Texts {
                id: e.finding_id,
                finding_type: e.finding_type,
                analyzed_at: e.analyzed_at,
                last_accessed: e.last_accessed,
            },
            (e.details_missing, e.nothing_unused),
            unused,
            steps,
        );
        findings.push(f);
        recs.extend(rec);
    }
    Some((findings, recs))
}

/// The normalized text of a snapshot: principals sorted by ARN, services and actions sorted,
/// four-space indentation, a final newline.
pub fn write(snapshot: &Snapshot) -> String {
    let mut entries = Vec::new();
    for (arn, f) in &snapshot.principals {
        if arn.is_empty() {
            continue;
        }
        let mut e = Map::new();
        e.insert("principal".into(), json!(arn));
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                e.insert(k.into(), json!(v));
            }
        };
        put("findingId", &f.id);
        put("findingType", &f.finding_type);
        put("analyzedAt", &f.analyzed_at);
        put("lastAccessed", &f.last_accessed);
        if f.unused.everything {
            e.insert("unusedRole".into(), json!(true));
        }
        if f.details_missing {
            e.insert("detailsMissing".into(), json!(true));
        }
        if f.nothing_unused {
            e.insert("nothingUnused".into(), json!(true));
        }
        let whole: Vec<&String> = f
            .unused
            .services
            .iter()
            .filter(|(_, u)| matches!(u, UnusedService::All))
            .map(|(s, _)| s)
            .collect();
        if !whole.is_empty() {
            e.insert("unusedServices".into(), json!(whole));
        }
        let mut actions = Map::new();
        for (svc, u) in &f.unused.services {
            if let UnusedService::Actions(names) = u {
                let mut list: Vec<&String> = names.values().collect();
                list.sort_by_key(|n| n.to_ascii_lowercase());
                actions.insert(svc.clone(), json!(list));
            }
        }
        if !actions.is_empty() {
            e.insert("unusedActions".into(), Value::Object(actions));
        }
        let steps: Vec<Value> = snapshot
            .recommendations
            .iter()
            .filter(|r| r.principal.as_deref() == Some(arn.as_str()))
            .flat_map(|r| &r.steps)
            .map(|s| {
                let mut m = Map::new();
                m.insert("existingPolicyId".into(), json!(s.existing_policy_id));
                m.insert("detach".into(), json!(s.detach));
                if let Some(p) = &s.recommended_policy {
                    m.insert("recommendedPolicy".into(), json!(p));
                }
                if let Some(p) = &s.policy_updated_at {
                    m.insert("policyUpdatedAt".into(), json!(p));
                }
                Value::Object(m)
            })
            .collect();
        if !steps.is_empty() {
            e.insert("recommendations".into(), Value::Array(steps));
        }
        entries.push(Value::Object(e));
    }
    let doc = json!({"version": VERSION, "principals": entries});
    super::pretty_text(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reader and the tolerant one agree on what `write` produces, for every shape of
    /// the AWS test data (whole services, whole roles, recommendations, last-accessed times).
    #[test]
    fn fast_and_tolerant_readers_agree() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let sets: [&[&str]; 2] = [
            &["aws-cli"],
            &[
                "snapshot/two-roles.json",
                "snapshot/paged.json",
                "snapshot/archived.json",
            ],
        ];
        for set in sets {
            let dir = set.join(" ");
            let paths: Vec<_> = set.iter().map(|p| data.join(p)).collect();
            let snap = Snapshot::load_all(&paths).unwrap();
            assert!(!snap.principals.is_empty(), "{dir}");
            let text = write(&snap);
            let value: Value = serde_json::from_str(&text).unwrap();
            let tolerant = read_with_recommendations("t", &value).unwrap();
            let fast = read_fast(text.as_bytes()).expect("the fast reader takes its own output");
            assert_eq!(fast, tolerant, "{dir}");
        }
    }

    #[test]
    fn the_fast_reader_declines_what_it_does_not_know() {
        assert_eq!(read_fast(b"{\"version\": 2, \"principals\": []}"), None);
        assert_eq!(read_fast(b"{\"version\": 1, \"principals\": {}}"), None);
        assert_eq!(
            read_fast(b"{\"version\": 1, \"principals\": [{\"principal\": \"arn:aws:iam::123456789012:role/a\", \"unusedServices\": [\"s\\u0033\"]}]}"),
            None,
            "an escaped name goes to the tolerant reader"
        );
        assert!(read_fast(b"{\"version\": 1, \"principals\": []}").is_some());
        // Fuzz input `tests/data/fuzz/snapshot/crash-fast-reader-invalid-utf8`: invalid UTF-8 in
        // a field the fast reader skips; the checking reader refuses the file, so must it.
        assert_eq!(
            read_fast(b"{\"version\": 1, \"principals\": [], \"x\": \"\xff\"}"),
            None
        );
    }
}
