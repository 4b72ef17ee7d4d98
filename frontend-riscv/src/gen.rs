//! A seeded generator of random RISC-V test programs for differential testing (the JIT, the
//! interpreter and qemu-user must print the same bytes) and for fuzzing.
//!
//! A program is a sequence of *cases*. Each case sets every register but the base register `x31`
//! to an interesting value, runs 10 to 60 random units of straight-line code and forward control
//! flow, then stores all 31 registers into the dump area and writes the dump and the scratch area
//! to stdout, so that every register and every memory effect of every case is compared. The
//! program ends with `exit(0)`.
//!
//! Owns the choice of instructions and the layout of the test programs. It must never emit
//! anything whose result may legitimately differ between conforming implementations or between
//! qemu-user and Causeway: no `ecall`, `ebreak`, CSR, `fence.i` or illegal encoding in the random
//! part, no access outside the data segment, no misaligned atomic, no backward jump (so every
//! program terminates), and no memory access between an `lr` and its `sc` (qemu's `sc` also
//! compares the reserved value; the ISA leaves that case open).

use crate::elf::ElfClass;
use crate::elf_write::{write_elf, WriteSegment};
use crate::encode::{encode, encode_compressed};
use crate::inst::{AluOp, AmoOp, BranchCond, Inst, LoadWidth, Reg, StoreWidth, Xlen};

/// Where the code segment starts.
pub const CODE_BASE: u64 = 0x1_0000;
/// Where the data segment starts; the code must end below it (the generator checks).
pub const DATA_BASE: u64 = 0x0100_0000;
/// The register that holds [`BASE`] throughout the program; random code reads it but never
/// writes it, so every memory operand can be formed from it.
pub const BASE_REG: Reg = 31;
/// The address in [`BASE_REG`]: the middle of the 12-bit immediate window over the data area.
pub const BASE: u64 = DATA_BASE + 2048;
/// The register dump: `x1..x31`, `XLEN/8` bytes each, at the lowest addresses `BASE` reaches.
pub const DUMP: u64 = DATA_BASE;
/// The scratch area random loads, stores and atomics touch: `[SCRATCH, SCRATCH + SCRATCH_LEN)`.
pub const SCRATCH: u64 = DATA_BASE + 256;
/// Reaches `BASE + 2047 + 8`, the end of the widest access at the largest immediate.
pub const SCRATCH_LEN: u64 = 2048 + 8 + 1792;
/// Fewest and most random units in a case.
pub const MIN_UNITS: usize = 10;
pub const MAX_UNITS: usize = 60;

/// Lowest immediate of a direct `BASE_REG` access: keeps random stores out of the dump area.
const LOWEST: i64 = -1792;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// What kind of program to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub xlen: Xlen,
    /// Whether the C extension is on: instructions with a compressed form then use it about half
    /// of the time, and register choices favour the compressible ones.
    pub compressed: bool,
}

/// One test case: the initial registers and the random code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Initial values of `x1..x30` (`regs[i]` is `x{i+1}`), already truncated to XLEN.
    pub regs: Vec<i64>,
    pub units: Vec<Unit>,
}

/// A piece of random code that forward jumps treat as one: a jump never lands inside a unit, so
/// an address computation always reaches its access and an `lr` always reaches its `sc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    Seq(Vec<Item>),
    /// A forward transfer to the start of the unit `over` units after this one (clamped to the end
    /// of the case).
    Skip {
        jump: Jump,
        over: usize,
    },
}

/// An instruction and whether to use its compressed encoding when there is one and C is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item {
    pub inst: Inst,
    pub compress: bool,
}

/// A forward jump; its offset is only known once the skipped units are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jump {
    Branch {
        cond: BranchCond,
        rs1: Reg,
        rs2: Reg,
        compress: bool,
    },
    Jal {
        rd: Reg,
        compress: bool,
    },
    /// `auipc tmp, 0` then `jalr rd, offset(tmp)`, or with `via_addi`
    /// `auipc tmp, 0; addi tmp, tmp, offset; jalr rd, 0(tmp)` (the c.jr/c.jalr shape).
    Jalr {
        rd: Reg,
        tmp: Reg,
        via_addi: bool,
        compress: bool,
    },
}

/// An assembled program and what a failure report needs to show of it.
#[derive(Clone, Debug)]
pub struct Program {
    pub config: Config,
    pub elf: Vec<u8>,
    pub cases: Vec<Listing>,
    /// Instructions in the code segment, an upper bound of the instructions a run executes.
    pub static_insts: usize,
}

/// One case as laid out.
#[derive(Clone, Debug)]
pub struct Listing {
    pub regs: Vec<i64>,
    /// The random part: pc, instruction and its length in bytes.
    pub body: Vec<(u64, Inst, u8)>,
}

/// Bytes a case writes to stdout: the register dump, then the scratch area.
pub fn case_output_len(xlen: Xlen) -> usize {
    31 * reg_bytes(xlen) + SCRATCH_LEN as usize
}

/// Bytes per register in the dump.
pub fn reg_bytes(xlen: Xlen) -> usize {
    xlen.bits() as usize / 8
}

