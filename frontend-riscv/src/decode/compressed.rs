//! Expansion of 16-bit RVC encodings into their base-ISA [`Inst`].
//!
//! Owns the C-extension bit layouts and its reserved/HINT rules. It must never return a
//! compressed-specific value (the lifter only knows base instructions) and never panic; F/D forms,
//! reserved encodings and the code points left for custom or future extensions become `Illegal`, while
//! HINTs expand to the base instruction they are defined as (they only ever write x0 or do nothing).

use super::sext;
use crate::inst::{AluOp, BranchCond, Inst, LoadWidth, Reg, StoreWidth, Xlen};

const SP: Reg = 2;
const RA: Reg = 1;

/// `h[hi:lo]`, shifted down.
fn bits(h: u32, hi: u32, lo: u32) -> u32 {
    (h >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Moves `h[hi:lo]` so that its low bit lands at `to`.
fn take(h: u32, hi: u32, lo: u32, to: u32) -> u32 {
    bits(h, hi, lo) << to
}

/// The full register in bits 11:7 (rd/rs1).
fn r_hi(h: u32) -> Reg {
    bits(h, 11, 7) as Reg
}

/// The full register in bits 6:2 (rs2).
fn r_lo(h: u32) -> Reg {
    bits(h, 6, 2) as Reg
}

/// A popular register x8..x15 from the 3-bit field in bits 9:7.
fn rp_hi(h: u32) -> Reg {
    bits(h, 9, 7) as Reg + 8
}

/// A popular register x8..x15 from the 3-bit field in bits 4:2.
fn rp_lo(h: u32) -> Reg {
    bits(h, 4, 2) as Reg + 8
}

/// The 6-bit immediate split as imm[5] = bit 12, imm[4:0] = bits 6:2 (c.addi, c.li, c.andi, shifts).
fn imm6(h: u32) -> u32 {
    take(h, 12, 12, 5) | bits(h, 6, 2)
}

/// c.j / c.jal offset[11|4|9:8|10|6|7|3:1|5].
fn cj_offset(h: u32) -> i64 {
    let v = take(h, 12, 12, 11)
        | take(h, 11, 11, 4)
        | take(h, 10, 9, 8)
        | take(h, 8, 8, 10)
        | take(h, 7, 7, 6)
        | take(h, 6, 6, 7)
        | take(h, 5, 3, 1)
        | take(h, 2, 2, 5);
    sext(v, 12)
}

/// c.beqz / c.bnez offset[8|4:3] in bits 12:10 and offset[7:6|2:1|5] in bits 6:2.
fn cb_offset(h: u32) -> i64 {
    let v = take(h, 12, 12, 8) | take(h, 11, 10, 3) | take(h, 6, 5, 6) | take(h, 4, 3, 1) | take(h, 2, 2, 5);
    sext(v, 9)
}

/// Offset of c.lw / c.sw: uimm[5:3] in bits 12:10, uimm[2] in bit 6, uimm[6] in bit 5.
fn word_offset(h: u32) -> i64 {
    i64::from(take(h, 12, 10, 3) | take(h, 6, 6, 2) | take(h, 5, 5, 6))
}

/// Offset of c.ld / c.sd: uimm[5:3] in bits 12:10, uimm[7:6] in bits 6:5.
fn double_offset(h: u32) -> i64 {
    i64::from(take(h, 12, 10, 3) | take(h, 6, 5, 6))
}

fn addi(rd: Reg, rs1: Reg, imm: i64) -> Inst {
    Inst::OpImm {
        op: AluOp::Add,
        rd,
        rs1,
        imm,
        word: false,
    }
}

pub(super) fn decode(xlen: Xlen, h: u16) -> Inst {
    let h = u32::from(h);
    let rv64 = xlen == Xlen::X64;
    match (h & 0b11, bits(h, 15, 13)) {
        (0b00, 0b000) => addi4spn(h),
        (0b00, 0b010) => Inst::Load {
            width: LoadWidth::W,
            rd: rp_lo(h),
            rs1: rp_hi(h),
            offset: word_offset(h),
        },
        (0b00, 0b011) if rv64 => Inst::Load {
            width: LoadWidth::D,
            rd: rp_lo(h),
            rs1: rp_hi(h),
            offset: double_offset(h),
        },
        (0b00, 0b110) => Inst::Store {
            width: StoreWidth::W,
            rs1: rp_hi(h),
            rs2: rp_lo(h),
            offset: word_offset(h),
        },
        (0b00, 0b111) if rv64 => Inst::Store {
            width: StoreWidth::D,
            rs1: rp_hi(h),
            rs2: rp_lo(h),
            offset: double_offset(h),
        },
        // c.addi / c.nop: rd=0 or imm=0 are HINTs that expand to a harmless addi.
        (0b01, 0b000) => addi(r_hi(h), r_hi(h), sext(imm6(h), 6)),
        (0b01, 0b001) if rv64 => match r_hi(h) {
            0 => Inst::Illegal,
            rd => Inst::OpImm {
                op: AluOp::Add,
                rd,
                rs1: rd,
                imm: sext(imm6(h), 6),
                word: true,
            },
        },
        (0b01, 0b001) => Inst::Jal {
            rd: RA,
            offset: cj_offset(h),
        },
        // c.li with rd=0 is a HINT.
        (0b01, 0b010) => addi(r_hi(h), 0, sext(imm6(h), 6)),
        (0b01, 0b011) => lui_addi16sp(h),
        (0b01, 0b100) => misc_alu(xlen, h),
        (0b01, 0b101) => Inst::Jal {
            rd: 0,
            offset: cj_offset(h),
        },
        (0b01, 0b110) => Inst::Branch {
            cond: BranchCond::Eq,
            rs1: rp_hi(h),
            rs2: 0,
            offset: cb_offset(h),
        },
        (0b01, 0b111) => Inst::Branch {
            cond: BranchCond::Ne,
            rs1: rp_hi(h),
            rs2: 0,
            offset: cb_offset(h),
        },
        (0b10, 0b000) => slli(xlen, h),
        (0b10, 0b010) => match r_hi(h) {
            0 => Inst::Illegal,
            rd => {
                let offset = take(h, 12, 12, 5) | take(h, 6, 4, 2) | take(h, 3, 2, 6);
                Inst::Load {
                    width: LoadWidth::W,
                    rd,
                    rs1: SP,
                    offset: i64::from(offset),
                }
            }
        },
        (0b10, 0b011) if rv64 => match r_hi(h) {
            0 => Inst::Illegal,
            rd => {
                let offset = take(h, 12, 12, 5) | take(h, 6, 5, 3) | take(h, 4, 2, 6);
                Inst::Load {
                    width: LoadWidth::D,
                    rd,
                    rs1: SP,
                    offset: i64::from(offset),
                }
            }
        },
        (0b10, 0b100) => jump_move_add(h),
        (0b10, 0b110) => {
            let offset = take(h, 12, 9, 2) | take(h, 8, 7, 6);
            Inst::Store {
                width: StoreWidth::W,
                rs1: SP,
                rs2: r_lo(h),
                offset: i64::from(offset),
            }
        }
        (0b10, 0b111) if rv64 => {
            let offset = take(h, 12, 10, 3) | take(h, 9, 7, 6);
            Inst::Store {
                width: StoreWidth::D,
                rs1: SP,
                rs2: r_lo(h),
                offset: i64::from(offset),
            }
        }
        // c.fld/c.flw/c.fsd/c.fsw and their sp forms (F/D unsupported), and the reserved 0b00/0b100 slot.
        _ => Inst::Illegal,
    }
}

/// nzuimm = 0 is reserved, which also makes the all-zero halfword illegal as the spec intends.
fn addi4spn(h: u32) -> Inst {
    let imm = take(h, 12, 11, 4) | take(h, 10, 7, 6) | take(h, 6, 6, 2) | take(h, 5, 5, 3);
    if imm == 0 {
        return Inst::Illegal;
    }
    addi(rp_lo(h), SP, i64::from(imm))
}

/// rd=2 selects c.addi16sp; both reserve a zero immediate. c.lui with rd=0 is a HINT.
fn lui_addi16sp(h: u32) -> Inst {
    let rd = r_hi(h);
    if rd == SP {
        let v =
            take(h, 12, 12, 9) | take(h, 6, 6, 4) | take(h, 5, 5, 6) | take(h, 4, 3, 7) | take(h, 2, 2, 5);
        match v {
            0 => Inst::Illegal,
            v => addi(SP, SP, sext(v, 10)),
        }
    } else {
        match imm6(h) {
            0 => Inst::Illegal,
            v => Inst::Lui {
                rd,
                imm: sext(v << 12, 18),
            },
        }
    }
}

/// Shift amounts with imm[5] set are reserved for custom extensions on RV32 (and the `*iw` forms have no
/// compressed shifts at all); a zero amount is a HINT that expands to a shift by zero.
fn shamt(xlen: Xlen, h: u32) -> Option<i64> {
    let s = imm6(h);
    (xlen == Xlen::X64 || s < 32).then_some(i64::from(s))
}

fn slli(xlen: Xlen, h: u32) -> Inst {
    match shamt(xlen, h) {
        // rd=0 is a HINT.
        Some(imm) => Inst::OpImm {
            op: AluOp::Sll,
            rd: r_hi(h),
            rs1: r_hi(h),
            imm,
            word: false,
        },
        None => Inst::Illegal,
    }
}

/// Quadrant 1, funct3 0b100: c.srli, c.srai, c.andi and the register-register group.
fn misc_alu(xlen: Xlen, h: u32) -> Inst {
    let rd = rp_hi(h);
    let op = match bits(h, 11, 10) {
        0b00 => AluOp::Srl,
        0b01 => AluOp::Sra,
        0b10 => {
            return Inst::OpImm {
                op: AluOp::And,
                rd,
                rs1: rd,
                imm: sext(imm6(h), 6),
                word: false,
            };
        }
        _ => return reg_alu(xlen, h),
    };
    match shamt(xlen, h) {
        Some(imm) => Inst::OpImm {
            op,
            rd,
            rs1: rd,
            imm,
            word: false,
        },
        None => Inst::Illegal,
    }
}

/// c.sub/xor/or/and, and on RV64 c.subw/addw; the rest of the space (bit 12 set on RV32, and
/// funct2 0b10/0b11 with bit 12 set) is reserved.
fn reg_alu(xlen: Xlen, h: u32) -> Inst {
    let (op, word) = match (bits(h, 12, 12), bits(h, 6, 5)) {
        (0, 0b00) => (AluOp::Sub, false),
        (0, 0b01) => (AluOp::Xor, false),
        (0, 0b10) => (AluOp::Or, false),
        (0, 0b11) => (AluOp::And, false),
        (1, 0b00) if xlen == Xlen::X64 => (AluOp::Sub, true),
        (1, 0b01) if xlen == Xlen::X64 => (AluOp::Add, true),
        _ => return Inst::Illegal,
    };
    let rd = rp_hi(h);
    Inst::Op {
        op,
        rd,
        rs1: rd,
        rs2: rp_lo(h),
        word,
    }
}

/// Quadrant 2, funct3 0b100: c.jr, c.mv, c.ebreak, c.jalr, c.add. c.jr with rs1=0 is reserved; c.mv and
/// c.add with rd=0 are HINTs.
fn jump_move_add(h: u32) -> Inst {
    let (rd, rs2) = (r_hi(h), r_lo(h));
    match (bits(h, 12, 12), rd, rs2) {
        (0, 0, 0) => Inst::Illegal,
        (0, rs1, 0) => Inst::Jalr {
            rd: 0,
            rs1,
            offset: 0,
        },
        (0, rd, rs2) => Inst::Op {
            op: AluOp::Add,
            rd,
            rs1: 0,
            rs2,
            word: false,
        },
        (_, 0, 0) => Inst::Ebreak,
        (_, rs1, 0) => Inst::Jalr {
            rd: RA,
            rs1,
            offset: 0,
        },
        (_, rd, rs2) => Inst::Op {
            op: AluOp::Add,
            rd,
            rs1: rd,
            rs2,
            word: false,
        },
    }
}
