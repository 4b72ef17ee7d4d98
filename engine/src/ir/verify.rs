//! The IR verifier: the single gate between untrusted IR (front ends, parsed text, fuzzers) and the
//! interpreter and JIT, which may assume everything checked here.
//!
//! Owns the well-formedness rules: ids in range, variable types, instruction type rules, call
//! arities, immediates that fit, memory layout, unique names, and the size limits that keep hostile
//! input from making the compiler run away. It reports the first violation with its location,
//! rendering the offending instruction with the printer.
//!
//! It must never panic, mutate or execute anything, and it must stay linear (or `n log n`) in the
//! size of the module.

use super::print::{name_text, print_block_terminator, print_inst};
use super::{AddrWidth, Function, InstKind, MemWidth, Module, Operand, Signature, Terminator, Type, Var};
use crate::memory::{MAX_A64_SIZE, PAGE};

/// Most functions in a module.
pub const MAX_FUNCS: usize = 100_000;
/// Most blocks in a function.
pub const MAX_BLOCKS: usize = 100_000;
/// Most instructions in a function (terminators not counted).
pub const MAX_INSTS: usize = 1_000_000;
/// Most variables in a function.
pub const MAX_VARS: usize = 100_000;
/// Most arguments, and most results, of a call or signature.
pub const MAX_CALL_ARGS: usize = 64;
/// Most globals in a module (the JIT addresses them at `8 * index` from a base pointer).
pub const MAX_GLOBALS: usize = 100_000;
/// Most imports in a module.
pub const MAX_IMPORTS: usize = 100_000;
/// Most entries in the indirect-call table.
pub const MAX_TABLE: usize = 100_000;
/// Most dynamic slots (a RISC-V guest has one per halfword of its code: 64 MiB of code).
pub const MAX_DYNAMIC_SLOTS: u64 = 1 << 25;
/// Most declared memory regions: each region is its own host mapping (with its own protection), and
/// the host limits the number of mappings per process.
pub const MAX_REGIONS: usize = 4096;

/// A verification error: where (`function @main, block2, inst 3 (`...`)`) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct VerifyError {
    pub location: String,
    pub message: String,
}

/// Checks every rule; returns the first violation. Instruction indices in locations are 0-based
/// positions in `Block::insts`.
pub fn verify_module(m: &Module) -> Result<(), VerifyError> {
    verify_memory(m)?;
    if m.globals.len() > MAX_GLOBALS {
        return Err(err(
            "module",
            format!("{} globals exceed the limit of {MAX_GLOBALS}", m.globals.len()),
        ));
    }
    for (i, g) in m.globals.iter().enumerate() {
        if !imm_fits(g.ty, g.init) {
            return Err(err(
                format!("global g{i}"),
                format!("initial value {} does not fit in {}", g.init, g.ty.name()),
            ));
        }
    }
    if m.imports.len() > MAX_IMPORTS {
        return Err(err(
            "module",
            format!("{} imports exceed the limit of {MAX_IMPORTS}", m.imports.len()),
        ));
    }
    let mut names = std::collections::HashMap::new();
    for (i, imp) in m.imports.iter().enumerate() {
        let location = format!("import {}", name_text(&imp.name));
        if let Some(first) = names.insert(imp.name.as_str(), i) {
            return Err(err(
                location,
                format!("import name is already used by import {first}"),
            ));
        }
        check_sig_size(&imp.sig).map_err(|msg| err(location, msg))?;
    }
    if m.funcs.len() > MAX_FUNCS {
        return Err(err(
            "module",
            format!("{} functions exceed the limit of {MAX_FUNCS}", m.funcs.len()),
        ));
    }
    names.clear();
    for (i, f) in m.funcs.iter().enumerate() {
        if let Some(first) = names.insert(f.name.as_str(), i) {
            return Err(err(
                format!("function {}", name_text(&f.name)),
                format!("function name is already used by function {first}"),
            ));
        }
    }
    if m.table.len() > MAX_TABLE {
        return Err(err(
            "table",
            format!("{} entries exceed the limit of {MAX_TABLE}", m.table.len()),
        ));
    }
    for (i, f) in m.table.iter().enumerate() {
        if f.0 as usize >= m.funcs.len() {
            return Err(err(
                format!("table entry {i}"),
                format!(
                    "function {} does not exist (the module has {} functions)",
                    f.0,
                    m.funcs.len()
                ),
            ));
        }
    }
    if let Some(d) = &m.dynamic {
        if d.slots == 0 || d.slots > MAX_DYNAMIC_SLOTS {
            return Err(err(
                "dynamic",
                format!("{} slots: a module declares 1 to {MAX_DYNAMIC_SLOTS}", d.slots),
            ));
        }
        check_sig_size(&d.sig).map_err(|msg| err("dynamic", msg))?;
    }
    for f in &m.funcs {
        FnVerifier { m, f, dynamic: false }.verify()?;
    }
    Ok(())
}

