use super::json_edits as edits;
use super::*;
use crate::fix::apply;

fn doc(text: &str) -> Document<'_> {
    match read(text, Expect::Policy) {
        Read::Document(d) => d,
        other => panic!("not a document: {other:?}"),
    }
}

fn span_of(text: &str, needle: &str) -> Span {
    let i = text.find(needle).expect("needle");
    i..i + needle.len()
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}"#;

#[test]
fn reads_the_three_wrapper_forms() {
    let wrapped = format!(r#"{{"PolicyDocument":{POLICY}}}"#);
    let versioned = format!(r#"{{"PolicyVersion":{{"VersionId":"v1","Document":{POLICY}}}}}"#);
    for (text, location, name) in [
        (POLICY.to_string(), "", "policy"),
        (wrapped, "/PolicyDocument", "/PolicyDocument"),
        (
            versioned,
            "/PolicyVersion/Document",
            "/PolicyVersion/Document",
        ),
    ] {
        let d = doc(&text);
        assert_eq!(d.policies.len(), 1);
        let at = &d.policies[0];
        assert_eq!((at.location.as_str(), at.name.as_str()), (location, name));
        assert_eq!(at.hints, Hints::default());
        assert!(at.issues.is_empty());
        let stmt = &at.policy.statements[0];
        let texts: Vec<&str> = stmt.patterns.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["s3:GetObject", "s3:PutObject"]);
        // Spans are into the whole document, wrapper included.
        assert_eq!(stmt.patterns[1].span, span_of(&text, "\"s3:PutObject\""));
        assert!(stmt.patterns.iter().all(|p| !p.opaque));
        let frame = d.frame(at);
        assert_eq!(frame.top, "Version=\"2012-10-17\"");
        assert_eq!(frame.statements, ["Effect=\"Allow\",Resource=\"*\""]);
    }
}

#[test]
fn what_is_not_a_policy() {
    assert!(matches!(read("[1, 2]", Expect::Detect), Read::NotPolicy));
    assert!(matches!(read("{oops", Expect::Detect), Read::NotPolicy));
    let Read::Invalid(bad) = read("{\"Statement\": [", Expect::Detect) else {
        panic!("a broken file that claims to be a policy is one");
    };
    assert!(bad.message.starts_with("invalid JSON: "));
    assert!(matches!(bad.cause, Cause::Syntax(_)));
    let Read::Invalid(none) = read("[1]", Expect::Policy) else {
        panic!("an included file must be a policy");
    };
    assert_eq!(none.cause, Cause::NoPolicy);
    assert_eq!(none.span, 0..1);
    assert_eq!(
        none.message,
        "not an IAM policy: expected an object with `Statement`, found an array"
    );
}

/// Fuzz input `tests/data/fuzz/yaml_document/crash-invalid-span-multibyte`: an included YAML
/// file that is no template and starts with a multi-byte character was shown with a span that
/// cut the character in two.
#[test]
fn a_yaml_file_that_is_no_template_is_shown_at_its_whole_first_character() {
    for (text, span) in [
        ("\u{fffd}002--\0", 0..3),
        ("  é: 1\n", 2..4),
        ("a: 1\n", 0..1),
    ] {
        let Read::Invalid(none) = read(text, Expect::Policy) else {
            panic!("{text:?}: an included file must be a policy");
        };
        assert_eq!(none.cause, Cause::NoPolicy, "{text:?}");
        assert_eq!(none.span, span, "{text:?}");
    }
}

#[test]
fn opaque_statements_never_reach_the_engine() {
    let mut policy = doc(POLICY).policies.remove(0).policy;
    assert_eq!(policy.statements[0].input.key, ActionKey::Action);
    policy.statements[0].patterns[1].opaque = true;
    seal(&mut policy);
    assert_eq!(policy.statements[0].input.key, ActionKey::Missing);
    assert!(policy.statements[0].input.patterns.is_empty());
}

/// Each policy edit renders as the edit functions the rules called before the adapters.
#[test]
fn edits_render_as_before() {
    let pretty = "{\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:Get*\"\n    },\n    {\n      \"Effect\": \"Allow\",\n      \"NotAction\": [\n        \"iam:*\",\n        \"kms:*\"\n      ]\n    },\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"sqs:*\", \"sns:*\"]\n    }\n  ]\n}\n";
    let mini = r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*"}}"#;
    let two: Vec<String> = vec!["s3:A*".into(), "s3:B".into()];
    for text in [pretty, mini, POLICY] {
        let d = doc(text);
        let at = &d.policies[0];
        let p = &at.policy;
        for (s, stmt) in p.statements.iter().enumerate() {
            let spans = &stmt.pattern_spans;
            let statements: Vec<Span> = p.statements.iter().map(|s| s.span.clone()).collect();
            let key = stmt.action_key_span.clone().expect("key");
            let value = stmt.action_value_span.clone().expect("value");
            for e in 0..spans.len() {
                let remove = PolicyEdit::RemoveEntry {
                    statement: s,
                    entry: e,
                };
                assert_eq!(d.render(at, &remove), Some(edits::remove_element(spans, e)));
                let one = PolicyEdit::ReplaceEntry {
                    statement: s,
                    entry: e,
                    with: two[..1].to_vec(),
                };
                let several = PolicyEdit::ReplaceEntry {
                    statement: s,
                    entry: e,
                    with: two.clone(),
                };
                let (want_one, want_several) = if stmt.action_is_string {
                    (
                        edits::replace_value(&spans[e], &two[0]),
                        edits::string_to_array(text, &key, &spans[e], &two),
                    )
                } else {
                    (
                        edits::replace_element(text, spans, e, &two[..1]),
                        edits::replace_element(text, spans, e, &two),
                    )
                };
                assert_eq!(d.render(at, &one), Some(want_one));
                assert_eq!(d.render(at, &several), Some(want_several));
            }
            let mut all: Vec<String> = stmt.patterns.iter().map(|p| p.text.clone()).collect();
            all.extend(two.iter().cloned());
            let last = spans.len() - 1;
            let want = if stmt.action_is_string {
                edits::string_to_array(text, &key, &value, &all)
            } else {
                edits::replace_element(text, spans, last, &all[last..])
            };
            let append = PolicyEdit::AppendNotAction {
                statement: s,
                with: two.clone(),
            };
            assert_eq!(d.render(at, &append), Some(want));
            let drop = PolicyEdit::RemoveStatement { statement: s };
            assert_eq!(
                d.render(at, &drop),
                p.statement_is_array
                    .then(|| edits::remove_element(&statements, s))
            );
        }
    }
    // The rendered edits make the text the rules made before.
    let d = doc(pretty);
    let at = &d.policies[0];
    let e = d
        .render(
            at,
            &PolicyEdit::ReplaceEntry {
                statement: 0,
                entry: 0,
                with: two.clone(),
            },
        )
        .expect("edit");
    assert!(
        apply(pretty, &[e])
            .contains("      \"Action\": [\n        \"s3:A*\",\n        \"s3:B\"\n      ]\n")
    );
    let e = d
        .render(at, &PolicyEdit::RemoveStatement { statement: 2 })
        .expect("edit");
    assert!(apply(pretty, &[e]).ends_with("      ]\n    }\n  ]\n}\n"));
    // Out of range: nothing to render.
    let none = PolicyEdit::RemoveEntry {
        statement: 9,
        entry: 0,
    };
    assert_eq!(d.render(at, &none), None);
}

const TEMPLATE: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "AppRole": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "RoleName": "app",
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
        "Policies": [
          {"PolicyName": "root", "PolicyDocument": {"Statement": [
            {"Sid": {"Ref": "S"}, "Effect": "Allow", "Action": [{"Fn::Sub": "s3:${Op}"}, "s3:GetObject"], "Resource": {"Fn::Sub": "arn:aws:s3:::${B}"}},
            {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/t": {"Ref": "T"}}}},
            {"Fn::If": ["C", {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}, {"Ref": "AWS::NoValue"}]}
          ]}},
          {"PolicyName": {"Fn::Sub": "p-${AWS::Region}"}, "PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": 1}}}
        ]
      }
    },
    "Extra": {
      "Type": "AWS::IAM::Policy",
      "Properties": {"PolicyName": "extra", "Roles": [{"Ref": "AppRole"}, "literal"], "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sns:*", "Resource": "*"}]}}
    },
    "Fn": {
      "Type": "AWS::Serverless::Function",
      "Metadata": {"aws:cdk:path": "Stack/Fn/Resource"},
      "Properties": {"Policies": ["AWSLambdaBasicExecutionRole", {"S3ReadPolicy": {"BucketName": "b"}}, {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}]}
    }
  }
}"#;

