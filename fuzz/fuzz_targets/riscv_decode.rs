//! Fuzz target: the RISC-V decoder, printer and encoders. Every 32-bit word, for both XLENs, must
//! decode and print without panicking, and whatever re-encodes must decode to the same instruction:
//! `decode(encode(decode(w))) == decode(w)`, for the 32-bit and (for a compressed instruction) the
//! 16-bit encoder alike.
//!
//! Owns only these round-trip properties; it must never check semantics (`riscv_exec` does).

#![no_main]

use causeway_riscv::decode::decode;
use causeway_riscv::encode::{encode, encode_compressed};
use causeway_riscv::inst::Xlen;
use libfuzzer_sys::fuzz_target;

fn check(xlen: Xlen, word: u32) {
    let d = decode(xlen, word);
    let text = d.inst.to_string();
    assert!(!text.is_empty());
    if let Some(w) = encode(xlen, &d.inst) {
        let again = decode(xlen, w);
        assert_eq!(
            again.len, 4,
            "{xlen:?} {word:#010x} ({text}) re-encoded as a compressed {w:#010x}"
        );
        assert_eq!(
            again.inst, d.inst,
            "{xlen:?} {word:#010x} ({text}) re-encoded as {w:#010x}"
        );
    }
    if let Some(h) = encode_compressed(xlen, &d.inst) {
        let again = decode(xlen, u32::from(h));
        assert_eq!(
            again.len, 2,
            "{xlen:?} {word:#010x} ({text}): {h:#06x} is not compressed"
        );
        assert_eq!(
            again.inst, d.inst,
            "{xlen:?} {word:#010x} ({text}) compressed as {h:#06x}"
        );
    }
    // A compressed instruction always has a 32-bit form, except for the illegal ones.
    if d.len == 2 && d.inst != causeway_riscv::inst::Inst::Illegal {
        assert!(
            encode(xlen, &d.inst).is_some(),
            "{xlen:?} {word:#06x} ({text}) has no 32-bit encoding"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // Every alignment of the input, so a word also starts at each halfword of a compressed stream.
    for window in data.windows(4).take(256) {
        let word = u32::from_le_bytes([window[0], window[1], window[2], window[3]]);
        check(Xlen::X32, word);
        check(Xlen::X64, word);
    }
});
