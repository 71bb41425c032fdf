//! Action patterns: `service:name` where either part may hold `*` (any run, empty too) and `?`
//! (one character); `*` alone matches every action. Matching is ASCII case-insensitive.

use super::{Bits, Service};

/// A parsed action pattern, as written in a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    raw: String,
    /// The service part as written (`S3`), or `*` for the bare `*`.
    service_written: String,
    service_lower: String,
    name_lower: String,
}

impl ActionPattern {
    /// Parses a pattern; `None` when it is not `service:name` or `*`.
    pub fn parse(raw: &str) -> Option<ActionPattern> {
        if raw == "*" {
            return Some(ActionPattern {
                raw: raw.into(),
                service_written: "*".into(),
                service_lower: "*".into(),
                name_lower: "*".into(),
            });
        }
        let (service, name) = raw.split_once(':')?;
        if service.is_empty() || name.is_empty() {
            return None;
        }
        Some(ActionPattern {
            raw: raw.into(),
            service_written: service.into(),
            service_lower: service.to_ascii_lowercase(),
            name_lower: name.to_ascii_lowercase(),
        })
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The service part as the user wrote it.
    pub fn service_written(&self) -> &str {
        &self.service_written
    }

    pub fn service_glob(&self) -> &str {
        &self.service_lower
    }

    pub fn name_glob(&self) -> &str {
        &self.name_lower
    }

    /// Whether the service part names one service literally.
    pub fn literal_service(&self) -> bool {
        !has_wildcard(&self.service_lower)
    }

    /// Whether the pattern holds a wildcard anywhere (an explicit action has none).
    pub fn is_wildcard(&self) -> bool {
        has_wildcard(&self.raw)
    }

    /// The actions of `service` whose names match the name part.
    pub fn match_service(&self, service: &Service) -> Bits {
        let mut bits = Bits::new(service.actions.len());
        if self.name_lower == "*" {
            bits.fill();
        } else if !has_wildcard(&self.name_lower) {
            if let Some(i) = service.find(&self.name_lower) {
                bits.set(i);
            }
        } else {
            // Only names that start with the literal head can match.
            let head_len = self.name_lower.find(['*', '?']).unwrap_or(0);
            let range = service.prefix_range(&self.name_lower[..head_len]);
            for i in range {
                if glob_match(
                    self.name_lower.as_bytes(),
                    service.actions[i].lower.as_bytes(),
                ) {
                    bits.set(i);
                }
            }
        }
        bits
    }

    /// Whether this pattern matches `service:action` (both given lower-cased).
    pub fn matches_lower(&self, service: &str, action: &str) -> bool {
        glob_match(self.service_lower.as_bytes(), service.as_bytes())
            && glob_match(self.name_lower.as_bytes(), action.as_bytes())
    }
}

pub(crate) fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Glob match with `*` and `?`, comparing ASCII case-insensitively. Linear-time in practice: the
/// classic two-pointer algorithm that backtracks only to the last `*`.
pub fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p].eq_ignore_ascii_case(&text[t])) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_basics() {
        assert!(glob_match(b"get*", b"getobject"));
        assert!(glob_match(b"get*", b"get"));
        assert!(glob_match(b"*", b""));
        assert!(glob_match(b"g?t*acl", b"getobjectacl"));
        assert!(!glob_match(b"g?t", b"gt"));
        assert!(glob_match(b"*object*", b"getobjectacl"));
        assert!(glob_match(b"GET*", b"getobject"));
        assert!(!glob_match(b"get*x", b"getobject"));
        assert!(glob_match(b"*a*b*c", b"xxaxxbxxbc"));
    }

    #[test]
    fn parse_shapes() {
        assert!(ActionPattern::parse("*").is_some());
        assert!(ActionPattern::parse("s3:Get*").is_some());
        assert!(ActionPattern::parse("s3").is_none());
        assert!(ActionPattern::parse(":x").is_none());
        assert!(ActionPattern::parse("s3:").is_none());
        let p = ActionPattern::parse("S3:GetObject").unwrap();
        assert_eq!(p.service_written(), "S3");
        assert!(!p.is_wildcard());
        assert!(p.matches_lower("s3", "getobject"));
    }
}
