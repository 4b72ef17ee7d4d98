//! The shared IR: a small typed register IR that both front ends (TEL, RISC-V) lower to.
//!
//! A [`Module`] holds functions, host imports, globals, an indirect-call table and the guest memory layout.
//! A [`Function`] is a list of basic blocks over typed *variables* (registers that may be assigned many
//! times; the JIT turns them into SSA with cranelift-frontend). Variables start at zero.
//! Every instruction's semantics is explicit (wrapping vs checked vs RISC-V-style division) so that the
//! interpreter and the JIT cannot disagree by accident.
//!
//! This module owns only the data types. It must never know TEL or RISC-V, nor native code.

pub mod builder;
pub mod parse;
pub mod print;
pub mod verify;

use std::fmt;

/// A value type. Guest integers are 32 or 64 bits wide; narrower data exists only in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    I32,
    I64,
}

impl Type {
    pub fn bits(self) -> u32 {
        match self {
            Type::I32 => 32,
            Type::I64 => 64,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Type::I32 => "i32",
            Type::I64 => "i64",
        }
    }
}

/// A variable (register) of a function, `v0`, `v1`, ... Parameters are the first variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(pub u32);

/// A basic block of a function, `block0` is the entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

/// A function of the module, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);

/// A host import of the module, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImportId(pub u32);

/// A global of the module, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalId(pub u32);

/// An instruction input: a variable or an immediate (interpreted at the instruction's type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    Var(Var),
    Imm(i64),
}

impl From<Var> for Operand {
    fn from(v: Var) -> Self {
        Operand::Var(v)
    }
}

/// Where in the guest program an instruction comes from: a RISC-V pc or a TEL source offset.
/// The engine never interprets it; it reports it in traps, breakpoints and the debugger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceLoc(pub u64);

/// Binary integer operations. Both operands and the result have the destination's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// Wrapping arithmetic.
    Add,
    Sub,
    Mul,
    /// Signed arithmetic that traps with `IntegerOverflow` on overflow.
    AddChecked,
    SubChecked,
    MulChecked,
    /// High half of the double-width product (signed×signed, unsigned×unsigned, signed×unsigned).
    MulHighS,
    MulHighU,
    MulHighSU,
    /// Trapping division: x/0 traps `DivisionByZero`, MIN/-1 traps `IntegerOverflow`.
    /// Truncates toward zero; the remainder takes the sign of the dividend.
    DivS,
    DivU,
    RemS,
    RemU,
    /// RISC-V division: x/0 = -1 (all ones), x%0 = x, MIN/-1 = MIN, MIN%-1 = 0. Never traps.
    DivSRv,
    DivURv,
    RemSRv,
    RemURv,
    And,
    Or,
    Xor,
    /// Shifts take the amount modulo the bit width.
    Shl,
    ShrU,
    ShrS,
}

impl BinOp {
    pub const ALL: [BinOp; 23] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::AddChecked,
        BinOp::SubChecked,
        BinOp::MulChecked,
        BinOp::MulHighS,
        BinOp::MulHighU,
        BinOp::MulHighSU,
        BinOp::DivS,
        BinOp::DivU,
        BinOp::RemS,
        BinOp::RemU,
        BinOp::DivSRv,
        BinOp::DivURv,
        BinOp::RemSRv,
        BinOp::RemURv,
        BinOp::And,
        BinOp::Or,
        BinOp::Xor,
        BinOp::Shl,
        BinOp::ShrU,
        BinOp::ShrS,
    ];
    pub fn name(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::AddChecked => "add_checked",
            BinOp::SubChecked => "sub_checked",
            BinOp::MulChecked => "mul_checked",
            BinOp::MulHighS => "mulh_s",
            BinOp::MulHighU => "mulh_u",
            BinOp::MulHighSU => "mulh_su",
            BinOp::DivS => "div_s",
            BinOp::DivU => "div_u",
            BinOp::RemS => "rem_s",
            BinOp::RemU => "rem_u",
            BinOp::DivSRv => "div_s_rv",
            BinOp::DivURv => "div_u_rv",
            BinOp::RemSRv => "rem_s_rv",
            BinOp::RemURv => "rem_u_rv",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Xor => "xor",
            BinOp::Shl => "shl",
            BinOp::ShrU => "shr_u",
            BinOp::ShrS => "shr_s",
        }
    }
    pub fn from_name(s: &str) -> Option<BinOp> {
        BinOp::ALL.into_iter().find(|op| op.name() == s)
    }
}

