//! A seeded generator of random, verified IR modules for differential testing.
//!
//! Programs use every instruction kind, both types, trapping and non-trapping arithmetic, loads and
//! stores into a scratch region (and now and then a wild address), globals, direct, indirect and host
//! calls, marks, multi-way branches and bounded loops. Calls only go to later functions and every back
//! edge is guarded by its own counter, so every program terminates.

use causeway_engine::ir::*;

/// xorshift64*: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const SCRATCH: u64 = 0x10000;
const INTERESTING: [i64; 12] = [
    0,
    1,
    -1,
    2,
    7,
    31,
    32,
    63,
    i32::MIN as i64,
    i32::MAX as i64,
    i64::MIN,
    i64::MAX,
];

struct FuncGen<'a> {
    rng: &'a mut Rng,
    sigs: &'a [Signature],
    index: usize,
    vars: Vec<Type>,
    /// Loop counters: never written by random instructions.
    counters: Vec<Var>,
    next_loc: u64,
}

impl FuncGen<'_> {
    fn var_of(&mut self, ty: Type) -> Var {
        let candidates: Vec<u32> = (0..self.vars.len() as u32)
            .filter(|&i| self.vars[i as usize] == ty && !self.counters.contains(&Var(i)))
            .collect();
        Var(self.rng.pick(&candidates))
    }
    fn any_var(&mut self) -> Var {
        let ty = if self.rng.chance(50) { Type::I64 } else { Type::I32 };
        self.var_of(ty)
    }
    fn imm(&mut self) -> i64 {
        if self.rng.chance(50) {
            self.rng.pick(&INTERESTING)
        } else {
            self.rng.below(200) as i64 - 100
        }
    }
    fn operand(&mut self, ty: Type) -> Operand {
        if self.rng.chance(25) {
            let i = self.imm();
            Operand::Imm(normalize(ty, i))
        } else {
            Operand::Var(self.var_of(ty))
        }
    }
    fn loc(&mut self) -> Option<SourceLoc> {
        self.next_loc += 4;
        self.rng
            .chance(70)
            .then_some(SourceLoc((self.index as u64) << 16 | self.next_loc))
    }
    fn addr(&mut self, width: MemWidth) -> (Operand, i32) {
        if self.rng.chance(95) {
            let off = self.rng.below(0x1000 - width.bytes() as u64);
            let split = self.rng.below(16) as i64;
            (Operand::Imm((SCRATCH + off) as i64 - split), split as i32)
        } else {
            (
                Operand::Var(self.var_of(Type::I32)),
                self.rng.below(64) as i32 - 32,
            )
        }
    }

    fn inst(&mut self) -> InstKind {
        let dst_ty = if self.rng.chance(50) { Type::I64 } else { Type::I32 };
        match self.rng.below(20) {
            0 => InstKind::Const {
                dst: self.var_of(dst_ty),
                imm: {
                    let i = self.imm();
                    normalize(dst_ty, i)
                },
            },
            1 => InstKind::Copy {
                dst: self.var_of(dst_ty),
                src: self.operand(dst_ty),
            },
            2..=7 => {
                let op = self.rng.pick(&BinOp::ALL);
                let traps_on_zero = matches!(op, BinOp::DivS | BinOp::DivU | BinOp::RemS | BinOp::RemU);
                // Variables start at zero: mostly divide by a nonzero constant so runs go on.
                let b = if traps_on_zero && self.rng.chance(97) {
                    Operand::Imm(normalize(
                        dst_ty,
                        self.rng.pick(&[1, -1, 2, 3, 7, -9, 1000, i64::MAX]),
                    ))
                } else {
                    self.operand(dst_ty)
                };
                InstKind::Binary {
                    op,
                    dst: self.var_of(dst_ty),
                    a: self.operand(dst_ty),
                    b,
                }
            }
            8 => loop {
                let op = self.rng.pick(&UnOp::ALL);
                if let Some(aty) = op.operand_type(dst_ty) {
                    break InstKind::Unary {
                        op,
                        dst: self.var_of(dst_ty),
                        a: self.operand(aty),
                    };
                }
            },
            9 => {
                let ty = if self.rng.chance(50) { Type::I64 } else { Type::I32 };
                let a = Operand::Var(self.var_of(ty));
                InstKind::Icmp {
                    cond: self.rng.pick(&Cond::ALL),
                    dst: self.var_of(dst_ty),
                    a,
                    b: self.operand(ty),
                }
            }
            10 => {
                let c = self.any_var();
                InstKind::Select {
                    dst: self.var_of(dst_ty),
                    cond: Operand::Var(c),
                    a: self.operand(dst_ty),
                    b: self.operand(dst_ty),
                }
            }
            11 | 12 => {
                let mut width = self.rng.pick(&MemWidth::ALL);
                if dst_ty == Type::I32 && width == MemWidth::B64 {
                    width = MemWidth::U32;
                }
                let (addr, offset) = self.addr(width);
                InstKind::Load {
                    width,
                    dst: self.var_of(dst_ty),
                    addr,
                    offset,
                }
            }
            13 | 14 => {
                let bytes = if dst_ty == Type::I64 {
                    self.rng.pick(&[1, 2, 4, 8])
                } else {
                    self.rng.pick(&[1, 2, 4])
                };
                let width = MemWidth::store_of_bytes(bytes).unwrap();
                let (addr, offset) = self.addr(width);
                // A store narrower than 8 bytes reads an immediate value at i32.
                let vty = if bytes == 8 { Type::I64 } else { dst_ty };
                let value = match self.operand(vty) {
                    Operand::Imm(i) if bytes < 8 => Operand::Imm(normalize(Type::I32, i)),
                    v => v,
                };
                InstKind::Store {
                    width,
                    addr,
                    offset,
                    value,
                }
            }
            15 => {
                if self.rng.chance(50) {
                    InstKind::GlobalGet {
                        dst: self.var_of(Type::I64),
                        global: GlobalId(0),
                    }
                } else {
                    InstKind::GlobalSet {
                        global: GlobalId(1),
                        value: self.operand(Type::I32),
                    }
                }
            }
            16 if self.index + 1 < self.sigs.len() => {
                let callee =
                    self.index + 1 + self.rng.below((self.sigs.len() - self.index - 1) as u64) as usize;
                let sig = self.sigs[callee].clone();
                let args = sig.params.iter().map(|&t| self.operand(t)).collect();
                let mut dsts: Vec<Var> = Vec::new();
                for &t in &sig.results {
                    let mut d = self.var_of(t);
                    while dsts.contains(&d) {
                        d = self.var_of(t);
                    }
                    dsts.push(d);
                }
                if self.rng.chance(50) {
                    InstKind::Call {
                        func: FuncId(callee as u32),
                        args,
                        dsts,
                    }
                } else {
                    // Mostly the right table slot; sometimes a wrong one or one out of range.
                    let index = if self.rng.chance(85) {
                        callee as i64
                    } else {
                        self.rng.below(self.sigs.len() as u64 + 2) as i64
                    };
                    InstKind::CallIndirect {
                        sig,
                        index: Operand::Imm(index),
                        args,
                        dsts,
                    }
                }
            }
            17 => InstKind::HostCall {
                import: ImportId(0),
                args: vec![self.operand(Type::I64), self.operand(Type::I64)],
                dsts: vec![self.var_of(Type::I64)],
            },
            _ => InstKind::Mark,
        }
    }

    fn function(&mut self, sig: &Signature) -> Function {
        self.vars = sig.params.clone();
        self.vars.extend([Type::I64; 5]);
        self.vars.extend([Type::I32; 4]);
        let n_blocks = 2 + self.rng.below(7) as usize;
        let mut blocks = Vec::new();
        let mut init = Vec::new();
        let mut loops = Vec::new(); // (from, to, counter)
        for from in 1..n_blocks {
            if self.rng.chance(35) {
                let to = 1 + self.rng.below(from as u64) as usize;
                let counter = Var(self.vars.len() as u32);
                self.vars.push(Type::I64);
                self.counters.push(counter);
                init.push(Inst {
                    kind: InstKind::Const {
                        dst: counter,
                        imm: 1 + self.rng.below(6) as i64,
                    },
                    loc: None,
                });
                loops.push((from, to, counter));
            }
        }
        for b in 0..n_blocks {
            let mut insts = if b == 0 { init.clone() } else { Vec::new() };
            for _ in 0..self.rng.below(9) {
                let kind = self.inst();
                let loc = self.loc();
                insts.push(Inst { kind, loc });
            }
            let ret = |g: &mut Self| Terminator::Return(sig.results.iter().map(|&t| g.operand(t)).collect());
            let later =
                |g: &mut Self| BlockId((b + 1 + g.rng.below((n_blocks - b - 1) as u64) as usize) as u32);
            let term = if let Some(&(_, to, counter)) = loops.iter().find(|l| l.0 == b) {
                // Back edge guarded by its counter: counter -= 1; brif counter > 0 -> header.
                let flag = self.var_of(Type::I32);
                insts.push(Inst {
                    kind: InstKind::Binary {
                        op: BinOp::Sub,
                        dst: counter,
                        a: Operand::Var(counter),
                        b: Operand::Imm(1),
                    },
                    loc: None,
                });
                insts.push(Inst {
                    kind: InstKind::Icmp {
                        cond: Cond::GtS,
                        dst: flag,
                        a: Operand::Var(counter),
                        b: Operand::Imm(0),
                    },
                    loc: None,
                });
                let exit = if b + 1 < n_blocks {
                    later(self)
                } else {
                    BlockId(b as u32)
                };
                if exit.0 as usize == b {
                    // The last block loops back or returns.
                    let ret_block = BlockId(n_blocks as u32);
                    blocks.push(Block {
                        insts,
                        term: Terminator::Brif {
                            cond: Operand::Var(flag),
                            then: BlockId(to as u32),
                            else_: ret_block,
                        },
                        term_loc: None,
                        on_interrupt: None,
                    });
                    let t = ret(self);
                    blocks.push(Block {
                        insts: Vec::new(),
                        term: t,
                        term_loc: None,
                        on_interrupt: None,
                    });
                    continue;
                }
                Terminator::Brif {
                    cond: Operand::Var(flag),
                    then: BlockId(to as u32),
                    else_: exit,
                }
            } else if b + 1 == n_blocks {
                if self.rng.chance(5) {
                    Terminator::Trap(TrapCode::User(self.rng.below(3) as u16))
                } else {
                    ret(self)
                }
            } else {
                match self.rng.below(10) {
                    0..=3 => Terminator::Jump(later(self)),
                    4..=7 => {
                        let c = self.any_var();
                        Terminator::Brif {
                            cond: Operand::Var(c),
                            then: later(self),
                            else_: later(self),
                        }
                    }
                    8 => {
                        let idx = self.any_var();
                        let targets = (0..self.rng.below(4)).map(|_| later(self)).collect();
                        Terminator::BrTable {
                            index: Operand::Var(idx),
                            targets,
                            default: later(self),
                        }
                    }
                    _ => ret(self),
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
        Function {
            name: format!("f{}", self.index),
            sig: sig.clone(),
            vars: self.vars.clone(),
            blocks,
        }
    }
}

/// A random module whose entry point is `f0`, taking no parameters.
pub fn random_module(seed: u64) -> Module {
    random_module_with(seed, 1)
}

/// A random module of at least `min_funcs` functions (up to three more), entry point `f0`: many
/// functions make a module large enough for the JIT to compile it on worker threads.
pub fn random_module_with(seed: u64, min_funcs: usize) -> Module {
    let mut rng = Rng::new(seed);
    let n_funcs = min_funcs + rng.below(4) as usize;
    let mut sigs = Vec::new();
    for i in 0..n_funcs {
        let n_params = if i == 0 { 0 } else { rng.below(4) as usize };
        let params = (0..n_params)
            .map(|_| if rng.chance(50) { Type::I64 } else { Type::I32 })
            .collect();
        let results = (0..1 + rng.below(2))
            .map(|_| if rng.chance(50) { Type::I64 } else { Type::I32 })
            .collect();
        sigs.push(Signature { params, results });
    }
    let mut funcs = Vec::new();
    for i in 0..n_funcs {
        let mut g = FuncGen {
            rng: &mut rng,
            sigs: &sigs,
            index: i,
            vars: Vec::new(),
            counters: Vec::new(),
            next_loc: 0,
        };
        let sig = sigs[i].clone();
        funcs.push(g.function(&sig));
    }
    Module {
        memory: MemoryDecl {
            addr: AddrWidth::A32,
            regions: vec![
                RegionDecl {
                    base: SCRATCH,
                    size: 0x1000,
                    rights: Rights::ReadWrite,
                },
                RegionDecl {
                    base: SCRATCH + 0x1000,
                    size: 0x1000,
                    rights: Rights::Read,
                },
            ],
            data: vec![DataInit {
                addr: SCRATCH,
                bytes: (0..64u8).map(|b| b.wrapping_mul(37)).collect(),
            }],
        },
        metering: if rng.chance(50) {
            Metering::PerInst
        } else {
            Metering::PerMark
        },
        globals: vec![
            Global {
                ty: Type::I64,
                init: 5,
            },
            Global {
                ty: Type::I32,
                init: -3,
            },
        ],
        imports: vec![Import {
            name: "observe".into(),
            kind: ImportKind::Effect,
            sig: Signature {
                params: vec![Type::I64, Type::I64],
                results: vec![Type::I64],
            },
        }],
        table: (0..n_funcs as u32).map(FuncId).collect(),
        funcs,
        dynamic: None,
    }
}
