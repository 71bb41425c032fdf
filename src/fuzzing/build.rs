//! A policy, its document style and an unused set, built from fuzz bytes: patterns taken from the
//! catalogue (cut, wildcarded, recased the ways people write them) or spelled by the input, and
//! the policy written in one of the styles the adapters read.

use crate::catalog::Catalog;
use crate::filter::Filter;
use crate::findings::UnusedSet;
use crate::findings::binding::Evidence;
use crate::refine::{ActionKey, Effect, StatementIn};

/// Services most policies name; the rest of the catalogue is reached by index.
const POOL: &[&str] = &[
    "s3", "ec2", "iam", "lambda", "dynamodb", "kms", "sts", "sqs", "logs", "ecr",
];

/// Characters of patterns the input spells itself: a pattern's own, and some that case-fold
/// oddly or take several bytes.
const ALPHABET: &[char] = &[
    'a', 'b', 'c', 'e', 'g', 's', 't', 'G', 'L', 'D', 'O', '3', '2', ':', '*', '?', '-', '_', '.',
    '/', ' ', 'é', 'İ', 'ſ', 'K',
];

/// The input, read a little at a time; zeros once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let v = usize::from(self.byte()) | usize::from(self.byte()) << 8;
        v % n
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    JsonCompact,
    JsonPretty,
    JsonCrlf,
    CfnJson,
    CfnYaml,
    Serverless,
    TfJsonencode,
    TfDocument,
}

impl Format {
    pub(super) fn is_json(self) -> bool {
        matches!(
            self,
            Format::JsonCompact | Format::JsonPretty | Format::JsonCrlf | Format::CfnJson
        )
    }
}

#[derive(Debug)]
pub(super) struct Stmt {
    effect: Effect,
    not_action: bool,
    /// Written as one string rather than a list (when it has one pattern).
    scalar: bool,
    patterns: Vec<String>,
}

impl Stmt {
    pub(super) fn input(&self) -> StatementIn {
        StatementIn {
            effect: self.effect,
            key: if self.not_action {
                ActionKey::NotAction
            } else {
                ActionKey::Action
            },
            patterns: self.patterns.clone(),
        }
    }

    fn effect_word(&self) -> &'static str {
        match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
            Effect::Other => "allow",
        }
    }
}

#[derive(Debug)]
pub(super) struct Case {
    pub(super) format: Format,
    pub(super) statements: Vec<Stmt>,
    pub(super) unused: UnusedSet,
    role_unused: bool,
    pub(super) unsafe_fixes: bool,
    hygiene: bool,
}

fn recase(s: &str, how: u8) -> String {
    match how % 5 {
        1 => s.to_ascii_lowercase(),
        2 => s.to_ascii_uppercase(),
        3 => s
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i.is_multiple_of(2) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
        _ => s.to_string(),
    }
}

fn pattern(b: &mut Bytes<'_>, cat: &Catalog, services: &mut Vec<usize>) -> String {
    let kind = b.byte();
    if kind % 16 == 15 {
        let n = b.below(12);
        return (0..n).map(|_| ALPHABET[b.below(ALPHABET.len())]).collect();
    }
    let svc = if b.byte().is_multiple_of(4) {
        b.below(cat.service_count())
    } else {
        cat.service_index(POOL[b.below(POOL.len())]).unwrap_or(0)
    };
    services.push(svc);
    let service = cat.service(svc);
    let prefix = &*service.prefix;
    let Some(action) = service.actions.get(b.below(service.actions.len())) else {
        return format!("{prefix}:*");
    };
    let name = &*action.name;
    if !name.is_ascii() {
        return format!("{prefix}:{name}");
    }
    let n = name.len();
    let a = b.below(n + 1);
    let c = a + b.below(n - a + 1);
    let body = match (kind >> 4) % 9 {
        0 | 1 => name.to_string(),
        2 | 3 => format!("{}*", &name[..a]),
        4 => format!("*{}", &name[a..]),
        5 => format!("{}*{}", &name[..a], &name[c..]),
        6 if n > 0 => {
            let i = a.min(n - 1);
            format!("{}?{}", &name[..i], &name[i + 1..])
        }
        7 => return "*".to_string(),
        _ => format!("{}*", &name[..a.min(3)]),
    };
    let how = b.byte();
    let svc_text = if how & 0x80 != 0 && prefix.len() > 1 {
        format!("{}*", &prefix[..1])
    } else {
        recase(prefix, how)
    };
    format!("{svc_text}:{}", recase(&body, how >> 3))
}

