//! Bytes → a random, verified IR module that always terminates.
//!
//! The module has `@main() -> (i64)` and a helper `@h(i64, i32) -> (i64, i32)`, a table `[@h, @main]`,
//! two globals, one `helper` import `@mix(i64, i64) -> (i64)`, a 32- or 64-bit address space with one
//! rw region (and a read-only one), and either metering mode. Function bodies use a few i64/i32
//! variables, immediates (with the interesting edge values), every binary/unary/compare operation,
//! selects, loads and stores into the rw region (now and then at its edges, in the read-only region
//! or at a wild address), globals, direct, indirect and host calls, and marks. Control flow is forward
//! branches (`jump`, `brif`, `br_table`, `return`, `trap`) plus up to two counted loops whose back edges
//! are guarded by counters that are never reset, so every run ends. Calls only go from `@main` to `@h`
//! (an indirect call with index 1 reaches `@main` through the table with the wrong signature and
//! traps), so there is no recursion.
//!
//! Every byte choice reads from the input; an exhausted input reads as zeros, which ends the
//! instruction lists, so any input (even empty) gives a valid module.

use causeway_engine::ir::*;
use causeway_engine::jit::{CompileOptions, OptLevel};

/// The rw region every load and store aims at.
pub const REGION: u64 = 0x10000;
pub const REGION_SIZE: u64 = 0x1000;
/// A read-only region (stores there trap).
pub const RO_REGION: u64 = 0x12000;
/// Address-space size of the 64-bit variant.
pub const A64_SIZE: u64 = 0x20000;

/// Variables of both functions: general ones (0..=5), then the address register (whose type is
/// really the address type, see [`FuncGen::function`]), the loop counters and the loop-condition
/// scratch.
const VAR_TYPES: [Type; 10] = [
    Type::I64,
    Type::I32,
    Type::I64,
    Type::I32,
    Type::I64,
    Type::I32,
    Type::I64,
    Type::I64,
    Type::I64,
    Type::I32,
];
const GENERAL: u32 = 6;
const ADDR: Var = Var(6);
const COUNTERS: [Var; 2] = [Var(7), Var(8)];
const LOOP_COND: Var = Var(9);
const MAIN: FuncId = FuncId(0);
const HELPER: FuncId = FuncId(1);
const MIX: ImportId = ImportId(0);

const INTERESTING: [i64; 18] = [
    0,
    1,
    -1,
    2,
    7,
    8,
    31,
    32,
    63,
    64,
    0xff,
    0xffff,
    i32::MIN as i64,
    i32::MAX as i64,
    u32::MAX as i64,
    i64::MIN,
    i64::MAX,
    0x10000,
];

/// A generated test case: the module and how to compile it.
#[derive(Clone, Debug)]
pub struct Case {
    pub module: Module,
    pub opts: CompileOptions,
}

/// Reads choices from the fuzzer's bytes; past the end every read is 0.
struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    fn exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }
    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let v = if n <= 256 {
            self.byte() as usize
        } else {
            u16::from_le_bytes([self.byte(), self.byte()]) as usize
        };
        v % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(std::array::from_fn(|_| self.byte()))
    }
}

struct FuncGen<'r, 'a> {
    r: &'r mut Bytes<'a>,
    addr_ty: Type,
    is_main: bool,
    next_loc: u64,
}

impl FuncGen<'_, '_> {
    fn loc(&mut self) -> Option<SourceLoc> {
        // About half the instructions carry a location; locations are unique and increasing.
        self.next_loc += 4;
        (self.r.below(2) == 0).then_some(SourceLoc(self.next_loc))
    }

    fn var_of(&mut self, ty: Type) -> Var {
        let candidates: Vec<u32> = (0..GENERAL).filter(|&v| VAR_TYPES[v as usize] == ty).collect();
        Var(self.r.pick(&candidates))
    }

    fn any_var(&mut self) -> Var {
        Var(self.r.below(GENERAL as usize) as u32)
    }

    fn imm(&mut self, ty: Type) -> i64 {
        let v = match self.r.below(4) {
            0 => self.r.u64() as i64,
            1 => self.r.below(33) as i64 - 16,
            _ => self.r.pick(&INTERESTING),
        };
        match ty {
            Type::I64 => v,
            // i32 immediates may use the signed or the unsigned spelling of a 32-bit value.
            Type::I32 if verify::imm_fits(Type::I32, v) => v,
            Type::I32 => v as i32 as i64,
        }
    }

    fn operand(&mut self, ty: Type) -> Operand {
        if self.r.below(3) == 0 {
            Operand::Imm(self.imm(ty))
        } else {
            Operand::Var(self.var_of(ty))
        }
    }

