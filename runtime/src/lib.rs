//! Causeway's runtime: the resource model, capabilities, stores, the embedding API over
//! `causeway-engine`, and the seed's interface traits (`../shared/spec/vm_interface.md`), plus the
//! home of the `causeway` command-line tool.
//!
//! It must never contain a second code generator or interpreter: execution is the engine's.

pub mod adapter;
pub mod capability;
pub mod cli_resources;
pub mod debug;
pub mod embed;
pub mod error;
pub mod interfaces;
pub mod ir_host;
pub mod lifecycle;
pub mod ops;
pub mod resources;
pub mod riscv;
pub mod store;
pub mod tel;
pub mod tel_debug;
pub mod tel_host;
pub mod tel_repl;
pub mod types;
pub mod zk;

pub use ir_host::{run_ir, RunIrOptions, RunIrOutcome};
