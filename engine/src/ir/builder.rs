//! A small builder for front ends that construct IR functions in memory.
//!
//! Owns only the bookkeeping of building one [`Function`]: variables, blocks, the current block,
//! the current source location. It must never check types or semantics (that is the verifier's job,
//! and front ends must still run it) and never know any front end.
//!
//! Conventions:
//! - [`FunctionBuilder::new`] creates the parameter variables `v0..vP` and the entry block `block0`,
//!   and selects it.
//! - Instructions and terminators go to the current block and carry the location last given to
//!   [`FunctionBuilder::set_loc`].
//! - [`FunctionBuilder::store`] spells its width canonically (`MemWidth::store_of_bytes`), so that
//!   built modules survive a print/parse round trip unchanged.
//! - [`FunctionBuilder::finish`] gives every block that was never terminated the terminator
//!   `trap unreachable` (without a location).
//!
//! Misuse is a bug in the front end and panics: adding to a block that is already terminated,
//! switching to a block that was not created, asking for a parameter that does not exist.

use super::{
    BinOp, Block, BlockId, Cond, FuncId, Function, GlobalId, ImportId, Inst, InstKind, MemWidth, Operand,
    Signature, SourceLoc, Terminator, TrapCode, Type, UnOp, Var,
};

/// Builds one function; see the module documentation.
#[derive(Debug)]
pub struct FunctionBuilder {
    func: Function,
    /// Whether each block has received its terminator.
    terminated: Vec<bool>,
    current: BlockId,
    loc: Option<SourceLoc>,
}

impl FunctionBuilder {
    /// A function with its parameter variables and an empty entry block `block0`, selected.
    pub fn new(name: impl Into<String>, sig: Signature) -> Self {
        let vars = sig.params.clone();
        let mut b = FunctionBuilder {
            func: Function {
                name: name.into(),
                sig,
                vars,
                blocks: Vec::new(),
            },
            terminated: Vec::new(),
            current: BlockId(0),
            loc: None,
        };
        b.create_block();
        b
    }

    /// A new variable of type `ty`.
    pub fn var(&mut self, ty: Type) -> Var {
        self.func.vars.push(ty);
        Var((self.func.vars.len() - 1) as u32)
    }

    /// The variable of parameter `i`. Panics if there is no such parameter.
    pub fn param(&self, i: usize) -> Var {
        assert!(
            i < self.func.sig.params.len(),
            "function `{}` has no parameter {i}",
            self.func.name
        );
        Var(i as u32)
    }

    /// A new empty block (not selected).
    pub fn create_block(&mut self) -> BlockId {
        self.func.blocks.push(Block {
            insts: Vec::new(),
            term: Terminator::Trap(TrapCode::Unreachable),
            term_loc: None,
            on_interrupt: None,
        });
        self.terminated.push(false);
        BlockId((self.func.blocks.len() - 1) as u32)
    }

    /// Sets `block`'s interrupt exit (see `Block::on_interrupt`; `block` must be a check point).
    pub fn set_interrupt_exit(&mut self, block: BlockId, exit: BlockId) {
        self.func.blocks[block.0 as usize].on_interrupt = Some(exit);
    }

    /// Makes `b` the block that receives instructions. Panics if `b` was not created.
    pub fn switch_to_block(&mut self, b: BlockId) {
        assert!(
            (b.0 as usize) < self.func.blocks.len(),
            "block{} was not created",
            b.0
        );
        self.current = b;
    }

    /// The block that receives instructions.
    /// The function as built so far.
    pub fn function(&self) -> &Function {
        &self.func
    }

    pub fn current_block(&self) -> BlockId {
        self.current
    }

    /// Whether the current block already has its terminator.
    pub fn is_terminated(&self) -> bool {
        self.terminated[self.current.0 as usize]
    }

    /// The location given to instructions and terminators added from now on.
    pub fn set_loc(&mut self, loc: Option<SourceLoc>) {
        self.loc = loc;
    }

    /// The type of a variable created so far, if it exists.
    pub fn var_type(&self, v: Var) -> Option<Type> {
        self.func.var_type(v)
    }

    /// Appends an instruction to the current block. Panics if the block is already terminated.
    pub fn ins(&mut self, kind: InstKind) {
        let loc = self.loc;
        self.open_block().insts.push(Inst { kind, loc });
    }

    pub fn iconst(&mut self, dst: Var, imm: i64) {
        self.ins(InstKind::Const { dst, imm });
    }

    pub fn copy(&mut self, dst: Var, src: impl Into<Operand>) {
        self.ins(InstKind::Copy { dst, src: src.into() });
    }

    pub fn binary(&mut self, op: BinOp, dst: Var, a: impl Into<Operand>, b: impl Into<Operand>) {
        self.ins(InstKind::Binary {
            op,
            dst,
            a: a.into(),
            b: b.into(),
        });
    }

    pub fn unary(&mut self, op: UnOp, dst: Var, a: impl Into<Operand>) {
        self.ins(InstKind::Unary { op, dst, a: a.into() });
    }

