//! The shapes IAM Access Analyzer's outputs take, as the AWS CLI prints them, read into
//! [`PrincipalFindings`]. Field names as AWS spells them.

use super::{FindingsError, PrincipalFindings, Recommendation, RecommendedStep, UnusedSet};
use serde_json::Value;

/// What one file holds.
#[derive(Debug, Default)]
pub struct FileContents {
    /// Findings with details (`get-finding-v2`, the short form, the normalized snapshot).
    pub findings: Vec<PrincipalFindings>,
    /// `list-findings-v2` summaries: status and resource, no actions.
    pub summaries: Vec<PrincipalFindings>,
    pub recommendations: Vec<Recommendation>,
}

/// Reads one parsed file, whatever Access Analyzer shape it has. `path` is for messages.
pub fn read_any(path: &str, value: &Value) -> Result<FileContents, FindingsError> {
    let mut out = FileContents::default();
    if let Some(o) = value.as_object() {
        if o.contains_key("recommendedSteps") {
            out.recommendations.push(recommendation(path, value)?);
            return Ok(out);
        }
        if let Some(findings) = o.get("findings") {
            let items = findings.as_array().ok_or_else(|| FindingsError::Shape {
                path: path.to_string(),
                reason: "`findings` must be an array (list-findings-v2 output)".into(),
            })?;
            for item in items {
                let mut summary = finding_header(item);
                if summary.principal.is_none() {
                    return Err(FindingsError::Shape {
                        path: path.to_string(),
                        reason: "a list-findings-v2 summary without `resource`".into(),
                    });
                }
                summary.details_missing = true;
                out.summaries.push(summary);
            }
            return Ok(out);
        }
        if o.contains_key("version") && o.contains_key("principals") {
            let (findings, recs) = super::normalized::read_with_recommendations(path, value)?;
            out.findings = findings;
            out.recommendations = recs;
            return Ok(out);
        }
    }
    out.findings = read_value(path, value)?;
    Ok(out)
}

/// `get-finding-recommendation` output; steps are paired by `existingPolicyId`, in any order.
fn recommendation(path: &str, v: &Value) -> Result<Recommendation, FindingsError> {
    let steps = v["recommendedSteps"]
        .as_array()
        .ok_or_else(|| FindingsError::Shape {
            path: path.to_string(),
            reason: "`recommendedSteps` must be an array".into(),
        })?;
    let text = |x: &Value, key: &str| x.get(key).and_then(Value::as_str).map(String::from);
    let mut out = Recommendation {
        principal: text(v, "resourceArn"),
        status: text(v, "status"),
        completed_at: text(v, "completedAt"),
        steps: Vec::new(),
    };
    for step in steps {
        let Some(s) = step.get("unusedPermissionsRecommendedStep") else {
            continue;
        };
        let Some(policy_id) = text(s, "existingPolicyId") else {
            continue;
        };
        let entry = match out
            .steps
            .iter_mut()
            .find(|e| e.existing_policy_id == policy_id)
        {
            Some(e) => e,
            None => {
                out.steps.push(RecommendedStep {
                    existing_policy_id: policy_id,
                    ..RecommendedStep::default()
                });
                out.steps.last_mut().expect("just pushed")
            }
        };
        match s.get("recommendedAction").and_then(Value::as_str) {
            Some("DETACH_POLICY") => entry.detach = true,
            Some("CREATE_POLICY") => {
                entry.recommended_policy = text(s, "recommendedPolicy");
            }
            _ => {}
        }
        if let Some(at) = text(s, "policyUpdatedAt") {
            entry.policy_updated_at = Some(at);
        }
    }
    out.steps
        .sort_by(|a, b| a.existing_policy_id.cmp(&b.existing_policy_id));
    Ok(out)
}

/// The fields every finding and summary share.
fn finding_header(v: &Value) -> PrincipalFindings {
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(String::from);
    PrincipalFindings {
        principal: text("resource"),
        id: text("id"),
        status: text("status"),
        finding_type: text("findingType"),
        analyzed_at: text("analyzedAt"),
        ..PrincipalFindings::default()
    }
}

