//! RISC-V front end: ELF loading, RV32/RV64 IMAC decoding and lazy lifting to the shared IR.
//!
//! A guest becomes an IR module with one function, the dispatcher, and one dynamic slot per
//! halfword of code: the engine asks [`lift::Translator`] for a slot's region the first time the
//! guest reaches that pc, so a large program starts at once. `docs/riscv.md` has the design.
//!
//! Owns everything RISC-V-specific; must never touch native code, nor guest memory except through the
//! engine's memory API, nor implement system calls (the runtime does, behind the `ecall` import).

pub mod decode;
pub mod elf;
pub mod elf_write;
pub mod encode;
pub mod gen;
pub mod inst;
pub mod layout;
pub mod lift;

use causeway_engine::ir::Module;

/// The ISA extensions this front end targets.
pub const SUPPORTED_ISA: &str = "rv32imac/rv64imac";

/// A loaded guest: its IR module and the translator that produces its regions.
pub struct GuestProgram {
    pub module: Module,
    pub translator: lift::Translator,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Elf(#[from] elf::ElfError),
    #[error(transparent)]
    Layout(#[from] layout::LayoutError),
}

/// Loads a guest ELF: checks it, lays out its address space and builds its module.
pub fn load(
    bytes: &[u8],
    elf_limits: &elf::ElfLimits,
    limits: &layout::GuestLimits,
) -> Result<GuestProgram, LoadError> {
    let elf = elf::load(bytes, elf_limits)?;
    let layout = layout::Layout::new(&elf, limits)?;
    let module = layout.module(&elf);
    Ok(GuestProgram {
        module,
        translator: lift::Translator::new(layout, &elf.symbols),
    })
}
