//! The generated functions every TEL module may need, whatever its source: function application
//! (`apply_N`) and partial-application adapters (`pap_K_R`), the built-in combinators, `perform`
//! dispatchers (one per effect), structural equality of records and lists, and the entry point.
//!
//! Must never lower user code (that is `func.rs`).

use super::func::{imm, FnCx};
use super::{ModuleCx, ENTRY, MAX_VALUE_ARITY};
use crate::check::Builtin;
use crate::layout::*;
use crate::types::Type;
use causeway_engine::ir::{BinOp, Cond, FuncId, GlobalId, ImportId, ImportKind, Operand, TrapCode};

impl ModuleCx<'_> {
    /// A synchronous runtime helper import (`crate::helpers`) of `params` arguments and one result.
    pub(super) fn helper(&mut self, name: &str, params: usize) -> ImportId {
        self.import(name, ImportKind::Helper, params, 1)
    }

    /// `@apply_N`: generated at the end, once the largest closure arity is known.
    pub(super) fn apply_func(&mut self, n: usize) -> FuncId {
        if let Some(&f) = self.apply_funcs.get(&n) {
            return f;
        }
        let f = self.reserve();
        self.apply_funcs.insert(n, f);
        f
    }

    /// The function of a built-in combinator: `(env, args..) -> i64`.
    pub(super) fn builtin_func(&mut self, b: Builtin) -> FuncId {
        if let Some(&f) = self.builtin_funcs.get(&b) {
            return f;
        }
        let name = format!("builtin_{b:?}");
        let f = self.reserve();
        self.builtin_funcs.insert(b, f);
        let mut cx = FnCx::new(self, &name, b.arity() + 1);
        let p = |cx: &FnCx<'_, '_>, i: usize| -> Operand { cx.b.param(i).into() };
        let r: Operand = match b {
            Builtin::I => p(&cx, 1),
            Builtin::K => p(&cx, 1),
            // S f g x = f(x)(g(x))
            Builtin::S => {
                let fx = cx.apply(p(&cx, 1), vec![p(&cx, 3)]);
                let gx = cx.apply(p(&cx, 2), vec![p(&cx, 3)]);
                cx.apply(fx, vec![gx])
            }
            // B f g x = f(g(x))
            Builtin::B => {
                let gx = cx.apply(p(&cx, 2), vec![p(&cx, 3)]);
                cx.apply(p(&cx, 1), vec![gx])
            }
            // C f x y = f(y)(x)
            Builtin::C => {
                let fy = cx.apply(p(&cx, 1), vec![p(&cx, 3)]);
                cx.apply(fy, vec![p(&cx, 2)])
            }
            Builtin::Len => unreachable!("len is lowered inline"),
        };
        cx.b.ret([r]);
        let func = cx.finish();
        self.define(f, func);
        f
    }

    /// The static closure of a combinator.
    pub(super) fn builtin_closure(&mut self, b: Builtin) -> i64 {
        if let Some(&a) = self.builtin_closures.get(&b) {
            return a;
        }
        let f = self.builtin_func(b);
        let idx = self.table_slot(f);
        let a = self.alloc_words(&[TAG_CLOSURE, idx, b.arity() as i64]);
        self.builtin_closures.insert(b, a);
        a
    }

    /// `@perform_E(args..)`: the innermost TEL clause for effect `eff`, or (none found) 0 with
    /// `G_PERFORM_MISS` set.
    pub(super) fn perform_func(&mut self, eff: usize) -> FuncId {
        if let Some(&f) = self.perform_funcs.get(&eff) {
            return f;
        }
        let info = self.checked.effects[eff].clone();
        let k = info.params.len();
        let name = format!("perform_{}", info.name);
        let f = self.reserve();
        self.perform_funcs.insert(eff, f);
        let handled = self.facts.handled.contains(&eff);
        let mut cx = FnCx::new(self, &name, k);
        let args: Vec<Operand> = (0..k).map(|i| cx.b.param(i).into()).collect();
        if handled {
            let h = cx.global_get(G_HANDLERS);
            let (walk, scan, host) = (cx.b.create_block(), cx.b.create_block(), cx.b.create_block());
            cx.b.jump(walk);
            cx.b.switch_to_block(walk);
            cx.b.brif(h, scan, host);
            cx.b.switch_to_block(scan);
            let n = cx.load(h, HND_COUNT);
            let end = cx.bin(BinOp::Shl, n, imm(4));
            let p = cx.bin(BinOp::Add, h, imm(HND_CLAUSES as i64));
            let end = cx.bin(BinOp::Add, end, p);
            let (clause, check, next, found) = (
                cx.b.create_block(),
                cx.b.create_block(),
                cx.b.create_block(),
                cx.b.create_block(),
            );
            cx.b.jump(clause);
            cx.b.switch_to_block(clause);
            let more = cx.cmp(Cond::LtU, p, end);
            cx.b.brif(more, check, next);
            cx.b.switch_to_block(check);
            let e = cx.load(p, 0);
            let hit = cx.cmp(Cond::Eq, e, imm(eff as i64));
            let adv = cx.b.create_block();
            cx.b.brif(hit, found, adv);
            cx.b.switch_to_block(adv);
            cx.b.binary(BinOp::Add, p, p, imm(16));
            cx.b.jump(clause);
            cx.b.switch_to_block(next);
            cx.b.load(causeway_engine::ir::MemWidth::B64, h, h, HND_NEXT);
            cx.b.jump(walk);
            // The clause runs outside its own handle: with the handlers below its record installed.
            cx.b.switch_to_block(found);
            let code = cx.load(p, 8);
            let saved = cx.global_get(G_HANDLERS);
            let below = cx.load(h, HND_NEXT);
            cx.b.global_set(GlobalId(G_HANDLERS), below);
            let r = cx.tmp();
            let mut call_args = vec![Operand::from(h)];
            call_args.extend(args.iter().copied());
            cx.b.call_indirect(super::sig(k + 1, 1), code, call_args, [r]);
            cx.b.global_set(GlobalId(G_HANDLERS), saved);
            cx.b.ret([r.into()]);
            cx.b.switch_to_block(host);
        }
        // No clause: the caller performs it on the host (it knows the `perform`'s position).
        cx.b.global_set(GlobalId(G_PERFORM_MISS), imm(1));
        cx.b.ret([imm(0)]);
        let func = cx.finish();
        self.define(f, func);
        f
    }

    /// `@eq_T(a, b)`: structural equality of two records or lists of type `ty`.
    pub(super) fn eq_func(&mut self, ty: &Type) -> FuncId {
        if let Some(&f) = self.eq_funcs.get(ty) {
            return f;
        }
        let name = format!("eq_{}", self.eq_funcs.len());
        let f = self.reserve();
        self.eq_funcs.insert(ty.clone(), f);
        let mut cx = FnCx::new(self, &name, 2);
        let (a, b) = (cx.b.param(0), cx.b.param(1));
        let differ = cx.b.create_block();
        match ty {
            Type::Record(fields) => {
                for (i, (_, fty)) in fields.iter().enumerate() {
                    let off = REC_SLOTS + 8 * i as i32;
                    let x = cx.load(a, off);
                    let y = cx.load(b, off);
                    let eq = cx.equal(fty, x.into(), y.into());
                    let next = cx.b.create_block();
                    cx.b.brif(eq, next, differ);
                    cx.b.switch_to_block(next);
                }
                cx.b.ret([imm(1)]);
            }
            Type::List(elem) => {
                let la = cx.load(a, LIST_LEN);
                let lb = cx.load(b, LIST_LEN);
                let same = cx.cmp(Cond::Eq, la, lb);
                let (start, head, body, equal) = (
                    cx.b.create_block(),
                    cx.b.create_block(),
                    cx.b.create_block(),
                    cx.b.create_block(),
                );
                cx.b.brif(same, start, differ);
                cx.b.switch_to_block(start);
                let i = cx.tmp();
                cx.b.iconst(i, 0);
                cx.b.jump(head);
                cx.b.switch_to_block(head);
                let more = cx.cmp(Cond::LtU, i, la);
                cx.b.brif(more, body, equal);
                cx.b.switch_to_block(body);
                let off = cx.bin(BinOp::Shl, i, imm(3));
                let pa = cx.bin(BinOp::Add, a, off);
                let pb = cx.bin(BinOp::Add, b, off);
                let x = cx.load(pa, LIST_ELEMS);
                let y = cx.load(pb, LIST_ELEMS);
                let eq = cx.equal(elem, x.into(), y.into());
                let next = cx.b.create_block();
                cx.b.brif(eq, next, differ);
                cx.b.switch_to_block(next);
                cx.b.binary(BinOp::Add, i, i, imm(1));
                cx.b.jump(head);
                cx.b.switch_to_block(equal);
                cx.b.ret([imm(1)]);
            }
            other => unreachable!("eq_func of {other}"),
        }
        cx.b.switch_to_block(differ);
        cx.b.ret([imm(0)]);
        let func = cx.finish();
        self.define(f, func);
        f
    }
}

