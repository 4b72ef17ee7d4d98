//! Encoding of [`Inst`] values back into standard RISC-V machine code, for test generators and tests.
//!
//! Owns the inverse of `decode`: for every value it accepts, decoding the result gives the same `Inst`.
//! It must never produce an encoding that decodes to something else, nor one invalid for the requested
//! XLEN; whatever cannot be encoded exactly (out-of-range immediates or registers, RV64-only forms under
//! RV32, op/form combinations that do not exist, `Illegal`) yields `None`. The compressed encoder lives
//! in `compressed`.

mod compressed;
#[cfg(test)]
mod tests;

pub use compressed::encode_compressed;

use crate::inst::{AluOp, AmoOp, BranchCond, CsrOp, CsrSrc, Inst, LoadWidth, Reg, StoreWidth, Xlen};

/// `fence iorw, iorw`: the decoder folds every fence into `Inst::Fence`, so the strongest one stands for
/// all of them.
const FENCE: u32 = 0x0ff0_000f;
const FENCE_I: u32 = 0x0000_100f;
const ECALL: u32 = 0x0000_0073;
const EBREAK: u32 = 0x0010_0073;

/// Whether `v` fits a `bits`-wide two's-complement field.
fn fits_signed(v: i64, bits: u32) -> bool {
    let half = 1i64 << (bits - 1);
    (-half..half).contains(&v)
}

fn reg(r: Reg) -> Option<u32> {
    (r < 32).then_some(u32::from(r))
}

/// Register fields in their standard positions; each `None` if out of range.
fn rd(r: Reg) -> Option<u32> {
    Some(reg(r)? << 7)
}

fn rs1(r: Reg) -> Option<u32> {
    Some(reg(r)? << 15)
}

fn rs2(r: Reg) -> Option<u32> {
    Some(reg(r)? << 20)
}

fn funct3(f: u32) -> u32 {
    f << 12
}

fn imm_i(imm: i64) -> Option<u32> {
    fits_signed(imm, 12).then_some(((imm as u32) & 0xfff) << 20)
}

fn imm_s(imm: i64) -> Option<u32> {
    let v = imm as u32;
    fits_signed(imm, 12).then_some((((v >> 5) & 0x7f) << 25) | ((v & 0x1f) << 7))
}

fn imm_b(imm: i64) -> Option<u32> {
    if !fits_signed(imm, 13) || imm & 1 != 0 {
        return None;
    }
    let v = imm as u32;
    Some(
        (((v >> 12) & 1) << 31)
            | (((v >> 5) & 0x3f) << 25)
            | (((v >> 1) & 0xf) << 8)
            | (((v >> 11) & 1) << 7),
    )
}

fn imm_u(imm: i64) -> Option<u32> {
    (fits_signed(imm, 32) && imm & 0xfff == 0).then_some(imm as u32)
}

fn imm_j(imm: i64) -> Option<u32> {
    if !fits_signed(imm, 21) || imm & 1 != 0 {
        return None;
    }
    let v = imm as u32;
    Some((((v >> 20) & 1) << 31) | (((v >> 1) & 0x3ff) << 21) | (((v >> 11) & 1) << 20) | (v & 0x000f_f000))
}