/// Unary operations and conversions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// i32 -> i64, sign- or zero-extending.
    ExtendS,
    ExtendU,
    /// i64 -> i32, keeping the low bits.
    Wrap,
    /// Same type: sign- or zero-extend the low 8/16/32 bits.
    Sext8,
    Sext16,
    Sext32,
    Zext8,
    Zext16,
    Zext32,
}

impl UnOp {
    pub const ALL: [UnOp; 9] = [
        UnOp::ExtendS,
        UnOp::ExtendU,
        UnOp::Wrap,
        UnOp::Sext8,
        UnOp::Sext16,
        UnOp::Sext32,
        UnOp::Zext8,
        UnOp::Zext16,
        UnOp::Zext32,
    ];
    pub fn name(self) -> &'static str {
        match self {
            UnOp::ExtendS => "extend_s",
            UnOp::ExtendU => "extend_u",
            UnOp::Wrap => "wrap",
            UnOp::Sext8 => "sext8",
            UnOp::Sext16 => "sext16",
            UnOp::Sext32 => "sext32",
            UnOp::Zext8 => "zext8",
            UnOp::Zext16 => "zext16",
            UnOp::Zext32 => "zext32",
        }
    }
    pub fn from_name(s: &str) -> Option<UnOp> {
        UnOp::ALL.into_iter().find(|op| op.name() == s)
    }
    /// The operand type this operation requires given its result type, or `None` if the pair is invalid.
    pub fn operand_type(self, result: Type) -> Option<Type> {
        match (self, result) {
            (UnOp::ExtendS | UnOp::ExtendU, Type::I64) => Some(Type::I32),
            (UnOp::Wrap, Type::I32) => Some(Type::I64),
            (UnOp::Sext8 | UnOp::Sext16 | UnOp::Zext8 | UnOp::Zext16, t) => Some(t),
            (UnOp::Sext32 | UnOp::Zext32, Type::I64) => Some(Type::I64),
            _ => None,
        }
    }
}

/// Integer comparison conditions. The result is 1 or 0 in the destination's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    Eq,
    Ne,
    LtS,
    LeS,
    GtS,
    GeS,
    LtU,
    LeU,
    GtU,
    GeU,
}

impl Cond {
    pub const ALL: [Cond; 10] = [
        Cond::Eq,
        Cond::Ne,
        Cond::LtS,
        Cond::LeS,
        Cond::GtS,
        Cond::GeS,
        Cond::LtU,
        Cond::LeU,
        Cond::GtU,
        Cond::GeU,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Cond::Eq => "eq",
            Cond::Ne => "ne",
            Cond::LtS => "lt_s",
            Cond::LeS => "le_s",
            Cond::GtS => "gt_s",
            Cond::GeS => "ge_s",
            Cond::LtU => "lt_u",
            Cond::LeU => "le_u",
            Cond::GtU => "gt_u",
            Cond::GeU => "ge_u",
        }
    }
    pub fn from_name(s: &str) -> Option<Cond> {
        Cond::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// Width and extension of a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemWidth {
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    B64,
}

impl MemWidth {
    pub const ALL: [MemWidth; 7] = [
        MemWidth::S8,
        MemWidth::U8,
        MemWidth::S16,
        MemWidth::U16,
        MemWidth::S32,
        MemWidth::U32,
        MemWidth::B64,
    ];
    pub fn bytes(self) -> u32 {
        match self {
            MemWidth::S8 | MemWidth::U8 => 1,
            MemWidth::S16 | MemWidth::U16 => 2,
            MemWidth::S32 | MemWidth::U32 => 4,
            MemWidth::B64 => 8,
        }
    }
    pub fn signed(self) -> bool {
        matches!(self, MemWidth::S8 | MemWidth::S16 | MemWidth::S32)
    }
    pub fn name(self) -> &'static str {
        match self {
            MemWidth::S8 => "s8",
            MemWidth::U8 => "u8",
            MemWidth::S16 => "s16",
            MemWidth::U16 => "u16",
            MemWidth::S32 => "s32",
            MemWidth::U32 => "u32",
            MemWidth::B64 => "64",
        }
    }
    pub fn from_name(s: &str) -> Option<MemWidth> {
        MemWidth::ALL.into_iter().find(|w| w.name() == s)
    }
    /// Stores only care about the width; this is the canonical store spelling for `bytes`.
    pub fn store_of_bytes(bytes: u32) -> Option<MemWidth> {
        match bytes {
            1 => Some(MemWidth::U8),
            2 => Some(MemWidth::U16),
            4 => Some(MemWidth::U32),
            8 => Some(MemWidth::B64),
            _ => None,
        }
    }
}