impl FnCx<'_, '_> {
    /// Performs effect `eff` on the host: a standard effect through the runtime's IR signature, any
    /// other as an `effect` import of its own name.
    pub(super) fn host_effect(&mut self, eff: usize, args: &[Operand]) -> Operand {
        let info = &self.m.checked.effects[eff];
        let (name, standard, k) = (info.name.clone(), info.standard, info.params.len());
        if standard {
            standard_effect(self, &name, args)
        } else {
            let imp = self.m.import(&name, ImportKind::Effect, k, 1);
            let r = self.tmp();
            self.b.hostcall(imp, args.to_vec(), [r]);
            r.into()
        }
    }
}

/// The host side of a standard effect: its arguments in the runtime's IR signature (strings as
/// address and length), its result as a TEL value.
fn standard_effect(cx: &mut FnCx<'_, '_>, name: &str, args: &[Operand]) -> Operand {
    let str_args = |cx: &mut FnCx<'_, '_>, s: Operand| -> [Operand; 2] {
        let bytes = cx.bin(BinOp::Add, s, imm(STR_BYTES as i64));
        let len = cx.load(s, STR_LEN);
        [bytes.into(), len.into()]
    };
    let call = |cx: &mut FnCx<'_, '_>, args: Vec<Operand>, results: usize| -> Operand {
        let imp = cx.m.import(name, ImportKind::Effect, args.len(), results);
        let r = cx.tmp();
        cx.b.hostcall(imp, args, if results == 1 { vec![r] } else { vec![] });
        if results == 1 {
            r.into()
        } else {
            imm(0)
        }
    };
    match name {
        "log" => {
            let s = str_args(cx, args[0]);
            call(cx, s.to_vec(), 0)
        }
        "create_resource" => {
            let [kp, kl] = str_args(cx, args[0]);
            let [dp, dl] = str_args(cx, args[2]);
            call(cx, vec![kp, kl, args[1], dp, dl], 1)
        }
        "update_resource" => {
            let [dp, dl] = str_args(cx, args[2]);
            call(cx, vec![args[0], args[1], dp, dl], 0)
        }
        "transfer" => {
            let [dp, dl] = str_args(cx, args[1]);
            call(cx, vec![args[0], dp, dl], 0)
        }
        "quantity" | "split" | "merge" | "now" => call(cx, args.to_vec(), 1),
        "consume" => call(cx, args.to_vec(), 0),
        "data" => {
            // Ask for the length, allocate the string, then have the host fill it.
            let len: Operand = call(cx, vec![args[0], imm(0), imm(0)], 1);
            let padded = cx.bin(BinOp::Add, len, imm(7 + STR_BYTES as i64));
            let size = cx.bin(BinOp::And, padded, imm(!7));
            let s = cx.alloc(size);
            cx.store(s, 0, imm(TAG_STRING));
            cx.store(s, STR_LEN, len);
            let bytes = cx.bin(BinOp::Add, s, imm(STR_BYTES as i64));
            call(cx, vec![args[0], bytes.into(), len], 1);
            let count = cx.m.helper("tel_count_chars", 1);
            let chars = cx.tmp();
            cx.b.hostcall(count, [s.into()], [chars]);
            cx.store(s, STR_CHARS, chars);
            s.into()
        }
        other => unreachable!("`{other}` is not a standard effect"),
    }
}

