//! Policy documents. `document` reads a parsed JSON value into the engine's statements and writes a
//! refinement back into it.

pub mod document;
pub mod json;
pub mod model;
