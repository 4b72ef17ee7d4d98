//! The 16-bit RVC encoder: finds the compressed encoding whose expansion is exactly a given [`Inst`].
//!
//! Owns the choice among equivalent encodings, which follows the GNU assembler's (c.addi before
//! c.addi16sp, c.li for `addi rd, zero, imm`, c.nop for `addi zero, zero, 0`). It must never return an
//! encoding that decodes to a different `Inst` (so `add a0, a1, a0` is not c.add, and `addi a0, a0, 0`
//! is the c.addi HINT rather than the assembler's c.mv), nor a reserved one; HINT encodings are returned
//! when they are the only exact match, since they execute as their expansion.

use super::{encode, fits_signed};
use crate::inst::{AluOp, BranchCond, Inst, LoadWidth, Reg, StoreWidth, Xlen};

const SP: Reg = 2;
const RA: Reg = 1;

/// Moves `v[hi:lo]` so that its low bit lands at `to`.
fn put(v: u32, hi: u32, lo: u32, to: u32) -> u32 {
    ((v >> lo) & ((1 << (hi - lo + 1)) - 1)) << to
}

/// The 3-bit field of a popular register x8..x15.
fn popular(r: Reg) -> Option<u32> {
    (8..16).contains(&r).then(|| u32::from(r) - 8)
}

/// An unsigned, aligned memory offset no larger than `max`.
fn scaled(offset: i64, align: i64, max: i64) -> Option<u32> {
    ((0..=max).contains(&offset) && offset % align == 0).then_some(offset as u32)
}

/// A 6-bit signed immediate in the CI layout (imm[5] at bit 12, imm[4:0] at bits 6:2).
fn ci_imm(imm: i64) -> Option<u32> {
    fits_signed(imm, 6).then(|| put(imm as u32, 5, 5, 12) | put(imm as u32, 4, 0, 2))
}

/// CI format with a full register in bits 11:7.
fn ci(funct3: u32, quadrant: u32, rd: Reg, imm_bits: u32) -> u32 {
    (funct3 << 13) | (u32::from(rd) << 7) | imm_bits | quadrant
}

/// CR format (c.jr, c.mv, c.jalr, c.add).
fn cr(funct4: u32, rd: Reg, rs2: Reg) -> u32 {
    (funct4 << 12) | (u32::from(rd) << 7) | (u32::from(rs2) << 2) | 0b10
}

/// CA format (c.sub ... c.addw); `rd` doubles as rs1.
fn ca(funct6: u32, rd: Reg, funct2: u32, rs2: Reg) -> Option<u32> {
    Some((funct6 << 10) | (popular(rd)? << 7) | (funct2 << 5) | (popular(rs2)? << 2) | 0b01)
}

/// CJ format (c.j, c.jal).
fn cj(funct3: u32, offset: i64) -> Option<u32> {
    if !fits_signed(offset, 12) || offset & 1 != 0 {
        return None;
    }
    let v = offset as u32;
    let bits = put(v, 11, 11, 12)
        | put(v, 4, 4, 11)
        | put(v, 9, 8, 9)
        | put(v, 10, 10, 8)
        | put(v, 6, 6, 7)
        | put(v, 7, 7, 6)
        | put(v, 3, 1, 3)
        | put(v, 5, 5, 2);
    Some((funct3 << 13) | bits | 0b01)
}

/// CB-format branch (c.beqz, c.bnez).
fn cb_branch(funct3: u32, rs1: Reg, offset: i64) -> Option<u32> {
    if !fits_signed(offset, 9) || offset & 1 != 0 {
        return None;
    }
    let v = offset as u32;
    let bits = put(v, 8, 8, 12) | put(v, 4, 3, 10) | put(v, 7, 6, 5) | put(v, 2, 1, 3) | put(v, 5, 5, 2);
    Some((funct3 << 13) | (popular(rs1)? << 7) | bits | 0b01)
}

/// CB-format ALU op (c.srli, c.srai, c.andi), selected by funct2 in bits 11:10.
fn cb_alu(funct2: u32, rd: Reg, imm_bits: u32) -> Option<u32> {
    Some((0b100 << 13) | (funct2 << 10) | (popular(rd)? << 7) | imm_bits | 0b01)
}

