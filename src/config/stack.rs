//! `[[stack]]`: which CloudFormation stack a template is deployed as, so that its roles can be
//! found by the stack's address book (`snapshot import --stack`) or by the names CloudFormation
//! generates (`<stack>-<LogicalId>-<suffix>`).

use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStack {
    /// A template's path or a glob, relative to the config.
    template: String,
    /// The stack's name.
    name: String,
}

/// The `[[stack]]` entries, compiled.
#[derive(Debug, Default)]
pub(super) struct Stacks(Vec<(GlobMatcher, String)>);

impl Stacks {
    /// Compiles the entries; `Err((needle, message))`: the quoted value to point at, and why.
    pub(super) fn new(raw: Vec<RawStack>) -> Result<Stacks, (String, String)> {
        let mut out = Vec::new();
        for s in raw {
            if !crate::findings::stacks::is_stack_name(&s.name) {
                return Err((
                    s.name.clone(),
                    format!(
                        "stack name `{}` is not one: a letter, then letters, digits and `-` (at most 128)",
                        s.name.escape_debug()
                    ),
                ));
            }
            let file = s.template.strip_prefix("./").unwrap_or(&s.template);
            let m = Glob::new(file)
                .map_err(|e| {
                    (
                        s.template.clone(),
                        format!("bad glob `{}`: {e}", s.template),
                    )
                })?
                .compile_matcher();
            out.push((m, s.name));
        }
        Ok(Stacks(out))
    }

    /// The stacks the template at `rel_path` is deployed as, in config order, each once.
    pub(super) fn of(&self, rel_path: &Path) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (m, name) in &self.0 {
            if m.is_match(rel_path) && !out.contains(&name.as_str()) {
                out.push(name);
            }
        }
        out
    }
}
