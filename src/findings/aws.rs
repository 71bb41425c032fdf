//! The shapes IAM Access Analyzer's outputs take, as the AWS CLI prints them, read into
//! [`PrincipalFindings`]. Field names as AWS spells them. Every field read is checked
//! (`field`): a wrong type or form fails the whole file, naming the field.

use super::field::{self, At, opt, req};
use super::{FindingsError, PrincipalFindings, Recommendation, RecommendedStep, UnusedSet};
use serde_json::{Map, Value};

/// What one file holds.
#[derive(Debug, Default)]
pub struct FileContents {
    /// Findings with details (`get-finding-v2`, the short form, the normalized snapshot).
    pub findings: Vec<PrincipalFindings>,
    /// `list-findings-v2` summaries: status and resource, no actions.
    pub summaries: Vec<PrincipalFindings>,
    pub recommendations: Vec<Recommendation>,
    /// `list-stack-resources` output (an address book's page).
    pub stack_pages: Vec<super::stacks::Page>,
    /// `terraform show -json` output (a Terraform address book's roles).
    pub tf_states: Vec<super::tf_state::State>,
    /// An analyzed-principals file: (principal ARN, the analyzer's `analyzedAt`).
    pub analyzed: Vec<(String, String)>,
}

const FINDING_STATUS: &[&str] = &["ACTIVE", "ARCHIVED", "RESOLVED"];
const RECOMMENDATION_STATUS: &[&str] = &["SUCCEEDED", "FAILED", "IN_PROGRESS"];
const ACTIONS: &str = "an array of objects or strings";

/// Reads one parsed file, whatever Access Analyzer shape it has. `path` is for messages.
pub fn read_any(path: &str, value: &Value) -> Result<FileContents, FindingsError> {
    let root = At::root(path);
    let mut out = FileContents::default();
    if let Some(o) = value.as_object() {
        if super::stacks::is_page(value) {
            out.stack_pages.push(super::stacks::read_page(path, value)?);
            return Ok(out);
        }
        if super::tf_state::is_state(value) {
            out.tf_states
                .push(super::tf_state::read_state(path, value)?);
            return Ok(out);
        }
        if o.contains_key("recommendedSteps") {
            out.recommendations.push(recommendation(&root, o)?);
            return Ok(out);
        }
        if let Some(findings) = o.get("findings") {
            let at = root.key("findings");
            let items = field::array(&at, findings, "an array of finding summaries")?;
            for (i, item) in items.iter().enumerate() {
                let at = at.index(i);
                let mut summary = finding_header(&at, field::object(&at, item)?)?;
                if summary.principal.is_none() {
                    return Err(at.error("a list-findings-v2 summary without `resource`"));
                }
                summary.details_missing = true;
                out.summaries.push(summary);
            }
            return Ok(out);
        }
        if o.contains_key("analyzer") && o.contains_key("principals") {
            out.analyzed = analyzed_principals(&root, o)?;
            return Ok(out);
        }
        if o.contains_key("version") && o.contains_key("principals") {
            let (findings, recs) = super::normalized::read_with_recommendations(path, value)?;
            out.findings = findings;
            out.recommendations = recs;
            return Ok(out);
        }
    }
    out.findings = read_value(&root, value)?;
    Ok(out)
}

/// iamtrim's analyzed-principals file (written by scripts/fetch-snapshot.sh): `{"analyzer":
/// ARN, "analyzedAt": the analyzer's lastResourceAnalyzedAt, "principals": [ARN, ...]}`, the
/// roles and users the analyzer had analyzed by then.
fn analyzed_principals(
    at: &At<'_>,
    o: &Map<String, Value>,
) -> Result<Vec<(String, String)>, FindingsError> {
    req(o, at, "analyzer", |a, v| {
        let s = field::text(a, v)?;
        if field::is_arn(s) {
            Ok(s)
        } else {
            Err(a.bad_form(
                "an analyzer ARN (arn:aws:access-analyzer:REGION:ACCOUNT:analyzer/NAME)",
                s,
            ))
        }
    })?;
    let analyzed_at = req(o, at, "analyzedAt", field::date)?.to_string();
    let list_at = at.key("principals");
    let list = field::array(&list_at, &o["principals"], "an array of principal ARNs")?;
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            Ok((
                field::principal(&list_at.index(i), p)?.to_string(),
                analyzed_at.clone(),
            ))
        })
        .collect()
}