    fn any_operand(&mut self) -> Operand {
        if self.r.below(4) == 0 {
            Operand::Imm(self.imm(Type::I64))
        } else {
            Operand::Var(self.any_var())
        }
    }

    fn ty(&mut self) -> Type {
        if self.r.below(2) == 0 {
            Type::I64
        } else {
            Type::I32
        }
    }

    /// Instructions that leave a guest address in an operand, then the operand and the offset.
    fn address(&mut self, out: &mut Vec<InstKind>) -> (Operand, i32) {
        // Mostly well inside the region; now and then straddling or past one of its edges.
        let region_off = if self.r.below(8) == 0 {
            (REGION as i32) + self.r.below(24) as i32 - 8
        } else {
            (REGION as i32) + self.r.below(8) as i32
        };
        match self.r.below(24) {
            // Inside the rw region (or just past its edges): ADDR = (x & 0xfff), at REGION + ~0.
            0..=19 => {
                let src = self.any_var();
                let kind = match (VAR_TYPES[src.0 as usize], self.addr_ty) {
                    (Type::I64, Type::I32) => InstKind::Unary {
                        op: UnOp::Wrap,
                        dst: ADDR,
                        a: src.into(),
                    },
                    (Type::I32, Type::I64) => InstKind::Unary {
                        op: UnOp::ExtendU,
                        dst: ADDR,
                        a: src.into(),
                    },
                    _ => InstKind::Copy {
                        dst: ADDR,
                        src: src.into(),
                    },
                };
                out.push(kind);
                let mask = self
                    .r
                    .pick(&[0xff8, 0xff8, 0xff8, 0xff8, 0xff8, 0xff0, 0xf, 0xfff, 0x1fff]);
                out.push(InstKind::Binary {
                    op: BinOp::And,
                    dst: ADDR,
                    a: ADDR.into(),
                    b: Operand::Imm(mask),
                });
                (ADDR.into(), region_off)
            }
            // The read-only region.
            20 => (Operand::Imm(RO_REGION as i64 + self.r.below(16) as i64), 0),
            // A wild immediate address.
            21 => {
                let a = self.imm(self.addr_ty);
                (
                    Operand::Imm(a),
                    self.r.pick(&[0, 1, -1, 8, i32::MIN, i32::MAX, 0x10000]),
                )
            }
            // Whatever the address register holds.
            _ => (ADDR.into(), region_off),
        }
    }