/// Why guest code trapped. Traps end a run; they are not resumable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrapCode {
    /// A load or store outside the regions granted with the needed rights.
    MemoryAccess,
    DivisionByZero,
    IntegerOverflow,
    /// `call_indirect` with a table index out of range.
    BadIndirectTarget,
    /// `call_indirect` whose target has another signature.
    IndirectSignatureMismatch,
    /// Call depth beyond the configured limit, or the guest stack's guard page.
    StackOverflow,
    /// An `unreachable` trap instruction.
    Unreachable,
    /// A front end's trap for an instruction it cannot execute (RISC-V illegal instruction).
    IllegalInstruction,
    /// A front-end-defined trap code.
    User(u16),
}

impl TrapCode {
    pub fn name(self) -> String {
        match self {
            TrapCode::MemoryAccess => "memory_access".into(),
            TrapCode::DivisionByZero => "division_by_zero".into(),
            TrapCode::IntegerOverflow => "integer_overflow".into(),
            TrapCode::BadIndirectTarget => "bad_indirect_target".into(),
            TrapCode::IndirectSignatureMismatch => "indirect_signature_mismatch".into(),
            TrapCode::StackOverflow => "stack_overflow".into(),
            TrapCode::Unreachable => "unreachable".into(),
            TrapCode::IllegalInstruction => "illegal_instruction".into(),
            TrapCode::User(n) => format!("user{n}"),
        }
    }
    pub fn from_name(s: &str) -> Option<TrapCode> {
        Some(match s {
            "memory_access" => TrapCode::MemoryAccess,
            "division_by_zero" => TrapCode::DivisionByZero,
            "integer_overflow" => TrapCode::IntegerOverflow,
            "bad_indirect_target" => TrapCode::BadIndirectTarget,
            "indirect_signature_mismatch" => TrapCode::IndirectSignatureMismatch,
            "stack_overflow" => TrapCode::StackOverflow,
            "unreachable" => TrapCode::Unreachable,
            "illegal_instruction" => TrapCode::IllegalInstruction,
            _ => TrapCode::User(s.strip_prefix("user")?.parse().ok()?),
        })
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A function signature: parameter and result types.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Signature {
    pub params: Vec<Type>,
    pub results: Vec<Type>,
}

/// One non-terminator instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstKind {
    /// `dst = iconst IMM` (the immediate is truncated to dst's type).
    Const { dst: Var, imm: i64 },
    /// `dst = copy a`
    Copy { dst: Var, src: Operand },
    /// `dst = OP a, b`
    Binary {
        op: BinOp,
        dst: Var,
        a: Operand,
        b: Operand,
    },
    /// `dst = OP a`
    Unary { op: UnOp, dst: Var, a: Operand },
    /// `dst = icmp COND a, b` — compares at the operands' type (the type of a variable operand; both
    /// immediates compare as i64); dst gets 1 or 0.
    Icmp {
        cond: Cond,
        dst: Var,
        a: Operand,
        b: Operand,
    },
    /// `dst = select c, a, b` — a if c != 0 else b.
    Select {
        dst: Var,
        cond: Operand,
        a: Operand,
        b: Operand,
    },
    /// `dst = load.W [addr + offset]` — guest memory; the result is extended to dst's type.
    Load {
        width: MemWidth,
        dst: Var,
        addr: Operand,
        offset: i32,
    },
    /// `store.W [addr + offset], value` — stores the low `W` bits of value.
    Store {
        width: MemWidth,
        addr: Operand,
        offset: i32,
        value: Operand,
    },
    /// `dst = global.get gN`
    GlobalGet { dst: Var, global: GlobalId },
    /// `global.set gN, value`
    GlobalSet { global: GlobalId, value: Operand },
    /// `d0, d1 = call @f(args)`
    Call {
        func: FuncId,
        args: Vec<Operand>,
        dsts: Vec<Var>,
    },
    /// `d0 = call_indirect SIG, index(args)` — index into the module's table; the target's signature
    /// must equal `sig`.
    CallIndirect {
        sig: Signature,
        index: Operand,
        args: Vec<Operand>,
        dsts: Vec<Var>,
    },
    /// `d0 = call_dyn slot(args)` — calls the function of a dynamic slot (see [`DynamicDecl`]): the
    /// embedder's resolver produces it the first time the slot is called. A slot beyond the
    /// declared count traps `bad_indirect_target`.
    CallDyn {
        slot: Operand,
        args: Vec<Operand>,
        dsts: Vec<Var>,
    },
    /// `d0 = hostcall @import(args)` — an effect or a runtime helper provided by the embedder.
    HostCall {
        import: ImportId,
        args: Vec<Operand>,
        dsts: Vec<Var>,
    },
    /// `dst = depth` — the current call depth (1 in the function the host called), an `i64`.
    /// Front ends that turn guest calls into IR calls use it to stay below the depth limit.
    Depth { dst: Var },
    /// `mark` — a guest instruction boundary: a breakpoint/step site in debuggable code, free in normal
    /// code. Under `Metering::PerMark` it is what fuel counts.
    Mark,
}

/// An instruction with its optional guest location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inst {
    pub kind: InstKind,
    pub loc: Option<SourceLoc>,
}

