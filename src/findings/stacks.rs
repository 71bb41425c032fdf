//! Address books: which role a CloudFormation stack deployed for each of its template's logical
//! ids, from `aws cloudformation list-stack-resources --stack-name S` (only `AWS::IAM::Role` rows
//! are kept). `snapshot import --stack S` writes one per stack into the snapshot folder:
//! `stacks/S.json`, `{"version": 1, "stack": "S", "roles": {"AppRole": "S-AppRole-1A2B3C4D5E6F"}}`.
//! A check reads only the books of the stacks its templates are deployed as (`[[stack]]`).

use super::FindingsError;
use super::field::{self, At, opt, req};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const VERSION: u64 = 1;
/// The folder of a snapshot folder holding its address books.
pub const DIR: &str = "stacks";
const ROLE: &str = "AWS::IAM::Role";

/// One file of `list-stack-resources` output (a page: `NextToken` says more follow).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub file: String,
    /// (logical id, role name), in file order.
    pub roles: Vec<(String, String)>,
    /// Rows of other resource types, or of roles already deleted.
    pub skipped: usize,
}

/// A stack's roles by logical id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressBook {
    pub stack: String,
    pub roles: BTreeMap<String, String>,
}

/// A CloudFormation stack name: a letter, then letters, digits and `-`, at most 128.
pub fn is_stack_name(s: &str) -> bool {
    s.len() <= 128
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A template's logical id: letters and digits, at most 255.
pub fn is_logical_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// An IAM role name (`[\w+=,.@-]{1,64}`).
pub fn is_role_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// Whether a parsed file is `list-stack-resources` output.
pub fn is_page(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.contains_key("StackResourceSummaries"))
}

/// Reads one `list-stack-resources` output, every field it reads checked.
pub fn read_page(path: &str, value: &Value) -> Result<Page, FindingsError> {
    let root = At::root(path);
    let o = field::object(&root, value)?;
    opt(o, &root, "NextToken", field::text)?;
    let at = root.key("StackResourceSummaries");
    let rows = field::array(
        &at,
        &o["StackResourceSummaries"],
        "an array of stack resource summaries",
    )?;
    let mut page = Page {
        file: path.to_string(),
        ..Page::default()
    };
    for (i, row) in rows.iter().enumerate() {
        let at = at.index(i);
        let row = field::object(&at, row)?;
        let id = req(row, &at, "LogicalResourceId", |a, v| {
            formed(a, v, "a logical id (letters and digits)", is_logical_id)
        })?;
        let ty = req(row, &at, "ResourceType", field::text)?;
        let status = opt(row, &at, "ResourceStatus", field::text)?;
        opt(row, &at, "LastUpdatedTimestamp", field::date)?;
        if ty != ROLE || status == Some("DELETE_COMPLETE") {
            opt(row, &at, "PhysicalResourceId", field::text)?;
            page.skipped += 1;
            continue;
        }
        let name = req(row, &at, "PhysicalResourceId", |a, v| {
            formed(
                a,
                v,
                "an IAM role name (a role's physical id)",
                is_role_name,
            )
        })?;
        page.roles.push((id.to_string(), name.to_string()));
    }
    Ok(page)
}

fn formed<'v>(
    at: &At<'_>,
    v: &'v Value,
    what: &str,
    is: impl Fn(&str) -> bool,
) -> Result<&'v str, FindingsError> {
    let s = v.as_str().ok_or_else(|| at.expected(what, v))?;
    if is(s) {
        Ok(s)
    } else {
        Err(at.bad_form(what, s))
    }
}

/// The book of `stack` from its pages; a logical id listed twice with different roles is an
/// error (a stack's logical ids are unique: the pages are of different stacks).
pub fn book(stack: &str, pages: &[Page]) -> Result<AddressBook, FindingsError> {
    let mut roles: BTreeMap<String, String> = BTreeMap::new();
    for p in pages {
        for (id, name) in &p.roles {
            match roles.get(id) {
                Some(other) if other != name => {
                    return Err(FindingsError::Shape {
                        path: p.file.clone(),
                        reason: format!(
                            "logical id {id} is role {} here and {} in another file: not pages of one stack",
                            field::shown(name),
                            field::shown(other)
                        ),
                    });
                }
                _ => {
                    roles.insert(id.clone(), name.clone());
                }
            }
        }
    }
    Ok(AddressBook {
        stack: stack.to_string(),
        roles,
    })
}