/// The standard 32-bit encoding of `inst` for `xlen`, or `None` if there is none (see the module doc).
pub fn encode(xlen: Xlen, inst: &Inst) -> Option<u32> {
    let rv64 = xlen == Xlen::X64;
    let w = match *inst {
        Inst::Lui { rd: d, imm } => 0x37 | rd(d)? | imm_u(imm)?,
        Inst::Auipc { rd: d, imm } => 0x17 | rd(d)? | imm_u(imm)?,
        Inst::Jal { rd: d, offset } => 0x6f | rd(d)? | imm_j(offset)?,
        Inst::Jalr {
            rd: d,
            rs1: s1,
            offset,
        } => 0x67 | rd(d)? | rs1(s1)? | imm_i(offset)?,
        Inst::Branch {
            cond,
            rs1: s1,
            rs2: s2,
            offset,
        } => {
            let f3 = match cond {
                BranchCond::Eq => 0,
                BranchCond::Ne => 1,
                BranchCond::Lt => 4,
                BranchCond::Ge => 5,
                BranchCond::Ltu => 6,
                BranchCond::Geu => 7,
            };
            0x63 | funct3(f3) | rs1(s1)? | rs2(s2)? | imm_b(offset)?
        }
        Inst::Load {
            width,
            rd: d,
            rs1: s1,
            offset,
        } => {
            let f3 = match width {
                LoadWidth::B => 0,
                LoadWidth::H => 1,
                LoadWidth::W => 2,
                LoadWidth::D if rv64 => 3,
                LoadWidth::Bu => 4,
                LoadWidth::Hu => 5,
                LoadWidth::Wu if rv64 => 6,
                LoadWidth::D | LoadWidth::Wu => return None,
            };
            0x03 | funct3(f3) | rd(d)? | rs1(s1)? | imm_i(offset)?
        }
        Inst::Store {
            width,
            rs1: s1,
            rs2: s2,
            offset,
        } => {
            let f3 = match width {
                StoreWidth::B => 0,
                StoreWidth::H => 1,
                StoreWidth::W => 2,
                StoreWidth::D if rv64 => 3,
                StoreWidth::D => return None,
            };
            0x23 | funct3(f3) | rs1(s1)? | rs2(s2)? | imm_s(offset)?
        }
        Inst::OpImm {
            op,
            rd: d,
            rs1: s1,
            imm,
            word,
        } => {
            if word && !rv64 {
                return None;
            }
            op_imm(xlen, op, imm, word)? | rd(d)? | rs1(s1)?
        }
        Inst::Op {
            op,
            rd: d,
            rs1: s1,
            rs2: s2,
            word,
        } => {
            if word && !(rv64 && op.has_word_form()) {
                return None;
            }
            let (f7, f3) = op_functs(op);
            let opcode = if word { 0x3b } else { 0x33 };
            opcode | (f7 << 25) | funct3(f3) | rd(d)? | rs1(s1)? | rs2(s2)?
        }
        Inst::Lr {
            word,
            rd: d,
            rs1: s1,
            aq,
            rl,
        } => atomic(xlen, 0x02, word, aq, rl)? | rd(d)? | rs1(s1)?,
        Inst::Sc {
            word,
            rd: d,
            rs1: s1,
            rs2: s2,
            aq,
            rl,
        } => atomic(xlen, 0x03, word, aq, rl)? | rd(d)? | rs1(s1)? | rs2(s2)?,
        Inst::Amo {
            op,
            word,
            rd: d,
            rs1: s1,
            rs2: s2,
            aq,
            rl,
        } => {
            let f5 = match op {
                AmoOp::Add => 0x00,
                AmoOp::Swap => 0x01,
                AmoOp::Xor => 0x04,
                AmoOp::Or => 0x08,
                AmoOp::And => 0x0c,
                AmoOp::Min => 0x10,
                AmoOp::Max => 0x14,
                AmoOp::Minu => 0x18,
                AmoOp::Maxu => 0x1c,
            };
            atomic(xlen, f5, word, aq, rl)? | rd(d)? | rs1(s1)? | rs2(s2)?
        }
        Inst::Fence => FENCE,
        Inst::FenceI => FENCE_I,
        Inst::Ecall => ECALL,
        Inst::Ebreak => EBREAK,
        Inst::Csr { op, rd: d, src, csr } => {
            if csr > 0xfff {
                return None;
            }
            let f3 = match op {
                CsrOp::Rw => 1,
                CsrOp::Rs => 2,
                CsrOp::Rc => 3,
            };
            let (f3, field) = match src {
                CsrSrc::Reg(r) => (f3, r),
                CsrSrc::Imm(z) => (f3 | 4, z),
            };
            0x73 | funct3(f3) | rd(d)? | rs1(field)? | (u32::from(csr) << 20)
        }
        Inst::Illegal => return None,
    };
    Some(w)
}

/// Opcode, funct3 and immediate field of an OP-IMM / OP-IMM-32 instruction.
fn op_imm(xlen: Xlen, op: AluOp, imm: i64, word: bool) -> Option<u32> {
    if !op.has_imm_form(word) {
        return None;
    }
    let opcode = if word { 0x1b } else { 0x13 };
    if op.is_shift() {
        let limit = if word { 32 } else { i64::from(xlen.bits()) };
        if !(0..limit).contains(&imm) {
            return None;
        }
        let (f3, hi) = match op {
            AluOp::Sll => (1, 0),
            AluOp::Srl => (5, 0),
            _ => (5, 0x400),
        };
        return Some(opcode | funct3(f3) | ((imm as u32 | hi) << 20));
    }
    let f3 = match op {
        AluOp::Add => 0,
        AluOp::Slt => 2,
        AluOp::Sltu => 3,
        AluOp::Xor => 4,
        AluOp::Or => 6,
        _ => 7,
    };
    Some(opcode | funct3(f3) | imm_i(imm)?)
}

/// (funct7, funct3) of an OP / OP-32 instruction.
fn op_functs(op: AluOp) -> (u32, u32) {
    match op {
        AluOp::Add => (0x00, 0),
        AluOp::Sub => (0x20, 0),
        AluOp::Sll => (0x00, 1),
        AluOp::Slt => (0x00, 2),
        AluOp::Sltu => (0x00, 3),
        AluOp::Xor => (0x00, 4),
        AluOp::Srl => (0x00, 5),
        AluOp::Sra => (0x20, 5),
        AluOp::Or => (0x00, 6),
        AluOp::And => (0x00, 7),
        AluOp::Mul => (0x01, 0),
        AluOp::Mulh => (0x01, 1),
        AluOp::Mulhsu => (0x01, 2),
        AluOp::Mulhu => (0x01, 3),
        AluOp::Div => (0x01, 4),
        AluOp::Divu => (0x01, 5),
        AluOp::Rem => (0x01, 6),
        AluOp::Remu => (0x01, 7),
    }
}

/// Everything of an AMO-opcode instruction but its registers.
fn atomic(xlen: Xlen, funct5: u32, word: bool, aq: bool, rl: bool) -> Option<u32> {
    if !word && xlen != Xlen::X64 {
        return None;
    }
    let f3 = if word { 2 } else { 3 };
    Some(0x2f | funct3(f3) | (funct5 << 27) | (u32::from(aq) << 26) | (u32::from(rl) << 25))
}