/// `get-finding-recommendation` output; steps are paired by `existingPolicyId`, in any order.
fn recommendation(at: &At<'_>, o: &Map<String, Value>) -> Result<Recommendation, FindingsError> {
    let steps_at = at.key("recommendedSteps");
    let steps = field::array(&steps_at, &o["recommendedSteps"], "an array of steps")?;
    let owned = |s: Option<&str>| s.map(String::from);
    let mut out = Recommendation {
        principal: owned(opt(o, at, "resourceArn", field::principal)?),
        status: owned(opt(o, at, "status", |a, v| {
            field::one_of(a, v, RECOMMENDATION_STATUS)
        })?),
        completed_at: owned(opt(o, at, "completedAt", field::date)?),
        steps: Vec::new(),
    };
    opt(o, at, "startedAt", field::date)?;
    for (i, step) in steps.iter().enumerate() {
        let at = steps_at.index(i);
        let step = field::object(&at, step)?;
        let Some(s) = step.get("unusedPermissionsRecommendedStep") else {
            continue;
        };
        let at = at.key("unusedPermissionsRecommendedStep");
        let s = field::object(&at, s)?;
        let action = opt(s, &at, "recommendedAction", |a, v| {
            field::one_of(a, v, &["CREATE_POLICY", "DETACH_POLICY"])
        })?;
        let policy = opt(s, &at, "recommendedPolicy", field::policy)?;
        let updated = opt(s, &at, "policyUpdatedAt", field::date)?;
        let Some(policy_id) = opt(s, &at, "existingPolicyId", field::policy_id)? else {
            continue;
        };
        let entry = match out
            .steps
            .iter()
            .position(|e| e.existing_policy_id == policy_id)
        {
            Some(e) => &mut out.steps[e],
            None => {
                out.steps.push(RecommendedStep {
                    existing_policy_id: policy_id.to_string(),
                    ..RecommendedStep::default()
                });
                let last = out.steps.len() - 1;
                &mut out.steps[last]
            }
        };
        match action {
            Some("DETACH_POLICY") => entry.detach = true,
            Some("CREATE_POLICY") => entry.recommended_policy = owned(policy),
            _ => {}
        }
        if let Some(at) = updated {
            entry.policy_updated_at = Some(at.to_string());
        }
    }
    out.steps
        .sort_by(|a, b| a.existing_policy_id.cmp(&b.existing_policy_id));
    Ok(out)
}

/// The fields every finding and summary share (`createdAt`, `updatedAt` and `resourceType` are
/// checked though not kept).
fn finding_header(at: &At<'_>, o: &Map<String, Value>) -> Result<PrincipalFindings, FindingsError> {
    let owned = |s: Option<&str>| s.map(String::from);
    opt(o, at, "resourceType", field::text)?;
    opt(o, at, "createdAt", field::date)?;
    opt(o, at, "updatedAt", field::date)?;
    Ok(PrincipalFindings {
        principal: owned(opt(o, at, "resource", field::principal)?),
        id: owned(opt(o, at, "id", field::text)?),
        status: owned(opt(o, at, "status", |a, v| {
            field::one_of(a, v, FINDING_STATUS)
        })?),
        finding_type: owned(opt(o, at, "findingType", field::text)?),
        analyzed_at: owned(opt(o, at, "analyzedAt", field::date)?),
        ..PrincipalFindings::default()
    })
}