/// The book `snapshot import --stack` makes of the list-stack-resources pages among its files;
/// an error, before anything is written, when the two do not go together or the book would go
/// to a snapshot file (`file`), which cannot hold one.
pub fn for_import(
    pages: &[Page],
    stack: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<AddressBook>, FindingsError> {
    let shape = |path: String, reason: &str| FindingsError::Shape {
        path,
        reason: reason.into(),
    };
    let Some(stack) = stack else {
        return match pages.first() {
            Some(p) => Err(shape(
                p.file.clone(),
                "list-stack-resources output does not name its stack: pass --stack NAME (the --stack-name given to the AWS CLI)",
            )),
            None => Ok(None),
        };
    };
    if !is_stack_name(stack) {
        return Err(shape(
            format!("--stack `{}`", field::shown(stack)),
            "not a stack name: a letter, then letters, digits and `-` (at most 128)",
        ));
    }
    if pages.is_empty() {
        return Err(shape(
            format!("--stack {stack}"),
            "none of the files is `aws cloudformation list-stack-resources` output (the stack's address book)",
        ));
    }
    if let Some(path) = file {
        return Err(shape(
            path.display().to_string(),
            "an address book is kept in a snapshot folder: name one with -o DIR/; nothing written",
        ));
    }
    book(stack, pages).map(Some)
}

/// The book's normalized text: sorted, four-space indentation, a final newline.
pub fn write_text(book: &AddressBook) -> String {
    let roles: Map<String, Value> = book
        .roles
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let doc = json!({"version": VERSION, "stack": book.stack, "roles": roles});
    super::pretty_text(&doc)
}

/// Reads a normalized book, checking every field; it must be the book of `stack`.
fn read_text(path: &str, bytes: &[u8], stack: &str) -> Result<AddressBook, FindingsError> {
    let value = super::parse_json(path, bytes)?;
    let root = At::root(path);
    let o = field::object(&root, &value)?;
    if o.get("version").and_then(Value::as_u64) != Some(VERSION) {
        return Err(root.key("version").error(format!(
            "expected {VERSION} (an iamtrim address book, written by `snapshot import --stack`)"
        )));
    }
    let named = req(o, &root, "stack", field::text)?;
    if named != stack {
        return Err(root.key("stack").error(format!(
            "expected `{stack}` (the file's name), found `{}`",
            field::shown(named)
        )));
    }
    let at = root.key("roles");
    let mut roles = BTreeMap::new();
    for (id, name) in req(o, &root, "roles", field::object)? {
        let at = at.key(id);
        if !is_logical_id(id) {
            return Err(at.bad_form("a logical id as the key", id));
        }
        let name = formed(&at, name, "an IAM role name", is_role_name)?;
        roles.insert(id.clone(), name.to_string());
    }
    Ok(AddressBook {
        stack: stack.to_string(),
        roles,
    })
}

/// `stacks/NAME.json` of a snapshot folder.
fn rel(stack: &str) -> String {
    format!("{DIR}/{stack}.json")
}

/// Checks, before anything is written, that `dir/stacks/NAME.json` can be written without
/// following a symlink or replacing something that is not a regular file.
pub fn check_writable(dir: &Path, stack: &str) -> Result<(), FindingsError> {
    for p in [dir.join(DIR), dir.join(rel(stack))] {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_symlink() => return Err(refused(&p, "a symlink")),
            Ok(m) if p.ends_with(DIR) && !m.is_dir() => {
                return Err(refused(&p, "not a folder"));
            }
            Ok(m) if !p.ends_with(DIR) && !m.is_file() => {
                return Err(refused(&p, "not a regular file"));
            }
            _ => {}
        }
    }
    Ok(())
}

fn refused(path: &Path, what: &str) -> FindingsError {
    FindingsError::Refused {
        path: path.display().to_string(),
        reason: what.into(),
    }
}

/// Writes the book into the snapshot folder `dir`, atomically, replacing the stack's old book.
pub fn write(dir: &Path, book: &AddressBook) -> Result<(), FindingsError> {
    check_writable(dir, &book.stack)?;
    let sub = dir.join(DIR);
    let write_err = |path: &Path, source| FindingsError::Write {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&sub).map_err(|e| write_err(&sub, e))?;
    let path = dir.join(rel(&book.stack));
    crate::fsio::write_atomic(&path, write_text(book).as_bytes()).map_err(|e| write_err(&path, e))
}

/// The address books of a snapshot folder, read when a stack is first asked for and kept.
#[derive(Debug, Default)]
pub struct Books {
    /// The snapshot folder; `None` for a snapshot file (which holds no books).
    dir: Option<PathBuf>,
    read: Mutex<HashMap<String, Option<Arc<AddressBook>>>>,
    /// The folder's Terraform address books (`terraform/`).
    pub terraform: super::tf_state::Books,
}

impl Books {
    pub fn new(snapshot: Option<&Path>) -> Books {
        Books {
            dir: snapshot.filter(|p| p.is_dir()).map(Path::to_path_buf),
            read: Mutex::new(HashMap::new()),
            terraform: super::tf_state::Books::new(snapshot),
        }
    }

