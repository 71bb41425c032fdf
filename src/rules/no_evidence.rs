use super::{Kind, RuleInfo};
use crate::diagnostic::{Finding, Severity, Span};
use crate::findings::binding::Evidence;

pub static INFO: RuleInfo = RuleInfo {
    id: "no-evidence",
    summary: "No Access Analyzer finding applies to this policy file",
    default: Severity::Info,
    kind: Kind::Note,
    doc: "## What it does
Reports, once per file, a policy that no principal is bound to (no `[[bind]]` in `iamtrim.toml`
and no recommendation naming it), or whose bound principals have no active finding in the
snapshot.

## Why is this bad?
iamtrim can only trim what Access Analyzer has judged. Files it cannot judge should be visible, so
that nobody mistakes silence for least privilege.

## Example
```toml
[[bind]]
files = [\"iam/roles/app/*.json\"]
principals = [\"arn:aws:iam::123456789012:role/app\"]
```

A CloudFormation template's policies are bound one by one: by a bind of one resource
(`files = [\"cfn/app.json#AppRole\"]`: the role's logical id, or that of the `AWS::IAM::Policy`
or `ManagedPolicy`, which also binds through the roles its `Roles` list names with `Ref`), else by
the role's literal `RoleName`, else, for a template deployed as a `[[stack]]`, by the role the
stack's address book names (`iamtrim snapshot import --stack NAME`), else by the name
CloudFormation generates for the role (`<stack>-<LogicalId>-<suffix>`, rule
`generated-role-name`), else by the file's binds. A Terraform policy binds by a bind of its
address or its role's (`files = [\"infra/iam.tf#aws_iam_role.app\"]`), else by its role's
literal `name`, else, for a folder given an address book (`[[terraform]] root = \"infra\"  book =
\"prod\"`, the book imported with `terraform show -json > state.json` and `iamtrim snapshot import
state.json --terraform prod -o SNAPSHOT/`), by the ARNs deployed at its role's address (every
instance of a `count` or `for_each` role), else by the one role of the snapshot whose name fits
the role's `name_prefix` or interpolated `name` (rule `role-name-pattern`; when none or several
fit, this note names them), else by the file's binds. A module's policy whose role comes from its
caller (`role = var.role_name`) is bound only by a `[[bind]]` or the address book: this note says
so.

## Fix safety
No fix: bind the file, or add the principal's findings to the snapshot.",
};

/// The one finding for a file without evidence, at the `Statement` key.
pub fn check(evidence: &Evidence, at: Span) -> Option<Finding> {
    if !evidence.is_bound() {
        return Some(
            Finding::new(
                INFO.id,
                at,
                "this policy is bound to no principal: nothing to judge it by",
            )
            .label("not bound")
            .help("add a [[bind]] with this file and its role to iamtrim.toml"),
        );
    }
    if !evidence.missing.is_empty() {
        return Some(
            Finding::new(
                INFO.id,
                at,
                format!(
                    "no active finding with details for {} in the snapshot: nothing is removed",
                    evidence.missing.join(", ")
                ),
            )
            .label("no evidence")
            .help(if evidence.bound_by == Some("terraform-state") {
                "import the principals' get-finding-v2 output with `iamtrim snapshot import`; a role not in the Terraform address book: re-import `terraform show -json` with `snapshot import --terraform NAME`"
            } else {
                "import the principal's get-finding-v2 output with `iamtrim snapshot import`"
            })
            .principals(evidence.missing.clone()),
        );
    }
    None
}
