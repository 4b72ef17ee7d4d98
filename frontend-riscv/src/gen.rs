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

const POPULAR: [Reg; 8] = [8, 9, 10, 11, 12, 13, 14, 15];
const SP: Reg = 2;

struct Gen<'s, 'a> {
    config: Config,
    src: &'s mut Source<'a>,
}

impl<'s, 'a> Gen<'s, 'a> {
    fn new(config: Config, src: &'s mut Source<'a>) -> Gen<'s, 'a> {
        Gen { config, src }
    }

    fn rv64(&self) -> bool {
        self.config.xlen == Xlen::X64
    }

    fn case(&mut self) -> Case {
        let regs = (0..30).map(|_| self.value()).collect();
        let n = MIN_UNITS + self.src.below((MAX_UNITS - MIN_UNITS + 1) as u64) as usize;
        let units = (0..n).map(|_| self.unit()).collect();
        Case { regs, units }
    }

    /// An interesting register value: the edges of signed and unsigned 32- and 64-bit arithmetic,
    /// small numbers, powers of two and random bits.
    fn value(&mut self) -> i64 {
        let v = match self.src.below(16) {
            0 => 0,
            1 => 1,
            2 => -1,
            3 => i64::from(i32::MIN),
            4 => i64::from(i32::MAX),
            5 => i64::MIN,
            6 => i64::MAX,
            7 => i64::from(u32::MAX),
            8 => 0x8000_0000,
            9 => self.src.below(64) as i64 - 32,
            10 => 1i64 << self.src.below(64),
            11 => (-1i64) << self.src.below(64),
            12 => i64::from(self.src.u64() as i32),
            13 => sext(self.src.u64() as i64, 12),
            _ => self.src.u64() as i64,
        };
        to_xlen(self.config.xlen, v)
    }

    /// A destination: never the base register, rarely `x0` (whose writes must vanish).
    fn rd(&mut self) -> Reg {
        if self.src.chance(3) {
            0
        } else {
            1 + self.src.below(30) as Reg
        }
    }

    /// A source: any register, the base and `x0` included.
    fn rs(&mut self) -> Reg {
        self.src.below(32) as Reg
    }

    /// A destination for an address computation (any writable register, `sp` and `x8..x15`
    /// favoured when compressed accesses are possible).
    fn addr_reg(&mut self) -> Reg {
        if self.config.compressed && self.src.chance(50) {
            if self.src.chance(30) {
                SP
            } else {
                pick(self.src, &POPULAR)
            }
        } else {
            1 + self.src.below(30) as Reg
        }
    }

    fn imm12(&mut self) -> i64 {
        match self.src.below(8) {
            0 => 0,
            1 => 1,
            2 => -1,
            3 => 2047,
            4 => -2048,
            5 => self.src.below(64) as i64 - 32,
            _ => sext(self.src.u64() as i64, 12),
        }
    }

    fn shamt(&mut self, word: bool) -> i64 {
        let bits = if word { 32 } else { self.config.xlen.bits() as u64 };
        match self.src.below(6) {
            0 => 0,
            1 => 1,
            2 => bits as i64 - 1,
            _ => self.src.below(bits) as i64,
        }
    }

    /// Whether to ask for the compressed encoding (only meaningful with C on).
    fn compress(&mut self) -> bool {
        self.config.compressed && self.src.chance(60)
    }

    fn item(&mut self, inst: Inst) -> Item {
        let compress = self.compress();
        Item { inst, compress }
    }

    fn unit(&mut self) -> Unit {
        let roll = self.src.below(100);
        let items = match roll {
            0..=24 => vec![self.op()],
            25..=42 => vec![self.op_imm()],
            43..=46 => vec![self.lui()],
            47..=48 => {
                let (rd, imm) = (self.rd(), self.upper_imm());
                vec![self.item(Inst::Auipc { rd, imm })]
            }
            49..=62 => self.load(),
            63..=74 => self.store(),
            75..=80 => self.amo(),
            81..=84 => self.lr_sc(),
            _ => return self.skip(),
        };
        Unit::Seq(items)
    }

    fn upper_imm(&mut self) -> i64 {
        let imm20 = match self.src.below(6) {
            0 => 0x80000,
            1 => 0x7ffff,
            2 => 0xfffff,
            3 => self.src.below(64),
            _ => self.src.below(1 << 20),
        } as i64;
        sext(imm20 << 12, 32)
    }

