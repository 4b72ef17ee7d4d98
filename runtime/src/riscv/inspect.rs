//! What the JIT makes of one region of a guest, as text (`causeway compile FILE.elf --emit
//! ir|clif|asm [--pc ADDR]`): the region's IR, Cranelift IR and machine code, for reading and for
//! performance work on the translation.
//!
//! Owns only the assembly of that text; translation is `causeway-riscv`'s and compilation the
//! engine's. It never runs guest code.

use super::{GuestError, GuestOptions};
use causeway_engine::ir::print::print_function;
use causeway_engine::ir::FuncId;
use causeway_engine::jit::{CompileOptions, CompiledModule, DynamicBases, OptLevel};

/// One region as text at every stage.
pub struct RegionText {
    /// The pc the region starts at.
    pub pc: u64,
    /// Its name (after the function symbol it starts in, see `Translator::region_name`).
    pub name: String,
    pub ir: String,
    pub clif: String,
    pub asm: String,
}

/// Translates and compiles the region at `pc` (the ELF's entry point when `None`) of the guest
/// `bytes`, as `causeway run` would at the first jump there (normal or debuggable code, optimized
/// at `opt_level`).
pub fn region_text(
    bytes: &[u8],
    pc: Option<u64>,
    debuggable: bool,
    opt_level: OptLevel,
) -> Result<RegionText, GuestError> {
    let defaults = GuestOptions::default();
    let mut program = causeway_riscv::load(bytes, &defaults.elf_limits, &defaults.limits)?;
    program.translator.set_debuggable(debuggable);
    let layout = program.translator.layout();
    let pc = pc.unwrap_or(layout.entry);
    let slot = layout.slot_of(pc).ok_or_else(|| {
        GuestError::Run(format!(
            "{pc:#x} is not an address where guest code may start (an even address in the range of \
             the executable segments){}",
            if pc == layout.entry {
                " (the ELF's entry point)"
            } else {
                ""
            }
        ))
    })?;
    let func = program.translator.translate(slot);
    let name = program.translator.region_name(pc);
    let ir = print_function(&program.module, &func);
    let options = CompileOptions {
        opt_level,
        metered: false,
        debuggable,
        debug_vars: false,
        keep_text: true,
    };
    // As the engine compiles a slot's region at run time (function ids after the module's).
    let id = FuncId(program.module.funcs.len() as u32);
    let compiled =
        CompiledModule::compile_dynamic(&program.module, func, id, DynamicBases::default(), options)
            .map_err(|e| GuestError::Compile(e.to_string()))?;
    let (clif, asm) = compiled.text.into_iter().next().unwrap_or_default();
    Ok(RegionText {
        pc,
        name,
        ir,
        clif,
        asm,
    })
}