impl Case {
    pub(super) fn of(data: &[u8], cat: &Catalog) -> Case {
        let mut b = Bytes(data);
        let format = match b.byte() % 8 {
            0 => Format::JsonCompact,
            1 => Format::JsonPretty,
            2 => Format::JsonCrlf,
            3 => Format::CfnJson,
            4 => Format::CfnYaml,
            5 => Format::Serverless,
            6 => Format::TfJsonencode,
            _ => Format::TfDocument,
        };
        let flags = b.byte();
        let mut services = Vec::new();
        let statements = (0..1 + b.below(4))
            .map(|_| {
                let f = b.byte();
                let effect = match f % 8 {
                    0 => Effect::Deny,
                    1 if f & 0x80 != 0 => Effect::Other,
                    _ => Effect::Allow,
                };
                let patterns = (0..1 + b.below(5))
                    .map(|_| pattern(&mut b, cat, &mut services))
                    .collect::<Vec<_>>();
                Stmt {
                    effect,
                    not_action: f & 0x30 == 0x30,
                    scalar: patterns.len() == 1 && f & 0x40 != 0,
                    patterns,
                }
            })
            .collect();
        let mut unused = UnusedSet::default();
        if services.is_empty() {
            services.push(cat.service_index("s3").unwrap_or(0));
        }
        for _ in 0..b.below(48) {
            let svc = cat.service(services[b.below(services.len())]);
            if b.byte().is_multiple_of(16) {
                unused.add_service(&svc.prefix);
            } else if let Some(a) = svc.actions.get(b.below(svc.actions.len())) {
                unused.add_action(&svc.prefix, &a.name);
            }
        }
        Case {
            format,
            statements,
            unused,
            role_unused: flags % 32 == 1,
            unsafe_fixes: flags & 0x40 == 0,
            hygiene: flags & 0x80 != 0,
        }
    }

    pub(super) fn evidence(&self) -> Evidence {
        let mut unused = self.unused.clone();
        unused.everything = self.role_unused;
        Evidence {
            bound: vec!["role/app".into()],
            found: vec!["arn:aws:iam::123456789012:role/app".into()],
            unused,
            ..Evidence::default()
        }
    }

    /// Hygiene rules on (their fixes too), or the engine's findings alone.
    pub(super) fn filter(&self) -> Filter {
        if self.hygiene {
            return Filter::default();
        }
        Filter {
            ignore: crate::rules::HYGIENE_RULES
                .iter()
                .map(|r| r.to_string())
                .collect(),
            ..Filter::default()
        }
    }

