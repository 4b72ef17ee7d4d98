//! Encoder tests: round trips of random valid instructions through both encoders and the decoder, the
//! `None` cases, and the choice among equivalent compressed encodings.
//!
//! Owns encoder checks only; it must never generate an `Inst` the decoder cannot produce (the
//! strategies below follow the decoder's vocabulary exactly).

use super::{encode, encode_compressed};
use crate::decode::decode;
use crate::inst::{AluOp, AmoOp, BranchCond, CsrOp, CsrSrc, Decoded, Inst, LoadWidth, Reg, StoreWidth, Xlen};
use proptest::prelude::*;

/// Registers biased towards the ones the compressed forms care about (x0, ra, sp, x8..x15).
fn reg() -> impl Strategy<Value = Reg> {
    prop_oneof![0u8..32, 8u8..16, Just(0u8), Just(1u8), Just(2u8)]
}

/// Signed 12-bit immediates, biased towards the 6-bit range of the compressed forms.
fn imm12() -> impl Strategy<Value = i64> {
    prop_oneof![-2048i64..2048, -32i64..32, (0i64..128).prop_map(|v| v * 4)]
}

/// The widths that exist for `xlen`.
fn load_width(xlen: Xlen) -> impl Strategy<Value = LoadWidth> {
    let rv64_only = |w: &LoadWidth| matches!(w, LoadWidth::D | LoadWidth::Wu);
    prop::sample::select(
        LoadWidth::ALL
            .into_iter()
            .filter(|w| xlen == Xlen::X64 || !rv64_only(w))
            .collect::<Vec<_>>(),
    )
}

fn store_width(xlen: Xlen) -> impl Strategy<Value = StoreWidth> {
    let n = if xlen == Xlen::X64 { 4 } else { 3 };
    prop::sample::select(StoreWidth::ALL[..n].to_vec())
}

/// The `word` flag: either value on RV64, only `rv32` on RV32.
fn word_flag(xlen: Xlen, rv32: bool) -> BoxedStrategy<bool> {
    if xlen == Xlen::X64 {
        any::<bool>().boxed()
    } else {
        Just(rv32).boxed()
    }
}

fn op_imm(xlen: Xlen) -> impl Strategy<Value = Inst> {
    let word = word_flag(xlen, false);
    (
        prop::sample::select(AluOp::ALL.to_vec()),
        word,
        reg(),
        reg(),
        imm12(),
        0i64..64,
    )
        .prop_filter("no such immediate form", |&(op, word, ..)| op.has_imm_form(word))
        .prop_map(move |(op, word, rd, rs1, imm, shamt)| {
            let imm = if op.is_shift() {
                let limit = if word { 32 } else { i64::from(xlen.bits()) };
                shamt % limit
            } else {
                imm
            };
            Inst::OpImm {
                op,
                rd,
                rs1,
                imm,
                word,
            }
        })
}

fn op(xlen: Xlen) -> impl Strategy<Value = Inst> {
    let word = word_flag(xlen, false);
    (
        prop::sample::select(AluOp::ALL.to_vec()),
        word,
        reg(),
        reg(),
        reg(),
    )
        .prop_filter("no such word form", |&(op, word, ..)| !word || op.has_word_form())
        .prop_map(|(op, word, rd, rs1, rs2)| Inst::Op {
            op,
            rd,
            rs1,
            rs2,
            word,
        })
}

