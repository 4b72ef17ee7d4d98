//! Decoder tests: the GNU-assembler reference tables, the reserved encodings, and sweeps that check the
//! decoder never panics and agrees with the encoder on everything it accepts.
//!
//! Owns decoder checks only; it must never weaken a table row to make a test pass (fix the decoder or
//! regenerate the row with the toolchain instead).

mod gas;

use super::decode;
use crate::encode::{encode, encode_compressed};
use crate::inst::{AluOp, Decoded, Inst, Xlen};
use gas::Row;
use proptest::prelude::*;

const XLENS: [Xlen; 2] = [Xlen::X32, Xlen::X64];

fn check_rows(xlen: Xlen, rows: &[Row]) {
    for &(word, gas_rvc, canon, text) in rows {
        let d = decode(xlen, word);
        let ctx = format!("{xlen:?} {word:#010x} {text}");
        assert_eq!(d.len, 4, "{ctx}");
        assert_ne!(d.inst, Inst::Illegal, "{ctx}");
        assert_eq!(d.inst.to_string(), text, "{ctx}");
        let again = encode(xlen, &d.inst).unwrap_or_else(|| panic!("{ctx}: not re-encodable"));
        // Every fence variant decodes to the one `Fence`, which encodes as `fence iorw, iorw`.
        if d.inst != Inst::Fence {
            assert_eq!(again, word, "{ctx}");
        }
        if let Some(h) = gas_rvc {
            assert_eq!(
                decode(xlen, u32::from(h)),
                Decoded { inst: d.inst, len: 2 },
                "{ctx}: GAS {h:#06x}"
            );
        }
        assert_eq!(encode_compressed(xlen, &d.inst), canon, "{ctx}");
        if let Some(h) = canon {
            assert_eq!(
                decode(xlen, u32::from(h)),
                Decoded { inst: d.inst, len: 2 },
                "{ctx}: ours {h:#06x}"
            );
        }
    }
}

fn check_illegal(xlen: Xlen, rows: &[(u32, &str)]) {
    for &(word, why) in rows {
        let len = if word & 0b11 == 0b11 { 4 } else { 2 };
        assert_eq!(
            decode(xlen, word),
            Decoded {
                inst: Inst::Illegal,
                len
            },
            "{xlen:?} {word:#x}: {why}"
        );
    }
}

#[test]
fn gas_common_rows_on_both_xlens() {
    for xlen in XLENS {
        check_rows(xlen, gas::COMMON);
    }
}

#[test]
fn gas_rv64_rows() {
    check_rows(Xlen::X64, gas::RV64_ONLY);
    for &(word, gas_rvc, _, text) in gas::RV64_ONLY {
        assert_eq!(decode(Xlen::X32, word).inst, Inst::Illegal, "{word:#010x} {text}");
        // The compressed slots are reused on RV32 (c.ld is c.flw, c.addiw is c.jal, ...).
        if let Some(h) = gas_rvc {
            assert_ne!(
                decode(Xlen::X32, u32::from(h)),
                decode(Xlen::X64, u32::from(h)),
                "{h:#06x}"
            );
        }
    }
}

#[test]
fn gas_rv32_rows() {
    check_rows(Xlen::X32, gas::RV32_ONLY);
}

#[test]
fn reserved_and_unsupported_encodings_are_illegal() {
    for xlen in XLENS {
        check_illegal(xlen, gas::ILLEGAL_COMMON);
    }
    check_illegal(Xlen::X64, gas::ILLEGAL_RV64);
    check_illegal(Xlen::X32, gas::ILLEGAL_RV32);
}

#[test]
fn long_instruction_prefixes_are_illegal_with_length_4() {
    // bits [4:2] = 0b111 with the low bits 0b11 announce 48-bit and longer instructions.
    for word in [0x0000_001f, 0x0000_003f, 0x0000_007f, 0xffff_ffff, 0x1234_567f] {
        for xlen in XLENS {
            assert_eq!(
                decode(xlen, word),
                Decoded {
                    inst: Inst::Illegal,
                    len: 4
                },
                "{word:#x}"
            );
        }
    }
}

#[test]
fn compressed_ignores_the_upper_halfword() {
    for upper in [0u32, 0xffff, 0x1234, 0x0013] {
        for h in [0x0001u32, 0x852e, 0x0000, 0x6101, 0xbff5] {
            for xlen in XLENS {
                assert_eq!(decode(xlen, h | (upper << 16)), decode(xlen, h));
            }
        }
    }
}

