//! Terraform address books: which role ARN each `aws_iam_role` address of a Terraform
//! configuration was deployed as, from `terraform show -json` (state) output. State can hold
//! secrets, so only managed `aws_iam_role` resources are looked at, and of each only its
//! `address` and `values.arn`: no other value is read or kept. `snapshot import --terraform B`
//! writes one book per name into the snapshot folder: `terraform/B.json`,
//! `{"version": 1, "book": "B", "roles": {"aws_iam_role.app": "arn:aws:iam::...:role/MyRole"}}`.
//! A check reads only the books of the folders its `.tf` files are in (`[[terraform]]`).

use super::FindingsError;
use super::field::{self, At, opt, req};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const VERSION: u64 = 1;
/// The folder of a snapshot folder holding the Terraform address books.
pub const DIR: &str = "terraform";
const ROLE: &str = "aws_iam_role";

/// One `terraform show -json` file: its roles, (address, ARN) in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub file: String,
    pub roles: Vec<(String, String)>,
    /// Resources of other types (never read further).
    pub skipped: usize,
}

/// A Terraform configuration's role ARNs by address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressBook {
    pub name: String,
    pub roles: BTreeMap<String, String>,
}

impl AddressBook {
    /// The ARNs of the role at `address` (`aws_iam_role.app`, or in a module
    /// `module.x.aws_iam_role.app`): the address itself, or every instance of it
    /// (`aws_iam_role.app[0]`, `aws_iam_role.app["prod"]`) when it has `count` or `for_each`.
    pub fn arns_of(&self, address: &str) -> Vec<&str> {
        self.roles
            .range(address.to_string()..)
            .take_while(|(k, _)| k.starts_with(address))
            .filter(|(k, _)| k.len() == address.len() || k[address.len()..].starts_with('['))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A book's name: a letter or digit, then letters, digits, `-` and `_`, at most 128.
pub fn is_book_name(s: &str) -> bool {
    s.len() <= 128
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A resource address as Terraform prints it: no control characters, at most 1,024 bytes,
/// naming an `aws_iam_role` (`module.m.aws_iam_role.app["k"]`).
fn is_role_address(s: &str) -> bool {
    s.len() <= 1024
        && field::is_text(s)
        && (s.starts_with("aws_iam_role.") || s.contains(".aws_iam_role."))
}

/// A role ARN (`arn:aws:iam::123456789012:role/NAME`).
fn is_role_arn(s: &str) -> bool {
    field::is_principal_arn(s) && s.contains(":role/")
}

/// Whether a parsed file is `terraform show -json` output (state or plan).
pub fn is_state(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.contains_key("format_version"))
}

/// Reads one `terraform show -json` output: the roles of its root module and, recursively, of
/// its child modules; nothing of any other resource but its `mode` and `type`.
pub fn read_state(path: &str, value: &Value) -> Result<State, FindingsError> {
    let root = At::root(path);
    let o = field::object(&root, value)?;
    req(o, &root, "format_version", field::text)?;
    if o.contains_key("planned_values") {
        return Err(root.key("planned_values").error(
            "a plan's JSON: import the state (`terraform show -json` without a plan file)",
        ));
    }
    let Some(values) = o.get("values") else {
        return Err(root.error(
            "no `values`: not the state of a deployed configuration (`terraform show -json` of an empty state holds none)",
        ));
    };
    let at = root.key("values");
    let values = field::object(&at, values)?;
    let module = req(values, &at, "root_module", field::object)?;
    let mut state = State {
        file: path.to_string(),
        ..State::default()
    };
    walk(&at.key("root_module"), module, &mut state)?;
    Ok(state)
}

fn walk(at: &At<'_>, module: &Map<String, Value>, out: &mut State) -> Result<(), FindingsError> {
    if let Some(rs) = module.get("resources") {
        let at = at.key("resources");
        for (i, r) in field::array(&at, rs, "an array of resources")?
            .iter()
            .enumerate()
        {
            let at = at.index(i);
            let r = field::object(&at, r)?;
            let ty = req(r, &at, "type", field::text)?;
            let mode = opt(r, &at, "mode", field::text)?;
            if ty != ROLE || mode != Some("managed") {
                out.skipped += 1;
                continue;
            }
            let address = req(r, &at, "address", |a, v| {
                formed(a, v, "an aws_iam_role address", is_role_address)
            })?;
            let vat = at.key("values");
            let values = req(r, &at, "values", field::object)?;
            let arn = req(values, &vat, "arn", |a, v| {
                formed(
                    a,
                    v,
                    "a role ARN (arn:aws:iam::123456789012:role/NAME)",
                    is_role_arn,
                )
            })?;
            out.roles.push((address.to_string(), arn.to_string()));
        }
    }
    if let Some(children) = module.get("child_modules") {
        let at = at.key("child_modules");
        for (i, c) in field::array(&at, children, "an array of modules")?
            .iter()
            .enumerate()
        {
            let at = at.index(i);
            walk(&at, field::object(&at, c)?, out)?;
        }
    }
    Ok(())
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

fn shape(path: String, reason: impl Into<String>) -> FindingsError {
    FindingsError::Shape {
        path,
        reason: reason.into(),
    }
}

/// The book `snapshot import --terraform` makes of the state files among its files; an error,
/// before anything is written, when the two do not go together, an address has two ARNs, or the
/// book would go to a snapshot file (`file`), which cannot hold one.
pub fn for_import(
    states: &[State],
    name: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<AddressBook>, FindingsError> {
    let Some(name) = name else {
        return match states.first() {
            Some(s) => Err(shape(
                s.file.clone(),
                "`terraform show -json` output: pass --terraform NAME (the address book's name, as `[[terraform]] book` names it)",
            )),
            None => Ok(None),
        };
    };
    if !is_book_name(name) {
        return Err(shape(
            format!("--terraform `{}`", field::shown(name)),
            "not a book name: a letter or digit, then letters, digits, `-` and `_` (at most 128)",
        ));
    }
    if states.is_empty() {
        return Err(shape(
            format!("--terraform {name}"),
            "none of the files is `terraform show -json` output (the state's address book)",
        ));
    }
    if let Some(path) = file {
        return Err(shape(
            path.display().to_string(),
            "an address book is kept in a snapshot folder: name one with -o DIR/; nothing written",
        ));
    }
    let mut roles: BTreeMap<String, String> = BTreeMap::new();
    for s in states {
        for (address, arn) in &s.roles {
            match roles.get(address) {
                Some(other) if other != arn => {
                    return Err(shape(
                        s.file.clone(),
                        format!(
                            "{} is {arn} here and {other} in another file: not the state of one configuration",
                            field::shown(address)
                        ),
                    ));
                }
                _ => {
                    roles.insert(address.clone(), arn.clone());
                }
            }
        }
    }
    Ok(Some(AddressBook {
        name: name.to_string(),
        roles,
    }))
}

/// The book's normalized text: sorted, four-space indentation, a final newline.
pub fn write_text(book: &AddressBook) -> String {
    let roles: Map<String, Value> = book
        .roles
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let doc = json!({"version": VERSION, "book": book.name, "roles": roles});
    super::pretty_text(&doc)
}

/// Reads a normalized book, checking every field; it must be the book `name`.
fn read_text(path: &str, bytes: &[u8], name: &str) -> Result<AddressBook, FindingsError> {
    let value = super::parse_json(path, bytes)?;
    let root = At::root(path);
    let o = field::object(&root, &value)?;
    if o.get("version").and_then(Value::as_u64) != Some(VERSION) {
        return Err(root.key("version").error(format!(
            "expected {VERSION} (an iamtrim Terraform address book, written by `snapshot import --terraform`)"
        )));
    }
    let named = req(o, &root, "book", field::text)?;
    if named != name {
        return Err(root.key("book").error(format!(
            "expected `{name}` (the file's name), found `{}`",
            field::shown(named)
        )));
    }
    let at = root.key("roles");
    let mut roles = BTreeMap::new();
    for (address, arn) in req(o, &root, "roles", field::object)? {
        let at = at.key(address);
        if !is_role_address(address) {
            return Err(at.bad_form("an aws_iam_role address as the key", address));
        }
        let arn = formed(&at, arn, "a role ARN", is_role_arn)?;
        roles.insert(address.clone(), arn.to_string());
    }
    Ok(AddressBook {
        name: name.to_string(),
        roles,
    })
}

/// `terraform/NAME.json` of a snapshot folder.
fn rel(name: &str) -> String {
    format!("{DIR}/{name}.json")
}

/// Checks, before anything is written, that `dir/terraform/NAME.json` can be written without
/// following a symlink or replacing something that is not a regular file.
pub fn check_writable(dir: &Path, name: &str) -> Result<(), FindingsError> {
    for (p, folder) in [(dir.join(DIR), true), (dir.join(rel(name)), false)] {
        let refused = |what: &str| FindingsError::Refused {
            path: p.display().to_string(),
            reason: what.into(),
        };
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_symlink() => return Err(refused("a symlink")),
            Ok(m) if folder && !m.is_dir() => return Err(refused("not a folder")),
            Ok(m) if !folder && !m.is_file() => return Err(refused("not a regular file")),
            _ => {}
        }
    }
    Ok(())
}

/// Writes the book into the snapshot folder `dir`, atomically, replacing its old version.
pub fn write(dir: &Path, book: &AddressBook) -> Result<(), FindingsError> {
    check_writable(dir, &book.name)?;
    let sub = dir.join(DIR);
    let write_err = |path: &Path, source| FindingsError::Write {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&sub).map_err(|e| write_err(&sub, e))?;
    let path = dir.join(rel(&book.name));
    crate::fsio::write_atomic(&path, write_text(book).as_bytes()).map_err(|e| write_err(&path, e))
}

/// The Terraform address books of a snapshot folder, read when first asked for and kept.
#[derive(Debug, Default)]
pub struct Books {
    /// The snapshot folder; `None` for a snapshot file (which holds no books).
    dir: Option<PathBuf>,
    read: Mutex<HashMap<String, Option<Arc<AddressBook>>>>,
}

impl Books {
    pub fn new(snapshot: Option<&Path>) -> Books {
        Books {
            dir: snapshot.filter(|p| p.is_dir()).map(Path::to_path_buf),
            read: Mutex::new(HashMap::new()),
        }
    }

    /// The book `name`, if the snapshot holds one.
    pub fn get(&self, name: &str) -> Result<Option<Arc<AddressBook>>, FindingsError> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        if let Ok(read) = self.read.lock()
            && let Some(b) = read.get(name)
        {
            return Ok(b.clone());
        }
        let rel = rel(name);
        let shown = dir.join(&rel).display().to_string();
        let book = match std::fs::symlink_metadata(dir.join(&rel)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            _ => {
                let bytes = crate::fsio::read_inside(dir, &rel, crate::fsio::MAX_INPUT_BYTES)
                    .map_err(|source| FindingsError::Read {
                        path: shown.clone(),
                        source,
                    })?;
                Some(Arc::new(read_text(&shown, &bytes, name)?))
            }
        };
        if let Ok(mut read) = self.read.lock() {
            read.insert(name.to_string(), book.clone());
        }
        Ok(book)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_of_an_address() {
        let arn = |n: &str| format!("arn:aws:iam::123456789012:role/{n}");
        let book = AddressBook {
            name: "prod".into(),
            roles: [
                ("aws_iam_role.app", arn("a")),
                ("aws_iam_role.app2", arn("b")),
                ("aws_iam_role.per_env[\"dev\"]", arn("c")),
                ("aws_iam_role.per_env[\"prod\"]", arn("d")),
                ("module.m.aws_iam_role.app", arn("e")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        };
        assert_eq!(book.arns_of("aws_iam_role.app"), [arn("a")]);
        assert_eq!(book.arns_of("aws_iam_role.per_env"), [arn("c"), arn("d")]);
        assert_eq!(book.arns_of("module.m.aws_iam_role.app"), [arn("e")]);
        assert!(book.arns_of("aws_iam_role.ap").is_empty());
    }

    #[test]
    fn names_and_addresses() {
        assert!(is_book_name("prod") && is_book_name("eu_west-1") && !is_book_name("../x"));
        assert!(!is_book_name("") && !is_book_name("-x") && !is_book_name("a/b"));
        assert!(is_role_address("module.m.aws_iam_role.x[\"k\"]"));
        assert!(!is_role_address("aws_s3_bucket.x") && !is_role_address("aws_iam_role.\n"));
    }
}