    pub fn icmp(&mut self, cond: Cond, dst: Var, a: impl Into<Operand>, b: impl Into<Operand>) {
        self.ins(InstKind::Icmp {
            cond,
            dst,
            a: a.into(),
            b: b.into(),
        });
    }

    pub fn select(
        &mut self,
        dst: Var,
        cond: impl Into<Operand>,
        a: impl Into<Operand>,
        b: impl Into<Operand>,
    ) {
        self.ins(InstKind::Select {
            dst,
            cond: cond.into(),
            a: a.into(),
            b: b.into(),
        });
    }

    pub fn load(&mut self, width: MemWidth, dst: Var, addr: impl Into<Operand>, offset: i32) {
        self.ins(InstKind::Load {
            width,
            dst,
            addr: addr.into(),
            offset,
        });
    }

    /// A store; `width` only matters by its size and is normalized to the canonical store spelling.
    pub fn store(
        &mut self,
        width: MemWidth,
        addr: impl Into<Operand>,
        offset: i32,
        value: impl Into<Operand>,
    ) {
        let width = MemWidth::store_of_bytes(width.bytes()).unwrap_or(width);
        self.ins(InstKind::Store {
            width,
            addr: addr.into(),
            offset,
            value: value.into(),
        });
    }

    pub fn global_get(&mut self, dst: Var, global: GlobalId) {
        self.ins(InstKind::GlobalGet { dst, global });
    }

    pub fn global_set(&mut self, global: GlobalId, value: impl Into<Operand>) {
        self.ins(InstKind::GlobalSet {
            global,
            value: value.into(),
        });
    }

    pub fn call(
        &mut self,
        func: FuncId,
        args: impl IntoIterator<Item = Operand>,
        dsts: impl IntoIterator<Item = Var>,
    ) {
        self.ins(InstKind::Call {
            func,
            args: args.into_iter().collect(),
            dsts: dsts.into_iter().collect(),
        });
    }

    pub fn call_indirect(
        &mut self,
        sig: Signature,
        index: impl Into<Operand>,
        args: impl IntoIterator<Item = Operand>,
        dsts: impl IntoIterator<Item = Var>,
    ) {
        self.ins(InstKind::CallIndirect {
            sig,
            index: index.into(),
            args: args.into_iter().collect(),
            dsts: dsts.into_iter().collect(),
        });
    }

    /// `dsts = call_dyn slot(args)`.
    pub fn call_dyn(
        &mut self,
        slot: impl Into<Operand>,
        args: impl IntoIterator<Item = Operand>,
        dsts: impl IntoIterator<Item = Var>,
    ) {
        self.ins(InstKind::CallDyn {
            slot: slot.into(),
            args: args.into_iter().collect(),
            dsts: dsts.into_iter().collect(),
        });
    }

    pub fn hostcall(
        &mut self,
        import: ImportId,
        args: impl IntoIterator<Item = Operand>,
        dsts: impl IntoIterator<Item = Var>,
    ) {
        self.ins(InstKind::HostCall {
            import,
            args: args.into_iter().collect(),
            dsts: dsts.into_iter().collect(),
        });
    }

    /// `dst = depth`: the current call depth.
    pub fn depth(&mut self, dst: Var) {
        self.ins(InstKind::Depth { dst });
    }

    /// A guest instruction boundary at the current location.
    pub fn mark(&mut self) {
        self.ins(InstKind::Mark);
    }

    /// Terminates the current block. Panics if it is already terminated.
    pub fn terminate(&mut self, term: Terminator) {
        let loc = self.loc;
        let block = self.open_block();
        block.term = term;
        block.term_loc = loc;
        self.terminated[self.current.0 as usize] = true;
    }

    pub fn jump(&mut self, target: BlockId) {
        self.terminate(Terminator::Jump(target));
    }

    pub fn brif(&mut self, cond: impl Into<Operand>, then: BlockId, else_: BlockId) {
        self.terminate(Terminator::Brif {
            cond: cond.into(),
            then,
            else_,
        });
    }

    pub fn br_table(&mut self, index: impl Into<Operand>, targets: Vec<BlockId>, default: BlockId) {
        self.terminate(Terminator::BrTable {
            index: index.into(),
            targets,
            default,
        });
    }

    pub fn ret(&mut self, values: impl IntoIterator<Item = Operand>) {
        self.terminate(Terminator::Return(values.into_iter().collect()));
    }

    pub fn trap(&mut self, code: TrapCode) {
        self.terminate(Terminator::Trap(code));
    }

    /// The function. Blocks that were never terminated end in `trap unreachable`.
    pub fn finish(self) -> Function {
        // Unterminated blocks already hold `Trap(Unreachable)` without a location (see `create_block`).
        self.func
    }

