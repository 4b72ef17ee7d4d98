//! Laying out generated cases as a guest: per case the register setup, the units, the dump of
//! every register and the scratch memory through `write`, then `exit(0)`; encoded (compressed
//! where asked) into an ELF. Must never make random choices (that is `units.rs`).

use super::*;

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
