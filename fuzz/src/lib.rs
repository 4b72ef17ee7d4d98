//! Support code of Causeway's fuzz targets: a generator that turns arbitrary bytes into a random but
//! *verified* IR module ([`gen`]), and the interpreter-vs-JIT differential check ([`diff`]).
//!
//! The targets themselves (`fuzz_targets/*.rs`) are thin wrappers around this library, so that the same
//! code also runs as an ordinary `cargo test` smoke test on stable (see the tests in [`diff`]).

pub mod diff;
pub mod gen;