#[test]
fn templates_are_read_by_content_with_a_policy_per_document() {
    let d = doc(TEMPLATE);
    let found: Vec<(&str, &str)> = d
        .policies
        .iter()
        .map(|p| (p.location.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "/Resources/AppRole/Properties/Policies/0/PolicyDocument",
                "AppRole policy \"root\""
            ),
            (
                "/Resources/AppRole/Properties/Policies/1/PolicyDocument",
                "AppRole policy 1"
            ),
            (
                "/Resources/Extra/Properties/PolicyDocument",
                "Extra policy \"extra\""
            ),
            (
                "/Resources/Fn/Properties/Policies/2",
                "Stack/Fn/Resource policy 2"
            ),
        ]
    );
    let role = &d.policies[0];
    assert_eq!(role.hints.role_name.as_deref(), Some("role/app"));
    assert_eq!(role.hints.logical_id.as_deref(), Some("AppRole"));
    let extra = &d.policies[2].hints;
    assert_eq!(
        (extra.roles.as_slice(), extra.role_names.as_slice()),
        // A role named by `Ref` (its literal RoleName) and one by its literal name.
        (
            &["AppRole".to_string()][..],
            &["role/app".to_string(), "role/literal".to_string()][..]
        )
    );
    assert_eq!(
        d.policies[3].hints.construct.as_deref(),
        Some("Stack/Fn/Resource")
    );
    // Intrinsics are no grammar error; the number for `Resource` is.
    assert!(role.issues.is_empty(), "{:?}", role.issues);
    assert_eq!(d.policies[1].issues.len(), 1);
    // The intrinsic entry and the `Fn::If` statement are sealed; the plain one is judged.
    let s = &role.policy.statements;
    assert!(s[0].patterns[0].opaque && !s[0].patterns[1].opaque);
    assert_eq!(s[0].input.key, ActionKey::Missing);
    assert_eq!(s[1].input.key, ActionKey::Action);
    assert_eq!(s[1].patterns[0].span, span_of(TEMPLATE, "\"s3:Get*\""));
    assert_eq!(s[2].input.key, ActionKey::Missing);
    assert!(s[2].patterns.iter().all(|p| p.opaque));
    // The frame is the policy's own, inside the template.
    assert_eq!(
        d.frame(&d.policies[2]).statements,
        ["Effect=\"Allow\",Resource=\"*\""]
    );
}

#[test]
fn what_is_a_template() {
    // A template with no IAM is skipped, even when it must be a policy.
    let no_iam = r#"{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}"#;
    assert!(matches!(read(no_iam, Expect::Policy), Read::NotPolicy));
    // `Resources` that are not CloudFormation's, and a plain policy, stay policy files.
    for text in [
        r#"{"Resources": {"x": {"Type": "custom"}}, "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}"#,
        POLICY,
    ] {
        let d = doc(text);
        assert_eq!(d.policies[0].location, "");
    }
    // In a policy file an intrinsic is no action.
    let d = doc(r#"{"Statement": [{"Effect": "Allow", "Action": {"Ref": "A"}}]}"#);
    assert_eq!(d.policies[0].issues.len(), 1);
}