    fn lui(&mut self) -> Item {
        let rd = self.rd();
        let imm = if self.config.compressed && self.src.chance(40) {
            // The c.lui range: a nonzero 6-bit signed immediate.
            let v = self.src.below(63) as i64 - 32;
            (if v >= 0 { v + 1 } else { v }) << 12
        } else {
            self.upper_imm()
        };
        self.item(Inst::Lui { rd, imm })
    }

    /// Register-register ALU and M operations, RV64 `*w` forms included.
    fn op(&mut self) -> Item {
        let op = pick(self.src, &AluOp::ALL);
        let word = self.rv64() && op.has_word_form() && self.src.chance(35);
        let (rd, rs1, rs2) = if self.config.compressed && self.src.chance(35) {
            // The shapes of c.mv, c.add and the CA-format ops.
            match self.src.below(3) {
                0 => (self.rd(), 0, self.rs()),
                1 => {
                    let r = self.rd();
                    (r, r, self.rs())
                }
                _ => {
                    let r = pick(self.src, &POPULAR);
                    (r, r, pick(self.src, &POPULAR))
                }
            }
        } else {
            (self.rd(), self.rs(), self.rs())
        };
        let op = if rs1 == 0 && self.src.chance(50) {
            AluOp::Add
        } else {
            op
        };
        let word = word && op.has_word_form();
        self.item(Inst::Op {
            op,
            rd,
            rs1,
            rs2,
            word,
        })
    }

    fn op_imm(&mut self) -> Item {
        let ops: &[AluOp] = &[
            AluOp::Add,
            AluOp::Slt,
            AluOp::Sltu,
            AluOp::Xor,
            AluOp::Or,
            AluOp::And,
            AluOp::Sll,
            AluOp::Srl,
            AluOp::Sra,
        ];
        let op = pick(self.src, ops);
        let word = self.rv64() && op.has_imm_form(true) && self.src.chance(35);
        let mut rd = self.rd();
        let mut rs1 = self.rs();
        let mut imm = if op.is_shift() {
            self.shamt(word)
        } else {
            self.imm12()
        };
        if self.config.compressed && self.src.chance(40) {
            // The shapes of c.addi, c.li, c.addiw, c.slli, c.srli, c.srai, c.andi, c.addi16sp and
            // c.addi4spn.
            match (op, self.src.below(4)) {
                (AluOp::Add, 0) => rs1 = 0,
                (AluOp::Add, 1) if !word => {
                    (rd, rs1) = (SP, SP);
                    imm = (self.src.below(64) as i64 - 32) * 16;
                }
                (AluOp::Add, 2) if !word => {
                    (rd, rs1) = (pick(self.src, &POPULAR), SP);
                    imm = 4 * (1 + self.src.below(255) as i64);
                }
                (AluOp::Srl | AluOp::Sra | AluOp::And, _) => {
                    rd = pick(self.src, &POPULAR);
                    rs1 = rd;
                }
                _ => rs1 = rd,
            }
            // The sp-relative shapes keep their scaled immediates; the others take c.addi's.
            if !op.is_shift() && rs1 != SP {
                imm = self.src.below(64) as i64 - 32;
            }
        }
        self.item(Inst::OpImm {
            op,
            rd,
            rs1,
            imm,
            word,
        })
    }

    /// `rd = BASE + (x[src] & mask)` in two instructions, `rd` nonzero and not the base.
    fn derived_addr(&mut self, rd: Reg, mask: i64) -> [Item; 2] {
        let src = self.rs();
        let and = Inst::OpImm {
            op: AluOp::And,
            rd,
            rs1: src,
            imm: mask,
            word: false,
        };
        let (rs1, rs2) = if self.src.chance(50) {
            (rd, BASE_REG)
        } else {
            (BASE_REG, rd)
        };
        let add = Inst::Op {
            op: AluOp::Add,
            rd,
            rs1,
            rs2,
            word: false,
        };
        [self.item(and), self.item(add)]
    }

    /// An address register and offset for a `width`-byte access anywhere in the scratch area
    /// (misaligned ones included): either `BASE_REG` and an immediate, or a register set to
    /// `BASE + [0, 1023]` by the returned instructions and an offset that keeps the access inside.
    fn mem_operand(&mut self, width: i64) -> (Vec<Item>, Reg, i64) {
        if self.src.chance(35) {
            let imm = LOWEST + self.src.below((2048 - LOWEST) as u64) as i64;
            return (Vec::new(), BASE_REG, imm.min(2047));
        }
        let t = self.addr_reg();
        let setup = self.derived_addr(t, 0x3ff).to_vec();
        let offset = if self.config.compressed && self.src.chance(50) {
            // The offsets of c.lw/c.ld/c.sw/c.sd and their sp-relative forms.
            width * self.src.below(32) as i64
        } else {
            LOWEST + self.src.below((1024 + 1 - LOWEST) as u64) as i64
        };
        (setup, t, offset)
    }