/// How a block ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Terminator {
    Jump(BlockId),
    /// To `then` if cond != 0, else to `else_`.
    Brif {
        cond: Operand,
        then: BlockId,
        else_: BlockId,
    },
    /// `targets[index]` if index (unsigned) is in range, else `default`.
    BrTable {
        index: Operand,
        targets: Vec<BlockId>,
        default: BlockId,
    },
    Return(Vec<Operand>),
    Trap(TrapCode),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub insts: Vec<Inst>,
    pub term: Terminator,
    /// The terminator's guest location.
    pub term_loc: Option<SourceLoc>,
    /// Only on a check point (`crate::fuel`): where control goes, instead of stopping, when the
    /// check finds an interrupt pending. The block's cost is refunded and the interrupt stays
    /// pending, so that a check point further out (one without an exit) stops the run. A front end
    /// uses it to leave code that holds state in variables, with the state written back, before
    /// the run stops (RISC-V regions: so that an interrupted guest has its whole state in globals).
    /// The exit block must end the function (`return` or `trap`) and be no check point itself.
    pub on_interrupt: Option<BlockId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub sig: Signature,
    /// Types of all variables; the first `sig.params.len()` are the parameters.
    pub vars: Vec<Type>,
    /// `blocks[0]` is the entry.
    pub blocks: Vec<Block>,
}

impl Function {
    pub fn var_type(&self, v: Var) -> Option<Type> {
        self.vars.get(v.0 as usize).copied()
    }
    pub fn params(&self) -> impl Iterator<Item = Var> {
        (0..self.sig.params.len() as u32).map(Var)
    }
}

/// Whether an import is an effect (may suspend the run and hand control to the embedder) or a runtime
/// helper (a synchronous call into the embedder, e.g. TEL's allocator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Effect,
    Helper,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub name: String,
    pub kind: ImportKind,
    pub sig: Signature,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Global {
    pub ty: Type,
    pub init: i64,
}

/// Guest address width: 32-bit guests get a 4 GiB reservation and no bounds checks; 64-bit guests
/// get an explicit bounds check against `size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrWidth {
    A32,
    A64 { size: u64 },
}

/// Access rights of a guest memory region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rights {
    None,
    Read,
    ReadWrite,
}

impl Rights {
    pub fn name(self) -> &'static str {
        match self {
            Rights::None => "none",
            Rights::Read => "r",
            Rights::ReadWrite => "rw",
        }
    }
    pub fn from_name(s: &str) -> Option<Rights> {
        match s {
            "none" => Some(Rights::None),
            "r" => Some(Rights::Read),
            "rw" => Some(Rights::ReadWrite),
            _ => None,
        }
    }
}

/// A region of guest memory that exists when an instance starts (base and size page-aligned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionDecl {
    pub base: u64,
    pub size: u64,
    pub rights: Rights,
}

/// Bytes written into guest memory when an instance starts (before rights are applied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataInit {
    pub addr: u64,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryDecl {
    pub addr: AddrWidth,
    pub regions: Vec<RegionDecl>,
    pub data: Vec<DataInit>,
}

impl Default for MemoryDecl {
    fn default() -> Self {
        MemoryDecl {
            addr: AddrWidth::A32,
            regions: Vec::new(),
            data: Vec::new(),
        }
    }
}

/// What one unit of fuel pays for (see `crate::fuel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Metering {
    /// Every instruction and terminator costs 1 (`mark` costs 0). TEL uses this.
    #[default]
    PerInst,
    /// Only `mark` costs 1: one unit per guest instruction. RISC-V uses this.
    PerMark,
}

