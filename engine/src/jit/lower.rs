//! Lowering of one IR function to Cranelift IR with cranelift-frontend.
//!
//! Owns the translation rules: how each IR instruction becomes guarded native code (memory accesses
//! that fault or are bounds-checked, checked arithmetic that traps, fuel charged per block and checked
//! at check points, call depth, indirect-call checks, the host-call trampoline, breakpoint sites in
//! debuggable code). Every rule here mirrors `interp`; `crate::fuel` decides costs and check points.
//! It must never execute anything or touch code memory.

use super::vmctx::{
    TableEntry, OFFSET_DEBUG_RELOAD, OFFSET_DEPTH_LIMIT, OFFSET_DYN_TABLE, OFFSET_FUEL, OFFSET_GLOBALS,
    OFFSET_HOST_CALL, OFFSET_INTERRUPT, OFFSET_MEM_BASE, OFFSET_STACK_LIMIT, OFFSET_STOP, OFFSET_TABLE,
    OFFSET_TABLE_LEN, RESOLVE_IMPORT, STOP_TRAP,
};
use super::CompileOptions;
use crate::fuel;
use crate::ir::{
    self, AddrWidth, BinOp, Cond, FuncId, InstKind, MemWidth, Module, Operand, Signature, SourceLoc,
    Terminator, TrapCode as IrTrap, UnOp, Var,
};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder, MemFlagsData, SigRef,
    StackSlotData, StackSlotKind, TrapCode, UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;

/// Cranelift trap codes of the traps JIT code raises in hardware; the signal handler maps them back.
pub const TRAP_MEMORY: TrapCode = TrapCode::HEAP_OUT_OF_BOUNDS;
pub const TRAP_DIV_ZERO: TrapCode = TrapCode::INTEGER_DIVISION_BY_ZERO;
pub const TRAP_OVERFLOW: TrapCode = TrapCode::INTEGER_OVERFLOW;
pub const TRAP_STACK: TrapCode = TrapCode::STACK_OVERFLOW;
pub const TRAP_BAD_INDIRECT: TrapCode = TrapCode::unwrap_user(1);
pub const TRAP_SIG_MISMATCH: TrapCode = TrapCode::unwrap_user(2);
/// Marks code after a `stop` call that never returns.
pub const TRAP_UNREACHABLE: TrapCode = TrapCode::unwrap_user(3);

/// Maps a Cranelift trap code found in the trap table back to the IR's.
pub fn ir_trap_code(code: TrapCode) -> IrTrap {
    match code {
        TRAP_MEMORY => IrTrap::MemoryAccess,
        TRAP_DIV_ZERO => IrTrap::DivisionByZero,
        TRAP_OVERFLOW => IrTrap::IntegerOverflow,
        TRAP_STACK => IrTrap::StackOverflow,
        TRAP_BAD_INDIRECT => IrTrap::BadIndirectTarget,
        TRAP_SIG_MISMATCH => IrTrap::IndirectSignatureMismatch,
        _ => IrTrap::Unreachable,
    }
}

/// External-name namespace of IR functions (index = FuncId).
pub const NS_FUNC: u32 = 0;
/// External-name namespace of the breakpoint stub.
pub const NS_SITE_STUB: u32 = 1;
/// External-name namespace of entry trampolines (never called from JIT code).
pub const NS_TRAMPOLINE: u32 = 2;
/// External-name namespace of the check stub (the slow path of fuel and interrupt checks).
pub const NS_CHECK_STUB: u32 = 3;

/// A guest location as the JIT records it: loc ids index a module-wide table of these.
#[derive(Clone, Copy, Debug)]
pub struct LocEntry {
    pub func: FuncId,
    pub loc: Option<SourceLoc>,
    /// For a breakpoint site: the fuel its block charged on entry for the instructions from the
    /// site's `mark` on (they have not run when the site stops). Zero for other locations.
    pub fuel_ahead: u32,
}

/// Module-wide tables that lowering appends to.
pub struct LowerTables<'a> {
    pub locs: &'a mut Vec<LocEntry>,
    /// Breakpoint sites in debuggable code: site id -> location.
    pub sites: &'a mut Vec<LocEntry>,
    /// The loc id (Cranelift srcloc) of each site's call, to find it in the compiled code.
    pub site_loc_ids: &'a mut Vec<u32>,
    pub sig_ids: &'a HashMap<Signature, u64>,
    /// The first loc id of this compilation: code compiled later (dynamic functions) numbers its
    /// locations after all earlier code's, so that an id names one location instance-wide.
    pub loc_base: u32,
    /// The first breakpoint-site id of this compilation, for the same reason.
    pub site_base: u32,
}

pub fn clif_type(t: ir::Type) -> types::Type {
    match t {
        ir::Type::I32 => types::I32,
        ir::Type::I64 => types::I64,
    }
}

/// The native signature of an IR function: `(vmctx, depth, fuel, params...) -> (results..., fuel)`
/// in the platform convention (callee-saved registers keep guest values alive across calls).
///
/// The caller's call depth and the fuel counter travel in registers: a call costs no memory round
/// trip through `VmContext` for either (a store-to-load dependency on every call and return).
/// Fuel is still written to `VmContext` wherever it can be observed (traps, stops, host calls).
pub fn clif_signature(sig: &Signature) -> cranelift_codegen::ir::Signature {
    let mut s = cranelift_codegen::ir::Signature::new(CallConv::SystemV);
    s.params.push(AbiParam::special(
        types::I64,
        cranelift_codegen::ir::ArgumentPurpose::VMContext,
    ));
    s.params.push(AbiParam::new(types::I64));
    s.params.push(AbiParam::new(types::I64));
    s.params
        .extend(sig.params.iter().map(|&t| AbiParam::new(clif_type(t))));
    s.returns
        .extend(sig.results.iter().map(|&t| AbiParam::new(clif_type(t))));
    s.returns.push(AbiParam::new(types::I64));
    s
}

/// Index of the first IR parameter among a function's native parameters (after vmctx, depth, fuel).
pub const FIRST_PARAM: usize = 3;

fn sysv_sig(params: &[types::Type]) -> cranelift_codegen::ir::Signature {
    let mut s = cranelift_codegen::ir::Signature::new(CallConv::SystemV);
    s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    s
}

/// The signature of the check stub: `(vmctx)`, preserving every register.
pub fn check_stub_signature() -> cranelift_codegen::ir::Signature {
    let mut s = cranelift_codegen::ir::Signature::new(CallConv::PreserveAll);
    s.params.push(AbiParam::new(types::I64));
    s
}