    fn open_block(&mut self) -> &mut Block {
        let i = self.current.0 as usize;
        assert!(
            !self.terminated[i],
            "block{i} of `{}` is already terminated",
            self.func.name
        );
        &mut self.func.blocks[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse::parse_module;
    use crate::ir::print::print_module;
    use crate::ir::verify::verify_module;
    use crate::ir::{Global, Import, ImportKind, Module};

    fn sig(params: &[Type], results: &[Type]) -> Signature {
        Signature {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    #[test]
    fn builds_a_verifiable_function_that_round_trips() {
        let mut b = FunctionBuilder::new("main", sig(&[Type::I32, Type::I64], &[Type::I64]));
        let (p0, p1) = (b.param(0), b.param(1));
        assert_eq!((p0, p1), (Var(0), Var(1)));
        assert_eq!(b.current_block(), BlockId(0));
        let x = b.var(Type::I64);
        let c = b.var(Type::I32);
        assert_eq!((x, c), (Var(2), Var(3)));
        assert_eq!(b.var_type(c), Some(Type::I32));
        let body = b.create_block();
        let exit = b.create_block();
        let unused = b.create_block();

        b.set_loc(Some(SourceLoc(0x100)));
        b.mark();
        b.iconst(x, 5);
        b.set_loc(None);
        b.copy(x, p1);
        b.binary(BinOp::Add, x, x, Operand::Imm(1));
        b.unary(UnOp::ExtendS, x, p0);
        b.icmp(Cond::LtS, c, x, p1);
        b.select(x, c, x, Operand::Imm(0));
        b.load(MemWidth::S16, x, p0, 8);
        b.store(MemWidth::S32, p0, -4, x);
        b.global_get(x, GlobalId(0));
        b.global_set(GlobalId(0), x);
        b.call(FuncId(0), [Operand::from(p0), p1.into()], [x]);
        b.call_indirect(sig(&[], &[]), Operand::Imm(0), [], []);
        b.hostcall(ImportId(0), [Operand::from(x)], []);
        b.set_loc(Some(SourceLoc(7)));
        b.brif(c, body, exit);
        assert!(b.is_terminated());

        b.switch_to_block(body);
        assert!(!b.is_terminated());
        b.br_table(x, vec![body, exit], exit);
        b.switch_to_block(exit);
        b.set_loc(None);
        b.ret([Operand::from(x)]);
        let f = b.finish();

        assert_eq!(f.vars, vec![Type::I32, Type::I64, Type::I64, Type::I32]);
        assert_eq!(f.blocks.len(), 4);
        assert_eq!(
            f.blocks[0].insts[0],
            Inst {
                kind: InstKind::Mark,
                loc: Some(SourceLoc(0x100))
            }
        );
        assert_eq!(f.blocks[0].insts[1].loc, Some(SourceLoc(0x100)));
        assert_eq!(f.blocks[0].insts[2].loc, None);
        assert!(matches!(
            f.blocks[0].insts[8].kind,
            InstKind::Store {
                width: MemWidth::U32,
                offset: -4,
                ..
            }
        ));
        assert_eq!(f.blocks[0].term_loc, Some(SourceLoc(7)));
        assert_eq!(f.blocks[1].term_loc, Some(SourceLoc(7)));
        assert_eq!(f.blocks[2].term, Terminator::Return(vec![Operand::Var(x)]));
        // Never terminated: `trap unreachable`, no location.
        assert_eq!(
            f.blocks[unused.0 as usize].term,
            Terminator::Trap(TrapCode::Unreachable)
        );
        assert_eq!(f.blocks[3].term_loc, None);

        let m = Module {
            globals: vec![Global {
                ty: Type::I64,
                init: 0,
            }],
            imports: vec![Import {
                name: "log".into(),
                kind: ImportKind::Effect,
                sig: sig(&[Type::I64], &[]),
            }],
            funcs: vec![f],
            ..Module::default()
        };
        verify_module(&m).unwrap();
        assert_eq!(parse_module(&print_module(&m)), Ok(m));
    }

    #[test]
    fn trap_terminator_and_empty_function() {
        let mut b = FunctionBuilder::new("t", Signature::default());
        b.trap(TrapCode::User(3));
        let f = b.finish();
        assert_eq!(f.blocks.len(), 1);
        assert_eq!(f.blocks[0].term, Terminator::Trap(TrapCode::User(3)));
        let f = FunctionBuilder::new("e", Signature::default()).finish();
        assert_eq!(f.blocks[0].term, Terminator::Trap(TrapCode::Unreachable));
        let mut b = FunctionBuilder::new("j", Signature::default());
        b.jump(BlockId(0));
        assert_eq!(b.finish().blocks[0].term, Terminator::Jump(BlockId(0)));
    }

    #[test]
    #[should_panic(expected = "block0 of `f` is already terminated")]
    fn adding_after_a_terminator_panics() {
        let mut b = FunctionBuilder::new("f", Signature::default());
        b.ret([]);
        b.mark();
    }

    #[test]
    #[should_panic(expected = "block1 was not created")]
    fn switching_to_an_unknown_block_panics() {
        FunctionBuilder::new("f", Signature::default()).switch_to_block(BlockId(1));
    }

    #[test]
    #[should_panic(expected = "has no parameter 0")]
    fn unknown_parameter_panics() {
        let _ = FunctionBuilder::new("f", Signature::default()).param(0);
    }
}