    fn load(&mut self) -> Vec<Item> {
        let widths: &[LoadWidth] = if self.rv64() {
            &LoadWidth::ALL
        } else {
            &[
                LoadWidth::B,
                LoadWidth::H,
                LoadWidth::W,
                LoadWidth::Bu,
                LoadWidth::Hu,
            ]
        };
        let width = pick(self.src, widths);
        let (mut items, rs1, offset) = self.mem_operand(i64::from(width.bytes()));
        let rd = if self.config.compressed && self.src.chance(40) {
            pick(self.src, &POPULAR)
        } else {
            self.rd()
        };
        items.push(self.item(Inst::Load {
            width,
            rd,
            rs1,
            offset,
        }));
        items
    }

    fn store(&mut self) -> Vec<Item> {
        let widths: &[StoreWidth] = if self.rv64() {
            &StoreWidth::ALL
        } else {
            &[StoreWidth::B, StoreWidth::H, StoreWidth::W]
        };
        let width = pick(self.src, widths);
        let (mut items, rs1, offset) = self.mem_operand(i64::from(width.bytes()));
        let rs2 = if self.config.compressed && self.src.chance(40) {
            pick(self.src, &POPULAR)
        } else {
            self.rs()
        };
        items.push(self.item(Inst::Store {
            width,
            rs1,
            rs2,
            offset,
        }));
        items
    }

    /// An aligned address for a `bytes`-wide atomic in a register: the instructions and the
    /// register.
    fn atomic_addr(&mut self, bytes: i64) -> (Vec<Item>, Reg) {
        let t = 1 + self.src.below(30) as Reg;
        if self.src.chance(50) {
            let imm = bytes * self.src.below((1024 / bytes) as u64) as i64;
            (vec![self.addi(t, BASE_REG, imm)], t)
        } else {
            (self.derived_addr(t, 0x3ff & !(bytes - 1)).to_vec(), t)
        }
    }

    fn addi(&mut self, rd: Reg, rs1: Reg, imm: i64) -> Item {
        self.item(Inst::OpImm {
            op: AluOp::Add,
            rd,
            rs1,
            imm,
            word: false,
        })
    }

    fn atomic_word(&mut self) -> bool {
        !self.rv64() || self.src.chance(50)
    }

    fn amo(&mut self) -> Vec<Item> {
        let word = self.atomic_word();
        let (mut items, rs1) = self.atomic_addr(if word { 4 } else { 8 });
        let op = pick(self.src, &AmoOp::ALL);
        let (rd, rs2) = (self.rd(), self.rs());
        let (aq, rl) = (self.src.chance(50), self.src.chance(50));
        items.push(self.item(Inst::Amo {
            op,
            word,
            rd,
            rs1,
            rs2,
            aq,
            rl,
        }));
        items
    }

    /// `lr` from a base-relative address, up to two ALU instructions, then `sc` to the same
    /// address (recomputed into a register of its own, as `lr`'s destination may be the address
    /// register) or, sometimes, to another one, where it must fail.
    fn lr_sc(&mut self) -> Vec<Item> {
        let word = self.atomic_word();
        let bytes = if word { 4 } else { 8 };
        let at = bytes * self.src.below((1024 / bytes) as u64) as i64;
        let t = 1 + self.src.below(30) as Reg;
        let mut items = vec![self.addi(t, BASE_REG, at)];
        let (aq, rl) = (self.src.chance(50), self.src.chance(50));
        let rd = self.rd();
        items.push(self.item(Inst::Lr {
            word,
            rd,
            rs1: t,
            aq,
            rl,
        }));
        for _ in 0..self.src.below(3) {
            let alu = if self.src.chance(50) {
                self.op()
            } else {
                self.op_imm()
            };
            items.push(alu);
        }
        let t2 = 1 + self.src.below(30) as Reg;
        let at2 = if self.src.chance(80) {
            at
        } else {
            bytes * self.src.below((1024 / bytes) as u64) as i64
        };
        items.push(self.addi(t2, BASE_REG, at2));
        let (rd, rs2) = (self.rd(), self.rs());
        let (aq, rl) = (self.src.chance(50), self.src.chance(50));
        items.push(self.item(Inst::Sc {
            word,
            rd,
            rs1: t2,
            rs2,
            aq,
            rl,
        }));
        items
    }

