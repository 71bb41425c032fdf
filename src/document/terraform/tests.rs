use super::*;
use crate::document::{Expect, Read};
use crate::fix::apply;

const DOC: &str = r#"# The app's role
resource "aws_iam_role" "app" {
  name = "MyRole"
}

data "aws_iam_policy_document" "app" {
  statement {
    sid = "Lambda"
    actions = [
      "lambda:AddPermission",   # one a line
      "lambda:Invoke*",
    ]
    resources = ["*"]
  }

  statement {
    effect    = "Allow"
    actions   = ["s3:Get*", "s3:List*"]
    resources = ["arn:aws:s3:::b/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["us-east-1"]
    }
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "app"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app.json
}
"#;

fn tf(text: &str) -> TfRead {
    read(text).unwrap()
}

#[test]
fn a_policy_document_reads_as_statements_with_spans() {
    let r = tf(DOC);
    assert_eq!(r.policies.len(), 1);
    let at = &r.policies[0];
    assert_eq!(at.location, "data.aws_iam_policy_document.app");
    assert!(at.issues.is_empty(), "{:?}", at.issues);
    let s = &at.policy.statements;
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].sid.as_deref(), Some("Lambda"));
    assert_eq!(s[0].input.effect, crate::refine::Effect::Allow);
    assert_eq!(
        s[0].input.patterns,
        vec!["lambda:AddPermission", "lambda:Invoke*"]
    );
    assert_eq!(&DOC[s[1].pattern_spans[0].clone()], "\"s3:Get*\"");
    assert_eq!(&DOC[s[1].action_key_span.clone().unwrap()], "actions");
    assert!(s.iter().all(|s| s.sealed.is_none()));
    // Bound to the role's literal name through the role policy.
    assert_eq!(at.hints.role_names, vec!["role/MyRole"]);
    assert_eq!(at.hints.roles, vec!["aws_iam_role.app"]);
    assert!(at.hints.terraform);
}

#[test]
fn edits_of_a_document() {
    let r = tf(DOC);
    let p = &r.policies[0].policy;
    let edit = |e: PolicyEdit| apply(DOC, &[r.tf.render(DOC, &r.policies[0], &e).unwrap()]);
    let removed = edit(PolicyEdit::RemoveEntry {
        statement: 0,
        entry: 0,
    });
    assert!(removed.contains("actions = [\n      \"lambda:Invoke*\",\n    ]"));
    let replaced = edit(PolicyEdit::ReplaceEntry {
        statement: 1,
        entry: 0,
        with: vec!["s3:GetObject*".into(), "s3:GetMulti*".into()],
    });
    assert!(replaced.contains("actions   = [\"s3:GetObject*\", \"s3:GetMulti*\", \"s3:List*\"]"));
    let appended = edit(PolicyEdit::AppendNotAction {
        statement: 0,
        with: vec!["lambda:Delete*".into()],
    });
    assert!(appended.contains("      \"lambda:Invoke*\",\n      \"lambda:Delete*\",\n    ]"));
    let gone = edit(PolicyEdit::RemoveStatement { statement: 0 });
    assert!(gone.contains("data \"aws_iam_policy_document\" \"app\" {\n  statement {\n    effect"));
    assert_eq!(p.statements.len(), 2);
}

