//! Property test of Terraform fixes: random policies as an `aws_iam_policy_document`, as
//! `jsonencode` and as `<<-EOF` heredoc JSON, in random layouts; fixed, they mean exactly what
//! the same policy fixed as a JSON file means (read back by hcl-edit, not by our adapter), and no
//! byte outside the policy changed.

use crate::properties::{POOL, build_pattern, case_strategy};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Structure;
use iamtrim::catalog::Catalog;
use iamtrim::diagnostic::Applicability;
use iamtrim::findings::UnusedSet;
use iamtrim::findings::binding::Evidence;
use iamtrim::lint;
use proptest::prelude::*;
use serde_json::{Value, json};

const HEADER: &str = "# generated\nresource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n}\n\n";
const TRAILER: &str =
    "\nresource \"aws_sqs_queue\" \"q\" {\n  name = \"q-${var.env}\" # after\n}\n";

fn quoted(p: &str) -> String {
    serde_json::to_string(p).unwrap()
}

/// A list in one of the layouts real modules use.
fn list(items: &[String], layout: u8, indent: &str) -> String {
    let q: Vec<String> = items.iter().map(|p| quoted(p)).collect();
    match layout % 3 {
        0 => format!("[{}]", q.join(", ")),
        1 => format!(
            "[\n{indent}  {},\n{indent}]",
            q.join(&format!(",\n{indent}  "))
        ),
        _ => format!(
            "[\n{indent}  {}\n{indent}]",
            q.join(&format!(",\n{indent}  "))
        ),
    }
}

/// JSON as hcl-edit reads the HCL (jsonencode's view of an expression).
fn hcl_json(e: &Expression) -> Value {
    match e {
        Expression::String(s) => json!(s.value()),
        Expression::Array(a) => Value::Array(a.iter().map(hcl_json).collect()),
        Expression::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Ident(i) => i.value().as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        other => panic!("key {other:?}"),
                    };
                    (key, hcl_json(v.expr()))
                })
                .collect(),
        ),
        other => panic!("not literal: {other:?}"),
    }
}

/// The fixed policy, read back from the HCL: its statements as JSON, `Action` always a list.
fn read_back(text: &str, style: u8) -> Value {
    let body = hcl_edit::parser::parse_body(text).unwrap();
    let mut statements: Vec<Value> = Vec::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        if style == 0 && labels == ["aws_iam_policy_document", "p"] {
            for s in block.body.iter() {
                let Structure::Block(st) = s else { continue };
                let mut v = json!({"Effect": "Allow"});
                for a in st.body.attributes() {
                    let key = match a.key.value().as_str() {
                        "sid" => "Sid",
                        "effect" => "Effect",
                        "actions" => "Action",
                        "not_actions" => "NotAction",
                        "resources" => "Resource",
                        other => panic!("{other}"),
                    };
                    v[key] = hcl_json(&a.value);
                }
                statements.push(v);
            }
        } else if labels == ["aws_iam_role_policy", "p"] && style > 0 {
            let policy = &block.body.get_attribute("policy").unwrap().value;
            let doc = match policy {
                Expression::FuncCall(f) => hcl_json(f.args.iter().next().unwrap()),
                Expression::HeredocTemplate(_) => {
                    let (_, rest) = text.split_once("<<-EOF\n").unwrap();
                    let (json, _) = rest.split_once("\n  EOF\n").unwrap();
                    serde_json::from_str(json).unwrap()
                }
                _ => continue,
            };
            statements = doc["Statement"].as_array().unwrap().clone();
        }
    }
    normalized(statements)
}

fn normalized(mut statements: Vec<Value>) -> Value {
    for s in &mut statements {
        for key in ["Action", "NotAction", "Resource"] {
            if let Some(Value::String(one)) = s.get(key) {
                s[key] = json!([one]);
            }
        }
    }
    Value::Array(statements)
}

