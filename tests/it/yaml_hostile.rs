//! The YAML adapter on hostile text: random bytes, templates truncated or mutated (tags, anchors and
//! aliases in odd places, tabs, `? ` keys, `---`, deep nesting, huge scalars). Read through the
//! library's lint and fix entry points (the document layer is private): never a panic, never a
//! hang, and a fix that is offered applies, verifies and leaves text that reads back.

use crate::properties::POOL;
use crate::yaml_properties::{template, yaml_case};
use iamtrim::catalog::Catalog;
use iamtrim::diagnostic::Applicability;
use iamtrim::findings::UnusedSet;
use iamtrim::findings::binding::Evidence;
use iamtrim::lint::{self, Expect};
use proptest::prelude::*;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Far more than any case needs (milliseconds); a hang fails instead of stalling CI.
const LIMIT: Duration = Duration::from_secs(10);

fn evidence(unused: &[(usize, usize)], whole: &[usize]) -> Evidence {
    let cat = Catalog::embedded();
    let mut u = UnusedSet::default();
    for &(s, a) in unused {
        let service = cat.service(cat.service_index(POOL[s]).unwrap());
        u.add_action(POOL[s], &service.actions[a % service.actions.len()].name);
    }
    for &s in whole {
        u.add_service(POOL[s]);
    }
    // What the seeds below use, so that their fixes are offered.
    u.add_action("s3", "PutObject");
    u.add_action("s3", "DeleteObject");
    u.add_service("sqs");
    Evidence {
        bound: vec!["role/app".into()],
        found: vec!["arn:aws:iam::1:role/app".into()],
        unused: u,
        ..Evidence::default()
    }
}

fn offers_fixes(linted: &lint::Linted) -> bool {
    linted.findings.iter().any(|f| {
        f.fix
            .as_ref()
            .is_some_and(|x| x.applicability != Applicability::DisplayOnly && !x.edits.is_empty())
    })
}

/// Lints `text`; where fixes are offered, fixes it and reads the result back. `Err` says what
/// went wrong; runs on its own thread so that a hang is a failure.
fn survive(text: String, ev: Evidence) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let shown: String = text.chars().take(2000).collect();
    // To reproduce a failure by hand: the whole text, to a file named by the environment.
    let dump = std::env::var_os("IAMTRIM_TEST_DUMP").map(|p| (p, text.clone()));
    std::thread::spawn(move || {
        let _ = tx.send(run(&text, &ev));
    });
    let answer = rx.recv_timeout(LIMIT);
    if let (Some((path, text)), false) = (dump, matches!(answer, Ok(Ok(())))) {
        let _ = std::fs::write(path, text);
    }
    match answer {
        Ok(r) => r.map_err(|e| format!("{e}\n--- text\n{shown:?}")),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("no answer in {LIMIT:?}: {shown:?}")),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(format!("panicked on {shown:?}")),
    }
}

fn run(text: &str, ev: &Evidence) -> Result<(), String> {
    let cat = Catalog::embedded();
    let levels = iamtrim::filter::Filter::default();
    let linted = lint::lint_text(text, Expect::Detect, Some(ev), cat, &levels)
        .map_err(|e| format!("lint: {e}"))?;
    for f in &linted.findings {
        if f.span.start > f.span.end || f.span.end > text.len() {
            return Err(format!("{} span {:?} outside the text", f.rule, f.span));
        }
    }
    if !offers_fixes(&linted) {
        return Ok(());
    }
    let fixed = match lint::fix(text, Applicability::Unsafe, ev, cat, &levels) {
        Ok(fixed) => fixed,
        Err(e) => return Err(format!("fix: {e}")),
    };
    let again = lint::lint_text(&fixed.text, Expect::Detect, Some(ev), cat, &levels)
        .map_err(|e| format!("re-lint: {e}"))?;
    let invalid = |l: &lint::Linted| {
        l.findings
            .iter()
            .filter(|f| f.rule == "invalid-policy")
            .count()
    };
    if again.policies.len() != linted.policies.len() || invalid(&again) > invalid(&linted) {
        return Err(format!(
            "the fixed text does not read back: {:?}\n--- fixed\n{}",
            again.findings, fixed.text
        ));
    }
    Ok(())
}

