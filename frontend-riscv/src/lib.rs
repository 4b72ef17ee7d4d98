//! RISC-V front end: ELF loading, RV32/RV64 IMAC decoding and lifting to the shared IR.
//!
//! Owns everything RISC-V-specific; must never touch native code, nor guest memory except through the
//! engine's memory API. Not built yet: see issue 6.

/// The ISA extensions this front end targets.
pub const SUPPORTED_ISA: &str = "rv32imac/rv64imac";
