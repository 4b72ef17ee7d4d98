//! Decoding of RV32/RV64 IMAC + Zicsr + Zifencei machine code into [`Inst`] values.
//!
//! Owns the bit-level meaning of 32-bit encodings here and of 16-bit ones in `compressed`. It must never
//! panic on any input, never read memory (the caller supplies the word at pc) and never interpret
//! semantics: anything outside the supported ISA, reserved or RV64-only under RV32, becomes
//! [`Inst::Illegal`] so the engine can raise the illegal-instruction trap at run time.

mod compressed;
#[cfg(test)]
mod tests;

use crate::inst::{AluOp, AmoOp, BranchCond, CsrOp, CsrSrc, Decoded, Inst, LoadWidth, Reg, StoreWidth, Xlen};

/// Decodes the instruction at the start of `word` (the little-endian 32 bits at pc).
///
/// When the low two bits are not `0b11` the instruction is compressed, only the low halfword is used
/// and `len` is 2; otherwise `len` is 4, including for the 48-bit-and-longer prefixes, which are
/// reported as `Illegal` since nothing here supports them.
pub fn decode(xlen: Xlen, word: u32) -> Decoded {
    if word & 0b11 != 0b11 {
        Decoded {
            inst: compressed::decode(xlen, word as u16),
            len: 2,
        }
    } else {
        Decoded {
            inst: decode_32(xlen, word),
            len: 4,
        }
    }
}

/// Sign-extends the low `bits` bits of `value`.
fn sext(value: u32, bits: u32) -> i64 {
    let shift = 64 - bits;
    (i64::from(value) << shift) >> shift
}

fn rd(w: u32) -> Reg {
    ((w >> 7) & 0x1f) as Reg
}

fn rs1(w: u32) -> Reg {
    ((w >> 15) & 0x1f) as Reg
}

fn rs2(w: u32) -> Reg {
    ((w >> 20) & 0x1f) as Reg
}

fn funct3(w: u32) -> u32 {
    (w >> 12) & 0x7
}

fn funct7(w: u32) -> u32 {
    w >> 25
}

fn imm_i(w: u32) -> i64 {
    i64::from((w as i32) >> 20)
}

fn imm_s(w: u32) -> i64 {
    sext(((w >> 25) << 5) | ((w >> 7) & 0x1f), 12)
}

fn imm_b(w: u32) -> i64 {
    let v = ((w >> 31) << 12) | (((w >> 7) & 1) << 11) | (((w >> 25) & 0x3f) << 5) | (((w >> 8) & 0xf) << 1);
    sext(v, 13)
}

fn imm_u(w: u32) -> i64 {
    i64::from((w & 0xffff_f000) as i32)
}

fn imm_j(w: u32) -> i64 {
    let v = ((w >> 31) << 20) | (w & 0x000f_f000) | (((w >> 20) & 1) << 11) | (((w >> 21) & 0x3ff) << 1);
    sext(v, 21)
}

fn decode_32(xlen: Xlen, w: u32) -> Inst {
    let rv64 = xlen == Xlen::X64;
    match w & 0x7f {
        0x37 => Inst::Lui {
            rd: rd(w),
            imm: imm_u(w),
        },
        0x17 => Inst::Auipc {
            rd: rd(w),
            imm: imm_u(w),
        },
        0x6f => Inst::Jal {
            rd: rd(w),
            offset: imm_j(w),
        },
        0x67 if funct3(w) == 0 => Inst::Jalr {
            rd: rd(w),
            rs1: rs1(w),
            offset: imm_i(w),
        },
        0x63 => branch(w),
        0x03 => load(xlen, w),
        0x23 => store(xlen, w),
        0x13 => op_imm(xlen, w, false),
        0x1b if rv64 => op_imm(xlen, w, true),
        0x33 => op(w, false),
        0x3b if rv64 => op(w, true),
        0x2f => amo(xlen, w),
        0x0f => misc_mem(w),
        0x73 => system(w),
        _ => Inst::Illegal,
    }
}

fn branch(w: u32) -> Inst {
    let cond = match funct3(w) {
        0 => BranchCond::Eq,
        1 => BranchCond::Ne,
        4 => BranchCond::Lt,
        5 => BranchCond::Ge,
        6 => BranchCond::Ltu,
        7 => BranchCond::Geu,
        _ => return Inst::Illegal,
    };
    Inst::Branch {
        cond,
        rs1: rs1(w),
        rs2: rs2(w),
        offset: imm_b(w),
    }
}

fn load(xlen: Xlen, w: u32) -> Inst {
    let rv64 = xlen == Xlen::X64;
    let width = match funct3(w) {
        0 => LoadWidth::B,
        1 => LoadWidth::H,
        2 => LoadWidth::W,
        3 if rv64 => LoadWidth::D,
        4 => LoadWidth::Bu,
        5 => LoadWidth::Hu,
        6 if rv64 => LoadWidth::Wu,
        _ => return Inst::Illegal,
    };
    Inst::Load {
        width,
        rd: rd(w),
        rs1: rs1(w),
        offset: imm_i(w),
    }
}

fn store(xlen: Xlen, w: u32) -> Inst {
    let width = match funct3(w) {
        0 => StoreWidth::B,
        1 => StoreWidth::H,
        2 => StoreWidth::W,
        3 if xlen == Xlen::X64 => StoreWidth::D,
        _ => return Inst::Illegal,
    };
    Inst::Store {
        width,
        rs1: rs1(w),
        rs2: rs2(w),
        offset: imm_s(w),
    }
}