    pub(super) fn render(&self) -> String {
        match self.format {
            Format::JsonCompact => self.json_policy().to_string(),
            Format::JsonPretty => pretty(&self.json_policy()) + "\n",
            Format::JsonCrlf => (pretty(&self.json_policy()) + "\n").replace('\n', "\r\n"),
            Format::CfnJson => pretty(&serde_json::json!({
                "AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {
                    "AppRole": {"Type": "AWS::IAM::Role", "Properties": {
                        "RoleName": "app",
                        "Policies": [{"PolicyName": "root", "PolicyDocument": self.json_policy()}]
                    }}
                }
            })),
            Format::CfnYaml => {
                let mut out = String::from(
                    "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      Policies:\n        - PolicyName: root\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            Statement:\n",
                );
                self.yaml_statements(&mut out, 14);
                out
            }
            Format::Serverless => {
                let mut out = String::from(
                    "service: app\nprovider:\n  name: aws\n  iam:\n    role:\n      name: app\n      statements:\n",
                );
                self.yaml_statements(&mut out, 8);
                out
            }
            Format::TfJsonencode => {
                let mut out = String::from(
                    "resource \"aws_iam_role\" \"app\" {\n  name = \"app\"\n}\n\nresource \"aws_iam_role_policy\" \"app\" {\n  role = aws_iam_role.app.id\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [\n",
                );
                for s in &self.statements {
                    let key = if s.not_action { "NotAction" } else { "Action" };
                    out += &format!(
                        "      {{\n        Effect = \"{}\"\n        {key} = {}\n        Resource = \"*\"\n      }},\n",
                        s.effect_word(),
                        hcl_value(s)
                    );
                }
                out + "    ]\n  })\n}\n"
            }
            Format::TfDocument => {
                let mut out = String::from(
                    "resource \"aws_iam_role\" \"app\" {\n  name = \"app\"\n}\n\ndata \"aws_iam_policy_document\" \"app\" {\n",
                );
                for s in &self.statements {
                    let key = if s.not_action {
                        "not_actions"
                    } else {
                        "actions"
                    };
                    let list: Vec<String> = s.patterns.iter().map(|p| hcl_string(p)).collect();
                    out += &format!(
                        "  statement {{\n    effect = \"{}\"\n    {key} = [{}]\n    resources = [\"*\"]\n  }}\n\n",
                        s.effect_word(),
                        list.join(", ")
                    );
                }
                out + "}\n\nresource \"aws_iam_role_policy\" \"app\" {\n  role   = aws_iam_role.app.name\n  policy = data.aws_iam_policy_document.app.json\n}\n"
            }
        }
    }

    fn json_policy(&self) -> serde_json::Value {
        let statements: Vec<serde_json::Value> = self
            .statements
            .iter()
            .map(|s| {
                let key = if s.not_action { "NotAction" } else { "Action" };
                let actions = if s.scalar {
                    serde_json::json!(s.patterns[0])
                } else {
                    serde_json::json!(s.patterns)
                };
                serde_json::json!({"Effect": s.effect_word(), key: actions, "Resource": "*"})
            })
            .collect();
        serde_json::json!({"Version": "2012-10-17", "Statement": statements})
    }

    /// The statements as a block sequence at `indent`, their patterns in the scalar styles YAML
    /// has (plain where a plain scalar reads back the same, quoted otherwise, flow lists).
    fn yaml_statements(&self, out: &mut String, indent: usize) {
        let pad = " ".repeat(indent);
        for (i, s) in self.statements.iter().enumerate() {
            let key = if s.not_action { "NotAction" } else { "Action" };
            out.push_str(&format!("{pad}- Effect: {}\n", s.effect_word()));
            let items: Vec<String> = s.patterns.iter().map(|p| yaml_scalar(p, i)).collect();
            if s.scalar {
                out.push_str(&format!("{pad}  {key}: {}\n", items[0]));
            } else if i % 2 == 1 {
                out.push_str(&format!("{pad}  {key}: [{}]\n", items.join(", ")));
            } else {
                out.push_str(&format!("{pad}  {key}:\n"));
                for item in &items {
                    out.push_str(&format!("{pad}    - {item}\n"));
                }
            }
            out.push_str(&format!("{pad}  Resource: \"*\"\n"));
        }
    }
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn yaml_scalar(p: &str, style: usize) -> String {
    let plain = p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":*?-_.".contains(c))
        && !p.ends_with(':');
    match style % 3 {
        0 if plain => p.to_string(),
        1 if !p.contains('\'') => format!("'{p}'"),
        _ => serde_json::to_string(p).unwrap_or_default(),
    }
}

fn hcl_string(p: &str) -> String {
    // No `${` or `%{` can be built from the alphabet: a JSON string is an HCL string here.
    serde_json::to_string(p).unwrap_or_default()
}

fn hcl_value(s: &Stmt) -> String {
    if s.scalar {
        return hcl_string(&s.patterns[0]);
    }
    let list: Vec<String> = s.patterns.iter().map(|p| hcl_string(p)).collect();
    format!("[{}]", list.join(", "))
}