/// Reads every finding in one parsed file (`get-finding-v2` outputs or the short form).
fn read_value(root: &At<'_>, value: &Value) -> Result<Vec<PrincipalFindings>, FindingsError> {
    match value {
        Value::Array(items) if items.is_empty() => Ok(Vec::new()),
        // Findings if any item is one; then every item must be.
        Value::Array(items) if items.iter().any(|i| i.get("findingDetails").is_some()) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = root.index(i);
                let o = field::object(&at, item)?;
                if !o.contains_key("findingDetails") {
                    return Err(at.error("`findingDetails` is missing"));
                }
                finding(&at, o)
            })
            .collect(),
        Value::Array(items) => Ok(vec![short_form(root, None, items)?]),
        Value::Object(o) if o.contains_key("findingDetails") => Ok(vec![finding(root, o)?]),
        Value::Object(o) if o.contains_key("unusedPermissions") => {
            let resource = opt(o, root, "resource", field::principal)?.map(String::from);
            let at = root.key("unusedPermissions");
            let items = field::array(&at, &o["unusedPermissions"], "an array")?;
            Ok(vec![short_form(&at, resource, items)?])
        }
        _ => Err(FindingsError::Shape {
            path: root.file().to_string(),
            reason: "not a findings file: expected `aws accessanalyzer get-finding-v2` output or \
                     the short form [{\"serviceNamespace\": ..., \"actions\": [...]}]"
                .into(),
        }),
    }
}

/// The actions of a service: bare or prefixed names, alone or as `{"action": ...}` objects.
fn add_actions(
    unused: &mut UnusedSet,
    svc: &str,
    at: &At<'_>,
    v: &Value,
) -> Result<(), FindingsError> {
    for (i, a) in field::array(at, v, ACTIONS)?.iter().enumerate() {
        let at = at.index(i);
        let name = match a {
            Value::String(_) => field::action(&at, a)?,
            Value::Object(o) => {
                opt(o, &at, "lastAccessed", field::date)?;
                req(o, &at, "action", field::action)?
            }
            _ => return Err(at.expected("an object or a string", a)),
        };
        unused.add_action(svc, name);
    }
    Ok(())
}

/// `[{"serviceNamespace": "s3", "actions": ["GetObject", ...]}]`; no `actions`: the whole service.
fn short_form(
    at: &At<'_>,
    resource: Option<String>,
    items: &[Value],
) -> Result<PrincipalFindings, FindingsError> {
    let mut unused = UnusedSet::default();
    for (i, item) in items.iter().enumerate() {
        let at = at.index(i);
        let o = field::object(&at, item)?;
        let svc = req(o, &at, "serviceNamespace", field::service)?;
        match o.get("actions") {
            None => unused.add_service(svc),
            Some(actions) => add_actions(&mut unused, svc, &at.key("actions"), actions)?,
        }
    }
    Ok(PrincipalFindings {
        principal: resource,
        unused,
        ..PrincipalFindings::default()
    })
}

/// One `get-finding-v2` output.
fn finding(at: &At<'_>, o: &Map<String, Value>) -> Result<PrincipalFindings, FindingsError> {
    let header = finding_header(at, o)?;
    let details_at = at.key("findingDetails");
    let details = field::array(
        &details_at,
        &o["findingDetails"],
        "an array of finding details",
    )?;
    let mut unused = UnusedSet::default();
    let mut last_accessed = None;
    for (i, d) in details.iter().enumerate() {
        let at = details_at.index(i);
        let d = field::object(&at, d)?;
        if let Some(p) = d.get("unusedPermissionDetails") {
            let at = at.key("unusedPermissionDetails");
            let p = field::object(&at, p)?;
            let svc = req(p, &at, "serviceNamespace", field::service)?;
            match p.get("actions") {
                None => unused.add_service(svc),
                Some(actions) => add_actions(&mut unused, svc, &at.key("actions"), actions)?,
            }
            if let Some(la) = opt(p, &at, "lastAccessed", field::date)? {
                last_accessed = max_str(last_accessed, la);
            }
        } else if let Some(r) = d.get("unusedIamRoleDetails") {
            let at = at.key("unusedIamRoleDetails");
            let r = field::object(&at, r)?;
            unused.everything = true;
            if let Some(la) = opt(r, &at, "lastAccessed", field::date)? {
                last_accessed = max_str(last_accessed, la);
            }
        } else if !d.contains_key("unusedIamUserAccessKeyDetails")
            && !d.contains_key("unusedIamUserPasswordDetails")
        {
            // Access keys and passwords say nothing of policies; anything else is not a detail.
            return Err(at.error(
                "expected one of `unusedPermissionDetails`, `unusedIamRoleDetails`, \
                 `unusedIamUserAccessKeyDetails`, `unusedIamUserPasswordDetails`",
            ));
        }
    }
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