/// `@tel_main(main's parameters..)`: calls `main` for the embedder.
pub(super) fn entry(m: &mut ModuleCx<'_>) {
    let main = m.checked.main;
    let n = m.checked.flows[main].params.len();
    let f = m.reserve();
    let target = m.need_flow(main);
    let mut cx = FnCx::new(m, ENTRY, n);
    let mut args: Vec<Operand> = (0..n).map(|i| Operand::from(cx.b.param(i))).collect();
    if n == 0 {
        args.push(imm(0));
    }
    let r = cx.call(target, args);
    cx.b.ret([r.into()]);
    let func = cx.finish();
    m.define(f, func);
}

/// Generates `apply_1..apply_M` (M: the largest arity any call or closure needs), the
/// partial-application adapters, and fills the partial-application table.
pub(super) fn finish_applies(m: &mut ModuleCx<'_>) {
    let requested = m.apply_funcs.keys().copied().max().unwrap_or(0);
    if requested == 0 {
        return;
    }
    let max = m.max_arity.max(requested);
    for n in 1..=max {
        m.apply_func(n);
    }
    let stride = (MAX_VALUE_ARITY + 1) as i64;
    for k in 1..m.max_arity {
        for r in 1..=(m.max_arity - k) {
            let f = pap(m, k, r);
            let idx = m.table_slot(f);
            m.patch_word(m.pap_table_addr + 8 * (k as i64 * stride + r as i64), idx);
        }
    }
    for n in 1..=max {
        let f = m.apply_funcs[&n];
        let func = apply(m, n);
        m.define(f, func);
    }
}