/// The signature of the breakpoint stub: `(vmctx, site, frame)`, preserving every register.
/// `(vmctx, site, frame, fuel)`, preserving every register: a nop-ed site costs its argument moves
/// and nothing else. `fuel` is the fuel counter (kept in a register in metered code) or
/// [`NO_FUEL`]; the stub stores it, so that code does not store and reload fuel around every site.
pub fn site_stub_signature() -> cranelift_codegen::ir::Signature {
    let mut s = cranelift_codegen::ir::Signature::new(CallConv::PreserveAll);
    s.params
        .extend([types::I64, types::I64, types::I64, types::I64].map(AbiParam::new));
    s
}

/// The `fuel` argument of a site in unmetered code: the stub leaves the context's fuel alone.
pub const NO_FUEL: i64 = i64::MIN;

fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

fn guest_flags() -> MemFlagsData {
    let mut f = MemFlagsData::new();
    f.set_endianness(cranelift_codegen::ir::Endianness::Little);
    f.with_trap_code(Some(TRAP_MEMORY))
}

/// Encodes an IR trap code for the `STOP_TRAP` payload.
pub fn encode_trap(code: IrTrap) -> u32 {
    match code {
        IrTrap::MemoryAccess => 1,
        IrTrap::DivisionByZero => 2,
        IrTrap::IntegerOverflow => 3,
        IrTrap::BadIndirectTarget => 4,
        IrTrap::IndirectSignatureMismatch => 5,
        IrTrap::StackOverflow => 6,
        IrTrap::Unreachable => 7,
        IrTrap::IllegalInstruction => 8,
        IrTrap::User(n) => 0x1_0000 + n as u32,
    }
}

pub fn decode_trap(v: u32) -> IrTrap {
    match v {
        1 => IrTrap::MemoryAccess,
        2 => IrTrap::DivisionByZero,
        3 => IrTrap::IntegerOverflow,
        4 => IrTrap::BadIndirectTarget,
        5 => IrTrap::IndirectSignatureMismatch,
        6 => IrTrap::StackOverflow,
        8 => IrTrap::IllegalInstruction,
        n if n >= 0x1_0000 => IrTrap::User((n - 0x1_0000) as u16),
        _ => IrTrap::Unreachable,
    }
}

struct Lowerer<'a, 'b> {
    module: &'a Module,
    func_id: FuncId,
    func: &'a ir::Function,
    opts: &'a CompileOptions,
    tables: &'a mut LowerTables<'b>,
    b: FunctionBuilder<'a>,
    vars: Vec<Variable>,
    blocks: Vec<Block>,
    vmctx: Value,
    mem_base: Value,
    globals: Value,
    interrupt: Value,
    /// Metered code keeps the fuel counter in a variable (a register in hot loops) and writes it to
    /// the context wherever it can be observed: before calls, returns and stops, and on entry to
    /// blocks that may trap.
    fuel: Option<Variable>,
    /// This activation's call depth (the caller's plus one), passed on to callees.
    depth: Option<Value>,
    /// Whether `VmContext` may hold an older fuel value than the counter.
    fuel_stale: bool,
    func_refs: HashMap<FuncId, FuncRef>,
    host_sig: Option<SigRef>,
    /// One argument/result area shared by every host call of the function (sized for the largest
    /// import), so that frames do not grow with the number of call sites.
    host_slot: Option<cranelift_codegen::ir::StackSlot>,
    stop_sig: Option<SigRef>,
    site_stub: Option<FuncRef>,
    check_stub: Option<FuncRef>,
    /// Debuggable code: the stack slot holding every variable, and which were written since the last
    /// spill.
    debug_frame: Option<cranelift_codegen::ir::StackSlot>,
    dirty: Vec<bool>,
    /// The fuel the current block charged for the instruction being lowered and those after it.
    fuel_ahead: u32,
}

/// Lowers `func_id` of `module` into `out` (a fresh Cranelift function).
pub fn lower_function(
    module: &Module,
    func_id: FuncId,
    opts: &CompileOptions,
    tables: &mut LowerTables<'_>,
    out: &mut Function,
    fctx: &mut FunctionBuilderContext,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
) {
    let func = module.func(func_id);
    out.signature = clif_signature(&func.sig);
    out.name = UserFuncName::user(NS_FUNC, func_id.0);
    // The prologue compares the stack pointer (less the frame) with `VmContext::stack_limit`.
    let vmctx_gv = out.create_global_value(cranelift_codegen::ir::GlobalValueData::VMContext);
    let flags = out.dfg.mem_flags.insert_unchecked(trusted().with_readonly());
    let limit_gv = out.create_global_value(cranelift_codegen::ir::GlobalValueData::Load {
        base: vmctx_gv,
        offset: OFFSET_STACK_LIMIT.into(),
        global_type: types::I64,
        flags,
    });
    out.stack_limit = Some(limit_gv);
    let mut b = FunctionBuilder::new(out, fctx);
    let vars = func.vars.iter().map(|&t| b.declare_var(clif_type(t))).collect();
    let blocks = func.blocks.iter().map(|_| b.create_block()).collect();
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let vmctx = b.block_params(entry)[0];
    // Cranelift keeps even read-only loads it does not need: load only what the function uses.
    let uses = |f: fn(&InstKind) -> bool| func.blocks.iter().any(|bl| bl.insts.iter().any(|i| f(&i.kind)));
    let mem_base = if uses(|k| matches!(k, InstKind::Load { .. } | InstKind::Store { .. })) {
        b.ins()
            .load(types::I64, trusted().with_readonly(), vmctx, OFFSET_MEM_BASE)
    } else {
        b.ins().iconst(types::I64, 0)
    };
    let globals = if uses(|k| matches!(k, InstKind::GlobalGet { .. } | InstKind::GlobalSet { .. })) {
        b.ins()
            .load(types::I64, trusted().with_readonly(), vmctx, OFFSET_GLOBALS)
    } else {
        b.ins().iconst(types::I64, 0)
    };
    let interrupt = b
        .ins()
        .load(types::I64, trusted().with_readonly(), vmctx, OFFSET_INTERRUPT);
    let mut l = Lowerer {
        module,
        func_id,
        func,
        opts,
        tables,
        b,
        vars,
        blocks,
        vmctx,
        mem_base,
        globals,
        interrupt,
        fuel: None,
        depth: None,
        fuel_stale: true,
        func_refs: HashMap::new(),
        host_sig: None,
        host_slot: None,
        stop_sig: None,
        site_stub: None,
        check_stub: None,
        debug_frame: None,
        fuel_ahead: 0,
        dirty: vec![false; func.vars.len()],
    };
    l.prologue(entry);
    let check_points = fuel::check_points(func);
    for (i, block) in func.blocks.iter().enumerate() {
        l.lower_block(i, block, check_points[i]);
    }
    l.b.seal_all_blocks();
    l.b.finalize(frontend);
}

