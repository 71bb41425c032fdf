//! Action patterns: `service:name` where either part may hold `*` (any run, empty too) and `?`
//! (one character); `*` alone matches every action. Matching is ASCII case-insensitive.

use super::{Bits, Service};

/// A parsed action pattern, as written in a policy. Matching compares ASCII case-insensitively, so
/// the pattern keeps the user's spelling and no lower-cased copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionPattern<'a> {
    raw: &'a str,
    /// Byte offset of the `:`; for the bare `*`, 0.
    colon: usize,
}

impl<'a> ActionPattern<'a> {
    /// Parses a pattern; `None` when it is not `service:name` or `*`.
    pub fn parse(raw: &'a str) -> Option<ActionPattern<'a>> {
        if raw == "*" {
            return Some(ActionPattern { raw, colon: 0 });
        }
        let colon = raw.find(':')?;
        if colon == 0 || colon + 1 == raw.len() {
            return None;
        }
        Some(ActionPattern { raw, colon })
    }

    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The service part as the user wrote it (`*` for the bare `*`).
    pub fn service_written(&self) -> &'a str {
        if self.colon == 0 {
            "*"
        } else {
            &self.raw[..self.colon]
        }
    }

    /// The service part, a glob matched case-insensitively.
    pub fn service_glob(&self) -> &'a str {
        self.service_written()
    }

    /// The name part, a glob matched case-insensitively.
    pub fn name_glob(&self) -> &'a str {
        if self.colon == 0 {
            "*"
        } else {
            &self.raw[self.colon + 1..]
        }
    }

    /// Whether the service part names one service literally.
    pub fn literal_service(&self) -> bool {
        !has_wildcard(self.service_written())
    }

    /// Whether the pattern holds a wildcard anywhere (an explicit action has none).
    pub fn is_wildcard(&self) -> bool {
        has_wildcard(self.raw)
    }

    /// The actions of `service` whose names match the name part.
    pub fn match_service(&self, service: &Service) -> Bits {
        let mut bits = Bits::new(service.actions.len());
        self.match_into(service, &mut bits);
        bits
    }

    /// Sets the bits of the actions of `service` whose names match the name part.
    pub fn match_into(&self, service: &Service, bits: &mut Bits) {
        let name = self.name_glob();
        if name == "*" {
            bits.fill();
        } else if !has_wildcard(name) {
            if let Some(i) = service.find(name) {
                bits.set(i);
            }
        } else {
            let range = Self::head_range(name, service);
            if name.len() == name.find(['*', '?']).unwrap_or(0) + 1 && name.ends_with('*') {
                // `Prefix*`, the commonest shape: the range is the answer.
                bits.set_range(range);
                return;
            }
            for i in range {
                if glob_match(name.as_bytes(), service.actions[i].lower.as_bytes()) {
                    bits.set(i);
                }
            }
        }
    }

    /// Whether the name part matches at least one action of `service` (no set built).
    pub fn matches_any_in(&self, service: &Service) -> bool {
        let name = self.name_glob();
        if !has_wildcard(name) {
            return service.find(name).is_some();
        }
        Self::head_range(name, service)
            .any(|i| glob_match(name.as_bytes(), service.actions[i].lower.as_bytes()))
    }

    /// The actions whose names start with the literal head of the wildcard `name`: only they
    /// can match it.
    fn head_range(name: &str, service: &Service) -> std::ops::Range<usize> {
        let head_len = name.find(['*', '?']).unwrap_or(0);
        service.prefix_range(&name[..head_len].to_ascii_lowercase())
    }

    /// Whether this pattern matches `service:action`.
    pub fn matches_lower(&self, service: &str, action: &str) -> bool {
        glob_match(self.service_glob().as_bytes(), service.as_bytes())
            && glob_match(self.name_glob().as_bytes(), action.as_bytes())
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