/// `@apply_N(f, args..)`: exact application through the table, a partial application, or an
/// over-application split in two.
fn apply(m: &mut ModuleCx<'_>, n: usize) -> causeway_engine::ir::Function {
    let max = m.max_arity;
    let table = m.pap_table_addr;
    let subs: Vec<FuncId> = (1..n).map(|a| m.apply_funcs[&a]).collect();
    let mut cx = FnCx::new(m, &format!("apply_{n}"), n + 1);
    let f = cx.b.param(0);
    let args: Vec<Operand> = (1..=n).map(|i| cx.b.param(i).into()).collect();
    let arity = cx.load(f, CLO_ARITY);
    let exact = cx.cmp(Cond::Eq, arity, imm(n as i64));
    let (exact_b, other, partial_b, over_b) = (
        cx.b.create_block(),
        cx.b.create_block(),
        cx.b.create_block(),
        cx.b.create_block(),
    );
    cx.b.brif(exact, exact_b, other);
    cx.b.switch_to_block(exact_b);
    let code = cx.load(f, CLO_CODE);
    let r = cx.tmp();
    let mut call_args = vec![Operand::from(f)];
    call_args.extend(args.iter().copied());
    cx.b.call_indirect(super::sig(n + 1, 1), code, call_args, [r]);
    cx.b.ret([r.into()]);
    cx.b.switch_to_block(other);
    let more = cx.cmp(Cond::GtS, arity, imm(n as i64));
    cx.b.brif(more, partial_b, over_b);
    // Fewer arguments than the arity: a closure of the function and the arguments so far.
    cx.b.switch_to_block(partial_b);
    if n < max {
        let rest = cx.bin(BinOp::Sub, arity, imm(n as i64));
        let off = cx.bin(BinOp::Shl, rest, imm(3));
        let entry = cx.bin(
            BinOp::Add,
            off,
            imm(table + 8 * n as i64 * (MAX_VALUE_ARITY as i64 + 1)),
        );
        let idx = cx.load(entry, 0);
        let p = cx.alloc(imm(CLO_ENV as i64 + 8 * (n as i64 + 1)));
        cx.store(p, 0, imm(TAG_CLOSURE));
        cx.store(p, CLO_CODE, idx);
        cx.store(p, CLO_ARITY, rest);
        cx.store(p, CLO_ENV, f);
        for (i, a) in args.iter().enumerate() {
            cx.store(p, CLO_ENV + 8 * (i as i32 + 1), *a);
        }
        cx.b.ret([p.into()]);
    } else {
        cx.b.trap(TrapCode::Unreachable);
    }
    // More arguments than the arity: apply to the first `arity`, then the result to the rest.
    cx.b.switch_to_block(over_b);
    let targets: Vec<_> = (0..n).map(|_| cx.b.create_block()).collect();
    let bad = cx.b.create_block();
    cx.b.br_table(arity, targets.clone(), bad);
    cx.b.switch_to_block(bad);
    cx.b.trap(TrapCode::Unreachable);
    cx.b.switch_to_block(targets[0]);
    cx.b.trap(TrapCode::Unreachable);
    for a in 1..n {
        cx.b.switch_to_block(targets[a]);
        let mut first = vec![Operand::from(f)];
        first.extend_from_slice(&args[..a]);
        let g = cx.call(subs[a - 1], first);
        cx.unwind_check(true);
        let mut second = vec![Operand::from(g)];
        second.extend_from_slice(&args[a..]);
        let r = cx.call(subs[n - a - 1], second);
        cx.b.ret([r.into()]);
    }
    cx.finish()
}

/// `@pap_K_R(env, b1..bR)`: a partial application of `K` arguments receiving the other `R`.
fn pap(m: &mut ModuleCx<'_>, k: usize, r: usize) -> FuncId {
    let name = format!("pap_{k}_{r}");
    let f = m.reserve();
    let full = m.apply_func(k + r);
    let mut cx = FnCx::new(m, &name, r + 1);
    let env = cx.b.param(0);
    let func = cx.load(env, CLO_ENV);
    let mut args = vec![Operand::from(func)];
    for i in 0..k {
        args.push(cx.load(env, CLO_ENV + 8 * (i as i32 + 1)).into());
    }
    args.extend((1..=r).map(|i| Operand::from(cx.b.param(i))));
    let v = cx.call(full, args);
    cx.b.ret([v.into()]);
    let func = cx.finish();
    m.define(f, func);
    f
}