#[test]
fn what_terraform_computes_is_sealed_with_a_reason() {
    let text = r#"
data "aws_iam_policy_document" "x" {
  statement {
    actions   = ["s3:${var.verb}"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = var.statements
    content {
      actions = statement.value.actions
    }
  }
  statement {
    actions = ["s3:GetObject"]
    dynamic "condition" {
      for_each = var.c
      content {}
    }
  }
  statement {
    actions = ["s3:PutObject"]
  }
}
"#;
    let r = tf(text);
    let s = &r.policies[0].policy.statements;
    assert_eq!(s.len(), 4);
    assert!(s[0].sealed.unwrap().contains("Terraform expression"));
    assert_eq!(s[1].sealed, Some("the statement is a `dynamic` block"));
    assert_eq!(s[2].sealed, Some("the statement has a `dynamic` block"));
    assert_eq!(s[3].sealed, None);
    assert!(s[..3].iter().all(|s| s.patterns.iter().all(|p| p.opaque)));
    // Sources only: the block's own statements are in the merged document, judged.
    let merged = "data \"aws_iam_policy_document\" \"m\" {\n  source_policy_documents = [data.aws_iam_policy_document.x.json]\n  statement {\n    sid = \"A\"\n    actions = [\"s3:GetObject\"]\n  }\n}\n";
    let r = tf(merged);
    assert_eq!(r.policies[0].policy.statements[0].sealed, None);
    // Overrides: a `sid` an override exports is replaced; an unknown override may replace any
    // `sid`; a statement without one (or a blank one) is always kept.
    let over = |overrides: &str| {
        format!(
            "data \"aws_iam_policy_document\" \"o\" {{\n  statement {{\n    sid = \"A\"\n    actions = [\"s3:PutObject\"]\n  }}\n  statement {{\n    sid = \"C\"\n    actions = [\"s3:PutObject\"]\n  }}\n}}\ndata \"aws_iam_policy_document\" \"m\" {{\n  override_policy_documents = {overrides}\n  statement {{\n    sid = \"A\"\n    actions = [\"s3:GetObject\"]\n  }}\n  statement {{\n    sid = \"B\"\n    actions = [\"s3:GetObject\"]\n  }}\n  statement {{\n    actions = [\"s3:GetObject\"]\n  }}\n  statement {{\n    sid = \"\"\n    actions = [\"s3:GetObject\"]\n  }}\n}}\n"
        )
    };
    let sealed = |overrides: &str| -> Vec<Option<&'static str>> {
        let r = tf(&over(overrides));
        let m = r
            .policies
            .iter()
            .find(|p| p.location == "data.aws_iam_policy_document.m")
            .unwrap();
        m.policy.statements.iter().map(|s| s.sealed).collect()
    };
    let replaced = Some("an `override_policy_documents` statement of the same `sid` replaces it");
    assert_eq!(
        sealed("[data.aws_iam_policy_document.o.json]"),
        [replaced, None, None, None]
    );
    assert_eq!(
        sealed("compact([data.aws_iam_policy_document.o.json, null])"),
        [replaced, None, None, None]
    );
    for unknown in [
        "[var.extra]",
        "[data.aws_iam_policy_document.o.json, var.extra]",
        "[data.aws_iam_policy_document.elsewhere.json]",
        "local.docs",
    ] {
        let s = sealed(unknown);
        assert!(
            s[0].unwrap().contains("may replace") && s[1].unwrap().contains("may replace"),
            "{unknown}: {s:?}"
        );
        assert_eq!(s[2..], [None, None], "{unknown}");
    }
    assert!(r.notes.is_empty());
}

#[test]
fn the_models_words_are_reworded() {
    // The policy model's reasons this adapter puts in Terraform's words.
    let text = "resource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({\n    Statement = [{ Effect = var.e, Action = \"s3:GetObject\" }, { Effect = \"Allow\", Action = [local.a] }, var.s]\n  })\n}\n";
    let r = tf(text);
    let s = &r.policies[0].policy.statements;
    assert_eq!(s[0].sealed, Some("its effect is a Terraform expression"));
    assert!(
        s[1].sealed
            .unwrap()
            .starts_with("an action is a Terraform expression")
    );
    assert_eq!(s[2].sealed, Some("the statement is a Terraform expression"));
}

