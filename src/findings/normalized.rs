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
//!     }
//!   ]
//! }
//! ```

use super::{FindingsError, PrincipalFindings, Recommendation, RecommendedStep, Snapshot};
use super::{UnusedService, UnusedSet};
use serde_json::{Map, Value, json};

pub const VERSION: u64 = 1;

pub fn read_with_recommendations(
    path: &str,
    v: &Value,
) -> Result<(Vec<PrincipalFindings>, Vec<Recommendation>), FindingsError> {
    let err = |reason: String| FindingsError::Shape {
        path: path.to_string(),
        reason,
    };
    match v.get("version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        other => {
            return Err(err(format!(
                "normalized snapshot version {other:?} is not supported (this iamtrim reads version {VERSION})"
            )));
        }
    }
    let entries = v["principals"]
        .as_array()
        .ok_or_else(|| err("`principals` must be an array".into()))?;
    let mut findings = Vec::new();
    let mut recs = Vec::new();
    for e in entries {
        let text = |key: &str| e.get(key).and_then(Value::as_str).map(String::from);
        let principal =
            text("principal").ok_or_else(|| err("an entry without `principal`".into()))?;
        let mut unused = UnusedSet {
            everything: e
                .get("unusedRole")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ..UnusedSet::default()
        };
        for s in e
            .get("unusedServices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(s) = s.as_str() {
                unused.add_service(s);
            }
        }
        if let Some(map) = e.get("unusedActions").and_then(Value::as_object) {
            for (svc, names) in map {
                for n in names
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    unused.add_action(svc, n);
                }
            }
        }
        let steps: Vec<RecommendedStep> = e
            .get("recommendations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| {
                Some(RecommendedStep {
                    existing_policy_id: r.get("existingPolicyId")?.as_str()?.to_string(),
                    detach: r.get("detach").and_then(Value::as_bool).unwrap_or(false),
                    recommended_policy: r
                        .get("recommendedPolicy")
                        .and_then(Value::as_str)
                        .map(String::from),
                    policy_updated_at: r
                        .get("policyUpdatedAt")
                        .and_then(Value::as_str)
                        .map(String::from),
                })
            })
            .collect();
        if !steps.is_empty() {
            recs.push(Recommendation {
                principal: Some(principal.clone()),
                status: Some("SUCCEEDED".into()),
                completed_at: None,
                steps,
            });
        }
        findings.push(PrincipalFindings {
            principal: Some(principal),
            id: text("findingId"),
            status: Some("ACTIVE".into()),
            finding_type: text("findingType"),
            analyzed_at: text("analyzedAt"),
            last_accessed: text("lastAccessed"),
            details_missing: e
                .get("detailsMissing")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            unused,
        });
    }
    Ok((findings, recs))
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
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(&doc, &mut ser).expect("serializing a Value cannot fail");
    let mut text = String::from_utf8(buf).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}
