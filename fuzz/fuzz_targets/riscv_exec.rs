//! Fuzz target: RISC-V execution, JIT against interpreter. The bytes drive the random-program
//! generator (`causeway_riscv::gen::program_from_bytes`; the first byte picks RV32 or RV64); the
//! program runs metered with a small budget on both tiers, which must print the same bytes and end
//! the same way (exit status, or trap with its pc, or out of fuel). When the budget sufficed, the
//! unmetered JIT must agree as well.
//!
//! Owns only this comparison; it must never compare against qemu (the integration test
//! `tests/all/riscv_random.rs` does, where qemu is installed).

#![no_main]

use causeway_riscv::gen::program_from_bytes;
use causeway_riscv::inst::Xlen;
use causeway_runtime::riscv::{Guest, GuestEnd, GuestIo, GuestOptions};
use libfuzzer_sys::fuzz_target;

/// Guest instructions per run: a few cases of the generator's programs.
const FUEL: u64 = 20_000;

/// How a run ended (`GuestError` has no equality, so an error is compared as its message), and
/// its stdout and stderr.
type Outcome = (Result<GuestEnd, String>, Vec<u8>, Vec<u8>);

fn run(elf: &[u8], fuel: Option<u64>, interpreter: bool) -> Outcome {
    let options = GuestOptions {
        fuel,
        interpreter,
        ..Default::default()
    };
    let guest = match Guest::load(elf, options) {
        Ok(g) => g,
        Err(e) => panic!("a generated program does not load: {e}"),
    };
    let (io, out, err) = GuestIo::capture();
    let end = guest.run(io).map_err(|e| e.to_string());
    (end, out.bytes(), err.bytes())
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let xlen = if first & 1 == 0 { Xlen::X32 } else { Xlen::X64 };
    let elf = program_from_bytes(xlen, rest);
    let interp = run(&elf, Some(FUEL), true);
    let jit = run(&elf, Some(FUEL), false);
    assert_eq!(interp, jit, "{xlen:?}: the interpreter and the JIT disagree");
    if interp.0 == Ok(GuestEnd::Exited(0)) {
        let unmetered = run(&elf, None, false);
        assert_eq!(interp, unmetered, "{xlen:?}: the unmetered JIT disagrees");
    }
});
