//! Fix application: edits on the current text, re-parse, repeat until nothing applies; then verify
//! the result against the original over the whole catalogue before anything is written.

pub mod edits;