/// The compressed encoding whose expansion is exactly `inst` under `xlen`, if any.
pub fn encode_compressed(xlen: Xlen, inst: &Inst) -> Option<u16> {
    // Checking the 32-bit encoding first rejects out-of-range registers and fields and RV64-only forms
    // under RV32 once, so the arms below only test what is specific to the compressed forms.
    encode(xlen, inst)?;
    let rv64 = xlen == Xlen::X64;
    let h = match *inst {
        // rd=0 is a HINT; rd=2 is the c.addi16sp slot.
        Inst::Lui { rd, imm } if rd != SP && imm != 0 => ci(0b011, 0b01, rd, ci_imm(imm >> 12)?),
        Inst::Jal { rd: 0, offset } => cj(0b101, offset)?,
        Inst::Jal { rd: RA, offset } if !rv64 => cj(0b001, offset)?,
        // rs1=0 would be the reserved c.jr / the c.ebreak slot.
        Inst::Jalr {
            rd: 0,
            rs1,
            offset: 0,
        } if rs1 != 0 => cr(0b1000, rs1, 0),
        Inst::Jalr {
            rd: RA,
            rs1,
            offset: 0,
        } if rs1 != 0 => cr(0b1001, rs1, 0),
        Inst::Branch {
            cond: BranchCond::Eq,
            rs1,
            rs2: 0,
            offset,
        } => cb_branch(0b110, rs1, offset)?,
        Inst::Branch {
            cond: BranchCond::Ne,
            rs1,
            rs2: 0,
            offset,
        } => cb_branch(0b111, rs1, offset)?,
        Inst::Load {
            width,
            rd,
            rs1,
            offset,
        } => load(rv64, width, rd, rs1, offset)?,
        Inst::Store {
            width,
            rs1,
            rs2,
            offset,
        } => store(rv64, width, rs1, rs2, offset)?,
        Inst::OpImm {
            op: AluOp::Add,
            rd,
            rs1,
            imm,
            word: false,
        } => addi(rd, rs1, imm)?,
        // rd=0 is reserved for c.addiw.
        Inst::OpImm {
            op: AluOp::Add,
            rd,
            rs1,
            imm,
            word: true,
        } if rd == rs1 && rd != 0 => ci(0b001, 0b01, rd, ci_imm(imm)?),
        // Shift amounts are already range-checked for xlen by `encode`; rd=0 and shamt=0 are HINTs.
        Inst::OpImm {
            op: AluOp::Sll,
            rd,
            rs1,
            imm,
            word: false,
        } if rd == rs1 => ci(
            0b000,
            0b10,
            rd,
            put(imm as u32, 5, 5, 12) | put(imm as u32, 4, 0, 2),
        ),
        Inst::OpImm {
            op: op @ (AluOp::Srl | AluOp::Sra),
            rd,
            rs1,
            imm,
            word: false,
        } if rd == rs1 => {
            let funct2 = if op == AluOp::Srl { 0b00 } else { 0b01 };
            cb_alu(funct2, rd, put(imm as u32, 5, 5, 12) | put(imm as u32, 4, 0, 2))?
        }
        Inst::OpImm {
            op: AluOp::And,
            rd,
            rs1,
            imm,
            word: false,
        } if rd == rs1 => cb_alu(0b10, rd, ci_imm(imm)?)?,
        // c.mv (rd=0 is a HINT); it also covers `add zero, zero, rs2`, which c.add would encode too.
        Inst::Op {
            op: AluOp::Add,
            rd,
            rs1: 0,
            rs2,
            word: false,
        } if rs2 != 0 => cr(0b1000, rd, rs2),
        Inst::Op {
            op: AluOp::Add,
            rd,
            rs1,
            rs2,
            word: false,
        } if rd == rs1 && rs2 != 0 => cr(0b1001, rd, rs2),
        Inst::Op {
            op,
            rd,
            rs1,
            rs2,
            word,
        } if rd == rs1 => {
            let (funct6, funct2) = match (op, word) {
                (AluOp::Sub, false) => (0b100011, 0b00),
                (AluOp::Xor, false) => (0b100011, 0b01),
                (AluOp::Or, false) => (0b100011, 0b10),
                (AluOp::And, false) => (0b100011, 0b11),
                (AluOp::Sub, true) => (0b100111, 0b00),
                (AluOp::Add, true) => (0b100111, 0b01),
                _ => return None,
            };
            ca(funct6, rd, funct2, rs2)?
        }
        Inst::Ebreak => 0x9002,
        _ => return None,
    };
    Some(h as u16)
}