/// Checks a function a resolver produced for one of `m`'s dynamic slots: every rule of a module
/// function, the declared signature, and no `call`/`call_indirect` (see `ir::DynamicDecl`).
pub fn verify_dynamic_function(m: &Module, f: &Function) -> Result<(), VerifyError> {
    let location = || format!("dynamic function {}", name_text(&f.name));
    let Some(d) = &m.dynamic else {
        return Err(err(location(), "the module declares no dynamic slots"));
    };
    if f.sig != d.sig {
        return Err(err(
            location(),
            format!(
                "signature {:?} -> {:?} differs from the declared {:?} -> {:?}",
                f.sig.params, f.sig.results, d.sig.params, d.sig.results
            ),
        ));
    }
    FnVerifier { m, f, dynamic: true }.verify()
}

fn err(location: impl Into<String>, message: impl Into<String>) -> VerifyError {
    VerifyError {
        location: location.into(),
        message: message.into(),
    }
}

/// Whether `imm` may be used at `ty`: i32 immediates must be in `[-2^31, 2^32)` (signed or unsigned
/// spelling of a 32-bit value); every i64 is fine.
pub fn imm_fits(ty: Type, imm: i64) -> bool {
    match ty {
        Type::I32 => (-(1i64 << 31)..(1i64 << 32)).contains(&imm),
        Type::I64 => true,
    }
}

fn check_sig_size(sig: &Signature) -> Result<(), String> {
    if sig.params.len() > MAX_CALL_ARGS {
        return Err(format!(
            "{} parameters exceed the limit of {MAX_CALL_ARGS}",
            sig.params.len()
        ));
    }
    if sig.results.len() > MAX_CALL_ARGS {
        return Err(format!(
            "{} results exceed the limit of {MAX_CALL_ARGS}",
            sig.results.len()
        ));
    }
    Ok(())
}

fn verify_memory(m: &Module) -> Result<(), VerifyError> {
    let mem = &m.memory;
    let space = match mem.addr {
        AddrWidth::A32 => 1u64 << 32,
        AddrWidth::A64 { size } => {
            if size < 8 {
                return Err(err(
                    "memory",
                    format!("address-space size {size:#x} is smaller than 8 bytes"),
                ));
            }
            if size > MAX_A64_SIZE {
                return Err(err(
                    "memory",
                    format!("address-space size {size:#x} exceeds the limit of {MAX_A64_SIZE:#x}"),
                ));
            }
            size
        }
    };
    if mem.regions.len() > MAX_REGIONS {
        return Err(err(
            "memory",
            format!("{} regions exceed the limit of {MAX_REGIONS}", mem.regions.len()),
        ));
    }
    for (i, r) in mem.regions.iter().enumerate() {
        let location = format!("region {i} ({:#x} {:#x} {})", r.base, r.size, r.rights.name());
        if !r.base.is_multiple_of(PAGE) || !r.size.is_multiple_of(PAGE) {
            return Err(err(
                location,
                format!("base and size must be multiples of the page size {PAGE:#x}"),
            ));
        }
        if r.size == 0 {
            return Err(err(location, "region is empty"));
        }
        if r.base.checked_add(r.size).is_none_or(|end| end > space) {
            return Err(err(
                location,
                format!("region extends past the end of the address space ({space:#x})"),
            ));
        }
    }
    // (base, end, index), by address.
    let mut sorted: Vec<(u64, u64, usize)> = mem
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.base, r.base + r.size, i))
        .collect();
    sorted.sort_unstable();
    for w in sorted.windows(2) {
        let [(_, end_a, a), (base_b, _, b)] = [w[0], w[1]];
        if end_a > base_b {
            let (first, second) = (a.min(b), a.max(b));
            return Err(err(
                format!("region {second}"),
                format!("region overlaps region {first}"),
            ));
        }
    }
    for (i, d) in mem.data.iter().enumerate() {
        let location = format!("data {i} ({} bytes at {:#x})", d.bytes.len(), d.addr);
        let Some(end) = d.addr.checked_add(d.bytes.len() as u64).filter(|&e| e <= space) else {
            return Err(err(
                location,
                format!("data extends past the end of the address space ({space:#x})"),
            ));
        };
        let mut at = d.addr;
        while at < end {
            // The last region starting at or before `at`.
            let k = sorted.partition_point(|&(base, _, _)| base <= at);
            match k.checked_sub(1).map(|k| sorted[k]) {
                Some((_, region_end, _)) if region_end > at => at = region_end,
                _ => {
                    return Err(err(
                        location,
                        format!("byte {at:#x} lies outside every declared region"),
                    ))
                }
            }
        }
    }
    Ok(())
}

struct FnVerifier<'a> {
    m: &'a Module,
    f: &'a Function,
    /// A dynamic function: `call` and `call_indirect` are not allowed.
    dynamic: bool,
}

