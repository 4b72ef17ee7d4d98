//! The random part of a test case: which instructions, registers and immediates a case holds,
//! drawn from a [`Source`]. Must never emit bytes (that is `asm.rs`).

use super::*;

const POPULAR: [Reg; 8] = [8, 9, 10, 11, 12, 13, 14, 15];
const SP: Reg = 2;

pub(super) struct Gen<'s, 'a> {
    config: Config,
    src: &'s mut Source<'a>,
}

impl<'s, 'a> Gen<'s, 'a> {
    pub(super) fn new(config: Config, src: &'s mut Source<'a>) -> Gen<'s, 'a> {
        Gen { config, src }
    }

    fn rv64(&self) -> bool {
        self.config.xlen == Xlen::X64
    }

    pub(super) fn case(&mut self) -> Case {
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