impl<'a, 'b> Lowerer<'a, 'b> {
    fn new_loc_id(&mut self, loc: Option<SourceLoc>) -> u32 {
        self.tables.locs.push(LocEntry {
            func: self.func_id,
            loc,
            fuel_ahead: 0,
        });
        self.tables.loc_base + (self.tables.locs.len() - 1) as u32
    }

    fn set_loc(&mut self, loc: Option<SourceLoc>) -> u32 {
        let id = self.new_loc_id(loc);
        self.b.set_srcloc(cranelift_codegen::ir::SourceLoc::new(id));
        id
    }

    /// Depth check, parameters and zero-initialised variables, then into block0.
    fn prologue(&mut self, entry: Block) {
        self.set_loc(None);
        let caller_depth = self.b.block_params(entry)[1];
        let fuel = self.b.block_params(entry)[2];
        let depth = self.b.ins().iadd_imm_s(caller_depth, 1);
        self.depth = Some(depth);
        if self.opts.metered {
            let var = self.b.declare_var(types::I64);
            self.b.def_var(var, fuel);
            self.fuel = Some(var);
        }
        let limit = self.b.ins().load(
            types::I64,
            trusted().with_readonly(),
            self.vmctx,
            OFFSET_DEPTH_LIMIT,
        );
        let too_deep = self.b.ins().icmp(IntCC::UnsignedGreaterThan, depth, limit);
        let (deep, ok) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(too_deep, deep, &[], ok, &[]);
        self.b.set_cold_block(deep);
        self.b.switch_to_block(deep);
        // The trap is observable: the fuel the caller passed must be in the context.
        self.store_fuel();
        self.b.ins().trap(TRAP_STACK);
        self.b.switch_to_block(ok);
        let params: Vec<Value> = self.b.block_params(entry)[FIRST_PARAM..].to_vec();
        // Other variables start at zero without a definition here: cranelift-frontend gives a
        // variable read before any write a zero in the entry block. Defining every variable up
        // front would cost a constant and SSA work per variable, thousands in front-end output.
        for (i, &p) in params.iter().enumerate() {
            self.b.def_var(self.vars[i], p);
        }
        if self.opts.debuggable && self.opts.debug_vars {
            let size = 8 * self.func.vars.len().max(1) as u32;
            let slot =
                self.b
                    .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, 3));
            self.debug_frame = Some(slot);
            for i in 0..self.func.vars.len() {
                self.spill_var(i);
            }
        }
        self.b.ins().jump(self.blocks[0], &[]);
    }

    fn lower_block(&mut self, index: usize, block: &'a ir::Block, is_check_point: bool) {
        let cb = self.blocks[index];
        self.b.switch_to_block(cb);
        self.set_loc(block.insts.first().and_then(|i| i.loc).or(block.term_loc));
        let cost = fuel::block_cost(self.module.metering, block);
        if let Some(var) = self.fuel.filter(|_| cost > 0) {
            let f = self.b.use_var(var);
            let f = self.b.ins().iadd_imm_s(f, -(cost as i64));
            self.b.def_var(var, f);
        }
        if is_check_point {
            // Metered code compares its fuel with the interrupt word (0, or i64::MAX when an
            // interrupt is pending): one compare serves both checks.
            let floor = self.b.ins().load(types::I64, trusted(), self.interrupt, 0);
            let stop = match self.fuel {
                Some(var) => {
                    let f = self.b.use_var(var);
                    self.b.ins().icmp(IntCC::SignedLessThan, f, floor)
                }
                None => self.b.ins().icmp_imm_s(IntCC::NotEqual, floor, 0),
            };
            let slow = self.b.create_block();
            let body = self.b.create_block();
            self.b.set_cold_block(slow);
            self.b.ins().brif(stop, slow, &[], body, &[]);
            self.b.switch_to_block(slow);
            if let Some(exit) = block.on_interrupt {
                // A pending interrupt leaves through the exit, the block's charge refunded; the
                // interrupt stays pending for a check point further out.
                let word = self.b.ins().load(types::I64, trusted(), self.interrupt, 0);
                let leave = self.b.create_block();
                let stub = self.b.create_block();
                self.b.set_cold_block(leave);
                self.b.set_cold_block(stub);
                self.b.ins().brif(word, leave, &[], stub, &[]);
                self.b.switch_to_block(leave);
                if let Some(var) = self.fuel.filter(|_| cost > 0) {
                    let f = self.b.use_var(var);
                    let f = self.b.ins().iadd_imm_s(f, cost as i64);
                    self.b.def_var(var, f);
                }
                self.b.ins().jump(self.blocks[exit.0 as usize], &[]);
                self.b.switch_to_block(stub);
            }
            self.store_fuel();
            let stub = self.stub_ref(NS_CHECK_STUB, false);
            self.b.ins().call(stub, &[self.vmctx]);
            self.reload_fuel();
            self.b.ins().jump(body, &[]);
            self.b.switch_to_block(body);
        }
        // The context's fuel is stale from here (the block's cost is charged) and again after each
        // guest call (which returns the fuel in a register): store it before anything that may trap.
        self.fuel_stale = true;
        let metering = self.module.metering;
        let mut ahead = cost;
        for inst in &block.insts {
            self.fuel_ahead = ahead.min(u32::MAX as u64) as u32;
            ahead -= fuel::inst_cost(metering, &inst.kind);
            if self.fuel_stale && may_trap(&inst.kind) {
                self.store_fuel();
                self.fuel_stale = false;
            }
            self.lower_inst(inst);
        }
        self.set_loc(block.term_loc);
        self.flush_dirty();
        self.lower_terminator(&block.term, block.term_loc);
    }

    /// The check stub or (patchable) site stub, imported once per function.
    fn stub_ref(&mut self, ns: u32, patchable: bool) -> FuncRef {
        let cached = if ns == NS_SITE_STUB {
            self.site_stub
        } else {
            self.check_stub
        };
        if let Some(r) = cached {
            return r;
        }
        let sig = if ns == NS_SITE_STUB {
            site_stub_signature()
        } else {
            check_stub_signature()
        };
        let sig = self.b.import_signature(sig);
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(ns, 0));
        let r = self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable,
        });
        if ns == NS_SITE_STUB {
            self.site_stub = Some(r);
        } else {
            self.check_stub = Some(r);
        }
        r
    }

    fn store_fuel(&mut self) {
        if let Some(var) = self.fuel {
            let f = self.b.use_var(var);
            self.b.ins().store(trusted(), f, self.vmctx, OFFSET_FUEL);
        }
    }

    fn reload_fuel(&mut self) {
        if let Some(var) = self.fuel {
            let f = self.b.ins().load(types::I64, trusted(), self.vmctx, OFFSET_FUEL);
            self.b.def_var(var, f);
        }
    }

    fn call_stop(&mut self, reason: u32, payload: u64) {
        let sig = *self.stop_sig.get_or_insert_with(|| {
            let s = sysv_sig(&[types::I64, types::I32, types::I64]);
            self.b.import_signature(s)
        });
        let f = self
            .b
            .ins()
            .load(types::I64, trusted().with_readonly(), self.vmctx, OFFSET_STOP);
        let r = self.b.ins().iconst(types::I32, reason as i64);
        let p = self.b.ins().iconst(types::I64, payload as i64);
        self.b.ins().call_indirect(sig, f, &[self.vmctx, r, p]);
    }

    fn operand(&mut self, op: Operand, ty: ir::Type) -> Value {
        match op {
            Operand::Var(v) => self.b.use_var(self.vars[v.0 as usize]),
            Operand::Imm(i) => {
                let imm = match ty {
                    ir::Type::I32 => i as u32 as i64,
                    ir::Type::I64 => i,
                };
                self.b.ins().iconst(clif_type(ty), imm)
            }
        }
    }

    /// The type an operand is used at when the instruction itself does not fix it.
    fn operand_type(&self, op: Operand, default: ir::Type) -> ir::Type {
        match op {
            Operand::Var(v) => self.func.vars[v.0 as usize],
            Operand::Imm(_) => default,
        }
    }

    fn var_type(&self, v: Var) -> ir::Type {
        self.func.vars[v.0 as usize]
    }

    fn def(&mut self, v: Var, val: Value) {
        self.b.def_var(self.vars[v.0 as usize], val);
        if self.debug_frame.is_some() {
            self.dirty[v.0 as usize] = true;
        }
    }

    fn spill_var(&mut self, i: usize) {
        let slot = self.debug_frame.expect("spills only happen in debuggable code");
        let v = self.b.use_var(self.vars[i]);
        let v = if self.func.vars[i] == ir::Type::I32 {
            self.b.ins().sextend(types::I64, v)
        } else {
            v
        };
        self.b.ins().stack_store(types::I64, v, slot, 8 * i as i32);
    }

    fn flush_dirty(&mut self) {
        if self.debug_frame.is_none() {
            return;
        }
        for i in 0..self.dirty.len() {
            if std::mem::take(&mut self.dirty[i]) {
                self.spill_var(i);
            }
        }
    }

    fn lower_inst(&mut self, inst: &ir::Inst) {
        let loc_id = self.set_loc(inst.loc);
        match &inst.kind {
            InstKind::Const { dst, imm } => {
                let v = self.operand(Operand::Imm(*imm), self.var_type(*dst));
                self.def(*dst, v);
            }
            InstKind::Copy { dst, src } => {
                let v = self.operand(*src, self.var_type(*dst));
                self.def(*dst, v);
            }
            InstKind::Binary { op, dst, a, b } => {
                let ty = self.var_type(*dst);
                let v = match (*op, *a, *b) {
                    (BinOp::AddChecked | BinOp::SubChecked | BinOp::MulChecked, x, Operand::Imm(c)) => {
                        let x = self.operand(x, ty);
                        self.checked_with_constant(*op, ty, x, ir::normalize(ty, c))
                    }
                    (BinOp::AddChecked | BinOp::MulChecked, Operand::Imm(c), x) => {
                        let x = self.operand(x, ty);
                        self.checked_with_constant(*op, ty, x, ir::normalize(ty, c))
                    }
                    // Neither a zero divisor nor `MIN % -1` can happen: the remainder needs no checks
                    // (fewer instructions for Cranelift to compile, too).
                    (BinOp::RemS, x, Operand::Imm(c)) if !matches!(ir::normalize(ty, c), 0 | -1) => {
                        let x = self.operand(x, ty);
                        let c = self.operand(Operand::Imm(c), ty);
                        self.b.ins().srem(x, c)
                    }
                    (op, a, b) => {
                        let a = self.operand(a, ty);
                        let b = self.operand(b, ty);
                        self.binary(op, ty, a, b)
                    }
                };
                self.def(*dst, v);
            }
            InstKind::Unary { op, dst, a } => {
                let ty = self.var_type(*dst);
                let aty = op.operand_type(ty).unwrap_or(ty);
                let a = self.operand(*a, aty);
                let v = self.unary(*op, ty, a);
                self.def(*dst, v);
            }
            InstKind::Icmp { cond, dst, a, b } => {
                let ty = self.operand_type(*a, self.operand_type(*b, ir::Type::I64));
                let a = self.operand(*a, ty);
                let b = self.operand(*b, ty);
                let c = self.b.ins().icmp(intcc(*cond), a, b);
                let dty = clif_type(self.var_type(*dst));
                let v = self.b.ins().uextend(dty, c);
                self.def(*dst, v);
            }
            InstKind::Select { dst, cond, a, b } => {
                let ty = self.var_type(*dst);
                let cty = self.operand_type(*cond, ir::Type::I64);
                let c = self.operand(*cond, cty);
                let a = self.operand(*a, ty);
                let b = self.operand(*b, ty);
                let v = self.b.ins().select(c, a, b);
                self.def(*dst, v);
            }
            InstKind::Load {
                width,
                dst,
                addr,
                offset,
            } => {
                let p = self.guest_addr(*addr, *offset, *width);
                let ty = self.var_type(*dst);
                let v = self.load(*width, ty, p);
                self.def(*dst, v);
                if width.bytes() == ty.bits() / 8 {
                    // A full-width load could be fused into the instruction that uses it, which would
                    // then carry the user's location in the trap table. Lowering never fuses across
                    // blocks, and the jump to the next block costs nothing (it falls through).
                    let next = self.b.create_block();
                    self.b.ins().jump(next, &[]);
                    self.b.switch_to_block(next);
                }
            }
            InstKind::Store {
                width,
                addr,
                offset,
                value,
            } => {
                let p = self.guest_addr(*addr, *offset, *width);
                self.keep_store();
                let vty = if width.bytes() == 8 {
                    ir::Type::I64
                } else {
                    self.operand_type(*value, ir::Type::I32)
                };
                let v = self.operand(*value, vty);
                let f = guest_flags();
                match (width.bytes(), vty) {
                    (1, _) => self.b.ins().istore8(f, v, p, 0),
                    (2, _) => self.b.ins().istore16(f, v, p, 0),
                    (4, ir::Type::I64) => self.b.ins().istore32(f, v, p, 0),
                    _ => self.b.ins().store(f, v, p, 0),
                };
            }
            InstKind::GlobalGet { dst, global } => {
                let ty = self.var_type(*dst);
                let v = self
                    .b
                    .ins()
                    .load(clif_type(ty), trusted(), self.globals, 8 * global.0 as i32);
                self.def(*dst, v);
            }
            InstKind::GlobalSet { global, value } => {
                let ty = self.module.globals[global.0 as usize].ty;
                let v = self.operand(*value, ty);
                let v = if ty == ir::Type::I32 {
                    self.b.ins().sextend(types::I64, v)
                } else {
                    v
                };
                self.b
                    .ins()
                    .store(trusted(), v, self.globals, 8 * global.0 as i32);
            }
            InstKind::Call { func, args, dsts } => {
                let callee = self.module.func(*func);
                let mut vals = vec![self.vmctx];
                for (a, &t) in args.iter().zip(&callee.sig.params) {
                    vals.push(self.operand(*a, t));
                }
                let fref = self.func_ref(*func);
                self.flush_dirty();
                let vals = self.with_depth_and_fuel(vals);
                let call = self.b.ins().call(fref, &vals);
                let results = self.b.inst_results(call).to_vec();
                self.take_results(dsts, results);
            }
            InstKind::CallIndirect {
                sig,
                index,
                args,
                dsts,
            } => self.call_indirect(sig, *index, args, dsts),
            InstKind::HostCall { import, args, dsts } => self.host_call(*import, args, dsts, loc_id),
            InstKind::CallDyn { slot, args, dsts } => self.call_dyn(*slot, args, dsts, loc_id),
            InstKind::Depth { dst } => {
                let depth = self.depth.expect("the prologue sets the depth");
                self.def(*dst, depth);
            }
            InstKind::Mark => {
                if self.opts.debuggable {
                    if let Some(loc) = inst.loc {
                        self.breakpoint_site(loc, loc_id);
                    }
                }
            }
        }
    }

    /// `a OP c` for checked `+ - *` with a constant `c`: the overflow test is a compare the
    /// backend fuses with its branch (and, for `*`, bounds on `a` instead of the flag of a widening
    /// multiply, which pins rax/rdx on x86-64). Same semantics as the general case.
    fn checked_with_constant(&mut self, op: BinOp, ty: ir::Type, a: Value, c: i64) -> Value {
        let (min, max) = match ty {
            ir::Type::I32 => (i32::MIN as i64, i32::MAX as i64),
            ir::Type::I64 => (i64::MIN, i64::MAX),
        };
        let trap_if = |l: &mut Self, cc: IntCC, x: Value, k: i64| {
            let bad = l.b.ins().icmp_imm_s(cc, x, k);
            l.b.ins().trapnz(bad, TRAP_OVERFLOW);
        };
        match op {
            // The wrapped sum is below `a` exactly when `a + c` (c > 0) overflowed, above it when
            // `a + c` (c < 0) did; a difference likewise.
            BinOp::AddChecked | BinOp::SubChecked => {
                if c == 0 {
                    return a;
                }
                let k = self.operand(Operand::Imm(c), ty);
                let (r, grows) = if op == BinOp::AddChecked {
                    (self.b.ins().iadd(a, k), c > 0)
                } else {
                    (self.b.ins().isub(a, k), c < 0)
                };
                let cc = if grows {
                    IntCC::SignedLessThan
                } else {
                    IntCC::SignedGreaterThan
                };
                let bad = self.b.ins().icmp(cc, r, a);
                self.b.ins().trapnz(bad, TRAP_OVERFLOW);
                r
            }
            _ => match c {
                0 => self.operand(Operand::Imm(0), ty),
                1 => a,
                -1 => {
                    trap_if(self, IntCC::Equal, a, min);
                    self.b.ins().ineg(a)
                }
                c if c > 1 => {
                    trap_if(self, IntCC::SignedGreaterThan, a, max / c);
                    trap_if(self, IntCC::SignedLessThan, a, min / c);
                    self.b.ins().imul_imm_s(a, c)
                }
                c => {
                    trap_if(self, IntCC::SignedLessThan, a, max / c);
                    trap_if(self, IntCC::SignedGreaterThan, a, min / c);
                    self.b.ins().imul_imm_s(a, c)
                }
            },
        }
    }

    fn binary(&mut self, op: BinOp, ty: ir::Type, a: Value, b: Value) -> Value {
        let bits = ty.bits() as i64;
        let min = if ty == ir::Type::I32 {
            i32::MIN as i64
        } else {
            i64::MIN
        };
        match op {
            BinOp::Add => self.b.ins().iadd(a, b),
            BinOp::Sub => self.b.ins().isub(a, b),
            BinOp::Mul => self.b.ins().imul(a, b),
            BinOp::AddChecked | BinOp::SubChecked | BinOp::MulChecked => {
                let (r, of) = match op {
                    BinOp::AddChecked => self.b.ins().sadd_overflow(a, b),
                    BinOp::SubChecked => self.b.ins().ssub_overflow(a, b),
                    _ => self.b.ins().smul_overflow(a, b),
                };
                self.b.ins().trapnz(of, TRAP_OVERFLOW);
                r
            }
            BinOp::MulHighS => self.b.ins().smulhi(a, b),
            BinOp::MulHighU => self.b.ins().umulhi(a, b),
            BinOp::MulHighSU => {
                // Reading b as signed is off by `a * 2^w` in the high half when b's top bit is set.
                let hi = self.b.ins().smulhi(a, b);
                let sign = self.b.ins().sshr_imm_s(b, bits - 1);
                let fix = self.b.ins().band(sign, a);
                self.b.ins().iadd(hi, fix)
            }
            BinOp::DivS => self.b.ins().sdiv(a, b),
            BinOp::DivU => self.b.ins().udiv(a, b),
            BinOp::RemU => self.b.ins().urem(a, b),
            BinOp::RemS => {
                self.b.ins().trapz(b, TRAP_DIV_ZERO);
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, a, min);
                let is_m1 = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
                let of = self.b.ins().band(is_min, is_m1);
                self.b.ins().trapnz(of, TRAP_OVERFLOW);
                self.b.ins().srem(a, b)
            }
            BinOp::DivSRv | BinOp::RemSRv => {
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, a, min);
                let is_m1 = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
                let of = self.b.ins().band(is_min, is_m1);
                let unsafe_b = self.b.ins().bor(zero, of);
                let one = self.b.ins().iconst(clif_type(ty), 1);
                let safe_b = self.b.ins().select(unsafe_b, one, b);
                if op == BinOp::DivSRv {
                    let q = self.b.ins().sdiv(a, safe_b);
                    let all_ones = self.b.ins().iconst(clif_type(ty), mask(ty));
                    self.b.ins().select(zero, all_ones, q)
                } else {
                    let r = self.b.ins().srem(a, safe_b);
                    self.b.ins().select(zero, a, r)
                }
            }
            BinOp::DivURv | BinOp::RemURv => {
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                let one = self.b.ins().iconst(clif_type(ty), 1);
                let safe_b = self.b.ins().select(zero, one, b);
                if op == BinOp::DivURv {
                    let q = self.b.ins().udiv(a, safe_b);
                    let all_ones = self.b.ins().iconst(clif_type(ty), mask(ty));
                    self.b.ins().select(zero, all_ones, q)
                } else {
                    let r = self.b.ins().urem(a, safe_b);
                    self.b.ins().select(zero, a, r)
                }
            }
            BinOp::And => self.b.ins().band(a, b),
            BinOp::Or => self.b.ins().bor(a, b),
            BinOp::Xor => self.b.ins().bxor(a, b),
            BinOp::Shl => self.b.ins().ishl(a, b),
            BinOp::ShrU => self.b.ins().ushr(a, b),
            BinOp::ShrS => self.b.ins().sshr(a, b),
        }
    }

    fn unary(&mut self, op: UnOp, ty: ir::Type, a: Value) -> Value {
        let t = clif_type(ty);
        let narrow = |l: &mut Self, to: types::Type, signed: bool| {
            let n = l.b.ins().ireduce(to, a);
            if signed {
                l.b.ins().sextend(t, n)
            } else {
                l.b.ins().uextend(t, n)
            }
        };
        match op {
            UnOp::ExtendS => self.b.ins().sextend(types::I64, a),
            UnOp::ExtendU => self.b.ins().uextend(types::I64, a),
            UnOp::Wrap => self.b.ins().ireduce(types::I32, a),
            UnOp::Sext8 => narrow(self, types::I8, true),
            UnOp::Sext16 => narrow(self, types::I16, true),
            UnOp::Sext32 => narrow(self, types::I32, true),
            UnOp::Zext8 => narrow(self, types::I8, false),
            UnOp::Zext16 => narrow(self, types::I16, false),
            UnOp::Zext32 => narrow(self, types::I32, false),
        }
    }

    /// Keeps the guest store about to be emitted: Cranelift's e-graph pass may delete a store, and
    /// a guest store must still trap where the interpreter's does. It deletes a store that writes
    /// back the value a load just read from the same address ("idempotent": but the address may
    /// be read-only, and the store must trap), and a store that a later store to the same address
    /// overwrites with nothing observing memory in between ("dead": the later one traps instead,
    /// at the wrong location). A `sequence_point` (a compiler barrier that emits no code) right
    /// before the store ends what the pass knows about memory there, so neither can match. Loads
    /// before the barrier are still merged and forwarded among themselves, and loads after it from
    /// this store. Without optimization nothing removes stores.
    fn keep_store(&mut self) {
        if self.opts.opt_level != super::OptLevel::None {
            self.b.ins().sequence_point();
        }
    }

    /// The host address of a guest access; 64-bit guests are bounds-checked here, 32-bit ones rely
    /// on the 4 GiB reservation.
    fn guest_addr(&mut self, addr: Operand, offset: i32, width: MemWidth) -> Value {
        match self.module.memory.addr {
            AddrWidth::A32 => {
                let a = match addr {
                    Operand::Var(v) if self.func.vars[v.0 as usize] == ir::Type::I64 => {
                        let wide = self.operand(addr, ir::Type::I64);
                        self.b.ins().ireduce(types::I32, wide)
                    }
                    _ => self.operand(addr, ir::Type::I32),
                };
                let a = if offset != 0 {
                    self.b.ins().iadd_imm_s(a, offset as i64)
                } else {
                    a
                };
                let a = self.b.ins().uextend(types::I64, a);
                self.b.ins().iadd(self.mem_base, a)
            }
            AddrWidth::A64 { size } => {
                let a = self.operand(addr, ir::Type::I64);
                let a = if offset != 0 {
                    self.b.ins().iadd_imm_s(a, offset as i64)
                } else {
                    a
                };
                let last = size.saturating_sub(width.bytes() as u64);
                let oob = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedGreaterThan, a, last as i64);
                self.b.ins().trapnz(oob, TRAP_MEMORY);
                self.b.ins().iadd(self.mem_base, a)
            }
        }
    }

    fn load(&mut self, width: MemWidth, ty: ir::Type, p: Value) -> Value {
        let f = guest_flags();
        let t = clif_type(ty);
        let ins = self.b.ins();
        match (width, ty) {
            (MemWidth::S8, _) => ins.sload8(t, f, p, 0),
            (MemWidth::U8, _) => ins.uload8(t, f, p, 0),
            (MemWidth::S16, _) => ins.sload16(t, f, p, 0),
            (MemWidth::U16, _) => ins.uload16(t, f, p, 0),
            (MemWidth::S32 | MemWidth::U32, ir::Type::I32) => ins.load(types::I32, f, p, 0),
            (MemWidth::S32, ir::Type::I64) => ins.sload32(f, p, 0),
            (MemWidth::U32, ir::Type::I64) => ins.uload32(f, p, 0),
            (MemWidth::B64, _) => ins.load(types::I64, f, p, 0),
        }
    }

    fn func_ref(&mut self, f: FuncId) -> FuncRef {
        if let Some(&r) = self.func_refs.get(&f) {
            return r;
        }
        let sig = self.b.import_signature(clif_signature(&self.module.func(f).sig));
        let name = self
            .b
            .func
            .declare_imported_user_function(UserExternalName::new(NS_FUNC, f.0));
        let r = self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.func_refs.insert(f, r);
        r
    }

    fn call_indirect(&mut self, sig: &Signature, index: Operand, args: &[Operand], dsts: &[Var]) {
        let ity = self.operand_type(index, ir::Type::I64);
        let idx = self.operand(index, ity);
        let idx = if ity == ir::Type::I32 {
            self.b.ins().uextend(types::I64, idx)
        } else {
            idx
        };
        let len = self.b.ins().load(
            types::I64,
            trusted().with_readonly(),
            self.vmctx,
            OFFSET_TABLE_LEN,
        );
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, idx, len);
        self.b.ins().trapnz(oob, TRAP_BAD_INDIRECT);
        let table = self
            .b
            .ins()
            .load(types::I64, trusted().with_readonly(), self.vmctx, OFFSET_TABLE);
        let off = self
            .b
            .ins()
            .imul_imm_s(idx, std::mem::size_of::<TableEntry>() as i64);
        let entry = self.b.ins().iadd(table, off);
        let sig_id = self.b.ins().load(types::I64, trusted().with_readonly(), entry, 8);
        // A signature no function has gets an id no table entry carries.
        let want = self.tables.sig_ids.get(sig).copied().unwrap_or(u64::MAX);
        let mismatch = self.b.ins().icmp_imm_s(IntCC::NotEqual, sig_id, want as i64);
        self.b.ins().trapnz(mismatch, TRAP_SIG_MISMATCH);
        let code = self.b.ins().load(types::I64, trusted().with_readonly(), entry, 0);
        let mut vals = vec![self.vmctx];
        for (a, &t) in args.iter().zip(&sig.params) {
            vals.push(self.operand(*a, t));
        }
        let sref = self.b.import_signature(clif_signature(sig));
        self.flush_dirty();
        let vals = self.with_depth_and_fuel(vals);
        let call = self.b.ins().call_indirect(sref, code, &vals);
        let results = self.b.inst_results(call).to_vec();
        self.take_results(dsts, results);
    }

    /// `call_dyn`: the slot's code pointer from `VmContext::dyn_table`, or, the first time, from
    /// the host-call trampoline asked for [`RESOLVE_IMPORT`] (which compiles the slot's function).
    fn call_dyn(&mut self, slot: Operand, args: &[Operand], dsts: &[Var], loc_id: u32) {
        let decl = self
            .module
            .dynamic
            .as_ref()
            .expect("verified: call_dyn needs `dynamic`");
        let (slots, sig) = (decl.slots, decl.sig.clone());
        let sty = self.operand_type(slot, ir::Type::I64);
        let s = self.operand(slot, sty);
        let s = if sty == ir::Type::I32 {
            self.b.ins().uextend(types::I64, s)
        } else {
            s
        };
        let oob = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, s, slots as i64);
        self.b.ins().trapnz(oob, TRAP_BAD_INDIRECT);
        let table = self.b.ins().load(
            types::I64,
            trusted().with_readonly(),
            self.vmctx,
            OFFSET_DYN_TABLE,
        );
        let off = self.b.ins().ishl_imm_s(s, 3);
        let entry = self.b.ins().iadd(table, off);
        let code = self.b.ins().load(types::I64, trusted(), entry, 0);
        let resolve = self.b.create_block();
        let call = self.b.create_block();
        self.b.append_block_param(call, types::I64);
        self.b.set_cold_block(resolve);
        // Both paths call out: spill what changed here, before they part (the resolve path's host
        // call would otherwise take the dirty flags with it).
        self.flush_dirty();
        self.b.ins().brif(code, call, &[code.into()], resolve, &[]);
        self.b.switch_to_block(resolve);
        let hslot = self.host_slot();
        self.b.ins().stack_store(types::I64, s, hslot, 0);
        self.call_host_trampoline(RESOLVE_IMPORT, hslot, loc_id);
        let code = self.b.ins().stack_load(types::I64, types::I64, hslot, 0);
        self.b.ins().jump(call, &[code.into()]);
        self.b.switch_to_block(call);
        let code = self.b.block_params(call)[0];
        let mut vals = vec![self.vmctx];
        for (a, &t) in args.iter().zip(&sig.params) {
            vals.push(self.operand(*a, t));
        }
        let sref = self.b.import_signature(clif_signature(&sig));
        self.flush_dirty();
        let vals = self.with_depth_and_fuel(vals);
        let inst = self.b.ins().call_indirect(sref, code, &vals);
        let results = self.b.inst_results(inst).to_vec();
        self.take_results(dsts, results);
    }

    /// A guest call's native arguments: `vmctx`, this function's depth, the fuel, then `args`.
    fn with_depth_and_fuel(&mut self, vals: Vec<Value>) -> Vec<Value> {
        let depth = self.depth.expect("the prologue sets the depth");
        let fuel = match self.fuel {
            Some(var) => self.b.use_var(var),
            None => self.b.ins().iconst(types::I64, 0),
        };
        let mut out = Vec::with_capacity(vals.len() + 2);
        out.push(vals[0]);
        out.extend([depth, fuel]);
        out.extend_from_slice(&vals[1..]);
        out
    }

    /// A guest call's results into `dsts`, and the fuel it returns into the counter.
    fn take_results(&mut self, dsts: &[Var], mut results: Vec<Value>) {
        let fuel = results.pop().expect("guest calls return the fuel last");
        if let Some(var) = self.fuel {
            self.b.def_var(var, fuel);
            self.fuel_stale = true;
        }
        for (d, r) in dsts.iter().zip(results) {
            self.def(*d, r);
        }
    }

    fn host_call(&mut self, import: ir::ImportId, args: &[Operand], dsts: &[Var], loc_id: u32) {
        let imp = &self.module.imports[import.0 as usize];
        let slot = self.host_slot();
        for (i, (a, &t)) in args.iter().zip(&imp.sig.params).enumerate() {
            let v = self.operand(*a, t);
            let v = if t == ir::Type::I32 {
                self.b.ins().sextend(types::I64, v)
            } else {
                v
            };
            self.b.ins().stack_store(types::I64, v, slot, 8 * i as i32);
        }
        self.call_host_trampoline(import.0, slot, loc_id);
        for (i, (d, &t)) in dsts.iter().zip(&imp.sig.results).enumerate() {
            let v = self
                .b
                .ins()
                .stack_load(types::I64, clif_type(t), slot, 8 * i as i32);
            self.def(*d, v);
        }
    }

    /// The argument/result area of host calls (and slot resolution), created on first use.
    fn host_slot(&mut self) -> cranelift_codegen::ir::StackSlot {
        if let Some(slot) = self.host_slot {
            return slot;
        }
        let n = self
            .module
            .imports
            .iter()
            .map(|i| i.sig.params.len().max(i.sig.results.len()))
            .max();
        let size = 8 * n.unwrap_or(1).max(1) as u32;
        let slot = self
            .b
            .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size, 3));
        self.host_slot = Some(slot);
        slot
    }

    /// Calls `VmContext::host_call(vmctx, import, slot, loc_id)` with the fuel in the context.
    fn call_host_trampoline(&mut self, import: u32, slot: cranelift_codegen::ir::StackSlot, loc_id: u32) {
        let addr = self.b.ins().stack_addr(types::I64, slot, 0);
        let sig = *self.host_sig.get_or_insert_with(|| {
            let s = sysv_sig(&[types::I64, types::I32, types::I64, types::I32]);
            self.b.import_signature(s)
        });
        let f = self.b.ins().load(
            types::I64,
            trusted().with_readonly(),
            self.vmctx,
            OFFSET_HOST_CALL,
        );
        let id = self.b.ins().iconst(types::I32, import as i64);
        let loc = self.b.ins().iconst(types::I32, loc_id as i64);
        self.flush_dirty();
        self.store_fuel();
        self.b.ins().call_indirect(sig, f, &[self.vmctx, id, addr, loc]);
        self.reload_fuel();
    }

    /// Debuggable code: spill what changed, then a patchable call to the site stub, then reload the
    /// variables if the debugger wrote them.
    fn breakpoint_site(&mut self, loc: SourceLoc, loc_id: u32) {
        self.flush_dirty();
        self.tables.sites.push(LocEntry {
            func: self.func_id,
            loc: Some(loc),
            fuel_ahead: self.fuel_ahead,
        });
        self.tables.site_loc_ids.push(loc_id);
        let site = (self.tables.site_base as usize + self.tables.sites.len() - 1) as i64;
        let stub = self.stub_ref(NS_SITE_STUB, true);
        let frame = match self.debug_frame {
            Some(slot) => self.b.ins().stack_addr(types::I64, slot, 0),
            None => self.b.ins().iconst(types::I64, 0),
        };
        let site_v = self.b.ins().iconst(types::I64, site);
        let fuel = match self.fuel {
            Some(var) => self.b.use_var(var),
            None => self.b.ins().iconst(types::I64, NO_FUEL),
        };
        self.b.ins().call(stub, &[self.vmctx, site_v, frame, fuel]);
        if self.debug_frame.is_none() && self.fuel.is_none() {
            // Nothing a stop can change lives in this frame.
            return;
        }
        // A stop at the site sets `debug_reload` when it resumes: variables (a debugger may have
        // written them) and fuel (it may have been added) come back from the frame and the context.
        let reload = self
            .b
            .ins()
            .load(types::I32, trusted(), self.vmctx, OFFSET_DEBUG_RELOAD);
        let reload_block = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(reload_block);
        self.b.ins().brif(reload, reload_block, &[], cont, &[]);
        self.b.switch_to_block(reload_block);
        let zero = self.b.ins().iconst(types::I32, 0);
        self.b
            .ins()
            .store(trusted(), zero, self.vmctx, OFFSET_DEBUG_RELOAD);
        if let Some(slot) = self.debug_frame {
            for i in 0..self.func.vars.len() {
                let v = self
                    .b
                    .ins()
                    .stack_load(types::I64, types::I64, slot, 8 * i as i32);
                let v = if self.func.vars[i] == ir::Type::I32 {
                    self.b.ins().ireduce(types::I32, v)
                } else {
                    v
                };
                self.b.def_var(self.vars[i], v);
            }
        }
        self.reload_fuel();
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
    }

    fn lower_terminator(&mut self, term: &Terminator, term_loc: Option<SourceLoc>) {
        match term {
            Terminator::Jump(t) => {
                self.b.ins().jump(self.blocks[t.0 as usize], &[]);
            }
            Terminator::Brif { cond, then, else_ } => {
                let t = self.blocks[then.0 as usize];
                let e = self.blocks[else_.0 as usize];
                match cond {
                    Operand::Imm(i) => {
                        self.b.ins().jump(if *i != 0 { t } else { e }, &[]);
                    }
                    Operand::Var(_) => {
                        let ty = self.operand_type(*cond, ir::Type::I64);
                        let c = self.operand(*cond, ty);
                        self.b.ins().brif(c, t, &[], e, &[]);
                    }
                }
            }
            Terminator::BrTable {
                index,
                targets,
                default,
            } => {
                let ty = self.operand_type(*index, ir::Type::I64);
                let idx = self.operand(*index, ty);
                let idx = if ty == ir::Type::I32 {
                    self.b.ins().uextend(types::I64, idx)
                } else {
                    idx
                };
                let n = targets.len() as i64;
                let in_range = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, idx, n);
                let n_v = self.b.ins().iconst(types::I64, n);
                let clamped = self.b.ins().select(in_range, idx, n_v);
                let idx32 = self.b.ins().ireduce(types::I32, clamped);
                let pool = &mut self.b.func.dfg.value_lists;
                let def = cranelift_codegen::ir::BlockCall::new(self.blocks[default.0 as usize], [], pool);
                let calls: Vec<_> = targets
                    .iter()
                    .map(|t| cranelift_codegen::ir::BlockCall::new(self.blocks[t.0 as usize], [], pool))
                    .collect();
                let jt = self
                    .b
                    .create_jump_table(cranelift_codegen::ir::JumpTableData::new(def, &calls));
                self.b.ins().br_table(idx32, jt);
            }
            Terminator::Return(vals) => {
                let results: Vec<_> = vals
                    .iter()
                    .zip(self.func.sig.results.clone())
                    .map(|(v, t)| self.operand(*v, t))
                    .collect();
                let mut results = results;
                results.push(match self.fuel {
                    Some(var) => self.b.use_var(var),
                    None => self.b.ins().iconst(types::I64, 0),
                });
                self.b.ins().return_(&results);
            }
            Terminator::Trap(code) => {
                let loc_id = self.new_loc_id(term_loc);
                self.store_fuel();
                self.call_stop(STOP_TRAP, ((encode_trap(*code) as u64) << 32) | loc_id as u64);
                self.b.ins().trap(TRAP_UNREACHABLE);
            }
        }
    }
}

