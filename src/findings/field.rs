//! Checked reads of evidence: every field iamtrim reads has a JSON type and a form, and a field
//! that is present with neither is an error naming the file and the field's JSON pointer, never
//! a default (a string `actions` once made a whole service unused).
//!
//! The `is_*` predicates are the forms alone, for the readers that deserialize straight into
//! their own types (the indexed snapshot's) and check the strings afterwards.

use super::{FindingsError, time};
use serde_json::{Map, Value};

pub type Result<T> = std::result::Result<T, FindingsError>;

/// Where a value sits: the file and a JSON pointer, built as text only when an error needs it.
#[derive(Clone, Copy)]
pub struct At<'a> {
    file: &'a str,
    parent: Option<&'a At<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> At<'a> {
    pub fn root(file: &'a str) -> At<'a> {
        At {
            file,
            parent: None,
            seg: Seg::Root,
        }
    }

    pub fn key<'b>(&'b self, key: &'b str) -> At<'b> {
        At {
            file: self.file,
            parent: Some(self),
            seg: Seg::Key(key),
        }
    }

    pub fn index(&self, i: usize) -> At<'_> {
        At {
            file: self.file,
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }

    pub fn file(&self) -> &'a str {
        self.file
    }

    /// RFC 6901: `/findingDetails/0/unusedPermissionDetails`; `~` and `/` in keys escaped.
    pub fn pointer(&self) -> String {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(a) = at {
            segs.push(a.seg);
            at = a.parent;
        }
        let mut out = String::new();
        for s in segs.iter().rev() {
            match s {
                Seg::Root => {}
                Seg::Key(k) => {
                    out.push('/');
                    out.push_str(&k.replace('~', "~0").replace('/', "~1"));
                }
                Seg::Index(i) => out.push_str(&format!("/{i}")),
            }
        }
        out
    }

    pub fn error(&self, reason: impl Into<String>) -> FindingsError {
        let pointer = self.pointer();
        FindingsError::Field {
            path: self.file.to_string(),
            pointer: if pointer.is_empty() {
                "(top level)".into()
            } else {
                pointer
            },
            reason: reason.into(),
        }
    }

    /// "expected WHAT, found a string".
    pub fn expected(&self, what: &str, found: &Value) -> FindingsError {
        self.error(format!("expected {what}, found {}", kind(found)))
    }

    /// "expected WHAT, found `VALUE`", for a value of the right type and the wrong form.
    pub fn bad_form(&self, what: &str, found: &str) -> FindingsError {
        self.error(format!("expected {what}, found `{}`", shown(found)))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Input as it may be printed: control characters escaped, at most 80 characters.
pub fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(80).flat_map(char::escape_debug).collect();
    if s.chars().nth(80).is_some() {
        out.push('…');
    }
    out
}

/// The field `key` of `o`, read by `read` when present (absent is `None`; `null` is not absent).
pub fn opt<'v, T>(
    o: &'v Map<String, Value>,
    at: &At<'_>,
    key: &str,
    read: impl FnOnce(&At<'_>, &'v Value) -> Result<T>,
) -> Result<Option<T>> {
    match o.get(key) {
        None => Ok(None),
        Some(v) => read(&at.key(key), v).map(Some),
    }
}

/// The field `key` of `o`, which must be there.
pub fn req<'v, T>(
    o: &'v Map<String, Value>,
    at: &At<'_>,
    key: &str,
    read: impl FnOnce(&At<'_>, &'v Value) -> Result<T>,
) -> Result<T> {
    opt(o, at, key, read)?.ok_or_else(|| at.error(format!("`{key}` is missing")))
}

pub fn object<'v>(at: &At<'_>, v: &'v Value) -> Result<&'v Map<String, Value>> {
    v.as_object().ok_or_else(|| at.expected("an object", v))
}

/// An array; `what` says of what ("an array of finding details").
pub fn array<'v>(at: &At<'_>, v: &'v Value, what: &str) -> Result<&'v [Value]> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| at.expected(what, v))
}

pub fn boolean(at: &At<'_>, v: &Value) -> Result<bool> {
    v.as_bool().ok_or_else(|| at.expected("true or false", v))
}

fn string<'v>(at: &At<'_>, v: &'v Value, what: &str) -> Result<&'v str> {
    v.as_str().ok_or_else(|| at.expected(what, v))
}

/// A string of the form `is_form` checks, `what` naming it in errors.
fn formed<'v>(
    at: &At<'_>,
    v: &'v Value,
    what: &str,
    is_form: impl Fn(&str) -> bool,
) -> Result<&'v str> {
    let s = string(at, v, what)?;
    if is_form(s) {
        Ok(s)
    } else {
        Err(at.bad_form(what, s))
    }
}

/// An identifier (a finding id, a finding type): a non-empty string, no control characters.
pub fn text<'v>(at: &At<'_>, v: &'v Value) -> Result<&'v str> {
    formed(at, v, "a non-empty string", is_text)
}

pub fn date<'v>(at: &At<'_>, v: &'v Value) -> Result<&'v str> {
    formed(
        at,
        v,
        "an RFC 3339 date-time (2024-06-10T08:15:02+00:00)",
        is_date,
    )
}

pub fn principal<'v>(at: &At<'_>, v: &'v Value) -> Result<&'v str> {
    formed(
        at,
        v,
        "an IAM role or user ARN (arn:aws:iam::123456789012:role/NAME)",
        is_principal_arn,
    )
}

pub fn service<'v>(at: &At<'_>, v: &'v Value) -> Result<&'v str> {
    formed(at, v, "a service prefix (s3)", is_service)
}