    /// One instruction (address computations add up to two before a load or store).
    fn insts(&mut self, out: &mut Vec<Inst>) {
        let mut kinds = Vec::new();
        match self.r.below(24) {
            0..=6 => {
                let ty = self.ty();
                let op = self.r.pick(&BinOp::ALL);
                let dst = self.var_of(ty);
                let a = self.operand(ty);
                // Variables start at zero: give trapping divisions a nonzero divisor most of the time.
                let trapping = matches!(op, BinOp::DivS | BinOp::DivU | BinOp::RemS | BinOp::RemU);
                let b = if trapping && self.r.below(4) != 0 {
                    Operand::Imm(self.r.pick(&[1, -1, 2, 3, 7, -8, 255, i32::MAX as i64]))
                } else {
                    self.operand(ty)
                };
                kinds.push(InstKind::Binary { op, dst, a, b });
            }
            7 => {
                let op = self.r.pick(&UnOp::ALL);
                let result = match op {
                    UnOp::ExtendS | UnOp::ExtendU | UnOp::Sext32 | UnOp::Zext32 => Type::I64,
                    UnOp::Wrap => Type::I32,
                    _ => self.ty(),
                };
                let operand_ty = op.operand_type(result).expect("valid unary result type");
                let dst = self.var_of(result);
                let a = self.operand(operand_ty);
                kinds.push(InstKind::Unary { op, dst, a });
            }
            8 => {
                let ty = self.ty();
                let dst = self.var_of(ty);
                let imm = self.imm(ty);
                kinds.push(InstKind::Const { dst, imm });
            }
            9 => {
                let ty = self.ty();
                let dst = self.var_of(ty);
                let src = self.operand(ty);
                kinds.push(InstKind::Copy { dst, src });
            }
            10 | 11 => {
                let cond = self.r.pick(&Cond::ALL);
                let dst = self.any_var();
                let ty = self.ty();
                let (a, b) = (self.operand(ty), self.operand(ty));
                kinds.push(InstKind::Icmp { cond, dst, a, b });
            }
            12 => {
                let ty = self.ty();
                let dst = self.var_of(ty);
                let cond = self.any_operand();
                let (a, b) = (self.operand(ty), self.operand(ty));
                kinds.push(InstKind::Select { dst, cond, a, b });
            }
            13 | 14 => {
                let width = self.r.pick(&MemWidth::ALL);
                let ty = if width.bytes() == 8 { Type::I64 } else { self.ty() };
                let dst = self.var_of(ty);
                let (addr, offset) = self.address(&mut kinds);
                kinds.push(InstKind::Load {
                    width,
                    dst,
                    addr,
                    offset,
                });
            }
            15 | 16 => {
                let bytes = self.r.pick(&[1, 2, 4, 8]);
                let width = MemWidth::store_of_bytes(bytes).expect("store width");
                let value = if bytes == 8 {
                    self.operand(Type::I64)
                } else if self.r.below(3) == 0 {
                    Operand::Imm(self.imm(Type::I32))
                } else {
                    Operand::Var(self.any_var())
                };
                let (addr, offset) = self.address(&mut kinds);
                kinds.push(InstKind::Store {
                    width,
                    addr,
                    offset,
                    value,
                });
            }
            17 => {
                let global = GlobalId(self.r.below(2) as u32);
                let ty = if global.0 == 0 { Type::I64 } else { Type::I32 };
                if self.r.below(2) == 0 {
                    let dst = self.var_of(ty);
                    kinds.push(InstKind::GlobalGet { dst, global });
                } else {
                    let value = self.operand(ty);
                    kinds.push(InstKind::GlobalSet { global, value });
                }
            }
            18 if self.is_main => {
                let args = vec![self.operand(Type::I64), self.operand(Type::I32)];
                let dsts = vec![self.var_of(Type::I64), self.var_of(Type::I32)];
                kinds.push(InstKind::Call {
                    func: HELPER,
                    args,
                    dsts,
                });
            }
            19 if self.is_main => {
                let sig = helper_sig();
                let index = if self.r.below(2) == 0 {
                    Operand::Imm(self.r.pick(&[0, 0, 0, 0, 1, 2, -1, i64::MIN]))
                } else {
                    Operand::Var(self.any_var())
                };
                let args = vec![self.operand(Type::I64), self.operand(Type::I32)];
                let dsts = vec![self.var_of(Type::I64), self.var_of(Type::I32)];
                kinds.push(InstKind::CallIndirect {
                    sig,
                    index,
                    args,
                    dsts,
                });
            }
            20 => {
                let args = vec![self.operand(Type::I64), self.operand(Type::I64)];
                let dsts = vec![self.var_of(Type::I64)];
                kinds.push(InstKind::HostCall {
                    import: MIX,
                    args,
                    dsts,
                });
            }
            _ => kinds.push(InstKind::Mark),
        }
        for kind in kinds {
            let loc = self.loc();
            out.push(Inst { kind, loc });
        }
    }

    fn returns(&mut self) -> Terminator {
        if self.is_main {
            Terminator::Return(vec![self.operand(Type::I64)])
        } else {
            Terminator::Return(vec![self.operand(Type::I64), self.operand(Type::I32)])
        }
    }

    fn forward(&mut self, from: usize, n: usize) -> BlockId {
        BlockId((from + 1 + self.r.below(n - from - 1)) as u32)
    }

    fn function(&mut self, name: &str, sig: Signature) -> Function {
        let n_blocks = 1 + self.r.below(8);
        // Loops: (header, latch) pairs; the latch's terminator is the guarded back edge.
        let mut loops: Vec<(usize, usize)> = Vec::new();
        if n_blocks >= 2 {
            for _ in 0..self.r.below(3) {
                let latch = self.r.below(n_blocks - 1);
                let header = self.r.below(latch + 1);
                if loops.iter().all(|&(_, l)| l != latch) {
                    loops.push((header, latch));
                }
            }
        }
        let mut blocks = Vec::with_capacity(n_blocks);
        for i in 0..n_blocks {
            let mut insts = Vec::new();
            let n_insts = self.r.below(12);
            for _ in 0..n_insts {
                if self.r.exhausted() {
                    break;
                }
                self.insts(&mut insts);
            }
            let term = if let Some(k) = loops.iter().position(|&(_, l)| l == i) {
                let (header, _) = loops[k];
                let counter = COUNTERS[k];
                let limit = 1 + self.r.below(300) as i64;
                for kind in [
                    InstKind::Binary {
                        op: BinOp::Add,
                        dst: counter,
                        a: counter.into(),
                        b: Operand::Imm(1),
                    },
                    InstKind::Icmp {
                        cond: Cond::LtU,
                        dst: LOOP_COND,
                        a: counter.into(),
                        b: Operand::Imm(limit),
                    },
                ] {
                    insts.push(Inst { kind, loc: None });
                }
                Terminator::Brif {
                    cond: LOOP_COND.into(),
                    then: BlockId(header as u32),
                    else_: BlockId(i as u32 + 1),
                }
            } else if i + 1 == n_blocks {
                if self.r.below(32) == 31 {
                    Terminator::Trap(self.r.pick(&[TrapCode::Unreachable, TrapCode::User(7)]))
                } else {
                    self.returns()
                }
            } else {
                match self.r.below(32) {
                    0..=7 => Terminator::Jump(self.forward(i, n_blocks)),
                    8..=19 => {
                        let cond = self.any_operand();
                        let then = self.forward(i, n_blocks);
                        let else_ = self.forward(i, n_blocks);
                        Terminator::Brif { cond, then, else_ }
                    }
                    20..=24 => {
                        let index = self.any_operand();
                        let targets = (0..1 + self.r.below(4))
                            .map(|_| self.forward(i, n_blocks))
                            .collect();
                        let default = self.forward(i, n_blocks);
                        Terminator::BrTable {
                            index,
                            targets,
                            default,
                        }
                    }
                    25..=30 => self.returns(),
                    _ => Terminator::Trap(self.r.pick(&[TrapCode::Unreachable, TrapCode::User(3)])),
                }
            };
            let term_loc = self.loc();
            blocks.push(Block {
                insts,
                term,
                term_loc,
                on_interrupt: None,
            });
        }
        let mut vars = VAR_TYPES.to_vec();
        vars[ADDR.0 as usize] = self.addr_ty;
        Function {
            name: name.into(),
            sig,
            vars,
            blocks,
        }
    }
}

