//! Causeway's execution engine: the shared IR, its reference interpreter, and the Cranelift JIT that
//! compiles it into guarded native code with fuel, interrupts, host-call trampolines, resumable stops
//! and breakpoint sites.
//!
//! The engine knows nothing of TEL, RISC-V, resources or capabilities: front ends hand it IR
//! [`ir::Module`]s, the runtime drives [`instance::Instance`]s and reads their [`stop::Stop`]s.

// The JIT emits x86-64 code, patches x86 nops, resolves x86 relocations and reads x86-64 Linux signal
// contexts; other hosts are not supported yet.
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
compile_error!("causeway-engine supports x86-64 Linux hosts only");

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
