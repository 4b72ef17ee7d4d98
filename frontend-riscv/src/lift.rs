//! Lifting guest code to IR: one IR function per *region*, the code reachable by direct control
//! flow from one guest pc (see `docs/riscv.md`).
//!
//! A region loads the guest registers it uses from their globals on entry, keeps them in IR
//! variables, and writes back the ones it writes before it leaves: when it returns the next guest
//! pc to its caller, and around calls. A call (`jal`/`jalr` with a link register) is a native
//! `call_dyn` of the callee's region; when that returns the link address, execution continues in
//! this region, otherwise the region returns whatever pc it got. Every guest instruction is a
//! `mark` at its pc, so fuel counts guest instructions and breakpoints sit on guest pcs.
//!
//! This module owns the translation rules of every instruction. It must never decide the memory
//! layout or the system interface (see `program.rs`); it only calls the `ecall` and `counter`
//! imports that the layout declares.

mod atomics;
mod discover;
mod flow;

use crate::inst::{AluOp, BranchCond, CsrOp, CsrSrc, Decoded, Inst, LoadWidth, Reg, StoreWidth, Xlen};
use crate::layout::{Layout, EXIT_PC, IMPORT_COUNTER, IMPORT_ECALL, MAX_NESTED_CALLS};
use causeway_engine::ir::builder::FunctionBuilder;
use causeway_engine::ir::{
    BinOp, BlockId, Cond, Function, GlobalId, MemWidth, Operand, Signature, SourceLoc, TrapCode, Type, UnOp,
    Var,
};
use discover::RegionCode;
use flow::{Flow, RegSet};
use std::collections::HashMap;

/// Most guest instructions in one region: bounds the compile time of a region.
pub const MAX_REGION_INSTS: usize = 2000;
/// Calls found while a region has fewer instructions than this are followed into the callee
/// (the call becomes a jump, and returns to this call a jump back), within `MAX_REGION_INSTS`.
pub const INLINE_BUDGET: usize = 600;
/// Most return addresses of followed calls in one region: a `jalr` compares its target with
/// each of them.
pub const MAX_LINKS: usize = 12;
/// Debuggable regions are smaller: every instruction carries a breakpoint site and write-backs,
/// which make large functions slow to compile, and a debugger waits for the region it stops in.
pub const MAX_DEBUGGABLE_REGION_INSTS: usize = 256;

/// The trap code of `ebreak` (qemu-user dies of SIGTRAP).
pub const TRAP_EBREAK: TrapCode = TrapCode::User(1);
/// The trap code of a misaligned `lr` or AMO (qemu-user dies of SIGBUS; plain loads and stores
/// may be misaligned).
pub const TRAP_MISALIGNED_ATOMIC: TrapCode = TrapCode::User(2);

/// The signature of every region: no parameters (the guest state is in globals and memory), the
/// next guest pc as the result.
pub fn region_signature() -> Signature {
    Signature {
        params: Vec::new(),
        results: vec![Type::I64],
    }
}

/// Translates regions of one program's code.
/// The longest symbol name a region name keeps.
const MAX_REGION_NAME: usize = 200;

pub struct Translator {
    layout: Layout,
    /// The ELF's function symbols with a size, sorted by address: they name regions.
    functions: Vec<crate::elf::Symbol>,
    /// Translate for debugging: every guest register is in its global at every instruction
    /// boundary (see [`Translator::set_debuggable`]).
    debuggable: bool,
}

impl Translator {
    pub fn new(layout: Layout, symbols: &[crate::elf::Symbol]) -> Translator {
        let mut functions: Vec<_> = symbols
            .iter()
            .filter(|s| s.is_function && s.size > 0)
            .cloned()
            .collect();
        functions.sort_by_key(|s| s.addr);
        Translator {
            layout,
            functions,
            debuggable: false,
        }
    }

    /// Debuggable translation: each instruction loads the registers it reads from their globals
    /// and writes back the one it writes right after it (a block-ending instruction, on the edge
    /// it leaves by), so no variable carries a register across an instruction boundary. At every
    /// `mark` (where debuggable code has its breakpoint site) the globals hold the whole guest
    /// state: a debugger reads and writes registers there, and the engine need not spill the
    /// region's variables at its sites (`CompileOptions::debug_vars`). Regions are smaller (see
    /// `MAX_DEBUGGABLE_REGION_INSTS`). Fuel and results do not change.
    pub fn set_debuggable(&mut self, debuggable: bool) {
        self.debuggable = debuggable;
    }

