//! Property tests of the JSON span parser and of fix application: random policies in random
//! styles, random unused sets; every fix verifies, converges, and leaves valid JSON.

use crate::properties::{POOL, build_pattern, case_strategy};
use iamtrim::catalog::Catalog;
use iamtrim::diagnostic::Applicability;
use iamtrim::findings::UnusedSet;
use iamtrim::findings::binding::Evidence;
use iamtrim::lint::{self, Expect};
use iamtrim::policy::json::{self, Kind};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Our tree as serde_json's, to compare.
fn to_serde(v: &json::Value) -> Value {
    match &v.kind {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Number(n) => serde_json::from_str(n).unwrap(),
        Kind::String(s) => Value::String(s.clone()),
        Kind::Array(a) => Value::Array(a.iter().map(to_serde).collect()),
        Kind::Object(m) => {
            let mut map = serde_json::Map::new();
            for member in m {
                map.entry(member.key.clone())
                    .or_insert_with(|| to_serde(&member.value));
            }
            Value::Object(map)
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn check_spans(text: &str, v: &json::Value) -> Result<(), TestCaseError> {
    let slice = &text[v.span.clone()];
    let reparsed: Value = serde_json::from_str(slice)
        .map_err(|e| TestCaseError::fail(format!("span {slice:?}: {e}")))?;
    prop_assert_eq!(reparsed, to_serde(v));
    match &v.kind {
        Kind::Array(items) => {
            for i in items {
                check_spans(text, i)?;
            }
        }
        Kind::Object(members) => {
            for m in members {
                let key: String = serde_json::from_str(&text[m.key_span.clone()]).unwrap();
                prop_assert_eq!(&key, &m.key);
                check_spans(text, &m.value)?;
            }
        }
        _ => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any text: an answer, never a panic; errors point inside the text.
    #[test]
    fn parser_never_panics(text in "\\PC{0,64}|[\\[\\]{}\",:0-9a-z \\\\\\n]{0,64}") {
        match json::parse(&text) {
            Ok(v) => prop_assert!(serde_json::from_str::<Value>(&text).is_ok() || v.span.end <= text.len()),
            Err(e) => prop_assert!(e.span.end <= text.len() && e.span.start <= e.span.end),
        }
    }

    /// Valid JSON, pretty or compact: parsed, equal to serde_json's reading, and every span
    /// re-parses to the value it covers.
    #[test]
    fn parser_agrees_with_serde_json_and_spans_are_exact(v in json_value(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() };
        let parsed = json::parse(&text).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        // Compared with serde_json's reading of the same text (its float parsing is not exact
        // round-trip without a feature, so not with `v` itself).
        prop_assert_eq!(to_serde(&parsed), serde_json::from_str::<Value>(&text).unwrap());
        check_spans(&text, &parsed)?;
    }
}

/// A policy in one of several styles.
fn render(policy: &Value, style: u8, crlf: bool) -> String {
    let text = match style % 4 {
        0 => serde_json::to_string(policy).unwrap(),
        s => {
            let indent: &[u8] = match s {
                1 => b"  ",
                2 => b"    ",
                _ => b"\t",
            };
            let mut buf = Vec::new();
            let mut ser = serde_json::Serializer::with_formatter(
                &mut buf,
                serde_json::ser::PrettyFormatter::with_indent(indent),
            );
            serde::Serialize::serialize(policy, &mut ser).unwrap();
            String::from_utf8(buf).unwrap() + "\n"
        }
    };
    if crlf {
        text.replace('\n', "\r\n")
    } else {
        text
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fixes_verify_converge_and_keep_json_valid(case in case_strategy(), style in 0u8..4, crlf in any::<bool>(), sids in any::<u8>()) {
        let cat = Catalog::embedded();
        // Statements without a `Sid` and with the same `Resource` look alike: the fix verifier
        // must pair them by identity (issue 9: it paired a removed one with its look-alike).
        let statements: Vec<Value> = case.statements.iter().enumerate().map(|(i, s)| {
            let patterns: Vec<String> = s.patterns.iter().map(|p| build_pattern(cat, p)).collect();
            let actions = if patterns.len() == 1 { json!(patterns[0]) } else { json!(patterns) };
            let key = if s.not_action { "NotAction" } else { "Action" };
            let mut st = json!({"Effect": if s.deny { "Deny" } else { "Allow" }, key: actions, "Resource": "*"});
            if sids & (1 << (i % 8)) != 0 {
                st["Sid"] = json!(format!("S{i}"));
            }
            st
        }).collect();
        let policy = json!({"Version": "2012-10-17", "Statement": statements});
        let text = render(&policy, style, crlf);
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
        let fixed = lint::fix(&text, Applicability::Unsafe, &evidence, cat, &levels)
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert!(serde_json::from_str::<Value>(&fixed.text).is_ok(), "{}", fixed.text);
        // Converged: nothing applicable is left.
        let again = lint::lint_text(&fixed.text, Expect::Detect, Some(&evidence), cat, &levels).unwrap();
        let left: Vec<_> = again.findings.iter()
            .filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability >= Applicability::Unsafe && !x.edits.is_empty()))
            .map(|f| f.message.clone())
            .collect();
        prop_assert!(left.is_empty(), "not converged: {:?}\n{}", left, fixed.text);
        // The file's line endings are kept.
        if crlf {
            prop_assert!(!fixed.text.replace("\r\n", "").contains('\n'));
        } else {
            prop_assert!(!fixed.text.contains('\r'));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// A random policy inside a CloudFormation role (its `Resource` an intrinsic), in a random
    /// style, beside another role: fixed, the template's policy means exactly what the same
    /// policy fixed as a file means, and not a byte outside the policy document changed.
    #[test]
    fn template_fixes_mean_what_file_fixes_mean(case in case_strategy(), style in 0u8..4, crlf in any::<bool>()) {
        let cat = Catalog::embedded();
        let statements = |resource: Value| -> Vec<Value> {
            case.statements.iter().map(|s| {
                let patterns: Vec<String> = s.patterns.iter().map(|p| build_pattern(cat, p)).collect();
                let actions = if patterns.len() == 1 { json!(patterns[0]) } else { json!(patterns) };
                let key = if s.not_action { "NotAction" } else { "Action" };
                json!({"Effect": if s.deny { "Deny" } else { "Allow" }, key: actions, "Resource": resource.clone()})
            }).collect()
        };
        let file = json!({"Version": "2012-10-17", "Statement": statements(json!("*"))});
        let sub = json!({"Fn::Sub": "arn:aws:s3:::${Bucket}/*"});
        let template = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Bucket": {"Type": "String"}},
            "Resources": {
                "AppRole": {"Type": "AWS::IAM::Role", "Properties": {
                    "RoleName": "app",
                    "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                    "Policies": [{"PolicyName": "root", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements(sub)}}]
                }},
                "Other": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-q"}}}
            },
            "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["AppRole", "Arn"]}}}
        });
        let (file_text, text) = (render(&file, style, crlf), render(&template, style, crlf));
        let mut unused = UnusedSet::default();
        for &(s, a) in &case.unused {
            let service = cat.service(cat.service_index(POOL[s]).unwrap());
            unused.add_action(POOL[s], &service.actions[a % service.actions.len()].name);
        }
        for &s in &case.whole {
            unused.add_service(POOL[s]);
        }
        let evidence = Evidence {
            bound: vec!["role/app".into()],
            found: vec!["arn:aws:iam::1:role/app".into()],
            unused,
            ..Evidence::default()
        };
        let levels = crate::common::engine_only();
        let fixed_file = lint::fix(&file_text, Applicability::Unsafe, &evidence, cat, &levels)
            .map_err(|e| TestCaseError::fail(format!("file: {e}")))?;
        let fixed = lint::fix(&text, Applicability::Unsafe, &evidence, cat, &levels)
            .map_err(|e| TestCaseError::fail(format!("template: {e}")))?;
        // The same fixes, one by one.
        prop_assert_eq!(fixed.applied, fixed_file.applied);
        let pointer = "/Resources/AppRole/Properties/Policies/0/PolicyDocument";
        let mut got: Value = serde_json::from_str(&fixed.text).unwrap();
        let mut doc = got.pointer(pointer).unwrap().clone();
        for st in doc["Statement"].as_array_mut().unwrap() {
            st["Resource"] = json!("*");
        }
        let want: Value = serde_json::from_str(&fixed_file.text).unwrap();
        prop_assert_eq!(&doc, &want, "{}", fixed.text);
        // Nothing outside the policy document changed, byte for byte.
        let span_of = |t: &str| json::parse(t).unwrap().pointer(pointer).unwrap().span.clone();
        let (before, after) = (span_of(&text), span_of(&fixed.text));
        prop_assert_eq!(&text[..before.start], &fixed.text[..after.start]);
        prop_assert_eq!(&text[before.end..], &fixed.text[after.end..]);
        *got.pointer_mut(pointer).unwrap() = Value::Null;
        let mut orig: Value = serde_json::from_str(&text).unwrap();
        *orig.pointer_mut(pointer).unwrap() = Value::Null;
        prop_assert_eq!(got, orig);
    }
}