impl FnVerifier<'_> {
    fn location(&self) -> String {
        format!("function {}", name_text(&self.f.name))
    }

    fn verify(&self) -> Result<(), VerifyError> {
        let f = self.f;
        let fail = |msg: String| Err(err(self.location(), msg));
        check_sig_size(&f.sig).or_else(fail)?;
        if f.blocks.is_empty() {
            return fail("function has no blocks".into());
        }
        if f.blocks.len() > MAX_BLOCKS {
            return fail(format!(
                "{} blocks exceed the limit of {MAX_BLOCKS}",
                f.blocks.len()
            ));
        }
        if f.vars.len() > MAX_VARS {
            return fail(format!(
                "{} variables exceed the limit of {MAX_VARS}",
                f.vars.len()
            ));
        }
        let insts: usize = f.blocks.iter().map(|b| b.insts.len()).sum();
        if insts > MAX_INSTS {
            return fail(format!("{insts} instructions exceed the limit of {MAX_INSTS}"));
        }
        if f.vars.len() < f.sig.params.len() {
            return fail(format!(
                "function has {} parameters but only {} variables",
                f.sig.params.len(),
                f.vars.len()
            ));
        }
        for (i, (&p, &v)) in f.sig.params.iter().zip(&f.vars).enumerate() {
            if p != v {
                return fail(format!(
                    "parameter {i} has type {} in the signature but variable v{i} has type {}",
                    p.name(),
                    v.name()
                ));
            }
        }
        let check_points = crate::fuel::check_points(f);
        for (bi, b) in f.blocks.iter().enumerate() {
            if let Some(exit) = b.on_interrupt {
                self.block_exists(exit)
                    .or_else(|m| fail(format!("block{bi}'s interrupt exit: {m}")))?;
                if !check_points[bi] {
                    return fail(format!(
                        "block{bi} has an interrupt exit but is no check point (the entry block or a loop header)"
                    ));
                }
                // The exit leaves the function: a loop or a chain of exits there would run with no
                // check point to stop it (exit edges are no edges for `fuel::check_points`).
                let target = &f.blocks[exit.0 as usize];
                if !matches!(target.term, Terminator::Return(_) | Terminator::Trap(_))
                    || target.on_interrupt.is_some()
                    || check_points[exit.0 as usize]
                {
                    return fail(format!(
                        "block{bi}'s interrupt exit block{} must end the function (`return` or `trap`), \
                         be no check point and have no exit of its own",
                        exit.0
                    ));
                }
            }
            for (ii, inst) in b.insts.iter().enumerate() {
                self.inst(&inst.kind).map_err(|msg| {
                    err(
                        format!(
                            "{}, block{bi}, inst {ii} (`{}`)",
                            self.location(),
                            print_inst(self.m, inst)
                        ),
                        msg,
                    )
                })?;
            }
            self.terminator(&b.term).map_err(|msg| {
                err(
                    format!(
                        "{}, block{bi}, terminator (`{}`)",
                        self.location(),
                        print_block_terminator(b)
                    ),
                    msg,
                )
            })?;
        }
        Ok(())
    }

    fn var_type(&self, v: Var) -> Result<Type, String> {
        self.f.var_type(v).ok_or_else(|| {
            format!(
                "variable v{} is not declared (the function has {} variables)",
                v.0,
                self.f.vars.len()
            )
        })
    }

    /// A variable operand (or destination) must exist; its type, if it is a variable.
    fn operand_type(&self, op: Operand) -> Result<Option<Type>, String> {
        match op {
            Operand::Var(v) => self.var_type(v).map(Some),
            Operand::Imm(_) => Ok(None),
        }
    }

    /// `op` is used at type `want`: a variable must have that type, an immediate must fit it.
    fn operand_at(&self, op: Operand, want: Type, what: &str) -> Result<(), String> {
        match op {
            Operand::Var(v) => {
                let t = self.var_type(v)?;
                if t != want {
                    return Err(format!(
                        "{what} v{} has type {}, expected {}",
                        v.0,
                        t.name(),
                        want.name()
                    ));
                }
            }
            Operand::Imm(i) => {
                if !imm_fits(want, i) {
                    return Err(format!("{what} {i} does not fit in {}", want.name()));
                }
            }
        }
        Ok(())
    }

    fn dst_at(&self, v: Var, want: Type, what: &str) -> Result<(), String> {
        self.operand_at(Operand::Var(v), want, what)
    }

    /// A load's or store's address: the address width's type, or (for 32-bit guests) an i64 whose
    /// low 32 bits are the address (front ends whose values are all i64, like TEL, need no `wrap`).
    fn address(&self, addr: Operand) -> Result<(), String> {
        if let (AddrWidth::A32, Operand::Var(v)) = (self.m.memory.addr, addr) {
            if self.var_type(v)? == Type::I64 {
                return Ok(());
            }
        }
        self.operand_at(addr, self.addr_type(), "address")
    }

    fn addr_type(&self) -> Type {
        match self.m.memory.addr {
            AddrWidth::A32 => Type::I32,
            AddrWidth::A64 { .. } => Type::I64,
        }
    }

    fn inst(&self, kind: &InstKind) -> Result<(), String> {
        match kind {
            InstKind::Const { dst, imm } => {
                let t = self.var_type(*dst)?;
                if !imm_fits(t, *imm) {
                    return Err(format!("immediate {imm} does not fit in {}", t.name()));
                }
            }
            InstKind::Copy { dst, src } => {
                let t = self.var_type(*dst)?;
                self.operand_at(*src, t, "source")?;
            }
            InstKind::Binary { dst, a, b, .. } => {
                let t = self.var_type(*dst)?;
                self.operand_at(*a, t, "operand")?;
                self.operand_at(*b, t, "operand")?;
            }
            InstKind::Unary { op, dst, a } => {
                let t = self.var_type(*dst)?;
                let Some(at) = op.operand_type(t) else {
                    return Err(format!(
                        "`{}` cannot produce a result of type {}",
                        op.name(),
                        t.name()
                    ));
                };
                self.operand_at(*a, at, "operand")?;
            }
            InstKind::Icmp { dst, a, b, .. } => {
                self.var_type(*dst)?;
                let ta = self.operand_type(*a)?;
                let tb = self.operand_type(*b)?;
                if let (Some(ta), Some(tb)) = (ta, tb) {
                    if ta != tb {
                        return Err(format!(
                            "operands have different types ({} and {})",
                            ta.name(),
                            tb.name()
                        ));
                    }
                }
                let t = ta.or(tb).unwrap_or(Type::I64);
                self.operand_at(*a, t, "operand")?;
                self.operand_at(*b, t, "operand")?;
            }
            InstKind::Select { dst, cond, a, b } => {
                let t = self.var_type(*dst)?;
                self.operand_type(*cond)?;
                self.operand_at(*a, t, "operand")?;
                self.operand_at(*b, t, "operand")?;
            }
            InstKind::Load { width, dst, addr, .. } => {
                let t = self.var_type(*dst)?;
                self.address(*addr)?;
                if width.bytes() * 8 > t.bits() {
                    return Err(format!(
                        "`load.{}` needs an i64 destination, v{} has type {}",
                        width.name(),
                        dst.0,
                        t.name()
                    ));
                }
            }
            InstKind::Store {
                width, addr, value, ..
            } => {
                self.address(*addr)?;
                match *value {
                    Operand::Var(v) => {
                        let t = self.var_type(v)?;
                        if width.bytes() * 8 > t.bits() {
                            let w = MemWidth::store_of_bytes(width.bytes()).unwrap_or(*width);
                            return Err(format!(
                                "`store.{}` needs an i64 value, v{} has type {}",
                                w.name(),
                                v.0,
                                t.name()
                            ));
                        }
                    }
                    Operand::Imm(_) => {
                        let t = if width.bytes() == 8 { Type::I64 } else { Type::I32 };
                        self.operand_at(*value, t, "value")?;
                    }
                }
            }
            InstKind::GlobalGet { dst, global } => {
                let g = self.global(global.0)?;
                self.dst_at(*dst, g, "destination")?;
            }
            InstKind::GlobalSet { global, value } => {
                let g = self.global(global.0)?;
                self.operand_at(*value, g, "value")?;
            }
            InstKind::Call { .. } | InstKind::CallIndirect { .. } if self.dynamic => {
                return Err("a dynamic function reaches other code only through `call_dyn`".into());
            }
            InstKind::CallDyn { slot, args, dsts } => {
                let Some(d) = &self.m.dynamic else {
                    return Err("`call_dyn` in a module that declares no dynamic slots".into());
                };
                self.operand_type(*slot)?;
                self.call(&d.sig, "the dynamic callee", args, dsts)?;
            }
            InstKind::Call { func, args, dsts } => {
                let Some(callee) = self.m.funcs.get(func.0 as usize) else {
                    return Err(format!(
                        "function {} does not exist (the module has {} functions)",
                        func.0,
                        self.m.funcs.len()
                    ));
                };
                self.call(&callee.sig, &name_text(&callee.name), args, dsts)?;
            }
            InstKind::CallIndirect {
                sig,
                index,
                args,
                dsts,
            } => {
                check_sig_size(sig)?;
                self.operand_type(*index)?;
                self.call(sig, "the callee", args, dsts)?;
            }
            InstKind::HostCall { import, args, dsts } => {
                let Some(imp) = self.m.imports.get(import.0 as usize) else {
                    return Err(format!(
                        "import {} does not exist (the module has {} imports)",
                        import.0,
                        self.m.imports.len()
                    ));
                };
                self.call(&imp.sig, &name_text(&imp.name), args, dsts)?;
            }
            InstKind::Mark => {}
            InstKind::Depth { dst } => self.dst_at(*dst, Type::I64, "destination")?,
        }
        Ok(())
    }

    fn global(&self, g: u32) -> Result<Type, String> {
        match self.m.globals.get(g as usize) {
            Some(global) => Ok(global.ty),
            None => Err(format!(
                "global g{g} does not exist (the module has {} globals)",
                self.m.globals.len()
            )),
        }
    }

    fn call(&self, sig: &Signature, callee: &str, args: &[Operand], dsts: &[Var]) -> Result<(), String> {
        if args.len() > MAX_CALL_ARGS {
            return Err(format!(
                "{} arguments exceed the limit of {MAX_CALL_ARGS}",
                args.len()
            ));
        }
        if dsts.len() > MAX_CALL_ARGS {
            return Err(format!(
                "{} destinations exceed the limit of {MAX_CALL_ARGS}",
                dsts.len()
            ));
        }
        if args.len() != sig.params.len() {
            return Err(format!(
                "{callee} takes {} arguments, found {}",
                sig.params.len(),
                args.len()
            ));
        }
        if dsts.len() != sig.results.len() {
            return Err(format!(
                "{callee} returns {} values, found {} destinations",
                sig.results.len(),
                dsts.len()
            ));
        }
        for (i, (&a, &t)) in args.iter().zip(&sig.params).enumerate() {
            self.operand_at(a, t, &format!("argument {i}"))?;
        }
        for (i, (&d, &t)) in dsts.iter().zip(&sig.results).enumerate() {
            self.dst_at(d, t, &format!("destination {i}"))?;
            if dsts[..i].contains(&d) {
                return Err(format!("variable v{} is a destination more than once", d.0));
            }
        }
        Ok(())
    }

    fn block_exists(&self, b: super::BlockId) -> Result<(), String> {
        if (b.0 as usize) < self.f.blocks.len() {
            Ok(())
        } else {
            Err(format!(
                "block{} does not exist (the function has {} blocks)",
                b.0,
                self.f.blocks.len()
            ))
        }
    }

    fn terminator(&self, term: &Terminator) -> Result<(), String> {
        match term {
            Terminator::Jump(b) => self.block_exists(*b),
            Terminator::Brif { cond, then, else_ } => {
                self.operand_type(*cond)?;
                self.block_exists(*then)?;
                self.block_exists(*else_)
            }
            Terminator::BrTable {
                index,
                targets,
                default,
            } => {
                self.operand_type(*index)?;
                for &t in targets {
                    self.block_exists(t)?;
                }
                self.block_exists(*default)
            }
            Terminator::Return(vals) => {
                let results = &self.f.sig.results;
                if vals.len() != results.len() {
                    return Err(format!(
                        "function returns {} values, found {}",
                        results.len(),
                        vals.len()
                    ));
                }
                for (i, (&v, &t)) in vals.iter().zip(results).enumerate() {
                    self.operand_at(v, t, &format!("return value {i}"))?;
                }
                Ok(())
            }
            Terminator::Trap(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::parse::parse_module;
    use crate::ir::{
        BlockId, DataInit, FuncId, Global, Import, ImportKind, Inst, MemoryDecl, RegionDecl, Rights, TrapCode,
    };

    const HEAD: &str = "memory a32
global g0: i64 = 0
global g1: i32 = 0
import effect @log(i64) -> ()
import helper @two(i32, i64) -> (i64, i32)

func @callee(v0: i32) -> (i64) {
block0:
    return 1
}
";

    /// A module whose `@main(v0: i64, v1: i32) -> (i64)` with `v2: i64, v3: i32` runs `body`.
    fn with_body(body: &str) -> Module {
        let text = format!(
            "{HEAD}\nfunc @main(v0: i64, v1: i32) -> (i64) {{\n    vars v2: i64, v3: i32\nblock0:\n\
             {body}    return v0\n}}\n"
        );
        match parse_module(&text) {
            Ok(m) => m,
            Err(e) => panic!("{e}\n{text}"),
        }
    }

    fn main_of(m: &mut Module) -> &mut Function {
        m.funcs.last_mut().unwrap()
    }

    /// Verifies `body` (one instruction) and checks that the error names it and says `message`.
    #[track_caller]
    fn inst_err(body: &str, message: &str) {
        let e = verify_module(&with_body(&format!("    {body}\n"))).unwrap_err();
        assert_eq!(e.location, format!("function @main, block0, inst 0 (`{body}`)"));
        assert_eq!(e.message, message, "for `{body}`");
    }

    #[track_caller]
    fn inst_ok(body: &str) {
        let m = with_body(&format!("    {body}\n"));
        if let Err(e) = verify_module(&m) {
            panic!("`{body}` should verify: {e}");
        }
    }

    #[test]
    fn valid_modules_pass() {
        verify_module(&Module::default()).unwrap();
        verify_module(&with_body("")).unwrap();
        verify_module(&parse_module(crate::ir::parse::tests::CANONICAL).unwrap()).unwrap();
    }

    #[test]
    fn location_format() {
        let mut m = with_body("    v2 = iconst 1\n    v3 = add v1, v1 #0x20\n");
        main_of(&mut m).blocks[0].insts[1].kind = InstKind::Binary {
            op: super::super::BinOp::Add,
            dst: Var(3),
            a: Var(1).into(),
            b: Var(9).into(),
        };
        let e = verify_module(&m).unwrap_err();
        assert_eq!(
            e.to_string(),
            "function @main, block0, inst 1 (`v3 = add v1, v9 #0x20`): \
             variable v9 is not declared (the function has 4 variables)"
        );
    }

    #[test]
    fn instruction_type_rules() {
        inst_err(
            "v3 = iconst 4294967296",
            "immediate 4294967296 does not fit in i32",
        );
        inst_err(
            "v3 = iconst -2147483649",
            "immediate -2147483649 does not fit in i32",
        );
        inst_ok("v3 = iconst 4294967295");
        inst_ok("v3 = iconst -2147483648");
        inst_ok("v2 = iconst -9223372036854775808");
        inst_err("v3 = copy v0", "source v0 has type i64, expected i32");
        inst_err("v3 = copy 4294967296", "source 4294967296 does not fit in i32");
        inst_err("v3 = add v0, v1", "operand v0 has type i64, expected i32");
        inst_err("v2 = mul v0, v1", "operand v1 has type i32, expected i64");
        inst_err(
            "v3 = shl v1, -2147483649",
            "operand -2147483649 does not fit in i32",
        );
        inst_ok("v2 = add v0, -9223372036854775808");
        inst_err("v2 = wrap v0", "`wrap` cannot produce a result of type i64");
        inst_err(
            "v3 = extend_u v1",
            "`extend_u` cannot produce a result of type i32",
        );
        inst_err("v3 = sext32 v1", "`sext32` cannot produce a result of type i32");
        inst_err("v3 = wrap v1", "operand v1 has type i32, expected i64");
        inst_err("v2 = extend_s v0", "operand v0 has type i64, expected i32");
        inst_ok("v3 = sext8 v1");
        inst_ok("v2 = zext32 v0");
        inst_err(
            "v3 = icmp eq v0, v1",
            "operands have different types (i64 and i32)",
        );
        inst_err(
            "v3 = icmp eq v1, 4294967296",
            "operand 4294967296 does not fit in i32",
        );
        inst_ok("v2 = icmp eq v1, 3");
        inst_ok("v3 = icmp lt_u 4294967296, -1");
        inst_err("v2 = select v1, v0, v1", "operand v1 has type i32, expected i64");
        inst_ok("v2 = select v1, v0, 5");
        inst_ok("v3 = select v0, v1, 5");
        // A 32-bit guest takes the low 32 bits of an i64 address.
        inst_ok("v2 = load.u8 [v0]");
        inst_err(
            "v2 = load.u8 [4294967296]",
            "address 4294967296 does not fit in i32",
        );
        inst_err(
            "v3 = load.64 [v1 + 8]",
            "`load.64` needs an i64 destination, v3 has type i32",
        );
        inst_ok("v3 = load.s32 [v1]");
        inst_ok("v3 = load.u32 [4294967295]");
        inst_ok("v2 = load.s8 [v1 - 1]");
        inst_err(
            "store.64 [v1], v1",
            "`store.64` needs an i64 value, v1 has type i32",
        );
        inst_ok("store.u32 [v0], v1");
        inst_err(
            "store.u8 [v1], 4294967296",
            "value 4294967296 does not fit in i32",
        );
        inst_ok("store.u32 [v1], v0");
        inst_ok("store.64 [v1], -1");
        inst_err("v3 = global.get g0", "destination v3 has type i32, expected i64");
        inst_err("global.set g1, v0", "value v0 has type i64, expected i32");
        inst_err(
            "global.set g1, 4294967296",
            "value 4294967296 does not fit in i32",
        );
        inst_ok("global.set g0, v0");
        inst_err("v2 = call @callee()", "@callee takes 1 arguments, found 0");
        inst_err(
            "v2 = call @callee(v0)",
            "argument 0 v0 has type i64, expected i32",
        );
        inst_err(
            "v3 = call @callee(v1)",
            "destination 0 v3 has type i32, expected i64",
        );
        inst_err(
            "call @callee(v1)",
            "@callee returns 1 values, found 0 destinations",
        );
        inst_ok("v2 = call @callee(7)");
        inst_err(
            "v2 = hostcall @log(v0)",
            "@log returns 0 values, found 1 destinations",
        );
        inst_err(
            "v2, v3 = hostcall @two(v0, v0)",
            "argument 0 v0 has type i64, expected i32",
        );
        inst_err(
            "v3, v2 = hostcall @two(v1, v0)",
            "destination 0 v3 has type i32, expected i64",
        );
        inst_ok("v2, v3 = hostcall @two(v1, v0)");
        inst_err(
            "v2 = call_indirect (i64) -> (i64), v1(v1)",
            "argument 0 v1 has type i32, expected i64",
        );
        inst_err(
            "v2, v2 = call_indirect (i64) -> (i64, i64), 0(v0)",
            "variable v2 is a destination more than once",
        );
        inst_ok("v2 = call_indirect (i64) -> (i64), v0(v0)");
        let args65 = vec!["v1"; 65].join(", ");
        inst_err(
            &format!("v2 = call @callee({args65})"),
            "65 arguments exceed the limit of 64",
        );
        let types65 = vec!["i32"; 65].join(", ");
        inst_err(
            &format!("call_indirect ({types65}) -> (), v1({args65})"),
            "65 parameters exceed the limit of 64",
        );
    }

    #[test]
    fn dangling_ids_in_instructions() {
        let cases: Vec<(InstKind, &str)> = vec![
            (
                InstKind::Const { dst: Var(4), imm: 0 },
                "variable v4 is not declared (the function has 4 variables)",
            ),
            (
                InstKind::GlobalGet {
                    dst: Var(2),
                    global: crate::ir::GlobalId(2),
                },
                "global g2 does not exist (the module has 2 globals)",
            ),
            (
                InstKind::Call {
                    func: FuncId(2),
                    args: vec![],
                    dsts: vec![],
                },
                "function 2 does not exist (the module has 2 functions)",
            ),
            (
                InstKind::HostCall {
                    import: crate::ir::ImportId(5),
                    args: vec![],
                    dsts: vec![],
                },
                "import 5 does not exist (the module has 2 imports)",
            ),
            (
                InstKind::Select {
                    dst: Var(2),
                    cond: Var(77).into(),
                    a: Var(0).into(),
                    b: Var(0).into(),
                },
                "variable v77 is not declared (the function has 4 variables)",
            ),
        ];
        for (kind, message) in cases {
            let mut m = with_body("    mark\n");
            main_of(&mut m).blocks[0].insts[0] = Inst { kind, loc: None };
            let e = verify_module(&m).unwrap_err();
            assert!(e.location.starts_with("function @main, block0, inst 0 (`"), "{e}");
            assert_eq!(e.message, message);
        }
        // The printer renders dangling ids without panicking.
        let mut m = with_body("    mark\n");
        main_of(&mut m).blocks[0].insts[0] = Inst {
            kind: InstKind::Call {
                func: FuncId(9),
                args: vec![],
                dsts: vec![],
            },
            loc: None,
        };
        assert!(verify_module(&m)
            .unwrap_err()
            .location
            .contains("call @<invalid func 9>()"));
    }

    #[test]
    fn terminator_rules() {
        let term_err = |term: Terminator, message: &str| {
            let mut m = with_body("");
            main_of(&mut m).blocks[0].term = term;
            let e = verify_module(&m).unwrap_err();
            assert!(
                e.location.starts_with("function @main, block0, terminator (`"),
                "{e}"
            );
            assert_eq!(e.message, message);
            e
        };
        let e = term_err(
            Terminator::Jump(BlockId(9)),
            "block9 does not exist (the function has 1 blocks)",
        );
        assert_eq!(e.location, "function @main, block0, terminator (`jump block9`)");
        term_err(
            Terminator::Brif {
                cond: Var(1).into(),
                then: BlockId(0),
                else_: BlockId(1),
            },
            "block1 does not exist (the function has 1 blocks)",
        );
        term_err(
            Terminator::Brif {
                cond: Var(8).into(),
                then: BlockId(0),
                else_: BlockId(0),
            },
            "variable v8 is not declared (the function has 4 variables)",
        );
        term_err(
            Terminator::BrTable {
                index: Var(0).into(),
                targets: vec![BlockId(0), BlockId(3)],
                default: BlockId(0),
            },
            "block3 does not exist (the function has 1 blocks)",
        );
        term_err(Terminator::Return(vec![]), "function returns 1 values, found 0");
        term_err(
            Terminator::Return(vec![Var(1).into()]),
            "return value 0 v1 has type i32, expected i64",
        );
        let mut m = with_body("");
        main_of(&mut m).blocks[0].term = Terminator::Trap(TrapCode::User(3));
        verify_module(&m).unwrap();
    }

    #[test]
    fn function_rules() {
        let fn_err = |edit: &dyn Fn(&mut Function), message: &str| {
            let mut m = with_body("");
            edit(main_of(&mut m));
            let e = verify_module(&m).unwrap_err();
            assert_eq!(e.location, "function @main");
            assert_eq!(e.message, message);
        };
        fn_err(&|f| f.blocks.clear(), "function has no blocks");
        fn_err(
            &|f| f.vars.truncate(1),
            "function has 2 parameters but only 1 variables",
        );
        fn_err(
            &|f| f.vars[1] = Type::I64,
            "parameter 1 has type i32 in the signature but variable v1 has type i64",
        );
        fn_err(
            &|f| f.sig.results = vec![Type::I32; 65],
            "65 results exceed the limit of 64",
        );
        fn_err(
            &|f| f.vars.resize(MAX_VARS + 1, Type::I32),
            "100001 variables exceed the limit of 100000",
        );
        fn_err(
            &|f| {
                let b = f.blocks[0].clone();
                f.blocks.resize(MAX_BLOCKS + 1, b);
            },
            "100001 blocks exceed the limit of 100000",
        );
        fn_err(
            &|f| {
                f.blocks[0].insts = vec![
                    Inst {
                        kind: InstKind::Mark,
                        loc: None
                    };
                    MAX_INSTS + 1
                ]
            },
            "1000001 instructions exceed the limit of 1000000",
        );
    }

    #[test]
    fn module_rules() {
        let base = with_body("");
        let module_err = |edit: &dyn Fn(&mut Module), location: &str, message: &str| {
            let mut m = base.clone();
            edit(&mut m);
            let e = verify_module(&m).unwrap_err();
            assert_eq!((e.location.as_str(), e.message.as_str()), (location, message));
        };
        module_err(
            &|m| m.funcs[1].name = "callee".into(),
            "function @callee",
            "function name is already used by function 0",
        );
        module_err(
            &|m| m.imports[1].name = "log".into(),
            "import @log",
            "import name is already used by import 0",
        );
        module_err(
            &|m| {
                m.imports.push(Import {
                    name: "x".into(),
                    kind: ImportKind::Effect,
                    sig: Signature {
                        params: vec![Type::I64; 65],
                        results: vec![],
                    },
                })
            },
            "import @x",
            "65 parameters exceed the limit of 64",
        );
        module_err(
            &|m| {
                m.globals.push(Global {
                    ty: Type::I32,
                    init: 1 << 32,
                })
            },
            "global g2",
            "initial value 4294967296 does not fit in i32",
        );
        module_err(
            &|m| m.table = vec![FuncId(1), FuncId(2)],
            "table entry 1",
            "function 2 does not exist (the module has 2 functions)",
        );
        module_err(
            &|m| {
                let f = m.funcs[0].clone();
                m.funcs = (0..=MAX_FUNCS)
                    .map(|i| Function {
                        name: format!("f{i}"),
                        ..f.clone()
                    })
                    .collect();
            },
            "module",
            "100001 functions exceed the limit of 100000",
        );
        module_err(
            &|m| {
                m.globals = vec![
                    Global {
                        ty: Type::I64,
                        init: 0
                    };
                    MAX_GLOBALS + 1
                ]
            },
            "module",
            "100001 globals exceed the limit of 100000",
        );
    }

    fn region(base: u64, size: u64) -> RegionDecl {
        RegionDecl {
            base,
            size,
            rights: Rights::ReadWrite,
        }
    }

    fn memory_err(memory: MemoryDecl) -> VerifyError {
        let m = Module {
            memory,
            ..Module::default()
        };
        verify_module(&m).unwrap_err()
    }

    #[test]
    fn memory_rules() {
        let a32 = |regions: Vec<RegionDecl>, data: Vec<DataInit>| MemoryDecl {
            addr: AddrWidth::A32,
            regions,
            data,
        };
        let a64 = |size: u64, regions: Vec<RegionDecl>| MemoryDecl {
            addr: AddrWidth::A64 { size },
            regions,
            data: vec![],
        };
        let ok = |memory: MemoryDecl| {
            verify_module(&Module {
                memory,
                ..Module::default()
            })
            .unwrap()
        };
        let data = |addr: u64, len: usize| DataInit {
            addr,
            bytes: vec![7; len],
        };

        let e = memory_err(a32(vec![region(0x1000, 0x800)], vec![]));
        assert_eq!(
            e.to_string(),
            "region 0 (0x1000 0x800 rw): base and size must be multiples of the page size 0x1000"
        );
        let e = memory_err(a32(vec![region(0x10, 0x1000)], vec![]));
        assert!(e.message.contains("multiples of the page size"), "{e}");
        let e = memory_err(a32(vec![region(0x1000, 0)], vec![]));
        assert_eq!(e.message, "region is empty");
        let e = memory_err(a32(vec![region(0xffff_f000, 0x2000)], vec![]));
        assert_eq!(
            e.message,
            "region extends past the end of the address space (0x100000000)"
        );
        let e = memory_err(a32(vec![region(0xffff_f000, u64::MAX - 0xfff)], vec![]));
        assert_eq!(
            e.message,
            "region extends past the end of the address space (0x100000000)"
        );
        ok(a32(vec![region(0xffff_f000, 0x1000)], vec![]));
        let e = memory_err(a32(
            vec![
                region(0x4000, 0x2000),
                region(0x1000, 0x1000),
                region(0x5000, 0x1000),
            ],
            vec![],
        ));
        assert_eq!(
            (e.location.as_str(), e.message.as_str()),
            ("region 2", "region overlaps region 0")
        );
        ok(a32(vec![region(0x2000, 0x1000), region(0x1000, 0x1000)], vec![]));

        let e = memory_err(a64(4, vec![]));
        assert_eq!(
            (e.location.as_str(), e.message.as_str()),
            ("memory", "address-space size 0x4 is smaller than 8 bytes")
        );
        let e = memory_err(a64(MAX_A64_SIZE + 1, vec![]));
        assert!(e.message.contains("exceeds the limit"), "{e}");
        ok(a64(8, vec![]));
        ok(a64(MAX_A64_SIZE, vec![region(MAX_A64_SIZE - 0x1000, 0x1000)]));
        let e = memory_err(a64(0x10000, vec![region(0x10000, 0x1000)]));
        assert_eq!(
            e.message,
            "region extends past the end of the address space (0x10000)"
        );
        let e = memory_err(a64(0x10000, vec![region(0, 0x1000); MAX_REGIONS + 1]));
        assert_eq!(e.message, "4097 regions exceed the limit of 4096");

        // Data must be covered byte for byte, possibly by adjacent regions.
        let two = vec![
            region(0x1000, 0x1000),
            region(0x2000, 0x1000),
            region(0x4000, 0x1000),
        ];
        ok(a32(
            two.clone(),
            vec![
                data(0x1000, 0x2000),
                data(0x1ff0, 0x20),
                data(0x4fff, 1),
                data(0x4000, 0),
            ],
        ));
        let e = memory_err(a32(two.clone(), vec![data(0x1000, 1), data(0x2ff0, 0x20)]));
        assert_eq!(
            e.to_string(),
            "data 1 (32 bytes at 0x2ff0): byte 0x3000 lies outside every declared region"
        );
        let e = memory_err(a32(two.clone(), vec![data(0x800, 0x1000)]));
        assert_eq!(e.message, "byte 0x800 lies outside every declared region");
        let e = memory_err(a32(two.clone(), vec![data(0x4fff, 2)]));
        assert_eq!(e.message, "byte 0x5000 lies outside every declared region");
        let e = memory_err(a32(two, vec![data(u64::MAX, 2)]));
        assert_eq!(
            e.message,
            "data extends past the end of the address space (0x100000000)"
        );
    }
}