/// Templates whose fixes the evidence above offers, in shapes the generator does not make.
const SEEDS: &[&str] = &[
    // Anchors, aliases and a merge key around statements.
    "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - &base\n                Effect: Allow\n                Action: &acts\n                  - s3:PutObject\n                  - s3:GetObject\n                Resource: '*'\n              - <<: *base\n                Action: *acts\n                Resource: arn:aws:s3:::b/*\n              - Effect: Allow\n                Action: [sqs:SendMessage, s3:DeleteObject]  # flow\n                Resource: !GetAtt Q.Arn\n",
    // A Serverless Framework service, both styles.
    "service: app\nprovider:\n  name: aws\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action:\n            - s3:PutObject\n            - s3:GetObject\n          Resource: '*'\n        - Effect: Allow\n          Action: sqs:*\n          Resource: '*'\nfunctions:\n  f:\n    handler: h\n    iamRoleStatements:\n      - Effect: Allow\n        Action: s3:*Object\n        Resource: '*'\n",
    // SAM: a policy template, a managed policy, a statement document.
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: h\n      Policies:\n        - S3ReadPolicy: {BucketName: b}\n        - AmazonSQSFullAccess\n        - Statement:\n            - Effect: Allow\n              Action: 's3:*'\n              Resource: '*'\n",
    // Flow mappings all the way down, CRLF.
    "Resources:\r\n  P: {Type: AWS::IAM::ManagedPolicy, Properties: {PolicyDocument: {Statement: [{Effect: Allow, Action: [s3:PutObject, s3:GetObject], Resource: '*'}, {Effect: Allow, Action: sqs:SendMessage, Resource: '*'}]}}}\r\n",
];

/// Bits of YAML that mean something to a parser, to splice in anywhere.
const SNIPPETS: &[&str] = &[
    "&a ",
    "*a",
    "*acts",
    "&acts ",
    "!Sub ",
    "!If [",
    "!Ref ",
    "!!str ",
    "!<tag:x> ",
    "? ",
    "? k\n: v\n",
    "---\n",
    "...\n",
    "\t",
    "  ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    "\"",
    "# c",
    "\n",
    "\r\n",
    "<<: *a\n",
    "<<: *base\n",
    "|\n  x\n",
    ">-\n",
    "%YAML 1.2\n",
    "\u{feff}",
    "\0",
    "\\",
    "@",
    "`",
    "Action: !Ref A\n",
    "- !If [C, {Effect: Allow, Action: '*', Resource: '*'}, !Ref AWS::NoValue]\n",
    "Statement: *acts\n",
    "Action:\n",
    "Action: []\n",
    "Action: {}\n",
    "Effect: !Ref E\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Insert(usize, usize),
    InsertText(usize, String),
    Delete(usize, usize),
    DuplicateLine(usize),
    Indent(usize, usize, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::Truncate),
        4 => (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(a, b)| Mutation::Insert(a, b)),
        1 => (any::<usize>(), "[ -~\t\n]{1,12}").prop_map(|(a, s)| Mutation::InsertText(a, s)),
        2 => (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), 1usize..6, any::<bool>()).prop_map(|(a, n, t)| Mutation::Indent(a, n, t)),
    ]
}