/// Reads every finding in one parsed file. `path` is for messages.
pub fn read_value(path: &str, value: &Value) -> Result<Vec<PrincipalFindings>, FindingsError> {
    let shape_err = |reason: &str| FindingsError::Shape {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    match value {
        Value::Array(items) if items.is_empty() => Ok(Vec::new()),
        Value::Array(items) if items.iter().all(is_short_entry) => {
            Ok(vec![short_form(None, items)])
        }
        Value::Array(items) if items.iter().all(is_finding) => {
            let mut out = Vec::new();
            for item in items {
                out.push(finding(path, item)?);
            }
            Ok(out)
        }
        Value::Object(o) if o.contains_key("findingDetails") => Ok(vec![finding(path, value)?]),
        Value::Object(o) if o.contains_key("unusedPermissions") => {
            let resource = o.get("resource").and_then(Value::as_str).map(String::from);
            let items = o
                .get("unusedPermissions")
                .and_then(Value::as_array)
                .ok_or_else(|| shape_err("`unusedPermissions` must be an array"))?;
            if !items.iter().all(is_short_entry) {
                return Err(shape_err(
                    "each `unusedPermissions` entry needs `serviceNamespace`",
                ));
            }
            Ok(vec![short_form(resource, items)])
        }
        _ => Err(shape_err(
            "not a findings file: expected `aws accessanalyzer get-finding-v2` output or the short \
             form [{\"serviceNamespace\": ..., \"actions\": [...]}]",
        )),
    }
}

fn is_short_entry(v: &Value) -> bool {
    v.get("serviceNamespace").is_some_and(Value::is_string) && v.get("findingDetails").is_none()
}

fn is_finding(v: &Value) -> bool {
    v.get("findingDetails").is_some()
}

/// `[{"serviceNamespace": "s3", "actions": ["GetObject", ...]}]`; no `actions`: the whole service.
fn short_form(resource: Option<String>, items: &[Value]) -> PrincipalFindings {
    let mut unused = UnusedSet::default();
    for item in items {
        let svc = item["serviceNamespace"].as_str().unwrap_or_default();
        match item.get("actions").and_then(Value::as_array) {
            None => unused.add_service(svc),
            Some(actions) => {
                for a in actions {
                    let name = a
                        .as_str()
                        .or_else(|| a.get("action").and_then(Value::as_str));
                    if let Some(name) = name {
                        unused.add_action(svc, name);
                    }
                }
            }
        }
    }
    PrincipalFindings {
        principal: resource,
        unused,
        ..PrincipalFindings::default()
    }
}

/// One `get-finding-v2` output.
fn finding(path: &str, v: &Value) -> Result<PrincipalFindings, FindingsError> {
    let shape_err = |reason: String| FindingsError::Shape {
        path: path.to_string(),
        reason,
    };
    let details = v
        .get("findingDetails")
        .and_then(Value::as_array)
        .ok_or_else(|| shape_err("`findingDetails` must be an array".into()))?;
    let mut unused = UnusedSet::default();
    let mut last_accessed = None;
    for d in details {
        if let Some(p) = d.get("unusedPermissionDetails") {
            let svc = p
                .get("serviceNamespace")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    shape_err("`unusedPermissionDetails` without `serviceNamespace`".into())
                })?;
            match p.get("actions").and_then(Value::as_array) {
                None => unused.add_service(svc),
                Some(actions) => {
                    for a in actions {
                        let name = a
                            .get("action")
                            .and_then(Value::as_str)
                            .or_else(|| a.as_str());
                        if let Some(name) = name {
                            unused.add_action(svc, name);
                        }
                    }
                }
            }
            if let Some(la) = p.get("lastAccessed").and_then(Value::as_str) {
                last_accessed = max_str(last_accessed, la);
            }
        } else if let Some(r) = d.get("unusedIamRoleDetails") {
            unused.everything = true;
            if let Some(la) = r.get("lastAccessed").and_then(Value::as_str) {
                last_accessed = max_str(last_accessed, la);
            }
        }
    }
    let header = finding_header(v);
    if header.finding_type.as_deref() == Some("UnusedIAMRole") {
        unused.everything = true;
    }
    Ok(PrincipalFindings {
        last_accessed,
        unused,
        ..header
    })
}

pub(super) fn max_str(current: Option<String>, candidate: &str) -> Option<String> {
    match current {
        Some(c) if c.as_str() >= candidate => Some(c),
        _ => Some(candidate.to_string()),
    }
}