    /// The book of `stack`, if the snapshot holds one.
    pub fn get(&self, stack: &str) -> Result<Option<Arc<AddressBook>>, FindingsError> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        if let Ok(read) = self.read.lock()
            && let Some(b) = read.get(stack)
        {
            return Ok(b.clone());
        }
        let rel = rel(stack);
        let shown = dir.join(&rel).display().to_string();
        let book = match std::fs::symlink_metadata(dir.join(&rel)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            _ => {
                let bytes = crate::fsio::read_inside(dir, &rel, crate::fsio::MAX_INPUT_BYTES)
                    .map_err(|source| FindingsError::Read {
                        path: shown.clone(),
                        source,
                    })?;
                Some(Arc::new(read_text(&shown, &bytes, stack)?))
            }
        };
        if let Ok(mut read) = self.read.lock() {
            read.insert(stack.to_string(), book.clone());
        }
        Ok(book)
    }
}

/// How CloudFormation names a role it names itself: `<stack>-<LogicalId>-<suffix>`, the suffix
/// 12 or 13 letters and digits. When that would pass IAM's 64 characters, the stack and logical
/// id parts are cut: then any non-empty prefix of each is taken, for a name of at most 64.
pub fn is_generated_name(name: &str, stack: &str, logical_id: &str) -> bool {
    let Some((head, suffix)) = name.rsplit_once('-') else {
        return false;
    };
    if !(12..=13).contains(&suffix.len()) || !suffix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    if head.len() == stack.len() + 1 + logical_id.len()
        && head.strip_prefix(stack).and_then(|r| r.strip_prefix('-')) == Some(logical_id)
    {
        return true;
    }
    // Only a name that could not hold both whole may hold them cut.
    let whole = stack.len() + logical_id.len() + 2 + suffix.len();
    if whole <= 64 || name.len() > 64 {
        return false;
    }
    // A logical id has no `-`: it is what follows the last one.
    let Some((s, l)) = head.rsplit_once('-') else {
        return false;
    };
    !s.is_empty() && !l.is_empty() && stack.starts_with(s) && logical_id.starts_with(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names() {
        assert!(is_generated_name(
            "prod-app-AppRole-1A2B3C4D5E6F",
            "prod-app",
            "AppRole"
        ));
        assert!(is_generated_name(
            "sam-app-HelloFunctionRole-Zp3f5K3xLm0qA",
            "sam-app",
            "HelloFunctionRole"
        ));
        // Another logical id that shares the prefix, another stack, a suffix of the wrong form.
        assert!(!is_generated_name(
            "prod-app-AppRoleTwo-1A2B3C4D5E6F",
            "prod-app",
            "AppRole"
        ));
        assert!(!is_generated_name(
            "prod-app2-AppRole-1A2B3C4D5E6F",
            "prod-app",
            "AppRole"
        ));
        assert!(!is_generated_name(
            "prod-app-AppRole-1A2B",
            "prod-app",
            "AppRole"
        ));
        assert!(!is_generated_name(
            "prod-app-AppRole",
            "prod-app",
            "AppRole"
        ));
        // Cut forms only when the whole would not fit.
        let stack = "a-very-long-stack-name-for-the-production-environment";
        let id = "ApplicationServerInstanceRole";
        assert!(is_generated_name(
            "a-very-long-stack-name-for-th-ApplicationServer-1A2B3C4D5E6F",
            stack,
            id
        ));
        assert!(!is_generated_name(
            "prod-a-AppR-1A2B3C4D5E6F",
            "prod-app",
            "AppRole"
        ));
        assert!(!is_generated_name(
            "a-very-long-stack-name-for-th-Other-1A2B3C4D5E6F",
            stack,
            id
        ));
    }

    #[test]
    fn role_slash_name_matches_roles_only() {
        use super::super::principal_matches as m;
        let arn = "arn:aws:iam::123456789012:role/prod-app-AppRole-1A2B";
        assert!(m(arn, "role/prod-app-AppRole-1A2B") && m(arn, "prod-app-AppRole-1A2B"));
        assert!(m("arn:aws:iam::123456789012:role/path/x", "role/x"));
        assert!(!m("arn:aws:iam::123456789012:user/x", "role/x"));
        assert!(m("arn:aws:iam::123456789012:user/x", "user/x"));
        assert!(!m(arn, "role/prod-app-AppRole-1A2") && !m(arn, "group/prod-app-AppRole-1A2B"));
    }

    #[test]
    fn names() {
        assert!(is_stack_name("prod-app") && !is_stack_name("1app") && !is_stack_name("a/b"));
        assert!(!is_stack_name("") && !is_stack_name("../x"));
        assert!(is_role_name("prod-app-AppRole-1A2B") && !is_role_name("a b"));
        assert!(is_logical_id("AppRole") && !is_logical_id("App-Role"));
    }
}
