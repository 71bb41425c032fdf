//! A role's name that the HCL gives only in part: `name_prefix = "app-"` (the AWS provider adds
//! a unique suffix of 26 characters: a timestamp of 18 digits and a counter of 8 hex digits) or
//! an interpolated `name = "${var.env}-app"` (its literal pieces, in order, anchored where no
//! interpolation stands before the first or after the last). Binding step 4: the one role of the
//! snapshot whose name fits.

use hcl_edit::expr::Expression;
use hcl_edit::template::Element;

/// How a role of a policy is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// A literal name.
    Literal(String),
    /// `name_prefix`: the prefix, then Terraform's unique suffix.
    Prefix(String),
    /// An interpolated `name`: its literal pieces, with an interpolation between each two, and
    /// before the first (after the last) unless `start` (`end`).
    Template {
        pieces: Vec<String>,
        start: bool,
        end: bool,
    },
}

/// A role of a policy and how the HCL names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    /// The role's address (`aws_iam_role.app`; empty for a literal `role = "MyRole"`).
    pub role: String,
    pub form: Form,
}

/// The length of the suffix Terraform adds to a `name_prefix`.
const UNIQUE_SUFFIX: usize = 26;

impl Form {
    /// The pattern of an interpolated string: `None` for anything else (a directive, or no
    /// literal piece at all: a name that is only a variable fits every role).
    pub(super) fn of_template(e: &Expression) -> Option<Form> {
        let Expression::StringTemplate(t) = e else {
            return None;
        };
        let mut pieces: Vec<String> = Vec::new();
        let (mut start, mut end) = (true, true);
        let mut hole = false;
        for el in t.iter() {
            match el {
                Element::Literal(s) if s.value().is_empty() => {}
                Element::Literal(s) => {
                    match pieces.last_mut() {
                        Some(last) if !hole => last.push_str(s.value()),
                        _ => pieces.push(s.value().clone()),
                    }
                    hole = false;
                }
                Element::Interpolation(_) => {
                    if pieces.is_empty() {
                        start = false;
                    }
                    hole = true;
                }
                Element::Directive(_) => return None,
            }
        }
        if hole {
            end = false;
        }
        (!pieces.is_empty()).then_some(Form::Template { pieces, start, end })
    }

    /// Whether a role's name (the last part of its ARN's path) fits.
    pub fn fits(&self, name: &str) -> bool {
        match self {
            Form::Literal(n) => n == name,
            Form::Prefix(p) => name.strip_prefix(p.as_str()).is_some_and(|rest| {
                let b = rest.as_bytes();
                b.len() == UNIQUE_SUFFIX
                    && b[..18].iter().all(u8::is_ascii_digit)
                    && b[18..]
                        .iter()
                        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            }),
            Form::Template { pieces, start, end } => fits_pieces(name, pieces, *start, *end),
        }
    }

    /// How the HCL writes it, for messages: `name_prefix = "app-"`, `name = "${…}-app"`.
    pub fn written(&self) -> String {
        match self {
            Form::Literal(n) => format!("name = \"{n}\""),
            Form::Prefix(p) => format!("name_prefix = \"{p}\""),
            Form::Template { pieces, start, end } => {
                let mut s = String::new();
                if !start {
                    s.push_str("${…}");
                }
                s.push_str(&pieces.join("${…}"));
                if !end {
                    s.push_str("${…}");
                }
                format!("name = \"{s}\"")
            }
        }
    }
}

/// Whether `name` holds `pieces` in order, an interpolation (any run, empty too) between each
/// two, the first at the start when `start`, the last at the end when `end`.
fn fits_pieces(name: &str, pieces: &[String], start: bool, end: bool) -> bool {
    let mut rest = name;
    let mut pieces = pieces;
    if start {
        let Some((first, tail)) = pieces.split_first() else {
            return false;
        };
        let Some(r) = rest.strip_prefix(first.as_str()) else {
            return false;
        };
        rest = r;
        pieces = tail;
        if pieces.is_empty() {
            // No interpolation after it: the whole name, unless one follows.
            return !end || rest.is_empty();
        }
    }
    if end {
        let Some((last, init)) = pieces.split_last() else {
            return false;
        };
        let Some(r) = rest.strip_suffix(last.as_str()) else {
            return false;
        };
        rest = r;
        pieces = init;
    }
    // Each piece left has an interpolation on either side: the leftmost place of each is as good
    // as any.
    for p in pieces {
        let Some(at) = rest.find(p.as_str()) else {
            return false;
        };
        rest = &rest[at + p.len()..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(src: &str) -> Option<Form> {
        let body = hcl_edit::parser::parse_body(&format!("name = {src}\n")).unwrap();
        let attr = body.get_attribute("name").unwrap();
        Form::of_template(&attr.value)
    }

    #[test]
    fn interpolated_names_keep_their_literal_pieces_and_anchors() {
        assert_eq!(
            template("\"${var.env}-app\""),
            Some(Form::Template {
                pieces: vec!["-app".into()],
                start: false,
                end: true
            })
        );
        assert_eq!(
            template("\"app-${local.suffix}\""),
            Some(Form::Template {
                pieces: vec!["app-".into()],
                start: true,
                end: false
            })
        );
        assert_eq!(
            template("\"${var.a}${var.b}-x-${var.c}-y\""),
            Some(Form::Template {
                pieces: vec!["-x-".into(), "-y".into()],
                start: false,
                end: true
            })
        );
        assert_eq!(template("\"${var.name}\""), None);
        assert_eq!(template("\"%{if var.a}a%{endif}-app\""), None);
        assert_eq!(template("var.name"), None);
    }

    #[test]
    fn names_fit_the_pieces_in_order_and_where_anchored() {
        let t = |src: &str| template(src).unwrap();
        let suffix = t("\"${var.env}-app\"");
        assert!(suffix.fits("prod-app"));
        assert!(suffix.fits("-app"));
        assert!(!suffix.fits("prod-app-2"));
        assert!(!suffix.fits("prod-ap"));
        let prefix = t("\"app-${local.suffix}\"");
        assert!(prefix.fits("app-blue"));
        assert!(!prefix.fits("my-app-blue"));
        let both = t("\"app-${var.env}-worker\"");
        assert!(both.fits("app-prod-worker"));
        assert!(both.fits("app--worker"));
        // The two pieces may not overlap.
        assert!(!both.fits("app-worker"));
        assert!(!both.fits("app-prod-worker-2"));
        let middle = t("\"${var.a}-x-${var.b}-y-${var.c}\"");
        assert!(middle.fits("a-x-b-y-c"));
        assert!(middle.fits("-x--y-"));
        assert!(!middle.fits("a-y-b-x-c"));
    }

    #[test]
    fn a_name_prefix_fits_names_with_terraforms_unique_suffix() {
        let p = Form::Prefix("app-".into());
        assert!(p.fits("app-20240601120000000000000001"));
        assert!(p.fits("app-2024060112000000000000a0f1"));
        assert!(!p.fits("app-admin"));
        assert!(!p.fits("app-2024060112000000000000000"));
        assert!(!p.fits("app-202406011200000000000000012"));
        assert!(!p.fits("app-20240601120000000000000A01"));
        assert!(!p.fits("app-x0240601120000000000000001"));
        assert!(!p.fits("my-app-20240601120000000000000001"));
        assert_eq!(p.written(), "name_prefix = \"app-\"");
    }
}
