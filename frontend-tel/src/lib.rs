//! TEL front end: lexing, parsing, type checking and lowering of TEL programs to the shared IR, and
//! TEL's runtime helpers (heap values: strings, lists, records, closures).
//!
//! Owns everything TEL-specific; must never touch native code (it emits IR for `causeway-engine`)
//! and never knows resources or capabilities (the runtime backs the standard effects).
//!
//! Pipeline: [`parser::parse`] → [`check::check`] → [`lower::lower`] → an IR module.

pub mod ast;
pub mod check;
pub mod debug_info;
pub mod diag;
pub mod headers;
pub mod helpers;
pub mod layout;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod render;
pub mod types;
pub mod value;

/// The TEL dialect version this front end implements (`../shared/tel/SPEC.md`).
pub const TEL_VERSION: u32 = 1;

/// Parses, checks and lowers TEL source text: the IR module and what the embedder needs to run it,
/// or the first compile error.
pub fn compile_source(source: &str, options: lower::LowerOptions) -> Result<lower::Lowered, diag::Diag> {
    let program = parser::parse(source)?;
    let checked = check::check(&program)?;
    lower::lower(&program, &checked, options)
}

/// Parses and checks only (`causeway check`).
pub fn check_source(source: &str) -> Result<(), diag::Diag> {
    let program = parser::parse(source)?;
    check::check(&program).map(|_| ())
}