#[test]
fn jsonencode_and_heredocs() {
    let text = "\u{feff}resource \"aws_iam_role_policy\" \"j\" {\n  role = \"MyRole\"\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [\n      {\n        Effect = \"Allow\"\n        Action = \"s3:Get*\"\n        Resource = \"*\"\n      },\n    ]\n  })\n}\n\nresource \"aws_iam_policy\" \"h\" {\n  policy = <<-EOF\n    {\n      \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"s3:Get*\", \"s3:List*\"], \"Resource\": \"${aws_s3_bucket.b.arn}\"}]\n    }\n  EOF\n}\n";
    let r = tf(text);
    assert_eq!(r.policies.len(), 2);
    let j = &r.policies[0];
    assert_eq!(j.location, "aws_iam_role_policy.j");
    assert_eq!(j.hints.role_names, vec!["role/MyRole"]);
    assert_eq!(
        &text[j.policy.statements[0].pattern_spans[0].clone()],
        "\"s3:Get*\""
    );
    let fixed = apply(
        text,
        &[r.tf
            .render(
                text,
                j,
                &PolicyEdit::ReplaceEntry {
                    statement: 0,
                    entry: 0,
                    with: vec!["s3:GetA".into(), "s3:GetB".into()],
                },
            )
            .unwrap()],
    );
    assert!(
        fixed.contains(
            "        Action = [\n          \"s3:GetA\",\n          \"s3:GetB\"\n        ]\n"
        ),
        "{fixed}"
    );
    let inline = "resource \"aws_iam_policy\" \"i\" {\n  policy = jsonencode({ Statement = [{ Effect = \"Allow\", Action = \"s3:Get*\" }] })\n}\n";
    let ri = tf(inline);
    let e = PolicyEdit::ReplaceEntry {
        statement: 0,
        entry: 0,
        with: vec!["s3:GetA".into(), "s3:GetB".into()],
    };
    let fixed_inline = apply(
        inline,
        &[ri.tf.render(inline, &ri.policies[0], &e).unwrap()],
    );
    assert!(
        fixed_inline.contains("Action = [\"s3:GetA\", \"s3:GetB\"] }"),
        "{fixed_inline}"
    );
    let h = &r.policies[1];
    assert!(h.issues.is_empty(), "{:?}", h.issues);
    assert_eq!(h.hints.role_names, Vec::<String>::new());
    let s = &h.policy.statements[0];
    assert_eq!(&text[s.pattern_spans[1].clone()], "\"s3:List*\"");
    let fixed = apply(
        text,
        &[r.tf
            .render(
                text,
                h,
                &PolicyEdit::RemoveEntry {
                    statement: 0,
                    entry: 0,
                },
            )
            .unwrap()],
    );
    assert!(fixed.contains("\"Action\": [\"s3:List*\"]"), "{fixed}");
    // The document layer reads it the same way, BOM and all.
    let Read::Document(doc) = crate::document::read(text, Expect::Detect) else {
        panic!("not read");
    };
    assert_eq!(doc.policies.len(), 2);
}

#[test]
fn a_broken_heredoc_is_an_issue_of_its_policy() {
    let text =
        "resource \"aws_iam_policy\" \"h\" {\n  policy = <<EOF\n{\"Statement\": [}\nEOF\n}\n";
    let r = tf(text);
    assert_eq!(r.policies[0].issues.len(), 1);
    assert!(
        r.policies[0].issues[0]
            .message
            .starts_with("invalid JSON in the heredoc")
    );
}

#[test]
fn terraform_without_iam_and_broken_hcl() {
    let plain = "provider \"aws\" {\n  region = \"us-east-1\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  policy = <<EOF\n{\"Statement\": []}\nEOF\n}\n";
    assert!(matches!(
        crate::document::read(plain, Expect::Detect),
        Read::NotPolicy
    ));
    let broken = "resource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({\n}\n";
    let Read::Invalid(e) = crate::document::read(broken, Expect::Detect) else {
        panic!("not invalid");
    };
    assert!(e.message.starts_with("invalid HCL"), "{}", e.message);
    let deep = format!(
        "resource \"aws_iam_policy\" \"p\" {{\n  x = {}\n}}\n",
        "[".repeat(100_000)
    );
    assert!(matches!(
        crate::document::read(&deep, Expect::Detect),
        Read::Invalid(_)
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, failure_persistence: None, ..Default::default() })]

    /// Whatever the bytes, reading never panics and every span lies on the text's char
    /// boundaries.
    #[test]
    fn reading_never_panics(
        body in "[a-z_ \"=\\[\\]{}(),.$<>\\-#/*\\n\u{e9}]{0,80}",
        kind in 0usize..3,
    ) {
        let head = [
            "data \"aws_iam_policy_document\" \"x\" {\n  statement {\n    actions = ",
            "resource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode(",
            "resource \"aws_iam_policy\" \"p\" {\n  policy = <<-EOF\n",
        ][kind];
        let text = format!("{head}{body}\n");
        if let Read::Document(doc) = crate::document::read(&text, Expect::Detect) {
            for at in &doc.policies {
                for s in &at.policy.statements {
                    for p in &s.pattern_spans {
                        proptest::prop_assert!(text.get(p.clone()).is_some());
                    }
                }
            }
        }
    }
}

