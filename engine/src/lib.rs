//! Causeway's execution engine: the shared IR, its reference interpreter, and the Cranelift JIT that
//! compiles it into guarded native code with fuel, interrupts, host-call trampolines, resumable stops
//! and breakpoint sites.
//!
//! The engine knows nothing of TEL, RISC-V, resources or capabilities: front ends hand it IR
//! [`ir::Module`]s, the runtime drives [`instance::Instance`]s and reads their [`stop::Stop`]s.

pub mod exec;
pub mod fuel;
pub mod host;
pub mod instance;
pub mod interp;
pub mod ir;
pub mod jit;
pub mod memory;
pub mod signals;
pub mod stop;