#[test]
fn hints_expand_to_their_base_instruction() {
    let addi = |rd, rs1, imm| Inst::OpImm {
        op: AluOp::Add,
        rd,
        rs1,
        imm,
        word: false,
    };
    let cases = [
        (0x0015, addi(0, 0, 5)),                    // c.nop 5
        (0x0501, addi(10, 10, 0)),                  // c.addi a0, 0
        (0x400d, addi(0, 0, 3)),                    // c.li zero, 3
        (0x6005, Inst::Lui { rd: 0, imm: 0x1000 }), // c.lui zero, 1
        (
            0x802e,
            Inst::Op {
                op: AluOp::Add,
                rd: 0,
                rs1: 0,
                rs2: 11,
                word: false,
            },
        ), // c.mv zero, a1
        (
            0x902e,
            Inst::Op {
                op: AluOp::Add,
                rd: 0,
                rs1: 0,
                rs2: 11,
                word: false,
            },
        ), // c.add zero, a1
        (
            0x000e,
            Inst::OpImm {
                op: AluOp::Sll,
                rd: 0,
                rs1: 0,
                imm: 3,
                word: false,
            },
        ), // c.slli zero, 3
        (
            0x8001,
            Inst::OpImm {
                op: AluOp::Srl,
                rd: 8,
                rs1: 8,
                imm: 0,
                word: false,
            },
        ), // c.srli64 s0
    ];
    for (h, inst) in cases {
        for xlen in XLENS {
            assert_eq!(decode(xlen, h), Decoded { inst, len: 2 }, "{xlen:?} {h:#06x}");
        }
    }
}

/// Every halfword, both XLENs: no panic, and whatever is accepted survives both encoders.
#[test]
fn exhaustive_compressed_sweep() {
    for xlen in XLENS {
        let mut legal = 0;
        for h in 0..=u16::MAX {
            let word = u32::from(h);
            let d = decode(xlen, word);
            if word & 0b11 == 0b11 {
                assert_eq!(d.len, 4);
                continue;
            }
            assert_eq!(d.len, 2, "{h:#06x}");
            if d.inst == Inst::Illegal {
                continue;
            }
            legal += 1;
            let w = encode(xlen, &d.inst).unwrap_or_else(|| panic!("{xlen:?} {h:#06x} {}", d.inst));
            assert_eq!(
                decode(xlen, w),
                Decoded { inst: d.inst, len: 4 },
                "{xlen:?} {h:#06x}"
            );
            let c =
                encode_compressed(xlen, &d.inst).unwrap_or_else(|| panic!("{xlen:?} {h:#06x} {}", d.inst));
            assert_eq!(
                decode(xlen, u32::from(c)),
                d,
                "{xlen:?} {h:#06x} re-encoded as {c:#06x}"
            );
        }
        // Guards against the sweep silently accepting everything or nothing.
        assert!(
            (25_000..45_000).contains(&legal),
            "{xlen:?}: {legal} legal halfwords"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn random_words_never_panic_and_round_trip(word in any::<u32>()) {
        for xlen in XLENS {
            let d = decode(xlen, word);
            prop_assert_eq!(d.len, if word & 0b11 == 0b11 { 4 } else { 2 });
            if d.inst != Inst::Illegal {
                let w = encode(xlen, &d.inst);
                prop_assert!(w.is_some(), "{:?} {:#010x} {}", xlen, word, d.inst);
                prop_assert_eq!(decode(xlen, w.unwrap_or(0)).inst, d.inst);
                // The text form is total too.
                prop_assert!(!d.inst.to_string().is_empty());
            }
        }
    }

    /// Random words are mostly illegal; forcing the low bits to a major opcode we decode exercises the
    /// field checks far more often.
    #[test]
    fn random_words_with_known_opcodes(hi in any::<u32>(), opcode in prop::sample::select(vec![
        0x37u32, 0x17, 0x6f, 0x67, 0x63, 0x03, 0x23, 0x13, 0x1b, 0x33, 0x3b, 0x2f, 0x0f, 0x73,
    ])) {
        let word = (hi & !0x7f) | opcode;
        for xlen in XLENS {
            let d = decode(xlen, word);
            prop_assert_eq!(d.len, 4);
            if d.inst != Inst::Illegal {
                let w = encode(xlen, &d.inst);
                prop_assert!(w.is_some(), "{:?} {:#010x} {}", xlen, word, d.inst);
                let back = decode(xlen, w.unwrap_or(0)).inst;
                prop_assert_eq!(back, d.inst);
                if d.inst != Inst::Fence && d.inst != Inst::FenceI {
                    prop_assert_eq!(w, Some(word));
                }
            }
        }
    }
}