/// The hints of the policy at `location` of a text.
fn hints_of(text: &str, location: &str) -> Hints {
    tf(text)
        .policies
        .into_iter()
        .find(|p| p.location == location)
        .map(|p| p.hints)
        .unwrap()
}

const JSON_POLICY: &str = r#"jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })"#;

#[test]
fn roles_named_by_patterns_are_hints_only_where_no_literal_names_bind() {
    use names::{Form, NamePattern};
    let text = format!(
        r#"resource "aws_iam_role" "app" {{
  name_prefix = "app-"
}}
resource "aws_iam_role" "named" {{
  name = "MyRole"
}}
resource "aws_iam_role" "env" {{
  name = "${{var.env}}-app"
}}
resource "aws_iam_role" "many" {{
  for_each    = var.roles
  name_prefix = "many-"
}}
resource "aws_iam_policy" "both" {{
  policy = {JSON_POLICY}
}}
resource "aws_iam_role_policy_attachment" "app" {{
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.both.arn
}}
resource "aws_iam_role_policy_attachment" "named" {{
  role       = aws_iam_role.named.name
  policy_arn = aws_iam_policy.both.arn
}}
resource "aws_iam_role_policy" "env" {{
  role   = aws_iam_role.env.id
  policy = {JSON_POLICY}
}}
resource "aws_iam_role_policy" "many" {{
  role   = aws_iam_role.many["a"].id
  policy = {JSON_POLICY}
}}
resource "aws_iam_role_policy" "named" {{
  role   = "MyRole"
  policy = {JSON_POLICY}
}}
resource "aws_iam_role_policy" "caller" {{
  role   = var.role_name
  policy = {JSON_POLICY}
}}
"#
    );
    // A literal name and a prefix: both, as patterns.
    let both = hints_of(&text, "aws_iam_policy.both");
    assert!(both.role_names.is_empty());
    assert_eq!(
        both.name_patterns,
        [
            NamePattern {
                role: "aws_iam_role.app".into(),
                form: Form::Prefix("app-".into())
            },
            NamePattern {
                role: "aws_iam_role.named".into(),
                form: Form::Literal("MyRole".into())
            },
        ]
    );
    // An interpolated `name`: its pieces.
    let env = hints_of(&text, "aws_iam_role_policy.env");
    assert_eq!(
        env.name_patterns,
        [NamePattern {
            role: "aws_iam_role.env".into(),
            form: Form::Template {
                pieces: vec!["-app".into()],
                start: false,
                end: true
            }
        }]
    );
    // Several roles of `for_each`: no pattern.
    let many = hints_of(&text, "aws_iam_role_policy.many");
    assert!(many.name_patterns.is_empty() && many.role_names.is_empty());
    // Literal names alone bind as before, with no patterns.
    let named = hints_of(&text, "aws_iam_role_policy.named");
    assert_eq!(named.role_names, ["role/MyRole"]);
    assert!(named.name_patterns.is_empty());
    // A role the module's caller gives.
    let caller = hints_of(&text, "aws_iam_role_policy.caller");
    assert_eq!(caller.caller_roles, ["var.role_name"]);
    assert!(caller.name_patterns.is_empty() && caller.role_names.is_empty());
}

/// Fuzz input `tests/data/fuzz/terraform_document/crash-error-offset-multibyte`: a text ending
/// inside an unclosed expression with a multi-byte character got a parse error offset inside
/// that character, and slicing there panicked.
#[test]
fn a_syntax_error_inside_a_multibyte_character_is_spanned_on_it() {
    for text in [
        "resource \"aws_iam_role\" \"a\" {\n  name = (é",
        "resource \"aws_iam_role\" \"a\" {\n  x = (\u{fffd}",
        "locals {\n  x = [\"a\", 🦀",
        "resource \"aws_iam_policy\" \"p\" {\n  policy = <<EOF\n{}\nEOF\n  # hered\u{fffd}oc (\u{fffd}",
    ] {
        if let Err(e) = read(text) {
            assert!(
                text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end),
                "{text:?}: {:?}",
                e.span
            );
        }
        let _ = crate::document::read(text, Expect::Detect);
    }
}