/// Functions produced while the module runs: slot `i` of `0..slots` holds the function the
/// instance's resolver returns for `i`, made the first time a `call_dyn` reaches it. This is how a
/// front end translates lazily (RISC-V: one slot per possible guest pc). A dynamic function has
/// signature `sig` and may use every instruction but `call` and `call_indirect` (it is compiled
/// apart from the module's functions, so it reaches other code through `call_dyn` only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamicDecl {
    pub slots: u64,
    pub sig: Signature,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Module {
    pub memory: MemoryDecl,
    pub metering: Metering,
    pub globals: Vec<Global>,
    pub imports: Vec<Import>,
    pub funcs: Vec<Function>,
    /// The indirect-call table: `call_indirect` indexes it.
    pub table: Vec<FuncId>,
    /// Lazily resolved functions, if the front end uses `call_dyn`.
    pub dynamic: Option<DynamicDecl>,
}

impl Module {
    /// The number of instructions in all functions, terminators included (a measure of how much
    /// work compiling the module is).
    pub fn inst_count(&self) -> usize {
        self.funcs
            .iter()
            .flat_map(|f| &f.blocks)
            .map(|b| b.insts.len() + 1)
            .sum()
    }

    pub fn func_by_name(&self, name: &str) -> Option<FuncId> {
        self.funcs
            .iter()
            .position(|f| f.name == name)
            .map(|i| FuncId(i as u32))
    }
    pub fn import_by_name(&self, name: &str) -> Option<ImportId> {
        self.imports
            .iter()
            .position(|f| f.name == name)
            .map(|i| ImportId(i as u32))
    }
    pub fn func(&self, id: FuncId) -> &Function {
        &self.funcs[id.0 as usize]
    }
}

impl InstKind {
    /// Variables this instruction defines.
    pub fn defs(&self) -> Vec<Var> {
        match self {
            InstKind::Const { dst, .. }
            | InstKind::Copy { dst, .. }
            | InstKind::Binary { dst, .. }
            | InstKind::Unary { dst, .. }
            | InstKind::Icmp { dst, .. }
            | InstKind::Select { dst, .. }
            | InstKind::Load { dst, .. }
            | InstKind::GlobalGet { dst, .. }
            | InstKind::Depth { dst } => vec![*dst],
            InstKind::Call { dsts, .. }
            | InstKind::CallIndirect { dsts, .. }
            | InstKind::CallDyn { dsts, .. }
            | InstKind::HostCall { dsts, .. } => dsts.clone(),
            InstKind::Store { .. } | InstKind::GlobalSet { .. } | InstKind::Mark => Vec::new(),
        }
    }
    /// Operands this instruction reads, in order.
    pub fn uses(&self) -> Vec<Operand> {
        match self {
            InstKind::Const { .. } | InstKind::GlobalGet { .. } | InstKind::Depth { .. } | InstKind::Mark => {
                Vec::new()
            }
            InstKind::Copy { src, .. } => vec![*src],
            InstKind::Binary { a, b, .. } | InstKind::Icmp { a, b, .. } => vec![*a, *b],
            InstKind::Unary { a, .. } => vec![*a],
            InstKind::Select { cond, a, b, .. } => vec![*cond, *a, *b],
            InstKind::Load { addr, .. } => vec![*addr],
            InstKind::Store { addr, value, .. } => vec![*addr, *value],
            InstKind::GlobalSet { value, .. } => vec![*value],
            InstKind::Call { args, .. } | InstKind::HostCall { args, .. } => args.clone(),
            InstKind::CallIndirect {
                index: first, args, ..
            }
            | InstKind::CallDyn {
                slot: first, args, ..
            } => {
                let mut v = vec![*first];
                v.extend(args.iter().copied());
                v
            }
        }
    }
}

impl Terminator {
    pub fn successors(&self) -> Vec<BlockId> {
        match self {
            Terminator::Jump(b) => vec![*b],
            Terminator::Brif { then, else_, .. } => vec![*then, *else_],
            Terminator::BrTable { targets, default, .. } => {
                let mut v = targets.clone();
                v.push(*default);
                v
            }
            Terminator::Return(_) | Terminator::Trap(_) => Vec::new(),
        }
    }
}

/// Truncate/sign-normalize a raw 64-bit value to a type: i32 values are kept sign-extended in an i64.
pub fn normalize(ty: Type, v: i64) -> i64 {
    match ty {
        Type::I32 => v as i32 as i64,
        Type::I64 => v,
    }
}