/// Whether an instruction can trap in hardware (so the fuel counter must be in the context before
/// it runs). `call_indirect` is covered: it always stores the fuel first, being a call.
fn may_trap(kind: &InstKind) -> bool {
    match kind {
        InstKind::Load { .. }
        | InstKind::Store { .. }
        | InstKind::CallIndirect { .. }
        | InstKind::CallDyn { .. } => true,
        // Division by a constant other than 0 and -1 cannot trap.
        InstKind::Binary {
            op: BinOp::DivS | BinOp::DivU | BinOp::RemS | BinOp::RemU,
            b: Operand::Imm(c),
            ..
        } => *c == 0 || *c == -1,
        InstKind::Binary { op, .. } => matches!(
            op,
            BinOp::AddChecked
                | BinOp::SubChecked
                | BinOp::MulChecked
                | BinOp::DivS
                | BinOp::DivU
                | BinOp::RemS
                | BinOp::RemU
        ),
        _ => false,
    }
}

fn mask(ty: ir::Type) -> i64 {
    match ty {
        ir::Type::I32 => 0xffff_ffff,
        ir::Type::I64 => -1,
    }
}

fn intcc(c: Cond) -> IntCC {
    match c {
        Cond::Eq => IntCC::Equal,
        Cond::Ne => IntCC::NotEqual,
        Cond::LtS => IntCC::SignedLessThan,
        Cond::LeS => IntCC::SignedLessThanOrEqual,
        Cond::GtS => IntCC::SignedGreaterThan,
        Cond::GeS => IntCC::SignedGreaterThanOrEqual,
        Cond::LtU => IntCC::UnsignedLessThan,
        Cond::LeU => IntCC::UnsignedLessThanOrEqual,
        Cond::GtU => IntCC::UnsignedGreaterThan,
        Cond::GeU => IntCC::UnsignedGreaterThanOrEqual,
    }
}