/// OP-IMM, or OP-IMM-32 when `word` (the caller has already rejected that on RV32).
fn op_imm(xlen: Xlen, w: u32, word: bool) -> Inst {
    let op = match funct3(w) {
        0 => AluOp::Add,
        1 | 5 => return shift_imm(xlen, w, word),
        _ if word => return Inst::Illegal,
        2 => AluOp::Slt,
        3 => AluOp::Sltu,
        4 => AluOp::Xor,
        6 => AluOp::Or,
        _ => AluOp::And,
    };
    Inst::OpImm {
        op,
        rd: rd(w),
        rs1: rs1(w),
        imm: imm_i(w),
        word,
    }
}

/// The shamt field is 6 bits only for full-width RV64 shifts; with 5 bits, imm[5] set is reserved
/// (RV32) or illegal (`*iw`), so it is checked together with the funct6 above it.
fn shift_imm(xlen: Xlen, w: u32, word: bool) -> Inst {
    let wide = xlen == Xlen::X64 && !word;
    let shamt_mask = if wide { 0x3f } else { 0x1f };
    let shamt = (w >> 20) & shamt_mask;
    let rest = (w >> 20) & !shamt_mask & 0xfff;
    let op = match (funct3(w), rest) {
        (1, 0) => AluOp::Sll,
        (5, 0) => AluOp::Srl,
        (5, 0x400) => AluOp::Sra,
        _ => return Inst::Illegal,
    };
    Inst::OpImm {
        op,
        rd: rd(w),
        rs1: rs1(w),
        imm: i64::from(shamt),
        word,
    }
}

/// OP, or OP-32 when `word` (the caller has already rejected that on RV32).
fn op(w: u32, word: bool) -> Inst {
    const MULDIV: [AluOp; 8] = [
        AluOp::Mul,
        AluOp::Mulh,
        AluOp::Mulhsu,
        AluOp::Mulhu,
        AluOp::Div,
        AluOp::Divu,
        AluOp::Rem,
        AluOp::Remu,
    ];
    let op = match (funct7(w), funct3(w)) {
        (0x00, 0) => AluOp::Add,
        (0x20, 0) => AluOp::Sub,
        (0x00, 1) => AluOp::Sll,
        (0x00, 2) => AluOp::Slt,
        (0x00, 3) => AluOp::Sltu,
        (0x00, 4) => AluOp::Xor,
        (0x00, 5) => AluOp::Srl,
        (0x20, 5) => AluOp::Sra,
        (0x00, 6) => AluOp::Or,
        (0x00, 7) => AluOp::And,
        (0x01, f3) => MULDIV[f3 as usize],
        _ => return Inst::Illegal,
    };
    if word && !op.has_word_form() {
        return Inst::Illegal;
    }
    Inst::Op {
        op,
        rd: rd(w),
        rs1: rs1(w),
        rs2: rs2(w),
        word,
    }
}

fn amo(xlen: Xlen, w: u32) -> Inst {
    let word = match funct3(w) {
        2 => true,
        3 if xlen == Xlen::X64 => false,
        _ => return Inst::Illegal,
    };
    let aq = (w >> 26) & 1 != 0;
    let rl = (w >> 25) & 1 != 0;
    let (rd, rs1, rs2) = (rd(w), rs1(w), rs2(w));
    let op = match w >> 27 {
        0x02 if rs2 == 0 => {
            return Inst::Lr {
                word,
                rd,
                rs1,
                aq,
                rl,
            }
        }
        0x03 => {
            return Inst::Sc {
                word,
                rd,
                rs1,
                rs2,
                aq,
                rl,
            }
        }
        0x00 => AmoOp::Add,
        0x01 => AmoOp::Swap,
        0x04 => AmoOp::Xor,
        0x08 => AmoOp::Or,
        0x0c => AmoOp::And,
        0x10 => AmoOp::Min,
        0x14 => AmoOp::Max,
        0x18 => AmoOp::Minu,
        0x1c => AmoOp::Maxu,
        _ => return Inst::Illegal,
    };
    Inst::Amo {
        op,
        word,
        rd,
        rs1,
        rs2,
        aq,
        rl,
    }
}

/// The spec tells base implementations to ignore the reserved fields of FENCE (rd, rs1, unknown fm and
/// pred/succ values) and of FENCE.I (imm, rs1, rd) for forward compatibility, so only funct3 matters.
fn misc_mem(w: u32) -> Inst {
    match funct3(w) {
        0 => Inst::Fence,
        1 => Inst::FenceI,
        _ => Inst::Illegal,
    }
}

/// ECALL and EBREAK must match exactly: other funct3=0 encodings are privileged (mret, wfi, ...).
fn system(w: u32) -> Inst {
    let (op, imm) = match funct3(w) {
        0 => {
            return match w {
                0x0000_0073 => Inst::Ecall,
                0x0010_0073 => Inst::Ebreak,
                _ => Inst::Illegal,
            }
        }
        1 => (CsrOp::Rw, false),
        2 => (CsrOp::Rs, false),
        3 => (CsrOp::Rc, false),
        5 => (CsrOp::Rw, true),
        6 => (CsrOp::Rs, true),
        7 => (CsrOp::Rc, true),
        _ => return Inst::Illegal,
    };
    let src = if imm {
        CsrSrc::Imm(rs1(w))
    } else {
        CsrSrc::Reg(rs1(w))
    };
    Inst::Csr {
        op,
        rd: rd(w),
        src,
        csr: (w >> 20) as u16,
    }
}