fn helper_sig() -> Signature {
    Signature {
        params: vec![Type::I64, Type::I32],
        results: vec![Type::I64, Type::I32],
    }
}

/// The module and compile options for `data`. Always verifies (a failure is a generator bug).
pub fn generate(data: &[u8]) -> Case {
    let mut r = Bytes { data, pos: 0 };
    let flags = r.byte();
    let opts = CompileOptions {
        opt_level: if flags & 1 == 0 {
            OptLevel::Speed
        } else {
            OptLevel::None
        },
        metered: true,
        debuggable: flags & 6 == 6,
        debug_vars: true,
        keep_text: false,
    };
    let metering = if flags & 8 != 0 {
        Metering::PerMark
    } else {
        Metering::PerInst
    };
    let a64 = flags & 16 != 0;
    let (addr, addr_ty) = if a64 {
        (AddrWidth::A64 { size: A64_SIZE }, Type::I64)
    } else {
        (AddrWidth::A32, Type::I32)
    };
    let mut data_init = Vec::new();
    let n = r.below(17);
    data_init.push(DataInit {
        addr: REGION + r.below(REGION_SIZE as usize - 16) as u64,
        bytes: (0..n).map(|_| r.byte()).collect(),
    });
    data_init.push(DataInit {
        addr: RO_REGION,
        bytes: (0..8).map(|_| r.byte()).collect(),
    });
    let memory = MemoryDecl {
        addr,
        regions: vec![
            RegionDecl {
                base: REGION,
                size: REGION_SIZE,
                rights: Rights::ReadWrite,
            },
            RegionDecl {
                base: RO_REGION,
                size: 0x1000,
                rights: Rights::Read,
            },
        ],
        data: data_init,
    };
    let globals = vec![
        Global {
            ty: Type::I64,
            init: r.pick(&INTERESTING),
        },
        Global {
            ty: Type::I32,
            init: r.pick(&INTERESTING) as i32 as i64,
        },
    ];
    let imports = vec![Import {
        name: "mix".into(),
        kind: ImportKind::Helper,
        sig: Signature {
            params: vec![Type::I64, Type::I64],
            results: vec![Type::I64],
        },
    }];
    let main_sig = Signature {
        params: vec![],
        results: vec![Type::I64],
    };
    let main = FuncGen {
        r: &mut r,
        addr_ty,
        is_main: true,
        next_loc: 0x1000,
    }
    .function("main", main_sig);
    let helper = FuncGen {
        r: &mut r,
        addr_ty,
        is_main: false,
        next_loc: 0x8000,
    }
    .function("h", helper_sig());
    let module = Module {
        memory,
        metering,
        globals,
        imports,
        funcs: vec![main, helper],
        table: vec![HELPER, MAIN],
        dynamic: None,
    };
    Case { module, opts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_gives_a_verified_module() {
        let mut seed = 0x1234_5678_9abc_def0u64;
        for len in 0..2000usize {
            let data: Vec<u8> = (0..len % 700)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let case = generate(&data);
            if let Err(e) = verify::verify_module(&case.module) {
                panic!("{e}\n{}", print::print_module(&case.module));
            }
        }
    }
}