    /// The variable that holds guest register `x` (1..=31) in every region function.
    pub fn register_var(x: Reg) -> Var {
        Var(x as u32)
    }

    /// The name of the region at `pc`: `FUNCTION` at a function symbol's address, `FUNCTION+0xOFF`
    /// inside one, `pc_HEX` elsewhere (profilers and disassembly show it).
    pub fn region_name(&self, pc: u64) -> String {
        let at = self.functions.partition_point(|s| s.addr <= pc);
        let symbol = |s: &crate::elf::Symbol| {
            // Symbols come from the guest: keep a hostile one from making every name huge.
            let mut end = s.name.len().min(MAX_REGION_NAME);
            while !s.name.is_char_boundary(end) {
                end -= 1;
            }
            s.name[..end].to_string()
        };
        match at.checked_sub(1).map(|i| &self.functions[i]) {
            Some(s) if pc == s.addr => symbol(s),
            Some(s) if pc - s.addr < s.size => format!("{}+{:#x}", symbol(s), pc - s.addr),
            _ => format!("pc_{pc:x}"),
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The IR function of the region at `slot`'s pc (see `Layout::slot_pc`). Never fails: code that
    /// cannot run becomes the trap it raises when it runs.
    pub fn translate(&self, slot: u64) -> Function {
        let entry = self.layout.slot_pc(slot);
        let code = self.discover(entry);
        let mut flow = Flow::analyze(&code, entry);
        if self.debuggable {
            // Every instruction's result is written back right after it: nothing is dirty at an
            // instruction boundary, and a write-back of an older value would undo a debugger's
            // write to the register's global.
            flow.dirty_in.values_mut().for_each(|d| *d = 0);
        }
        RegionBuilder::new(self, &code, flow, entry).build(entry)
    }

    /// Whether an instruction starts at `pc`, as a debugger's breakpoint needs: `pc` is even, in an
    /// executable segment, holds a supported instruction, and, inside a function symbol, is reached
    /// by decoding from the symbol's address (so the middle of a 4-byte instruction is refused).
    pub fn is_instruction_start(&self, pc: u64) -> bool {
        let decodes = |pc: u64| self.decode_at(pc).filter(|d| d.inst != Inst::Illegal);
        if !pc.is_multiple_of(2) || decodes(pc).is_none() {
            return false;
        }
        let at = self.functions.partition_point(|s| s.addr <= pc);
        let Some(f) = at.checked_sub(1).map(|i| &self.functions[i]) else {
            return true;
        };
        if pc - f.addr >= f.size {
            return true;
        }
        let mut p = f.addr;
        while p < pc {
            match decodes(p) {
                Some(d) => p += d.len as u64,
                // Something that is no instruction sits in the function before `pc`: data in the
                // code, so the sweep says nothing about `pc`.
                None => return true,
            }
        }
        p == pc
    }

    fn decode_at(&self, pc: u64) -> Option<Decoded> {
        self.layout
            .fetch(pc)
            .map(|word| crate::decode::decode(self.layout.xlen, word))
    }
}

struct RegionBuilder<'a> {
    t: &'a Translator,
    found: &'a RegionCode<'a>,
    flow: Flow,
    b: FunctionBuilder,
    xty: Type,
    /// `regs[r]` holds guest register `r` (index 0 unused).
    regs: Vec<Var>,
    /// Receives writes to `x0` (a load into x0 still accesses memory).
    sink: Var,
    /// Scratch variables by type and number (see `scratch`).
    scratch: HashMap<(Type, usize), Var>,
    blocks: HashMap<u64, BlockId>,
    /// Exit blocks by target pc and the registers they write back.
    exits: HashMap<(u64, RegSet), BlockId>,
    /// Of every block made by `edge`: the pc control goes to from it and the registers dirty on
    /// entering it (what an interrupt exit there writes back).
    edge_state: HashMap<BlockId, (u64, RegSet)>,
}

impl<'a> RegionBuilder<'a> {
    fn new(t: &'a Translator, found: &'a RegionCode<'a>, flow: Flow, entry: u64) -> RegionBuilder<'a> {
        let xty = match t.layout.xlen {
            Xlen::X32 => Type::I32,
            Xlen::X64 => Type::I64,
        };
        let mut b = FunctionBuilder::new(t.region_name(entry), region_signature());
        let regs: Vec<Var> = (0..32).map(|_| b.var(xty)).collect();
        debug_assert!((1..32).all(|r| regs[r as usize] == Translator::register_var(r)));
        let sink = b.var(xty);
        RegionBuilder {
            t,
            found,
            flow,
            b,
            xty,
            regs,
            sink,
            scratch: HashMap::new(),
            blocks: HashMap::new(),
            exits: HashMap::new(),
            edge_state: HashMap::new(),
        }
    }

    fn build(mut self, entry: u64) -> Function {
        for &pc in &self.found.leaders {
            if self.found.insts.contains_key(&pc) {
                let blk = self.b.create_block();
                self.blocks.insert(pc, blk);
            }
        }
        match self.blocks.get(&entry).copied() {
            Some(first) => {
                self.load_regs(self.flow.live_in[&entry]);
                self.b.jump(first);
            }
            // Nothing to run at the entry: a fetch fault there.
            None => {
                self.b.set_loc(Some(SourceLoc(entry)));
                self.b.trap(TrapCode::MemoryAccess);
            }
        }
        let leaders: Vec<u64> = self.blocks.keys().copied().collect();
        for pc in leaders {
            let blk = self.blocks[&pc];
            self.b.switch_to_block(blk);
            self.block(pc);
        }
        self.interrupt_exits(entry);
        self.b.finish()
    }

    /// Gives every check point of the region (its entry and loop headers, see
    /// `causeway_engine::fuel`) an interrupt exit that writes back the registers dirty there and
    /// returns the pc of the instruction it was about to run: an interrupted guest leaves its
    /// regions with its whole state in globals and stops in the dispatcher (`layout`).
    fn interrupt_exits(&mut self, entry: u64) {
        let checks = causeway_engine::fuel::check_points(self.b.function());
        let by_block: HashMap<BlockId, u64> = self.blocks.iter().map(|(&pc, &b)| (b, pc)).collect();
        let mut made: HashMap<(u64, RegSet), BlockId> = HashMap::new();
        for (i, &check) in checks.iter().enumerate() {
            let blk = BlockId(i as u32);
            if !check {
                continue;
            }
            // Only the dirty registers the code still needs (reads, or writes back on its way
            // out): keeping a dead value alive for the exit would cost registers in the loop.
            // A dead one's global may be stale, which the guest never sees: it writes the
            // register before reading it.
            let state = if i == 0 {
                Some((entry, 0))
            } else if let Some(&pc) = by_block.get(&blk) {
                Some((pc, self.flow.dirty_in[&pc] & self.flow.live_in[&pc]))
            } else {
                self.edge_state.get(&blk).copied()
            };
            // Every block of a region is one of those; an unknown one keeps the ordinary check.
            let Some((pc, dirty)) = state else { continue };
            let exit = match made.get(&(pc, dirty)) {
                Some(&exit) => exit,
                None => {
                    let exit = self.b.create_block();
                    self.b.switch_to_block(exit);
                    self.b.set_loc(None);
                    self.write_back(dirty);
                    self.b.ret([Operand::Imm(pc as i64)]);
                    made.insert((pc, dirty), exit);
                    exit
                }
            };
            self.b.set_interrupt_exit(blk, exit);
        }
    }

    /// The IR block for control going from the instruction at `from` to `to`: `to`'s basic block,
    /// through the write-back of the registers dirty here but not there, or an exit that writes
    /// back what is dirty and returns `to` to the dispatcher.
    fn edge(&mut self, from: u64, to: u64) -> BlockId {
        let dirty = self.flow.dirty_out(from);
        let (mut extra, target) = match self.blocks.get(&to) {
            Some(&blk) => (dirty & !self.flow.dirty_in[&to], Some(blk)),
            None => (dirty, None),
        };
        if self.t.debuggable && !self.flow.nodes[&from].call {
            // What the block-ending instruction wrote (a link register), in its global before the
            // next instruction's mark. (A call wrote its link back before calling.)
            extra |= self.flow.nodes[&from].defs;
        }
        if let (0, Some(blk)) = (extra, target) {
            return blk;
        }
        if let Some(&b) = self.exits.get(&(to, extra)).filter(|_| target.is_none()) {
            return b;
        }
        let here = self.b.current_block();
        let edge = self.b.create_block();
        let needed = match self.flow.live_in.get(&to) {
            Some(&live) => extra | (dirty & live),
            None => dirty | extra,
        };
        self.edge_state.insert(edge, (to, needed));
        self.b.switch_to_block(edge);
        self.b.set_loc(None);
        self.write_back(extra);
        match target {
            Some(blk) => self.b.jump(blk),
            None => {
                self.b.ret([Operand::Imm(to as i64)]);
                self.exits.insert((to, extra), edge);
            }
        }
        self.b.switch_to_block(here);
        edge
    }

    fn load_regs(&mut self, set: RegSet) {
        for r in 1..32u8 {
            if set & flow::bit(r) != 0 {
                self.b.global_get(self.regs[r as usize], reg_global(r));
            }
        }
    }

    fn write_back(&mut self, set: RegSet) {
        for r in 1..32u8 {
            if set & flow::bit(r) != 0 {
                self.b.global_set(reg_global(r), self.regs[r as usize]);
            }
        }
    }

    fn r(&self, x: Reg) -> Operand {
        if x == 0 {
            Operand::Imm(0)
        } else {
            Operand::Var(self.regs[x as usize])
        }
    }

    fn w(&self, x: Reg) -> Var {
        if x == 0 {
            self.sink
        } else {
            self.regs[x as usize]
        }
    }

    /// Lifts the basic block starting at `start`.
    fn block(&mut self, start: u64) {
        let mut pc = start;
        loop {
            let d = self.found.insts[&pc];
            self.b.set_loc(Some(SourceLoc(pc)));
            self.b.mark();
            if self.t.debuggable {
                // The globals are the registers at every boundary (a debugger may have written
                // them): no variable carries a register across one.
                self.load_regs(self.flow.nodes[&pc].uses);
            }
            let next = self.t.layout.wrap_pc(pc + d.len as u64);
            if self.inst(pc, d.inst, next) {
                return;
            }
            if self.t.debuggable {
                self.write_back(self.flow.nodes[&pc].defs);
            }
            if self.found.leaders.contains(&next) || !self.found.insts.contains_key(&next) {
                let to = self.edge(pc, next);
                self.b.jump(to);
                return;
            }
            pc = next;
        }
    }

    /// Lifts one instruction; returns whether it ended the block.
    fn inst(&mut self, pc: u64, inst: Inst, next: u64) -> bool {
        match inst {
            Inst::Lui { rd, imm } => self.b.iconst(self.w(rd), imm),
            Inst::Auipc { rd, imm } => {
                let v = self.t.layout.wrap_pc(pc.wrapping_add(imm as u64));
                self.b.iconst(self.w(rd), v as i64);
            }
            Inst::Jal { rd, offset } => {
                let target = self.t.layout.wrap_pc(pc.wrapping_add(offset as u64));
                if rd != 0 {
                    self.b.iconst(self.w(rd), next as i64);
                }
                if rd == 0 || self.found.followed.contains(&pc) {
                    let to = self.edge(pc, target);
                    self.b.jump(to);
                } else {
                    self.call(pc, Operand::Imm(target as i64), next);
                }
                return true;
            }
            Inst::Jalr { rd, rs1, offset } => {
                // The target as an i64 pc (RV32: zero-extended), computed before rd is written
                // (rd may be rs1). It lives until the call below.
                let t = self.tmp(0);
                self.b.binary(BinOp::Add, t, self.r(rs1), Operand::Imm(offset));
                self.b.binary(BinOp::And, t, t, Operand::Imm(-2));
                let target = self.scratch(Type::I64, 10);
                match self.xty {
                    Type::I64 => self.b.copy(target, t),
                    Type::I32 => self.b.unary(UnOp::ExtendU, target, t),
                }
                if rd == 0 {
                    self.indirect_jump(pc, target);
                } else {
                    self.b.iconst(self.w(rd), next as i64);
                    self.call(pc, Operand::Var(target), next);
                }
                return true;
            }
            Inst::Branch {
                cond,
                rs1,
                rs2,
                offset,
            } => {
                let target = self.t.layout.wrap_pc(pc.wrapping_add(offset as u64));
                let c = self.tmp(0);
                let cond = match cond {
                    BranchCond::Eq => Cond::Eq,
                    BranchCond::Ne => Cond::Ne,
                    BranchCond::Lt => Cond::LtS,
                    BranchCond::Ge => Cond::GeS,
                    BranchCond::Ltu => Cond::LtU,
                    BranchCond::Geu => Cond::GeU,
                };
                self.icmp_regs(cond, c, rs1, rs2);
                let (then, else_) = (self.edge(pc, target), self.edge(pc, next));
                self.b.brif(c, then, else_);
                return true;
            }
            Inst::Load {
                width,
                rd,
                rs1,
                offset,
            } => {
                let w = match width {
                    LoadWidth::B => MemWidth::S8,
                    LoadWidth::Bu => MemWidth::U8,
                    LoadWidth::H => MemWidth::S16,
                    LoadWidth::Hu => MemWidth::U16,
                    LoadWidth::W => MemWidth::S32,
                    LoadWidth::Wu => MemWidth::U32,
                    LoadWidth::D => MemWidth::B64,
                };
                self.b.load(w, self.w(rd), self.r(rs1), offset as i32);
            }
            Inst::Store {
                width,
                rs1,
                rs2,
                offset,
            } => {
                let w = match width {
                    StoreWidth::B => MemWidth::U8,
                    StoreWidth::H => MemWidth::U16,
                    StoreWidth::W => MemWidth::U32,
                    StoreWidth::D => MemWidth::B64,
                };
                self.b.store(w, self.r(rs1), offset as i32, self.r(rs2));
            }
            Inst::OpImm {
                op,
                rd,
                rs1,
                imm,
                word,
            } => self.alu(op, rd, self.r(rs1), Operand::Imm(imm), word),
            Inst::Op {
                op,
                rd,
                rs1,
                rs2,
                word,
            } => self.alu(op, rd, self.r(rs1), self.r(rs2), word),
            Inst::Lr { word, rd, rs1, .. } => self.load_reserved(word, rd, rs1),
            Inst::Sc {
                word, rd, rs1, rs2, ..
            } => self.store_conditional(word, rd, rs1, rs2),
            Inst::Amo {
                op,
                word,
                rd,
                rs1,
                rs2,
                ..
            } => self.amo(op, word, rd, rs1, rs2),
            Inst::Fence | Inst::FenceI => {}
            Inst::Ecall => {
                self.ecall(pc);
                let done = self.scratch(Type::I64, 11);
                let (exit, cont) = (self.b.create_block(), self.edge(pc, next));
                self.b.brif(done, exit, cont);
                self.b.switch_to_block(exit);
                self.write_back(self.flow.dirty_out(pc));
                self.b.ret([Operand::Imm(EXIT_PC)]);
                return true;
            }
            Inst::Ebreak => {
                self.b.trap(TRAP_EBREAK);
                return true;
            }
            Inst::Csr { op, rd, src, csr } => {
                let reads_only = matches!(
                    (op, src),
                    (CsrOp::Rs | CsrOp::Rc, CsrSrc::Reg(0)) | (CsrOp::Rs | CsrOp::Rc, CsrSrc::Imm(0))
                );
                if !reads_only || !is_counter(self.t.layout.xlen, csr) {
                    self.b.trap(TrapCode::IllegalInstruction);
                    return true;
                }
                let v = self.scratch(Type::I64, 20);
                self.b.hostcall(IMPORT_COUNTER, [Operand::Imm(csr as i64)], [v]);
                self.set_wide(rd, v);
            }
            Inst::Illegal => {
                self.b.trap(TrapCode::IllegalInstruction);
                return true;
            }
        }
        false
    }

    /// An indirect jump to `target` (an i64 pc): on in the region if it is the return address of a
    /// call the region followed, else out to the caller.
    fn indirect_jump(&mut self, pc: u64, target: Var) {
        let links: Vec<u64> = self
            .found
            .links
            .iter()
            .copied()
            .filter(|l| self.blocks.contains_key(l))
            .collect();
        for link in links {
            let same = self.scratch(Type::I64, 13);
            self.b.icmp(Cond::Eq, same, target, Operand::Imm(link as i64));
            let (there, next) = (self.edge(pc, link), self.b.create_block());
            self.b.brif(same, there, next);
            self.b.switch_to_block(next);
        }
        self.write_back(self.flow.dirty_out(pc));
        self.b.ret([Operand::Var(target)]);
    }

    /// `rd = value` for an i64 value (RV32: its low 32 bits).
    fn set_wide(&mut self, rd: Reg, v: Var) {
        match self.xty {
            Type::I64 => self.b.copy(self.w(rd), v),
            Type::I32 => self.b.unary(UnOp::Wrap, self.w(rd), v),
        }
    }

    /// A register's value as an i64 (RV32: sign-extended), for host calls and globals of i64.
    fn wide_of(&mut self, x: Reg, into: Var) -> Operand {
        match (self.xty, x) {
            (_, 0) => Operand::Imm(0),
            (Type::I64, _) => self.r(x),
            (Type::I32, _) => {
                self.b.unary(UnOp::ExtendS, into, self.r(x));
                Operand::Var(into)
            }
        }
    }

    /// The address in `rs1` as an i64 (RV32: zero-extended, as the memory sees it).
    fn address(&mut self, rs1: Reg) -> Operand {
        match (self.xty, rs1) {
            (_, 0) => Operand::Imm(0),
            (Type::I64, _) => self.r(rs1),
            (Type::I32, _) => {
                let out = self.scratch(Type::I64, 21);
                self.b.unary(UnOp::ExtendU, out, self.r(rs1));
                Operand::Var(out)
            }
        }
    }

    fn icmp_regs(&mut self, cond: Cond, dst: Var, a: Reg, b: Reg) {
        // `icmp` compares at the type of a variable operand; two zeros compare as equal i64s.
        self.b.icmp(cond, dst, self.r(a), self.r(b));
    }

    fn alu(&mut self, op: AluOp, rd: Reg, a: Operand, b: Operand, word: bool) {
        let dst = self.w(rd);
        if word && self.xty == Type::I64 {
            // The 32-bit operation on the low halves, sign-extended (RV64 `*w`).
            let [x, y] = [self.scratch(Type::I32, 0), self.scratch(Type::I32, 1)];
            self.b.unary(UnOp::Wrap, x, a);
            self.b.unary(UnOp::Wrap, y, b);
            let r = self.scratch(Type::I32, 2);
            self.op32_or_64(op, r, Operand::Var(x), Operand::Var(y));
            self.b.unary(UnOp::ExtendS, dst, r);
            return;
        }
        self.op32_or_64(op, dst, a, b);
    }

    /// Scratch variable `i` of type `ty`. Scratch values never live across guest instructions,
    /// except where a comment says so.
    fn scratch(&mut self, ty: Type, i: usize) -> Var {
        if let Some(&v) = self.scratch.get(&(ty, i)) {
            return v;
        }
        let v = self.b.var(ty);
        self.scratch.insert((ty, i), v);
        v
    }

    /// Scratch variable `i` of the guest register type.
    fn tmp(&mut self, i: usize) -> Var {
        // Numbered apart from the i64 scratch variables, which are the same type on RV64.
        self.scratch(self.xty, 100 + i)
    }

    fn op32_or_64(&mut self, op: AluOp, dst: Var, a: Operand, b: Operand) {
        let bin = |op| Some(op);
        let binop = match op {
            AluOp::Add => bin(BinOp::Add),
            AluOp::Sub => bin(BinOp::Sub),
            AluOp::Sll => bin(BinOp::Shl),
            AluOp::Srl => bin(BinOp::ShrU),
            AluOp::Sra => bin(BinOp::ShrS),
            AluOp::Xor => bin(BinOp::Xor),
            AluOp::Or => bin(BinOp::Or),
            AluOp::And => bin(BinOp::And),
            AluOp::Mul => bin(BinOp::Mul),
            AluOp::Mulh => bin(BinOp::MulHighS),
            AluOp::Mulhu => bin(BinOp::MulHighU),
            AluOp::Mulhsu => bin(BinOp::MulHighSU),
            AluOp::Div => bin(BinOp::DivSRv),
            AluOp::Divu => bin(BinOp::DivURv),
            AluOp::Rem => bin(BinOp::RemSRv),
            AluOp::Remu => bin(BinOp::RemURv),
            AluOp::Slt | AluOp::Sltu => None,
        };
        match binop {
            Some(op) => self.b.binary(op, dst, a, b),
            None => {
                let cond = if op == AluOp::Slt { Cond::LtS } else { Cond::LtU };
                // Both operands may be immediates (x0 and an immediate): compare at the guest width.
                let a = self.materialize(a);
                self.b.icmp(cond, dst, a, b);
            }
        }
    }

    fn materialize(&mut self, op: Operand) -> Operand {
        match op {
            Operand::Imm(v) => {
                let t = self.tmp(3);
                self.b.iconst(t, v);
                Operand::Var(t)
            }
            var => var,
        }
    }

    /// A call of the region at `target` (an i64 pc) that returns to `link`: written back, a native
    /// call, registers reloaded, and on to `link` if the callee returned there. Deeply nested calls
    /// leave through the dispatcher instead, so guest recursion never exhausts the native stack.
    fn call(&mut self, pc: u64, target: Operand, link: u64) {
        self.write_back(self.flow.dirty_in[&pc] | self.flow.nodes[&pc].defs);
        let layout = &self.t.layout;
        let (lo, slots) = (layout.code_lo, layout.slots());
        let depth = self.scratch(Type::I64, 20);
        let [slot, ok] = [self.scratch(Type::I64, 0), self.scratch(Type::I64, 1)];
        let (call, out) = (self.b.create_block(), self.b.create_block());
        self.b.depth(depth);
        self.b.icmp(Cond::LtU, ok, depth, Operand::Imm(MAX_NESTED_CALLS));
        match target {
            Operand::Imm(t) => {
                let in_code = (t as u64).wrapping_sub(lo) / 2 < slots;
                self.b.iconst(slot, ((t as u64).wrapping_sub(lo) / 2) as i64);
                if !in_code {
                    self.b.iconst(ok, 0);
                }
            }
            Operand::Var(t) => {
                self.b.binary(BinOp::Sub, slot, t, Operand::Imm(lo as i64));
                self.b.binary(BinOp::ShrU, slot, slot, Operand::Imm(1));
                let in_code = self.scratch(Type::I64, 2);
                self.b.icmp(Cond::LtU, in_code, slot, Operand::Imm(slots as i64));
                self.b.binary(BinOp::And, ok, ok, in_code);
            }
        }
        self.b.brif(ok, call, out);
        self.b.switch_to_block(out);
        self.b.ret([target]);
        self.b.switch_to_block(call);
        let next = self.scratch(Type::I64, 3);
        self.b.call_dyn(slot, [], [next]);
        if !self.blocks.contains_key(&link) {
            self.b.ret([Operand::Var(next)]);
            return;
        }
        self.load_regs(self.flow.live_in[&link]);
        let same = self.scratch(Type::I64, 2);
        self.b.icmp(Cond::Eq, same, next, Operand::Imm(link as i64));
        let back = self.edge(pc, link);
        let away = self.b.create_block();
        self.b.brif(same, back, away);
        self.b.switch_to_block(away);
        self.b.ret([Operand::Var(next)]);
    }

    fn ecall(&mut self, pc: u64) {
        let mut args = Vec::with_capacity(8);
        for (i, r) in [17u8, 10, 11, 12, 13, 14, 15].into_iter().enumerate() {
            let into = self.scratch(Type::I64, 4 + i);
            args.push(self.wide_of(r, into));
        }
        args.push(Operand::Imm(pc as i64));
        let result = self.scratch(Type::I64, 20);
        let done = self.scratch(Type::I64, 11);
        self.b.hostcall(IMPORT_ECALL, args, [result, done]);
        self.set_wide(10, result);
    }
}

/// The global of guest register `r` (1..=31).
pub fn reg_global(r: Reg) -> GlobalId {
    GlobalId(r as u32 - 1)
}

/// Whether `csr` is a user counter this front end reads: cycle, time, instret (and on RV32 their
/// high halves).
fn is_counter(xlen: Xlen, csr: u16) -> bool {
    matches!(csr, 0xc00..=0xc02) || (xlen == Xlen::X32 && matches!(csr, 0xc80..=0xc82))
}