fn atomic(xlen: Xlen) -> impl Strategy<Value = Inst> {
    let word = word_flag(xlen, true);
    let amo = prop::sample::select(AmoOp::ALL.to_vec());
    (
        0u8..11,
        amo,
        word,
        reg(),
        reg(),
        reg(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(kind, op, word, rd, rs1, rs2, aq, rl)| match kind {
            0 => Inst::Lr {
                word,
                rd,
                rs1,
                aq,
                rl,
            },
            1 => Inst::Sc {
                word,
                rd,
                rs1,
                rs2,
                aq,
                rl,
            },
            _ => Inst::Amo {
                op,
                word,
                rd,
                rs1,
                rs2,
                aq,
                rl,
            },
        })
}

fn csr() -> impl Strategy<Value = Inst> {
    let op = prop::sample::select(CsrOp::ALL.to_vec());
    let src = prop_oneof![reg().prop_map(CsrSrc::Reg), (0u8..32).prop_map(CsrSrc::Imm)];
    (op, reg(), src, 0u16..0x1000).prop_map(|(op, rd, src, csr)| Inst::Csr { op, rd, src, csr })
}

/// Any instruction the decoder can produce for `xlen`.
fn valid_inst(xlen: Xlen) -> BoxedStrategy<Inst> {
    let upper = prop_oneof![-(1i64 << 19)..(1 << 19), -32i64..32].prop_map(|v| v << 12);
    let jal_offset = prop_oneof![-(1i64 << 19)..(1 << 19), -1024i64..1024].prop_map(|v| v * 2);
    let branch_offset = prop_oneof![-2048i64..2048, -128i64..128].prop_map(|v| v * 2);
    prop_oneof![
        (reg(), upper.clone()).prop_map(|(rd, imm)| Inst::Lui { rd, imm }),
        (reg(), upper).prop_map(|(rd, imm)| Inst::Auipc { rd, imm }),
        (reg(), jal_offset).prop_map(|(rd, offset)| Inst::Jal { rd, offset }),
        (reg(), reg(), prop_oneof![imm12(), Just(0i64)]).prop_map(|(rd, rs1, offset)| Inst::Jalr {
            rd,
            rs1,
            offset
        }),
        (
            prop::sample::select(BranchCond::ALL.to_vec()),
            reg(),
            prop_oneof![reg(), Just(0u8)],
            branch_offset
        )
            .prop_map(|(cond, rs1, rs2, offset)| Inst::Branch {
                cond,
                rs1,
                rs2,
                offset
            }),
        (load_width(xlen), reg(), reg(), imm12()).prop_map(|(width, rd, rs1, offset)| Inst::Load {
            width,
            rd,
            rs1,
            offset
        }),
        (store_width(xlen), reg(), reg(), imm12()).prop_map(|(width, rs1, rs2, offset)| Inst::Store {
            width,
            rs1,
            rs2,
            offset
        }),
        op_imm(xlen),
        op(xlen),
        atomic(xlen),
        prop::sample::select(vec![Inst::Fence, Inst::FenceI, Inst::Ecall, Inst::Ebreak]),
        csr(),
    ]
    .boxed()
}

fn round_trip(xlen: Xlen, inst: Inst) -> Result<(), TestCaseError> {
    let word = encode(xlen, &inst);
    prop_assert!(word.is_some(), "{:?}: {} not encodable", xlen, inst);
    let word = word.unwrap_or_default();
    prop_assert_eq!(word & 0b11, 0b11);
    prop_assert_eq!(decode(xlen, word), Decoded { inst, len: 4 }, "{:#010x}", word);
    if let Some(h) = encode_compressed(xlen, &inst) {
        prop_assert_ne!(h & 0b11, 0b11);
        prop_assert_eq!(decode(xlen, u32::from(h)), Decoded { inst, len: 2 }, "{:#06x}", h);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn rv64_round_trip(inst in valid_inst(Xlen::X64)) {
        round_trip(Xlen::X64, inst)?;
    }

    #[test]
    fn rv32_round_trip(inst in valid_inst(Xlen::X32)) {
        round_trip(Xlen::X32, inst)?;
    }
}

#[test]
fn fixed_encodings() {
    for xlen in [Xlen::X32, Xlen::X64] {
        assert_eq!(encode(xlen, &Inst::Fence), Some(0x0ff0_000f));
        assert_eq!(encode(xlen, &Inst::FenceI), Some(0x0000_100f));
        assert_eq!(encode(xlen, &Inst::Ecall), Some(0x0000_0073));
        assert_eq!(encode(xlen, &Inst::Ebreak), Some(0x0010_0073));
        assert_eq!(encode_compressed(xlen, &Inst::Ebreak), Some(0x9002));
        assert_eq!(encode_compressed(xlen, &Inst::Fence), None);
    }
}

#[test]
fn unencodable_instructions_give_none() {
    let addi = |rd, rs1, imm| Inst::OpImm {
        op: AluOp::Add,
        rd,
        rs1,
        imm,
        word: false,
    };
    let none_on_both = [
        Inst::Illegal,
        Inst::Lui { rd: 1, imm: 0x800 },
        Inst::Lui { rd: 1, imm: 1 << 31 },
        Inst::Auipc {
            rd: 1,
            imm: -(1 << 31) - 4096,
        },
        Inst::Jal { rd: 1, offset: 3 },
        Inst::Jal {
            rd: 1,
            offset: 1 << 20,
        },
        Inst::Jalr {
            rd: 1,
            rs1: 2,
            offset: 2048,
        },
        Inst::Branch {
            cond: BranchCond::Eq,
            rs1: 1,
            rs2: 2,
            offset: 4096,
        },
        Inst::Branch {
            cond: BranchCond::Eq,
            rs1: 1,
            rs2: 2,
            offset: 5,
        },
        Inst::Load {
            width: LoadWidth::W,
            rd: 1,
            rs1: 2,
            offset: -2049,
        },
        Inst::Store {
            width: StoreWidth::B,
            rs1: 1,
            rs2: 2,
            offset: 2048,
        },
        addi(32, 0, 0),
        addi(0, 40, 0),
        Inst::OpImm {
            op: AluOp::Sub,
            rd: 1,
            rs1: 2,
            imm: 1,
            word: false,
        },
        Inst::OpImm {
            op: AluOp::Mul,
            rd: 1,
            rs1: 2,
            imm: 1,
            word: false,
        },
        Inst::OpImm {
            op: AluOp::Sll,
            rd: 1,
            rs1: 2,
            imm: 64,
            word: false,
        },
        Inst::OpImm {
            op: AluOp::Srl,
            rd: 1,
            rs1: 2,
            imm: -1,
            word: false,
        },
        Inst::Op {
            op: AluOp::Add,
            rd: 1,
            rs1: 2,
            rs2: 32,
            word: false,
        },
        Inst::Csr {
            op: CsrOp::Rw,
            rd: 1,
            src: CsrSrc::Reg(2),
            csr: 0x1000,
        },
        Inst::Csr {
            op: CsrOp::Rs,
            rd: 1,
            src: CsrSrc::Imm(32),
            csr: 0xc00,
        },
    ];
    for xlen in [Xlen::X32, Xlen::X64] {
        for inst in none_on_both {
            assert_eq!(encode(xlen, &inst), None, "{xlen:?} {inst:?}");
            assert_eq!(encode_compressed(xlen, &inst), None, "{xlen:?} {inst:?}");
        }
    }
    let rv64_only = [
        Inst::Load {
            width: LoadWidth::D,
            rd: 8,
            rs1: 9,
            offset: 0,
        },
        Inst::Load {
            width: LoadWidth::Wu,
            rd: 1,
            rs1: 2,
            offset: 0,
        },
        Inst::Store {
            width: StoreWidth::D,
            rs1: 2,
            rs2: 1,
            offset: 0,
        },
        Inst::OpImm {
            op: AluOp::Add,
            rd: 1,
            rs1: 1,
            imm: 1,
            word: true,
        },
        Inst::OpImm {
            op: AluOp::Sll,
            rd: 1,
            rs1: 1,
            imm: 32,
            word: false,
        },
        Inst::Op {
            op: AluOp::Sub,
            rd: 8,
            rs1: 8,
            rs2: 9,
            word: true,
        },
        Inst::Lr {
            word: false,
            rd: 1,
            rs1: 2,
            aq: false,
            rl: false,
        },
        Inst::Amo {
            op: AmoOp::Add,
            word: false,
            rd: 1,
            rs1: 2,
            rs2: 3,
            aq: false,
            rl: false,
        },
    ];
    for inst in rv64_only {
        assert_eq!(encode(Xlen::X32, &inst), None, "{inst:?}");
        assert_eq!(encode_compressed(Xlen::X32, &inst), None, "{inst:?}");
        assert!(encode(Xlen::X64, &inst).is_some(), "{inst:?}");
    }
    let not_on_rv64 = [
        Inst::OpImm {
            op: AluOp::Slt,
            rd: 1,
            rs1: 2,
            imm: 1,
            word: true,
        },
        Inst::OpImm {
            op: AluOp::Sll,
            rd: 1,
            rs1: 2,
            imm: 32,
            word: true,
        },
        Inst::Op {
            op: AluOp::Mulh,
            rd: 1,
            rs1: 2,
            rs2: 3,
            word: true,
        },
        Inst::Op {
            op: AluOp::And,
            rd: 1,
            rs1: 2,
            rs2: 3,
            word: true,
        },
    ];
    for inst in not_on_rv64 {
        assert_eq!(encode(Xlen::X64, &inst), None, "{inst:?}");
    }
}

#[test]
fn compressed_choice_among_equivalent_forms() {
    let addi = |rd, rs1, imm| Inst::OpImm {
        op: AluOp::Add,
        rd,
        rs1,
        imm,
        word: false,
    };
    let add = |rd, rs1, rs2| Inst::Op {
        op: AluOp::Add,
        rd,
        rs1,
        rs2,
        word: false,
    };
    let cases = [
        (addi(2, 2, 16), Some(0x0141)),  // c.addi sp, 16 (GAS prefers it to c.addi16sp)
        (addi(2, 2, 32), Some(0x6105)),  // c.addi16sp
        (addi(2, 2, 24), Some(0x0161)),  // c.addi: not a multiple of 16 anyway
        (addi(2, 2, 40), None),          // too big for c.addi, not a multiple of 16
        (addi(8, 2, 4), Some(0x0040)),   // c.addi4spn
        (addi(0, 0, 0), Some(0x0001)),   // c.nop rather than c.li zero, 0
        (addi(10, 0, 7), Some(0x451d)),  // c.li
        (addi(10, 10, 0), Some(0x0501)), // the c.addi HINT; GAS would write c.mv, which is `add`
        (add(0, 0, 11), Some(0x802e)),   // c.mv zero, a1 rather than c.add zero, a1
        (add(10, 11, 10), None),         // c.add would swap the sources
        (add(10, 10, 0), None),          // rs2=0 is the c.jr/c.jalr space
        (
            Inst::Jalr {
                rd: 1,
                rs1: 10,
                offset: 0,
            },
            Some(0x9502),
        ),
        (
            Inst::Jalr {
                rd: 0,
                rs1: 0,
                offset: 0,
            },
            None,
        ),
        (
            Inst::Load {
                width: LoadWidth::W,
                rd: 0,
                rs1: 2,
                offset: 4,
            },
            None,
        ),
        (
            Inst::Store {
                width: StoreWidth::W,
                rs1: 2,
                rs2: 0,
                offset: 4,
            },
            Some(0xc202),
        ),
        (Inst::Lui { rd: 2, imm: 4096 }, None),
        (Inst::Lui { rd: 10, imm: 0 }, None),
        (
            Inst::Branch {
                cond: BranchCond::Eq,
                rs1: 8,
                rs2: 0,
                offset: 256,
            },
            None,
        ),
        (
            Inst::Branch {
                cond: BranchCond::Eq,
                rs1: 0,
                rs2: 8,
                offset: 8,
            },
            None,
        ),
    ];
    for xlen in [Xlen::X32, Xlen::X64] {
        for (inst, want) in cases {
            assert_eq!(encode_compressed(xlen, &inst), want, "{xlen:?} {inst}");
        }
    }
    // c.jal exists only on RV32; its slot is c.addiw on RV64.
    let call = Inst::Jal { rd: 1, offset: -2 };
    assert_eq!(encode_compressed(Xlen::X32, &call), Some(0x3ffd));
    assert_eq!(encode_compressed(Xlen::X64, &call), None);
    let addiw = Inst::OpImm {
        op: AluOp::Add,
        rd: 10,
        rs1: 10,
        imm: 0,
        word: true,
    };
    assert_eq!(encode_compressed(Xlen::X64, &addiw), Some(0x2501));
    let addiw_zero = Inst::OpImm {
        op: AluOp::Add,
        rd: 0,
        rs1: 0,
        imm: 1,
        word: true,
    };
    assert_eq!(encode_compressed(Xlen::X64, &addiw_zero), None);
    // Shift amounts of 32 and up have a compressed form only on RV64.
    let slli = Inst::OpImm {
        op: AluOp::Sll,
        rd: 10,
        rs1: 10,
        imm: 32,
        word: false,
    };
    assert_eq!(encode_compressed(Xlen::X64, &slli), Some(0x1502));
    assert_eq!(encode_compressed(Xlen::X32, &slli), None);
}

/// The round-trip properties only exercise `encode_compressed` if the generator reaches compressible
/// instructions often enough; keep the register and immediate biases honest.
#[test]
fn generator_reaches_compressed_forms() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    for xlen in [Xlen::X32, Xlen::X64] {
        let mut runner = TestRunner::deterministic();
        let strategy = valid_inst(xlen);
        let samples = 5_000;
        let mut compressed = 0;
        for _ in 0..samples {
            let inst = strategy.new_tree(&mut runner).expect("strategy").current();
            compressed += usize::from(encode_compressed(xlen, &inst).is_some());
        }
        assert!(
            compressed * 20 > samples,
            "{xlen:?}: only {compressed} of {samples} compressible"
        );
    }
}