    fn skip(&mut self) -> Unit {
        let over = self.src.below(4) as usize;
        let compress = self.compress();
        let jump = match self.src.below(100) {
            0..=81 => {
                let cond = pick(self.src, &BranchCond::ALL);
                let (rs1, rs2) = if self.config.compressed && self.src.chance(40) {
                    (pick(self.src, &POPULAR), 0)
                } else {
                    (self.rs(), self.rs())
                };
                let cond = if rs2 == 0 && self.src.chance(70) {
                    pick(self.src, &[BranchCond::Eq, BranchCond::Ne])
                } else {
                    cond
                };
                Jump::Branch {
                    cond,
                    rs1,
                    rs2,
                    compress,
                }
            }
            // A call or an indirect jump starts a new region, which translates up to 2000
            // instructions from its target afresh: a few per program cover them without making
            // the program cost several times its size.
            82..=97 => Jump::Jal {
                rd: if self.src.chance(90) { 0 } else { self.rd() },
                compress,
            },
            _ => Jump::Jalr {
                rd: if self.src.chance(50) { 0 } else { self.rd() },
                tmp: 1 + self.src.below(30) as Reg,
                via_addi: self.src.chance(50),
                compress,
            },
        };
        Unit::Skip { jump, over }
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

/// Lays out `cases` as a program (see the module doc for its shape).
///
/// # Panics
/// When the generator made an instruction that does not encode or the code outgrows its segment:
/// both are bugs of this module.
pub fn assemble(config: Config, cases: &[Case]) -> Program {
    let xlen = config.xlen;
    let mut asm = Asm {
        config,
        code: Vec::new(),
        insts: 0,
    };
    for inst in li(xlen, BASE_REG, BASE as i64) {
        asm.emit(inst, false);
    }
    let mut listings = Vec::with_capacity(cases.len());
    let w = reg_bytes(xlen) as i64;
    for case in cases {
        for (i, &v) in case.regs.iter().enumerate() {
            for inst in li(xlen, i as Reg + 1, v) {
                asm.emit(inst, true);
            }
        }
        let body = asm.units(&case.units);
        let store = if xlen == Xlen::X64 {
            StoreWidth::D
        } else {
            StoreWidth::W
        };
        for r in 1..=31u8 {
            let offset = DUMP as i64 - BASE as i64 + w * (i64::from(r) - 1);
            asm.emit(
                Inst::Store {
                    width: store,
                    rs1: BASE_REG,
                    rs2: r,
                    offset,
                },
                true,
            );
        }
        asm.write(DUMP, 31 * w);
        asm.write(SCRATCH, SCRATCH_LEN as i64);
        listings.push(Listing {
            regs: case.regs.clone(),
            body,
        });
    }
    for inst in li(xlen, 17, 93).into_iter().chain(li(xlen, 10, 0)) {
        asm.emit(inst, true);
    }
    asm.emit(Inst::Ecall, false);
    assert!(
        CODE_BASE + asm.code.len() as u64 <= DATA_BASE,
        "gen: the code outgrew its segment"
    );

    // The initial scratch contents are random too (but fixed per program), so loads see varied
    // bytes before any store.
    let mut fill = Source::Prng(cases.len() as u64 ^ asm.code.len() as u64);
    let data: Vec<u8> = (0..(SCRATCH + SCRATCH_LEN - DATA_BASE))
        .map(|_| fill.byte() as u8)
        .collect();
    let class = match xlen {
        Xlen::X32 => ElfClass::Elf32,
        Xlen::X64 => ElfClass::Elf64,
    };
    let segments = [
        WriteSegment {
            vaddr: CODE_BASE,
            mem_size: asm.code.len() as u64,
            data: asm.code,
            flags: PF_R | PF_X,
        },
        WriteSegment {
            vaddr: DATA_BASE,
            mem_size: 8192,
            data,
            flags: PF_R | PF_W,
        },
    ];
    Program {
        config,
        elf: write_elf(class, CODE_BASE, &segments),
        cases: listings,
        static_insts: asm.insts,
    }
}

struct Asm {
    config: Config,
    code: Vec<u8>,
    insts: usize,
}

impl Asm {
    fn pc(&self) -> u64 {
        CODE_BASE + self.code.len() as u64
    }

    /// The encoding of `inst`: compressed if asked for, C is on and there is one.
    fn encoding(&self, inst: &Inst, compress: bool) -> Vec<u8> {
        let xlen = self.config.xlen;
        if compress && self.config.compressed {
            if let Some(h) = encode_compressed(xlen, inst) {
                return h.to_le_bytes().to_vec();
            }
        }
        match encode(xlen, inst) {
            Some(w) => w.to_le_bytes().to_vec(),
            None => panic!("gen: made an instruction with no encoding: {inst:?}"),
        }
    }

    fn emit(&mut self, inst: Inst, compress: bool) -> (u64, Inst, u8) {
        let pc = self.pc();
        let bytes = self.encoding(&inst, compress);
        self.code.extend_from_slice(&bytes);
        self.insts += 1;
        (pc, inst, bytes.len() as u8)
    }

    /// `write(1, addr, len)`.
    fn write(&mut self, addr: u64, len: i64) {
        let xlen = self.config.xlen;
        let mut seq = li(xlen, 17, 64);
        seq.extend(li(xlen, 10, 1));
        seq.push(Inst::OpImm {
            op: AluOp::Add,
            rd: 11,
            rs1: BASE_REG,
            imm: addr as i64 - BASE as i64,
            word: false,
        });
        seq.extend(li(xlen, 12, len));
        seq.push(Inst::Ecall);
        for inst in seq {
            self.emit(inst, true);
        }
    }

    /// Lays out the random units of a case; forward jumps need the size of what they skip, so
    /// every unit is encoded first, back to front, then emitted in order.
    fn units(&mut self, units: &[Unit]) -> Vec<(u64, Inst, u8)> {
        let mut encoded: Vec<Vec<(Inst, bool)>> = vec![Vec::new(); units.len()];
        let mut sizes = vec![0u64; units.len()];
        for (i, unit) in units.iter().enumerate().rev() {
            let seq = match unit {
                Unit::Seq(items) => items.iter().map(|it| (it.inst, it.compress)).collect(),
                Unit::Skip { jump, over } => {
                    let end = (i + 1 + over).min(units.len());
                    let skipped: u64 = sizes[i + 1..end].iter().sum();
                    self.jump(*jump, skipped)
                }
            };
            sizes[i] = seq
                .iter()
                .map(|(inst, c)| self.encoding(inst, *c).len() as u64)
                .sum();
            encoded[i] = seq;
        }
        let mut listing = Vec::new();
        for seq in encoded {
            for (inst, compress) in seq {
                listing.push(self.emit(inst, compress));
            }
        }
        listing
    }

    /// The instructions of a forward jump over `skipped` bytes, with compression preferences the
    /// layout will honour (a compressed choice is only kept when its offset fits it).
    fn jump(&self, jump: Jump, skipped: u64) -> Vec<(Inst, bool)> {
        let skipped = skipped as i64;
        // The shorter encoding if it exists for the offset it implies, else the 4-byte one.
        let fit = |make: &dyn Fn(i64) -> Inst, compress: bool, other: i64| -> (Inst, bool) {
            let short = make(2 + other);
            if compress && self.config.compressed && encode_compressed(self.config.xlen, &short).is_some() {
                (short, true)
            } else {
                (make(4 + other), false)
            }
        };
        match jump {
            Jump::Branch {
                cond,
                rs1,
                rs2,
                compress,
            } => {
                let make = |offset| Inst::Branch {
                    cond,
                    rs1,
                    rs2,
                    offset,
                };
                vec![fit(&make, compress, skipped)]
            }
            Jump::Jal { rd, compress } => {
                let make = |offset| Inst::Jal { rd, offset };
                vec![fit(&make, compress, skipped)]
            }
            Jump::Jalr {
                rd,
                tmp,
                via_addi: false,
                ..
            } => vec![
                (Inst::Auipc { rd: tmp, imm: 0 }, false),
                (
                    Inst::Jalr {
                        rd,
                        rs1: tmp,
                        offset: 8 + skipped,
                    },
                    false,
                ),
            ],
            Jump::Jalr {
                rd,
                tmp,
                via_addi: true,
                compress,
            } => {
                let jalr = Inst::Jalr {
                    rd,
                    rs1: tmp,
                    offset: 0,
                };
                let jalr_len = self.encoding(&jalr, compress).len() as i64;
                let make = |imm| Inst::OpImm {
                    op: AluOp::Add,
                    rd: tmp,
                    rs1: tmp,
                    imm,
                    word: false,
                };
                vec![
                    (Inst::Auipc { rd: tmp, imm: 0 }, false),
                    fit(&make, compress, 4 + jalr_len + skipped),
                    (jalr, compress),
                ]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;

    /// Runs a `li` sequence on a one-register machine.
    fn eval(xlen: Xlen, seq: &[Inst]) -> i64 {
        let mut r = 0i64;
        for inst in seq {
            r = match *inst {
                Inst::Lui { imm, .. } => imm,
                Inst::OpImm {
                    op: AluOp::Add,
                    rs1,
                    imm,
                    word,
                    ..
                } => {
                    let a = if rs1 == 0 { 0 } else { r };
                    let s = a.wrapping_add(imm);
                    if word {
                        i64::from(s as i32)
                    } else {
                        s
                    }
                }
                Inst::OpImm {
                    op: AluOp::Sll, imm, ..
                } => r << imm,
                ref other => panic!("li made {other:?}"),
            };
            r = to_xlen(xlen, r);
        }
        r
    }

    #[test]
    fn li_makes_the_value() {
        let mut src = Source::Prng(7);
        let mut values = vec![
            0,
            1,
            -1,
            2047,
            -2048,
            2048,
            0x7fff_f800,
            0x7fff_ffff,
            i64::from(i32::MIN),
            0x8000_0000,
            0xffff_ffff,
            i64::MAX,
            i64::MIN,
            0x8000_0000_0000_0800u64 as i64,
            0x7fff_ffff_ffff_f800,
        ];
        values.extend((0..5000).map(|_| src.u64() as i64));
        values.extend((0..64).map(|k| 1i64 << k));
        for xlen in [Xlen::X32, Xlen::X64] {
            for &v in &values {
                let seq = li(xlen, 5, v);
                assert_eq!(eval(xlen, &seq), to_xlen(xlen, v), "{xlen:?} li {v:#x}: {seq:?}");
                assert!(seq.len() <= 8, "{xlen:?} li {v:#x}: {} instructions", seq.len());
                for inst in &seq {
                    assert!(encode(xlen, inst).is_some(), "{inst:?}");
                }
            }
        }
    }

    /// Every generated program decodes back to its listing and uses only the allowed kinds.
    #[test]
    fn programs_decode_to_their_listing() {
        for (seed, xlen, compressed) in [(1, Xlen::X32, false), (2, Xlen::X32, true), (3, Xlen::X64, true)] {
            let p = generate(Config { xlen, compressed }, seed, 20);
            let elf = crate::elf::load(&p.elf, &crate::elf::ElfLimits::default()).unwrap();
            let code = &elf.segments[0];
            let mut short = 0;
            for case in &p.cases {
                for &(pc, inst, len) in &case.body {
                    let at = (pc - code.vaddr) as usize;
                    let mut word = [0u8; 4];
                    let n = (code.data.len() - at).min(4);
                    word[..n].copy_from_slice(&code.data[at..at + n]);
                    let d = decode(xlen, u32::from_le_bytes(word));
                    assert_eq!((d.inst, d.len), (inst, len), "at {pc:#x}");
                    assert!(!matches!(
                        inst,
                        Inst::Ecall | Inst::Ebreak | Inst::Csr { .. } | Inst::FenceI | Inst::Illegal
                    ));
                    if len == 2 {
                        short += 1;
                    }
                }
            }
            assert_eq!(
                short > 0,
                compressed,
                "seed {seed}: {short} compressed instructions"
            );
        }
    }

    #[test]
    fn fuzz_bytes_always_make_a_program() {
        let mut src = Source::Prng(11);
        for len in [0usize, 1, 7, 100, 3000] {
            for _ in 0..20 {
                let data: Vec<u8> = (0..len).map(|_| src.byte() as u8).collect();
                for xlen in [Xlen::X32, Xlen::X64] {
                    let elf = program_from_bytes(xlen, &data);
                    assert!(crate::elf::load(&elf, &crate::elf::ElfLimits::default()).is_ok());
                }
            }
        }
    }

    #[test]
    fn cases_depend_only_on_seed_and_index() {
        let config = Config {
            xlen: Xlen::X64,
            compressed: true,
        };
        let all = generate_cases(config, 5, 10);
        assert_eq!(generate_cases(config, 5, 4)[..], all[..4]);
        assert_ne!(generate_cases(config, 6, 4)[..], all[..4]);
    }
}
