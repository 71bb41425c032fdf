//! Sets of catalogued actions: one bitset per service, keyed by the service's catalogue index.

use std::collections::BTreeMap;

/// A fixed-size bitset over one service's actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bits {
    len: usize,
    words: Vec<u64>,
}

impl Bits {
    pub fn new(len: usize) -> Bits {
        Bits {
            len,
            words: vec![0; len.div_ceil(64)],
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn set(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    pub fn set_range(&mut self, range: std::ops::Range<usize>) {
        for i in range {
            self.set(i);
        }
    }

    pub fn has(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }

    pub fn fill(&mut self) {
        for w in &mut self.words {
            *w = u64::MAX;
        }
        if !self.len.is_multiple_of(64)
            && let Some(last) = self.words.last_mut()
        {
            *last = (1u64 << (self.len % 64)) - 1;
        }
    }

    pub fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    pub fn intersect_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    pub fn subtract(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !b;
        }
    }

    /// Whether every index in `range` is set.
    pub fn all_in(&self, range: std::ops::Range<usize>) -> bool {
        range.into_iter().all(|i| self.has(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len).filter(|&i| self.has(i))
    }
}

/// A set of catalogued actions across services.
#[derive(Debug, Clone, Default)]
pub struct ActionSet {
    services: BTreeMap<usize, Bits>,
}

impl PartialEq for ActionSet {
    fn eq(&self, other: &Self) -> bool {
        let a = self.services.iter().filter(|(_, b)| !b.is_empty());
        let b = other.services.iter().filter(|(_, b)| !b.is_empty());
        a.eq(b)
    }
}

impl Eq for ActionSet {}

impl ActionSet {
    pub fn is_empty(&self) -> bool {
        self.services.values().all(Bits::is_empty)
    }

    pub fn count(&self) -> usize {
        self.services.values().map(Bits::count).sum()
    }

    pub fn get(&self, service: usize) -> Option<&Bits> {
        self.services.get(&service)
    }

    /// The bits of `service` (with `len` actions), created empty on first use.
    pub fn bits_mut(&mut self, service: usize, len: usize) -> &mut Bits {
        self.services
            .entry(service)
            .or_insert_with(|| Bits::new(len))
    }

    pub fn union_bits(&mut self, service: usize, bits: &Bits) {
        match self.services.get_mut(&service) {
            Some(b) => b.union_with(bits),
            None => {
                self.services.insert(service, bits.clone());
            }
        }
    }

    pub fn union(&mut self, other: &ActionSet) {
        for (&s, bits) in &other.services {
            self.union_bits(s, bits);
        }
    }

    pub fn subtract(&mut self, other: &ActionSet) {
        for (s, bits) in &mut self.services {
            if let Some(o) = other.services.get(s) {
                bits.subtract(o);
            }
        }
    }

    pub fn intersect(&mut self, other: &ActionSet) {
        for (s, bits) in &mut self.services {
            match other.services.get(s) {
                Some(o) => bits.intersect_with(o),
                None => *bits = Bits::new(bits.len()),
            }
        }
    }

    /// Whether the two sets share an action.
    pub fn intersects(&self, other: &ActionSet) -> bool {
        self.services.iter().any(|(s, a)| {
            other
                .services
                .get(s)
                .is_some_and(|b| a.words.iter().zip(&b.words).any(|(x, y)| x & y != 0))
        })
    }

    /// Whether `other` is a subset of `self`.
    pub fn contains_all(&self, other: &ActionSet) -> bool {
        other.services.iter().all(|(s, b)| {
            b.is_empty()
                || self.services.get(s).is_some_and(|mine| {
                    let mut rest = b.clone();
                    rest.subtract(mine);
                    rest.is_empty()
                })
        })
    }

    /// (service index, bits) for every service with at least one member.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Bits)> {
        self.services
            .iter()
            .filter(|(_, b)| !b.is_empty())
            .map(|(&s, b)| (s, b))
    }
}
