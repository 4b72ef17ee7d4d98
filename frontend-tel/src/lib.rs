//! TEL front end: lexing, parsing, type checking and lowering of TEL programs to the shared IR.
//!
//! Owns everything TEL-specific; must never touch native code (it emits IR for `causeway-engine`).
//! Not built yet: see issue 5. Until then this crate only states the language it will accept.

/// The TEL dialect version this front end targets (`../shared/tel/SPEC.md`).
pub const TEL_VERSION: u32 = 1;