/// A random program of `cases` cases as an ELF file. C is on for odd seeds, so consecutive seeds
/// cover both `rv*im` and `rv*imac`; use [`generate`] to choose.
pub fn random_program(xlen: Xlen, seed: u64, cases: usize) -> Vec<u8> {
    let config = Config {
        xlen,
        compressed: seed % 2 == 1,
    };
    generate(config, seed, cases).elf
}

/// A random program whose every choice comes from `data` (for fuzzing): the first byte picks
/// whether C is on, then cases are generated until the bytes run out (at most 8).
pub fn program_from_bytes(xlen: Xlen, data: &[u8]) -> Vec<u8> {
    let mut src = Source::Bytes { data, at: 0 };
    let config = Config {
        xlen,
        compressed: src.below(2) == 1,
    };
    let mut cases = Vec::new();
    while !src.exhausted() && cases.len() < 8 {
        cases.push(Gen::new(config, &mut src).case());
    }
    assemble(config, &cases).elf
}

/// The cases of the program of `seed`. Case `i` depends only on `(seed, i)`, so a failing case
/// can be regenerated and minimized on its own.
pub fn generate_cases(config: Config, seed: u64, cases: usize) -> Vec<Case> {
    (0..cases)
        .map(|i| {
            let mut src = Source::Prng(splitmix64(seed ^ splitmix64(i as u64 + 1)));
            Gen::new(config, &mut src).case()
        })
        .collect()
}

/// [`generate_cases`] assembled.
pub fn generate(config: Config, seed: u64, cases: usize) -> Program {
    assemble(config, &generate_cases(config, seed, cases))
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Where choices come from: a PRNG, or a fuzzer's bytes (zeros once they run out, so every
/// choice still has an answer and the generator never fails).
enum Source<'a> {
    Prng(u64),
    Bytes { data: &'a [u8], at: usize },
}

impl Source<'_> {
    fn u64(&mut self) -> u64 {
        match self {
            Source::Prng(state) => {
                *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                splitmix64(*state)
            }
            Source::Bytes { .. } => {
                let mut v = 0u64;
                for _ in 0..8 {
                    v = (v << 8) | self.byte();
                }
                v
            }
        }
    }

    fn byte(&mut self) -> u64 {
        match self {
            Source::Prng(_) => self.u64() & 0xff,
            Source::Bytes { data, at } => {
                let b = data.get(*at).copied().unwrap_or(0);
                *at += 1;
                u64::from(b)
            }
        }
    }

    /// A value in `0..n` (`n > 0`). Byte sources spend one byte on small ranges, so a fuzzer's
    /// mutation of one byte changes one choice.
    fn below(&mut self, n: u64) -> u64 {
        match self {
            Source::Bytes { .. } if n <= 256 => self.byte() % n,
            _ => self.u64() % n,
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn exhausted(&self) -> bool {
        match self {
            Source::Prng(_) => false,
            Source::Bytes { data, at } => *at >= data.len(),
        }
    }
}

fn pick<T: Copy>(src: &mut Source<'_>, from: &[T]) -> T {
    from[src.below(from.len() as u64) as usize]
}

/// Sign-extends the low `bits` bits of `v`.
fn sext(v: i64, bits: u32) -> i64 {
    (v << (64 - bits)) >> (64 - bits)
}

/// A value truncated to XLEN and sign-extended, as a register holds it.
fn to_xlen(xlen: Xlen, v: i64) -> i64 {
    match xlen {
        Xlen::X32 => v as i32 as i64,
        Xlen::X64 => v,
    }
}

/// `rd = v` (truncated to XLEN) in the usual `lui`/`addi(w)`/`slli` sequence, using `rd` only.
pub fn li(xlen: Xlen, rd: Reg, v: i64) -> Vec<Inst> {
    let mut out = Vec::new();
    li_into(xlen, rd, to_xlen(xlen, v), &mut out);
    out
}

fn li_into(xlen: Xlen, rd: Reg, v: i64, out: &mut Vec<Inst>) {
    let lo = sext(v, 12);
    let addi = |rs1, imm, word| Inst::OpImm {
        op: AluOp::Add,
        rd,
        rs1,
        imm,
        word,
    };
    if v == i64::from(v as i32) {
        // `hi` may be 2^31 (for v near i32::MAX): `lui` makes it -2^31 and the 32-bit add wraps
        // back, which is why RV64 needs `addiw` here.
        let hi = sext(v.wrapping_sub(lo), 32);
        if hi == 0 {
            out.push(addi(0, lo, false));
            return;
        }
        out.push(Inst::Lui { rd, imm: hi });
        if lo != 0 {
            out.push(addi(rd, lo, xlen == Xlen::X64));
        }
        return;
    }
    // RV64 only: the upper bits without their trailing zeros, shifted into place, plus `lo`.
    let upper = v.wrapping_sub(lo);
    let shift = upper.trailing_zeros();
    li_into(xlen, rd, upper >> shift, out);
    out.push(Inst::OpImm {
        op: AluOp::Sll,
        rd,
        rs1: rd,
        imm: i64::from(shift),
        word: false,
    });
    if lo != 0 {
        out.push(addi(rd, lo, false));
    }
}

mod asm;
#[cfg(test)]
mod tests;
mod units;

pub use asm::assemble;
use units::Gen;
