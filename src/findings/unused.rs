//! The unused access of one principal (or the intersection for several), by service.

use crate::catalog::{ActionSet, Bits, Catalog};
use std::collections::BTreeMap;

/// Unused actions of one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnusedService {
    /// The whole service is unused (`unusedPermissionDetails` without `actions`).
    All,
    /// These actions without the service prefix: lower-cased name -> name as AWS spelled it.
    Actions(BTreeMap<String, String>),
}

/// Unused access by service prefix (lower case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnusedSet {
    /// The whole principal is unused (`UnusedIAMRole`).
    pub everything: bool,
    pub services: BTreeMap<String, UnusedService>,
}

impl UnusedSet {
    pub fn everything() -> UnusedSet {
        UnusedSet {
            everything: true,
            services: BTreeMap::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.everything && self.services.is_empty()
    }

    pub fn add_service(&mut self, service: &str) {
        self.services
            .insert(service.to_ascii_lowercase(), UnusedService::All);
    }

    /// Adds one action; `action` may be bare (`GetObject`) or prefixed (`s3:GetObject`).
    pub fn add_action(&mut self, service: &str, action: &str) {
        let (svc, name) = match action.split_once(':') {
            Some((s, n)) => (s, n),
            None => (service, action),
        };
        // Prefixes come lower-cased from AWS: allocate a key only for a new service.
        let lower: std::borrow::Cow<str> = if svc.bytes().any(|b| b.is_ascii_uppercase()) {
            svc.to_ascii_lowercase().into()
        } else {
            svc.into()
        };
        if !self.services.contains_key(lower.as_ref()) {
            self.services.insert(
                lower.clone().into_owned(),
                UnusedService::Actions(BTreeMap::new()),
            );
        }
        if let Some(UnusedService::Actions(set)) = self.services.get_mut(lower.as_ref()) {
            set.entry(name.to_ascii_lowercase())
                .or_insert_with(|| name.to_string());
        }
    }

    /// Merges another report for the same principal (union).
    pub fn merge(&mut self, other: &UnusedSet) {
        self.everything |= other.everything;
        for (svc, u) in &other.services {
            match u {
                UnusedService::All => self.add_service(svc),
                UnusedService::Actions(actions) => {
                    for a in actions.values() {
                        self.add_action(svc, a);
                    }
                }
            }
        }
    }

    /// What is unused by both (a file shared by several principals may lose only this).
    pub fn intersect(&self, other: &UnusedSet) -> UnusedSet {
        if self.everything {
            return other.clone();
        }
        if other.everything {
            return self.clone();
        }
        let mut out = UnusedSet::default();
        for (svc, a) in &self.services {
            let Some(b) = other.services.get(svc) else {
                continue;
            };
            let merged = match (a, b) {
                (UnusedService::All, x) | (x, UnusedService::All) => x.clone(),
                (UnusedService::Actions(x), UnusedService::Actions(y)) => UnusedService::Actions(
                    x.iter()
                        .filter(|(k, _)| y.contains_key(*k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
            };
            if !matches!(&merged, UnusedService::Actions(s) if s.is_empty()) {
                out.services.insert(svc.clone(), merged);
            }
        }
        out
    }

    /// The catalogued actions this set names. Names the catalogue does not know are left out.
    pub fn resolve(&self, catalog: &Catalog) -> ActionSet {
        let mut set = ActionSet::default();
        if self.everything {
            for svc in 0..catalog.service_count() {
                let mut bits = Bits::new(catalog.service(svc).actions.len());
                bits.fill();
                set.union_bits(svc, &bits);
            }
            return set;
        }
        for (prefix, u) in &self.services {
            let Some(svc) = catalog.service_index(prefix) else {
                continue;
            };
            let service = catalog.service(svc);
            let mut bits = Bits::new(service.actions.len());
            match u {
                UnusedService::All => bits.fill(),
                UnusedService::Actions(names) => {
                    // The keys are lower-cased and ascending, like the catalogue's names: each
                    // search starts where the last one ended.
                    let mut from = 0;
                    for n in names.keys() {
                        if let Some(i) = service.find_lower_from(n, from) {
                            bits.set(i);
                            from = i + 1;
                        }
                    }
                }
            }
            set.union_bits(svc, &bits);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection_keeps_what_any_principal_uses() {
        let mut a = UnusedSet::default();
        a.add_action("s3", "GetObject");
        a.add_action("s3", "PutObject");
        a.add_service("kms");
        let mut b = UnusedSet::default();
        b.add_action("s3", "s3:GetObject");
        b.add_action("kms", "Decrypt");
        let both = a.intersect(&b);
        let mut expected = UnusedSet::default();
        expected.add_action("s3", "GetObject");
        expected.add_action("kms", "Decrypt");
        assert_eq!(both, expected);
        assert_eq!(UnusedSet::everything().intersect(&a), a);
    }

    /// `resolve` (ascending searches from the last hit) finds what one search per name finds.
    #[test]
    fn resolve_matches_a_lookup_per_name() {
        let catalog = Catalog::embedded();
        for prefix in ["s3", "ec2", "iam", "dynamodb"] {
            let svc = catalog.service_index(prefix).unwrap();
            let service = catalog.service(svc);
            let mut set = UnusedSet::default();
            let mut expected = Bits::new(service.actions.len());
            for (i, a) in service.actions.iter().enumerate() {
                if i % 3 == 0 || i % 7 == 5 {
                    set.add_action(prefix, &a.name);
                    expected.set(service.find(&a.name).unwrap());
                }
            }
            // Names the catalogue does not know, sorting between and around the real ones.
            for name in ["AAAA", "GetNothing", "zzzz", "Describe"] {
                set.add_action(prefix, name);
            }
            let mut want = ActionSet::default();
            want.union_bits(svc, &expected);
            assert_eq!(set.resolve(catalog), want, "{prefix}");
        }
    }
}
