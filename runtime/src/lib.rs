//! Causeway's runtime: the embedding layer over `causeway-engine` and the front ends, and the home of
//! the `causeway` command-line tool.
//!
//! Today it provides [`run_ir`], the shared path of `causeway run-ir`, which instantiates an IR module
//! on either tier with the standard host imports. The resource model, capabilities and the seed's
//! interface traits arrive with the runtime issue. It must never contain a second code generator or
//! interpreter: execution is the engine's.

pub mod ir_host;

pub use ir_host::{run_ir, RunIrOptions, RunIrOutcome};
