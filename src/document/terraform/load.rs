//! `file(...)` and `templatefile(...)` policies: the JSON file a policy attribute loads, when its
//! path is known statically (`path.module`, `path.root` or a literal relative path) and stays in
//! the module's folder. That file is checked as a policy file of its own, bound through the HCL;
//! any other path is not followed, and nothing outside the folder is ever read for it.

use super::convert::reference;
use hcl_edit::expr::Expression;
use hcl_edit::template::Element;

/// Where a policy attribute's `file()` or `templatefile()` leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Loaded {
    /// A file of the module's folder (or below): its path from there, `/`-separated, normalized.
    Path(String),
    /// Not followed, and why.
    Not(&'static str),
}

const NOT_STATIC: &str = "its path is not known statically";

/// What `e` loads, if it is a `file(PATH)` or `templatefile(PATH, VARS)` call.
pub(super) fn loaded(e: &Expression) -> Option<Loaded> {
    let Expression::FuncCall(f) = e else {
        return None;
    };
    let name = f.name.name.value().as_str();
    if !f.name.namespace.is_empty() || !matches!(name, "file" | "templatefile") {
        return None;
    }
    let Some(arg) = f.args.iter().next() else {
        return Some(Loaded::Not(NOT_STATIC));
    };
    Some(
        written(arg).map_or_else(Loaded::Not, |(from_module, path)| {
            resolve(from_module, &path)
        }),
    )
}

const ROOT: &str = "`path.root` is the folder Terraform runs in, not known from this file";

/// The path as written: whether it starts with `${path.module}`, and the literal rest; `None`
/// when anything else is interpolated. (`${path.root}` is the root module's folder, which a
/// child module cannot know: not followed. A bare relative path is taken from the module's
/// folder, as Terraform does when it runs in that folder, the root module.)
fn written(arg: &Expression) -> Result<(bool, String), &'static str> {
    match arg {
        Expression::String(s) => Ok((false, s.value().clone())),
        Expression::StringTemplate(t) => {
            let mut from_module = false;
            let mut path = String::new();
            for (i, el) in t.iter().enumerate() {
                match el {
                    Element::Literal(l) => path.push_str(l.value()),
                    Element::Interpolation(x)
                        if i == 0
                            && matches!(
                                reference(&x.expr).as_deref(),
                                Some(["path", "module"])
                            ) =>
                    {
                        from_module = true;
                    }
                    Element::Interpolation(x)
                        if i == 0
                            && matches!(reference(&x.expr).as_deref(), Some(["path", "root"])) =>
                    {
                        return Err(ROOT);
                    }
                    _ => return Err(NOT_STATIC),
                }
            }
            Ok((from_module, path))
        }
        Expression::Parenthesis(p) => written(p.inner()),
        _ => Err(NOT_STATIC),
    }
}

/// A written path, relative to the module's folder, normalized; `..` may not leave the folder.
fn resolve(from_module: bool, path: &str) -> Loaded {
    let rest = match (from_module, path.strip_prefix('/')) {
        (true, Some(rest)) => rest,
        (true, None) if path.is_empty() => return Loaded::Not(NOT_STATIC),
        // `${path.module}x.json`: no folder separator, no file we can name.
        (true, None) => return Loaded::Not(NOT_STATIC),
        (false, Some(_)) => return Loaded::Not("an absolute path"),
        (false, None) => path,
    };
    if rest.contains(['\\', '\0', ':']) || rest.starts_with('~') {
        return Loaded::Not("not a plain relative path");
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Loaded::Not("its path leaves the module's folder");
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Loaded::Not(NOT_STATIC);
    }
    Loaded::Path(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(src: &str) -> Option<Loaded> {
        let text = format!("x = {src}\n");
        let body = hcl_edit::parser::parse_body(&text).unwrap();
        loaded(&body.get_attribute("x").unwrap().value)
    }

    #[test]
    fn static_paths_resolve_in_the_module() {
        let path = |p: &str| Some(Loaded::Path(p.to_string()));
        assert_eq!(of("file(\"policy.json\")"), path("policy.json"));
        assert_eq!(of("file(\"./a/../policy.json\")"), path("policy.json"));
        assert_eq!(
            of("file(\"${path.module}/policies/app.json\")"),
            path("policies/app.json")
        );
        assert_eq!(
            of("templatefile(\"${path.module}/app.json.tpl\", { a = 1 })"),
            path("app.json.tpl")
        );
        assert_eq!(of("jsonencode({})"), None);
        assert_eq!(of("data.x.y.json"), None);
    }

    #[test]
    fn other_paths_are_not_followed() {
        let not = |why: &'static str| Some(Loaded::Not(why));
        assert_eq!(of("file(var.policy)"), not(NOT_STATIC));
        assert_eq!(of("file(\"${var.dir}/p.json\")"), not(NOT_STATIC));
        assert_eq!(of("file(\"${path.cwd}/p.json\")"), not(NOT_STATIC));
        // Found in review: `path.root` in a child module is the caller's folder, and a file of
        // that name in the module's folder was bound and fixed instead of the deployed one.
        assert_eq!(of("file(\"${path.root}/policies/app.json\")"), not(ROOT));
        assert_eq!(of("file(\"a/${var.x}.json\")"), not(NOT_STATIC));
        assert_eq!(of("file(\"/etc/passwd\")"), not("an absolute path"));
        assert_eq!(
            of("file(\"${path.module}/../../secret.json\")"),
            not("its path leaves the module's folder")
        );
        assert_eq!(
            of("file(\"../policy.json\")"),
            not("its path leaves the module's folder")
        );
        assert_eq!(
            of("file(\"C:\\\\p.json\")"),
            not("not a plain relative path")
        );
        assert_eq!(of("file()"), not(NOT_STATIC));
    }
}