pub fn action<'v>(at: &At<'_>, v: &'v Value) -> Result<&'v str> {
    formed(
        at,
        v,
        "an action name (GetObject or s3:GetObject)",
        is_action,
    )
}

pub fn policy_id<'v>(at: &At<'_>, v: &'v Value) -> Result<&'v str> {
    formed(at, v, "a policy name or ARN", is_policy_id)
}

/// `recommendedPolicy`: a policy document, as JSON text.
pub fn policy<'v>(at: &At<'_>, v: &'v Value) -> Result<&'v str> {
    formed(at, v, "a policy document as JSON text", is_policy)
}

/// One of `allowed`.
pub fn one_of<'v>(at: &At<'_>, v: &'v Value, allowed: &[&str]) -> Result<&'v str> {
    let what = allowed.join(" or ");
    formed(at, v, &what, |s| allowed.contains(&s))
}

pub fn is_text(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

pub fn is_date(s: &str) -> bool {
    time::parse(s).is_some()
}

fn is_prefix(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub fn is_service(s: &str) -> bool {
    is_prefix(s)
}

/// `GetObject` or `s3:GetObject`.
pub fn is_action(s: &str) -> bool {
    let name = match s.split_once(':') {
        Some((prefix, name)) if is_prefix(prefix) => name,
        Some(_) => return false,
        None => s,
    };
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, partition and service lower-case words,
/// the account 12 digits, `aws` (AWS managed policies) or none (S3), a resource without spaces
/// or control characters.
pub fn is_arn(s: &str) -> bool {
    let mut parts = s.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(res)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    word(partition)
        && partition.starts_with("aws")
        && word(service)
        && (region.is_empty() || word(region))
        && (account.is_empty()
            || account == "aws"
            || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
        && !res.is_empty()
        && !res.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// An IAM role or user: `arn:aws:iam::123456789012:role/path/NAME` (or `user/`), in any
/// partition (`aws-cn`, `aws-us-gov`). One pass over the bytes: an index holds thousands.
pub fn is_principal_arn(s: &str) -> bool {
    let Some(b) = s.as_bytes().strip_prefix(b"arn:") else {
        return false;
    };
    let Some(p) = b.iter().position(|&c| c == b':') else {
        return false;
    };
    let partition = &b[..p];
    if !partition.starts_with(b"aws")
        || !partition.iter().fold(true, |ok, &c| {
            ok & (c.is_ascii_lowercase() | c.is_ascii_digit() | (c == b'-'))
        })
    {
        return false;
    }
    let Some(b) = b[p..].strip_prefix(b":iam::") else {
        return false;
    };
    if b.len() < 13 || !b[..12].iter().fold(true, |ok, c| ok & c.is_ascii_digit()) || b[12] != b':'
    {
        return false;
    }
    let res = &b[13..];
    let Some(path) = res
        .strip_prefix(b"role/")
        .or_else(|| res.strip_prefix(b"user/"))
    else {
        return false;
    };
    if path.is_empty() || path.ends_with(b"/") {
        return false;
    }
    // `fold`, not `all`: no early exit, so the loop vectorizes (an index checks thousands).
    if path.iter().fold(true, |ok, c| ok & c.is_ascii_graphic()) {
        return true;
    }
    // Not plain ASCII: the resource rule of `is_arn`, by character.
    std::str::from_utf8(path).is_ok_and(|p| !p.chars().any(|c| c.is_control() || c.is_whitespace()))
}

/// An inline policy's name (IAM's `[\w+=,.@-]+`) or a managed policy's ARN.
pub fn is_policy_id(s: &str) -> bool {
    if s.starts_with("arn:") {
        return is_arn(s);
    }
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// JSON text holding an object (the policy is not judged further here: `recommend` and `show`
/// only carry it).
pub fn is_policy(s: &str) -> bool {
    s.trim_start().starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        for ok in [
            "arn:aws:iam::123456789012:role/x",
            "arn:aws-cn:iam::123456789012:role/path/to/name",
            "arn:aws:iam::123456789012:role/service-role/x",
            "arn:aws-us-gov:iam::123456789012:user/bob",
        ] {
            assert!(is_principal_arn(ok), "{ok}");
        }
        for bad in [
            "MyRole",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::1234:role/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:policy/x",
            "arn:aws:iam:eu-west-1:123456789012:role/x",
            "arn::iam::123456789012:role/x",
            "arn:aws:iam::123456789012:role/a b",
            "arn:aws:iam::123456789012:role/a\nb",
        ] {
            assert!(!is_principal_arn(bad), "{bad}");
        }
        assert!(is_arn("arn:aws:s3:::bucket"));
        assert!(is_policy_id("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(is_policy_id("ci-deployer-inline"));
        assert!(!is_policy_id("../x"));
    }

    #[test]
    fn actions_and_pointers() {
        assert!(is_action("GetObject") && is_action("s3:GetObject"));
        assert!(!is_action("") && !is_action("s3:") && !is_action("s3:Get*") && !is_action(":x"));
        let root = At::root("f.json");
        let d = root.key("findingDetails");
        let zero = d.index(0);
        let k = zero.key("a/b~c");
        assert_eq!(k.pointer(), "/findingDetails/0/a~1b~0c");
        assert_eq!(
            k.expected("an object", &Value::Null).to_string(),
            "f.json: /findingDetails/0/a~1b~0c: expected an object, found null"
        );
        assert_eq!(shown("a\u{7}b"), "a\\u{7}b");
    }
}