fn load(rv64: bool, width: LoadWidth, rd: Reg, rs1: Reg, offset: i64) -> Option<u32> {
    match (width, rs1) {
        // rd=0 is reserved for the sp-relative loads.
        (LoadWidth::W, SP) if rd != 0 => {
            let v = scaled(offset, 4, 252)?;
            Some(ci(
                0b010,
                0b10,
                rd,
                put(v, 5, 5, 12) | put(v, 4, 2, 4) | put(v, 7, 6, 2),
            ))
        }
        (LoadWidth::D, SP) if rv64 && rd != 0 => {
            let v = scaled(offset, 8, 504)?;
            Some(ci(
                0b011,
                0b10,
                rd,
                put(v, 5, 5, 12) | put(v, 4, 3, 5) | put(v, 8, 6, 2),
            ))
        }
        (LoadWidth::W, _) => {
            let v = scaled(offset, 4, 124)?;
            let imm = put(v, 5, 3, 10) | put(v, 2, 2, 6) | put(v, 6, 6, 5);
            Some((0b010 << 13) | imm | (popular(rs1)? << 7) | (popular(rd)? << 2))
        }
        (LoadWidth::D, _) if rv64 => {
            let v = scaled(offset, 8, 248)?;
            let imm = put(v, 5, 3, 10) | put(v, 7, 6, 5);
            Some((0b011 << 13) | imm | (popular(rs1)? << 7) | (popular(rd)? << 2))
        }
        _ => None,
    }
}

fn store(rv64: bool, width: StoreWidth, rs1: Reg, rs2: Reg, offset: i64) -> Option<u32> {
    match (width, rs1) {
        (StoreWidth::W, SP) => {
            let v = scaled(offset, 4, 252)?;
            Some((0b110 << 13) | put(v, 5, 2, 9) | put(v, 7, 6, 7) | (u32::from(rs2) << 2) | 0b10)
        }
        (StoreWidth::D, SP) if rv64 => {
            let v = scaled(offset, 8, 504)?;
            Some((0b111 << 13) | put(v, 5, 3, 10) | put(v, 8, 6, 7) | (u32::from(rs2) << 2) | 0b10)
        }
        (StoreWidth::W, _) => {
            let v = scaled(offset, 4, 124)?;
            let imm = put(v, 5, 3, 10) | put(v, 2, 2, 6) | put(v, 6, 6, 5);
            Some((0b110 << 13) | imm | (popular(rs1)? << 7) | (popular(rs2)? << 2))
        }
        (StoreWidth::D, _) if rv64 => {
            let v = scaled(offset, 8, 248)?;
            let imm = put(v, 5, 3, 10) | put(v, 7, 6, 5);
            Some((0b111 << 13) | imm | (popular(rs1)? << 7) | (popular(rs2)? << 2))
        }
        _ => None,
    }
}

/// `addi` in the assembler's order of preference: c.addi4spn, c.addi (c.nop when rd=0), c.addi16sp,
/// c.li.
fn addi(rd: Reg, rs1: Reg, imm: i64) -> Option<u32> {
    if rs1 == SP && imm > 0 {
        if let (Some(rd3), Some(v)) = (popular(rd), scaled(imm, 4, 1020)) {
            let bits = put(v, 5, 4, 11) | put(v, 9, 6, 7) | put(v, 2, 2, 6) | put(v, 3, 3, 5);
            return Some(bits | (rd3 << 2));
        }
    }
    if rd == rs1 {
        if let Some(bits) = ci_imm(imm) {
            return Some(ci(0b000, 0b01, rd, bits));
        }
        if rd == SP && imm != 0 && imm % 16 == 0 && fits_signed(imm, 10) {
            let v = imm as u32;
            let bits =
                put(v, 9, 9, 12) | put(v, 4, 4, 6) | put(v, 6, 6, 5) | put(v, 8, 7, 3) | put(v, 5, 5, 2);
            return Some(ci(0b011, 0b01, SP, bits));
        }
        return None;
    }
    if rs1 == 0 {
        return Some(ci(0b010, 0b01, rd, ci_imm(imm)?));
    }
    None
}