fn render(statements: &[Value], style: u8, layout: u8) -> String {
    let mut out = String::from(HEADER);
    match style % 3 {
        0 => {
            out.push_str("data \"aws_iam_policy_document\" \"p\" {\n");
            for (i, s) in statements.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                out.push_str("  statement {\n");
                out.push_str(&format!(
                    "    sid = {}\n",
                    quoted(s["Sid"].as_str().unwrap())
                ));
                if s["Effect"] == "Deny" || layout.wrapping_add(i as u8).is_multiple_of(2) {
                    out.push_str(&format!("    effect = {}\n", s["Effect"]));
                }
                let (key, value) = match s.get("Action") {
                    Some(a) => ("actions", a),
                    None => ("not_actions", &s["NotAction"]),
                };
                let items: Vec<String> = match value {
                    Value::String(p) => vec![p.clone()],
                    v => v
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap().to_string())
                        .collect(),
                };
                out.push_str(&format!(
                    "    {key} = {}\n",
                    list(&items, layout.wrapping_add(i as u8), "    ")
                ));
                out.push_str("    resources = [\"*\"]\n  }\n");
            }
            out.push_str("}\n\nresource \"aws_iam_role_policy\" \"p\" {\n  role   = aws_iam_role.r.name\n  policy = data.aws_iam_policy_document.p.json\n}\n");
        }
        1 => {
            out.push_str("resource \"aws_iam_role_policy\" \"p\" {\n  role = aws_iam_role.r.id\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [\n");
            for (i, s) in statements.iter().enumerate() {
                let (key, value) = match s.get("Action") {
                    Some(a) => ("Action", a),
                    None => ("NotAction", &s["NotAction"]),
                };
                let written = match value {
                    Value::String(p) => quoted(p),
                    v => {
                        let items: Vec<String> = v
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| p.as_str().unwrap().to_string())
                            .collect();
                        list(&items, layout.wrapping_add(i as u8), "        ")
                    }
                };
                out.push_str(&format!(
                    "      {{\n        Sid = {}\n        Effect = {}\n        {key} = {written}\n        Resource = \"*\"\n      }},\n",
                    quoted(s["Sid"].as_str().unwrap()),
                    s["Effect"]
                ));
            }
            out.push_str("    ]\n  })\n}\n");
        }
        _ => {
            let doc = json!({"Version": "2012-10-17", "Statement": statements});
            let pretty = serde_json::to_string_pretty(&doc).unwrap();
            let indented: Vec<String> = pretty.lines().map(|l| format!("    {l}")).collect();
            out.push_str(&format!(
                "resource \"aws_iam_role_policy\" \"p\" {{\n  role = aws_iam_role.r.name\n  policy = <<-EOF\n{}\n  EOF\n}}\n",
                indented.join("\n")
            ));
        }
    }
    out.push_str(TRAILER);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn terraform_fixes_mean_what_file_fixes_mean(case in case_strategy(), style in 0u8..3, layout in any::<u8>()) {
        let cat = Catalog::embedded();
        let statements: Vec<Value> = case.statements.iter().enumerate().map(|(i, s)| {
            let patterns: Vec<String> = s.patterns.iter().map(|p| build_pattern(cat, p)).collect();
            // A document's actions are always a list; jsonencode and JSON take a string too.
            let actions = if patterns.len() == 1 && style > 0 { json!(patterns[0]) } else { json!(patterns) };
            let key = if s.not_action { "NotAction" } else { "Action" };
            json!({"Sid": format!("S{i}"), "Effect": if s.deny { "Deny" } else { "Allow" }, key: actions, "Resource": "*"})
        }).collect();
        let file = serde_json::to_string_pretty(&json!({"Version": "2012-10-17", "Statement": statements})).unwrap();
        let text = render(&statements, style, layout);
        let mut unused = UnusedSet::default();
        for &(s, a) in &case.unused {
            let service = cat.service(cat.service_index(POOL[s]).unwrap());
            unused.add_action(POOL[s], &service.actions[a % service.actions.len()].name);
        }
        for &s in &case.whole {
            unused.add_service(POOL[s]);
        }
        let evidence = Evidence {
            bound: vec!["role/r".into()],
            found: vec!["arn:aws:iam::1:role/r".into()],
            unused,
            ..Evidence::default()
        };
        let levels = crate::common::engine_only();
        let fixed_file = lint::fix(&file, Applicability::Unsafe, &evidence, cat, &levels)
            .map_err(|e| TestCaseError::fail(format!("file: {e}")))?;
        let fixed = lint::fix(&text, Applicability::Unsafe, &evidence, cat, &levels)
            .map_err(|e| TestCaseError::fail(format!("terraform: {e}\n{text}")))?;
        prop_assert_eq!(fixed.applied, fixed_file.applied, "{}\n{}", text, fixed.text);
        let want: Value = serde_json::from_str(&fixed_file.text).unwrap();
        let want = normalized(want["Statement"].as_array().unwrap().clone());
        prop_assert_eq!(read_back(&fixed.text, style), want, "{}", fixed.text);
        prop_assert!(fixed.text.starts_with(HEADER) && fixed.text.ends_with(TRAILER), "{}", fixed.text);
    }
}
