//! Least-general patterns for a set of actions of one service, by a walk of the service's CamelCase
//! token trie. Safety is decided on the *string* prefix against the whole service: the glob
//! `DescribeVpc*` also matches `DescribeVpcs`, which sits on another branch of the trie.

use crate::catalog::{Bits, Service};

/// One emitted entry, before it is spelled as a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emit {
    /// Every action of the service (`svc:*`).
    All,
    /// `prefix*`, the prefix in the catalogue's canonical case.
    Prefix(String),
    /// One action, by index.
    Action(usize),
}

/// The least-general entries that cover every action in `target` and only actions in `ok`
/// (`target` must be a subset of `ok`).
///
/// A node is *safe* when every catalogued action whose name starts with its string prefix is in
/// `ok`. The walk emits the shortest safe prefixes (a bare name when one action starts with it),
/// emits an unsafe node that is itself a target action literally and goes on below it, and prunes
/// subtrees with no target action. Entries covered by an emitted wildcard are dropped.
pub fn least_general(service: &Service, target: &Bits, ok: &Bits) -> Vec<Emit> {
    let ends = service.token_ends();
    // Only target actions need walking: a subtree without one emits nothing. Safety is still
    // decided against every action of the service, by string prefix.
    let members: Vec<usize> = target.iter().collect();
    if members.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let walk = Walk { service, ends, ok };
    walk.node(&members, 0, 0, 0..service.actions.len(), &mut out);
    prune_covered(service, out)
}

struct Walk<'a> {
    service: &'a Service,
    ends: &'a [Vec<usize>],
    ok: &'a Bits,
}

impl Walk<'_> {
    /// `members`: the target actions in this node's subtree (never empty); `depth`: tokens in its
    /// prefix; `len`: the prefix's byte length.
    fn node(
        &self,
        members: &[usize],
        depth: usize,
        len: usize,
        parent_range: std::ops::Range<usize>,
        out: &mut Vec<Emit>,
    ) {
        let first = &self.service.actions[members[0]];
        let prefix_lower = &first.lower[..len];
        let range = self.service.prefix_range_within(prefix_lower, parent_range);
        if self.ok.all_in(range.clone()) {
            out.push(if depth == 0 {
                Emit::All
            } else if range.len() == 1 {
                Emit::Action(range.start)
            } else {
                Emit::Prefix(first.name[..len].to_string())
            });
            return;
        }
        // Children: the members grouped by their prefix one token deeper (members arrive sorted
        // by name, but a group need not be contiguous, so sort by the key first).
        let mut keyed: Vec<(&str, usize)> = Vec::with_capacity(members.len());
        for &i in members {
            let ends = &self.ends[i];
            if ends.len() == depth {
                // An unsafe node that is itself a target action: emitted literally.
                out.push(Emit::Action(i));
            } else {
                keyed.push((&self.service.actions[i].lower[..ends[depth]], i));
            }
        }
        keyed.sort_unstable();
        let mut child: Vec<usize> = Vec::new();
        for (k, (key, i)) in keyed.iter().enumerate() {
            child.push(*i);
            if keyed.get(k + 1).is_none_or(|(next, _)| next != key) {
                self.node(&child, depth + 1, key.len(), range.clone(), out);
                child.clear();
            }
        }
    }
}

/// Drops entries that another emitted wildcard covers, and duplicates.
fn prune_covered(service: &Service, emitted: Vec<Emit>) -> Vec<Emit> {
    if emitted.contains(&Emit::All) {
        return vec![Emit::All];
    }
    let wildcards: Vec<String> = emitted
        .iter()
        .filter_map(|e| match e {
            Emit::Prefix(p) => Some(p.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let mut kept: Vec<Emit> = Vec::new();
    for e in emitted {
        let covered = match &e {
            Emit::All => false,
            Emit::Prefix(p) => {
                let lower = p.to_ascii_lowercase();
                wildcards
                    .iter()
                    .any(|w| *w != lower && lower.starts_with(w.as_str()))
            }
            Emit::Action(i) => {
                let lower = &service.actions[*i].lower;
                wildcards.iter().any(|w| lower.starts_with(w.as_str()))
            }
        };
        if !covered && !kept.contains(&e) {
            kept.push(e);
        }
    }
    kept
}
