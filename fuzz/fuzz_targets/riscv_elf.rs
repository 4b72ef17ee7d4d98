//! Fuzz target: the RISC-V guest loader on hostile files. `causeway_riscv::elf::load` and
//! `causeway_riscv::load` must accept or refuse any bytes without panicking; a file that loads must
//! give a module the verifier accepts, and the region at its entry point (the first thing a run
//! translates) must lift to a function the verifier accepts too.
//!
//! Owns only these properties of loading; it must never run guest code (that is `riscv_exec`).

#![no_main]

use causeway_engine::ir::verify::{verify_dynamic_function, verify_module};
use causeway_riscv::elf::ElfLimits;
use causeway_riscv::layout::GuestLimits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = ElfLimits::default();
    let elf = causeway_riscv::elf::load(data, &limits);
    let program = causeway_riscv::load(data, &limits, &GuestLimits::default());
    // The full load refuses at least everything the ELF check refuses.
    if elf.is_err() {
        assert!(program.is_err(), "a file the ELF check refuses loaded");
    }
    let Ok(program) = program else { return };
    if let Err(e) = verify_module(&program.module) {
        panic!("a loaded guest's module does not verify: {e}");
    }
    let layout = program.translator.layout();
    if let Some(slot) = layout.slot_of(layout.entry) {
        let region = program.translator.translate(slot);
        if let Err(e) = verify_dynamic_function(&program.module, &region) {
            panic!("the entry region does not verify: {e}\n{region:?}");
        }
    }
});