/// The char boundary at or before `at % (len + 1)`.
fn boundary(text: &str, at: usize) -> usize {
    let mut i = at % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(text: &mut String, m: &Mutation) {
    match m {
        Mutation::Truncate(at) => {
            let i = boundary(text, *at);
            text.truncate(i);
        }
        Mutation::Insert(at, k) => {
            let i = boundary(text, *at);
            text.insert_str(i, SNIPPETS[*k]);
        }
        Mutation::InsertText(at, s) => {
            let i = boundary(text, *at);
            text.insert_str(i, s);
        }
        Mutation::Delete(at, n) => {
            let i = boundary(text, *at);
            let j = boundary(text, (i + n).min(text.len()));
            text.replace_range(i..j.max(i), "");
        }
        Mutation::DuplicateLine(at) => {
            let i = boundary(text, *at);
            let start = text[..i].rfind('\n').map_or(0, |p| p + 1);
            let end = text[i..].find('\n').map_or(text.len(), |p| i + p + 1);
            let line = text[start..end].to_string();
            text.insert_str(start, &line);
        }
        Mutation::Indent(at, n, tab) => {
            let i = boundary(text, *at);
            let start = text[..i].rfind('\n').map_or(0, |p| p + 1);
            text.insert_str(
                start,
                &if *tab {
                    "\t".repeat(*n)
                } else {
                    " ".repeat(*n)
                },
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// A generated template (or one of the seeds), mutated a few times.
    #[test]
    fn yaml_hostile_mutated_templates(
        c in yaml_case(),
        seed in prop::option::weighted(0.3, 0..SEEDS.len()),
        mutations in prop::collection::vec(mutation(), 0..5),
    ) {
        let cat = Catalog::embedded();
        let mut text = match seed {
            Some(k) => SEEDS[k].to_string(),
            None => template(cat, &c).0,
        };
        for m in &mutations {
            mutate(&mut text, m);
        }
        survive(text, evidence(&c.unused, &c.whole)).map_err(TestCaseError::fail)?;
    }

    /// Any text that claims to be a template.
    #[test]
    fn yaml_hostile_random_text(
        head in prop_oneof![Just("Resources:\n"), Just("AWSTemplateFormatVersion: x\nResources:\n  "), Just("service: s\nprovider:\n  ")],
        body in prop_oneof![
            "\\PC{0,200}",
            "[-:!&*?#'\"{}\\[\\],|>%@ \n\t\ra-zA-Z0-9<]{0,200}",
        ],
    ) {
        survive(format!("{head}{body}"), evidence(&[], &[])).map_err(TestCaseError::fail)?;
    }
}

/// A template whose one statement's actions are `actions` (a YAML value at column 16).
fn with_actions(actions: &str) -> String {
    format!(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      Policies:\n        - PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: {actions}\n                Resource: '*'\n              - Effect: Allow\n                Action: [s3:PutObject, s3:GetObject]\n                Resource: '*'\n"
    )
}

/// Sizes and shapes no generator above reaches, each within the time limit.
#[test]
fn yaml_hostile_extremes() {
    let deep_block: String = (0..400)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let deep_dashes = format!("Resources:\n  {}x\n", "- ".repeat(5000));
    let big_list: String = (0..20_000)
        .map(|i| format!("\n                  - s3:Get{i}*"))
        .collect();
    let mut bomb = String::from("Resources:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10u8 {
        let (n, p) = ((b'a' + i) as char, (b'a' + i - 1) as char);
        bomb.push_str(&format!(
            "  {n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        ));
    }
    let cases: Vec<String> = vec![
        format!("Resources:\n{deep_block}"),
        deep_dashes,
        format!(
            "Resources:\n  A: {}{}\n",
            "[".repeat(50_000),
            "]".repeat(50_000)
        ),
        format!("Resources:\n  A: {}\n", "{a: ".repeat(20_000)),
        with_actions(&format!("\"s3:{}\"", "G".repeat(2_000_000))),
        with_actions(&format!("s3:{}", "x".repeat(2_000_000))),
        with_actions(&big_list),
        with_actions("*acts"),
        with_actions("&acts s3:PutObject"),
        with_actions("!If [C, s3:PutObject, s3:GetObject]"),
        with_actions("!!seq [s3:PutObject]"),
        with_actions("? s3:PutObject\n                : x"),
        with_actions("[s3:PutObject,\n\t s3:DeleteObject]"),
        with_actions("|\n                  s3:PutObject"),
        bomb,
        format!(
            "{}---\n{}",
            with_actions("s3:PutObject"),
            with_actions("s3:DeleteObject")
        ),
        format!(
            "---\n{}...\n---\nResources: {{}}\n",
            with_actions("s3:PutObject")
        ),
        with_actions("s3:PutObject").replace("  ", "\t"),
        with_actions("s3:PutObject").replace('\n', "\r"),
        with_actions("s3:PutObject").replace("Effect", "\u{feff}Effect"),
        format!("\u{feff}\u{feff}{}", with_actions("s3:PutObject")),
    ];
    for text in cases {
        let len = text.len();
        let started = Instant::now();
        if let Err(e) = survive(text, evidence(&[], &[])) {
            panic!("{}", e.chars().take(3000).collect::<String>());
        }
        let took = started.elapsed();
        assert!(took < LIMIT, "{len} bytes took {took:?}");
    }
}

/// Found by `yaml_hostile_mutated_templates`: a logical id (or a Serverless function) given twice.
/// Each copy was read as a policy at the same location, which names the first; the verifier then
/// compared the wrong policies and refused every fix of the file, even with nothing to fix.
#[test]
fn yaml_hostile_duplicate_logical_ids() {
    let role = |action: &str| {
        format!(
            "  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      Policies:\n        - PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: {action}\n                Resource: '*'\n"
        )
    };
    let function = |action: &str| {
        format!(
            "  f:\n    handler: h\n    iamRoleStatements:\n      - Effect: Allow\n        Action: {action}\n        Resource: '*'\n"
        )
    };
    let cat = Catalog::embedded();
    let ev = evidence(&[], &[]);
    for text in [
        format!(
            "Resources:\n{}{}",
            role("[s3:PutObject, s3:GetObject]"),
            role("sqs:*")
        ),
        format!(
            "service: s\nprovider:\n  name: aws\nfunctions:\n{}{}",
            function("[s3:PutObject, s3:GetObject]"),
            function("sqs:*")
        ),
    ] {
        let fixed = lint::fix(
            &text,
            Applicability::Unsafe,
            &ev,
            cat,
            &iamtrim::filter::Filter::default(),
        )
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let first_fixed =
            fixed.text.contains("[s3:GetObject]") || !fixed.text.contains("s3:PutObject");
        assert!(first_fixed, "{}", fixed.text);
    }
    // The first is no role: nothing to judge, nothing to fix.
    let text = format!(
        "Resources:\n  AppRole:\n{}",
        role("[s3:PutObject, s3:GetObject]")
    );
    let linted = lint::lint_text(
        &text,
        Expect::Detect,
        Some(&ev),
        cat,
        &iamtrim::filter::Filter::default(),
    )
    .unwrap();
    assert!(
        linted.policies.is_empty() && !offers_fixes(&linted),
        "{linted:?}"
    );
}
