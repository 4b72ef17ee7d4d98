//! Lowering of a checked TEL program to one IR module (the design is sketched in `docs/ir.md` and
//! fixed in `docs/tel.md`; value layouts are in [`crate::layout`]).
//!
//! Owns the translation only: which IR functions, globals, imports, table entries and static data a
//! program becomes. Must never run code, never depend on an optimization level (the IR it emits, and
//! so the fuel a program uses, is the same at every level), and never know how the host backs an
//! effect beyond the import it calls.
//!
//! - Every flow becomes `@flow_NAME(params..) -> i64` (a flow without parameters takes one ignored
//!   `unit`, so that every function value has arity ≥ 1); used as a value, its closure's code is an
//!   adapter `@flowv_NAME(env, params..)` that drops the environment.
//! - Lambdas, handler clauses, combinators, partial-application adapters and `perform` dispatchers
//!   are generated functions; `runtime.rs` generates the fixed-shape ones.
//! - Function values are closures called through `@apply_N(closure, args..)`, which handles exact,
//!   partial and over-application (types are curried).
//! - Handlers: see `func.rs` (`handle`, `perform`) and docs/tel.md.

mod analysis;
mod calls;
mod func;
mod handlers;
mod ranges;
mod runtime;

use crate::ast::{Block, Expr, FlowDecl, Item, NodeId, Program};
use crate::check::{Builtin, Checked};
use crate::diag::{Diag, ErrorKind, Span};
use crate::layout::*;
use crate::types::Type;
use causeway_engine::ir::{
    AddrWidth, DataInit, FuncId, Function, Global, Import, ImportId, ImportKind, MemoryDecl, Metering,
    Module, RegionDecl, Rights, Signature, Type as IrType,
};
use std::collections::{HashMap, HashSet, VecDeque};

/// Name of the entry function the embedder calls with `main`'s arguments.
pub const ENTRY: &str = "tel_main";

/// The largest arity a function *value* may have (flows called directly may have more).
pub const MAX_VALUE_ARITY: usize = 16;

/// What the embedder chooses at lowering time.
#[derive(Clone, Copy, Debug)]
pub struct LowerOptions {
    /// Bytes of heap the program may allocate before `OutOfMemory`.
    pub heap_size: u64,
    /// Debuggable lowering: nothing is inlined, and each statement's `mark` gets a location of its
    /// own described in [`Lowered::debug`] (see `crate::debug_info`). The IR differs from normal
    /// lowering's, and so does the fuel a run uses.
    pub debuggable: bool,
}

impl Default for LowerOptions {
    fn default() -> Self {
        LowerOptions {
            heap_size: DEFAULT_HEAP_SIZE,
            debuggable: false,
        }
    }
}

/// A host effect the module imports: the runtime links it to a registered handler.
#[derive(Clone, Debug, PartialEq)]
pub struct HostEffect {
    pub name: String,
    pub params: Vec<Type>,
    pub ret: Type,
}

/// A lowered program: the IR module plus what the embedder needs to call it and read its values.
#[derive(Clone, Debug)]
pub struct Lowered {
    pub module: Module,
    /// `main`'s parameter types and result type (`ENTRY` takes the parameters).
    pub main_params: Vec<Type>,
    /// `main`'s parameter names, in order (what `--arg NAME=VALUE` names).
    pub main_param_names: Vec<String>,
    pub main_ret: Type,
    /// Non-standard effects that may reach the host (imported under their own names).
    pub host_effects: Vec<HostEffect>,
    /// Standard effects the program performs (imported with the runtime's IR signatures).
    pub standard_effects: Vec<String>,
    /// Non-standard effects performed that no `handle` names, each with one `perform` site: unless
    /// the host handles them, the program can only fail (`check::unhandled_effects`).
    pub unhandled: Vec<(String, Span)>,
    /// The statements' marks and their locals, when lowered debuggable.
    pub debug: Option<crate::debug_info::DebugInfo>,
}

/// A function body still to be lowered (lambdas and clauses are found while lowering their parent).
enum Pending<'p> {
    Lambda {
        id: FuncId,
        params: &'p [crate::ast::Ident],
        body: &'p Expr,
        captures: Vec<NodeId>,
    },
    Clause {
        id: FuncId,
        clause: &'p crate::ast::Clause,
        /// Captured locals in record order, and whether each is captured as its cell.
        captures: Vec<(NodeId, bool)>,
        capture_base: i32,
    },
}

/// Module-wide state of one lowering.
struct ModuleCx<'p> {
    checked: &'p Checked,
    opts: LowerOptions,
    funcs: Vec<Option<Function>>,
    table: Vec<FuncId>,
    /// Table index of each function that is in the table.
    table_index: HashMap<FuncId, i64>,
    /// Static data from `DATA_BASE`.
    data: Vec<u8>,
    strings: HashMap<String, i64>,
    shapes: HashMap<Vec<(String, usize)>, i64>,
    imports: Vec<Import>,
    /// Each flow's own function, once something needs it.
    flow_funcs: Vec<Option<FuncId>>,
    flow_closures: HashMap<usize, i64>,
    builtin_funcs: HashMap<Builtin, FuncId>,
    builtin_closures: HashMap<Builtin, i64>,
    apply_funcs: HashMap<usize, FuncId>,
    perform_funcs: HashMap<usize, FuncId>,
    eq_funcs: HashMap<Type, FuncId>,
    pending: VecDeque<Pending<'p>>,
    facts: analysis::Facts,
    /// Largest arity of any closure the program can build.
    max_arity: usize,
    /// Address of the partial-application table (patched once `max_arity` is final).
    pap_table_addr: i64,
    /// The function of each lambda expression (by the body's node), reserved on first need.
    lambda_funcs: HashMap<NodeId, FuncId>,
    /// Per flow: the lambda expression its body only returns (`return \x -> ..;`), if so.
    returns_lambda: Vec<Option<&'p Expr>>,
    /// The flows, by index into `Checked::flows`.
    flow_decls: Vec<&'p FlowDecl>,
    /// Flows whose function is needed but not lowered yet.
    flow_queue: VecDeque<usize>,
    /// Debuggable lowering: the marks so far, and the name of every local bound so far.
    debug: Option<crate::debug_info::DebugInfo>,
    local_names: HashMap<NodeId, String>,
}

/// Lowers a checked program.
pub fn lower(program: &Program, checked: &Checked, opts: LowerOptions) -> Result<Lowered, Diag> {
    let facts = analysis::analyze(program, checked);
    let mut cx = ModuleCx {
        checked,
        opts,
        funcs: Vec::new(),
        table: Vec::new(),
        table_index: HashMap::new(),
        data: Vec::new(),
        strings: HashMap::new(),
        shapes: HashMap::new(),
        imports: Vec::new(),
        flow_funcs: Vec::new(),
        flow_closures: HashMap::new(),
        builtin_funcs: HashMap::new(),
        builtin_closures: HashMap::new(),
        apply_funcs: HashMap::new(),
        perform_funcs: HashMap::new(),
        eq_funcs: HashMap::new(),
        pending: VecDeque::new(),
        facts,
        max_arity: 3,
        pap_table_addr: 0,
        lambda_funcs: HashMap::new(),
        returns_lambda: Vec::new(),
        flow_decls: Vec::new(),
        flow_queue: VecDeque::new(),
        debug: opts.debuggable.then(Default::default),
        local_names: HashMap::new(),
    };
    // The partial-application table's place is reserved first; its contents come last.
    cx.pap_table_addr = cx.alloc_data(&vec![0u8; (MAX_VALUE_ARITY + 1) * (MAX_VALUE_ARITY + 1) * 8]);
    let flows: Vec<&FlowDecl> = checked
        .flows
        .iter()
        .map(|f| match &program.items[f.item] {
            Item::Flow(flow) => flow,
            Item::Effect(_) => unreachable!("checker maps flows to flow items"),
        })
        .collect();
    cx.returns_lambda = flows.iter().map(|f| returned_lambda(&f.body)).collect();
    cx.flow_decls = flows.clone();
    // Flows are lowered on demand: `main`, then every flow some lowered code calls (without
    // inlining it) or uses as a value. A flow that is only ever inlined, or never reached, gets no
    // function of its own.
    cx.flow_funcs = vec![None; flows.len()];
    cx.need_flow(checked.main);
    loop {
        if let Some(i) = cx.flow_queue.pop_front() {
            let f = func::lower_flow(&mut cx, flows[i])?;
            let id = cx.flow_funcs[i].expect("queued flows have a function");
            cx.define(id, f);
        } else if let Some(p) = cx.pending.pop_front() {
            let (id, f) = func::lower_pending(&mut cx, p)?;
            cx.define(id, f);
        } else {
            break;
        }
    }
    runtime::entry(&mut cx);
    runtime::finish_applies(&mut cx);
    let debug = cx.debug.take();
    let mut lowered = cx.finish()?;
    lowered.unhandled = crate::check::unhandled_effects(program, checked);
    lowered.debug = debug;
    Ok(lowered)
}

impl<'p> ModuleCx<'p> {
    /// Reserves a function id; [`ModuleCx::define`] gives it its function later.
    fn reserve(&mut self) -> FuncId {
        self.funcs.push(None);
        FuncId((self.funcs.len() - 1) as u32)
    }

    fn define(&mut self, id: FuncId, f: Function) {
        self.funcs[id.0 as usize] = Some(f);
    }

    /// The function of the lambda `\params -> body` (reserved, and queued for lowering, once).
    fn lambda_func(&mut self, params: &'p [crate::ast::Ident], body: &'p Expr) -> FuncId {
        if let Some(&f) = self.lambda_funcs.get(&body.id) {
            return f;
        }
        let id = self.reserve();
        self.lambda_funcs.insert(body.id, id);
        let captures = analysis::free_locals(body, params, self.checked);
        self.pending.push_back(Pending::Lambda {
            id,
            params,
            body,
            captures,
        });
        id
    }

    /// Flow `i`'s own function, reserved and queued for lowering on first need.
    fn need_flow(&mut self, i: usize) -> FuncId {
        if let Some(id) = self.flow_funcs[i] {
            return id;
        }
        let id = self.reserve();
        self.flow_funcs[i] = Some(id);
        self.flow_queue.push_back(i);
        id
    }

    /// The table index of `f` (adding it on first use).
    fn table_slot(&mut self, f: FuncId) -> i64 {
        if let Some(&i) = self.table_index.get(&f) {
            return i;
        }
        self.table.push(f);
        let i = (self.table.len() - 1) as i64;
        self.table_index.insert(f, i);
        i
    }

    /// Appends 8-byte aligned static data; its guest address.
    fn alloc_data(&mut self, bytes: &[u8]) -> i64 {
        let addr = DATA_BASE as i64 + self.data.len() as i64;
        self.data.extend_from_slice(bytes);
        while !self.data.len().is_multiple_of(8) {
            self.data.push(0);
        }
        addr
    }

    fn alloc_words(&mut self, words: &[i64]) -> i64 {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.alloc_data(&bytes)
    }

    fn patch_word(&mut self, addr: i64, value: i64) {
        let off = (addr - DATA_BASE as i64) as usize;
        self.data[off..off + 8].copy_from_slice(&value.to_le_bytes());
    }

    /// The static string object for literal `s`.
    fn string(&mut self, s: &str) -> i64 {
        if let Some(&a) = self.strings.get(s) {
            return a;
        }
        let mut bytes = Vec::with_capacity(STR_BYTES as usize + s.len());
        for w in [TAG_STRING, s.len() as i64, s.chars().count() as i64] {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        bytes.extend_from_slice(s.as_bytes());
        let a = self.alloc_data(&bytes);
        self.strings.insert(s.to_string(), a);
        a
    }

    /// The static shape of a record literal whose fields are `names` in source order.
    fn shape(&mut self, names: &[String], ty: &Type) -> i64 {
        let fields: Vec<(String, usize)> = names
            .iter()
            .map(|n| (n.clone(), ty.field_slot(n).map_or(0, |(slot, _)| slot)))
            .collect();
        if let Some(&a) = self.shapes.get(&fields) {
            return a;
        }
        let mut words = vec![fields.len() as i64];
        for (n, slot) in &fields {
            words.push(self.string(n));
            words.push(*slot as i64);
        }
        let a = self.alloc_words(&words);
        self.shapes.insert(fields, a);
        a
    }

    fn note_arity(&mut self, arity: usize, span: Span) -> Result<(), Diag> {
        if arity > MAX_VALUE_ARITY {
            return Err(Diag::new(
                ErrorKind::ArityMismatch,
                span,
                format!(
                    "a function value may take at most {MAX_VALUE_ARITY} arguments, this one takes {arity}"
                ),
            ));
        }
        self.max_arity = self.max_arity.max(arity);
        Ok(())
    }

    /// The static closure of flow `i` (for flows used as values).
    fn flow_closure(&mut self, i: usize, span: Span) -> Result<i64, Diag> {
        if let Some(&a) = self.flow_closures.get(&i) {
            return Ok(a);
        }
        let arity = self.checked.flows[i].params.len().max(1);
        self.note_arity(arity, span)?;
        // Flows take no environment; a closure's code does: an adapter drops it.
        let flow = self.need_flow(i);
        let name = format!("flowv_{}", self.flow_decls[i].name.name);
        let f = self.reserve();
        let mut cx = func::FnCx::new(self, &name, arity + 1);
        let args = (1..=arity).map(|k| cx.b.param(k).into()).collect();
        let r = cx.call(flow, args);
        cx.b.ret([r.into()]);
        let adapter = cx.finish();
        self.define(f, adapter);
        let idx = self.table_slot(f);
        let a = self.alloc_words(&[TAG_CLOSURE, idx, arity as i64]);
        self.flow_closures.insert(i, a);
        Ok(a)
    }

    /// The import of `name` (added on first use).
    fn import(&mut self, name: &str, kind: ImportKind, params: usize, results: usize) -> ImportId {
        if let Some(i) = self.imports.iter().position(|imp| imp.name == name) {
            return ImportId(i as u32);
        }
        self.imports.push(Import {
            name: name.to_string(),
            kind,
            sig: sig(params, results),
        });
        ImportId((self.imports.len() - 1) as u32)
    }

    fn finish(mut self) -> Result<Lowered, Diag> {
        let funcs: Vec<Function> = self
            .funcs
            .drain(..)
            .enumerate()
            .map(|(i, f)| f.unwrap_or_else(|| panic!("lowering reserved function {i} but never defined it")))
            .collect();
        let data_size = (self.data.len() as u64).div_ceil(PAGE).max(1) * PAGE;
        let heap_base = DATA_BASE + data_size;
        let heap_size = self.opts.heap_size.div_ceil(PAGE).max(1) * PAGE;
        let mut globals = vec![
            Global {
                ty: IrType::I64,
                init: 0
            };
            GLOBAL_COUNT
        ];
        globals[G_HEAP_PTR as usize].init = heap_base as i64;
        globals[G_HEAP_END as usize].init = (heap_base + heap_size) as i64;
        let module = Module {
            memory: MemoryDecl {
                addr: AddrWidth::A32,
                regions: vec![
                    RegionDecl {
                        base: DATA_BASE,
                        size: data_size,
                        rights: Rights::Read,
                    },
                    RegionDecl {
                        base: heap_base,
                        size: heap_size,
                        rights: Rights::ReadWrite,
                    },
                ],
                data: vec![DataInit {
                    addr: DATA_BASE,
                    bytes: std::mem::take(&mut self.data),
                }],
            },
            metering: Metering::PerInst,
            globals,
            imports: self.imports.clone(),
            funcs,
            table: self.table.clone(),
            dynamic: None,
        };
        causeway_engine::ir::verify::verify_module(&module).map_err(|e| {
            Diag::new(
                ErrorKind::SyntaxError,
                Span::default(),
                format!("the program is beyond the engine's limits: {e}"),
            )
        })?;
        let main = &self.checked.flows[self.checked.main];
        let host_effects = self
            .checked
            .effects
            .iter()
            .filter(|e| !e.standard && self.imports.iter().any(|i| i.name == e.name))
            .map(|e| HostEffect {
                name: e.name.clone(),
                params: e.params.clone(),
                ret: e.ret.clone(),
            })
            .collect();
        let standard_effects = self
            .checked
            .effects
            .iter()
            .filter(|e| e.standard && self.imports.iter().any(|i| i.name == e.name))
            .map(|e| e.name.clone())
            .collect();
        Ok(Lowered {
            module,
            main_params: main.params.clone(),
            main_param_names: self.flow_decls[self.checked.main]
                .params
                .iter()
                .map(|p| p.name.name.clone())
                .collect(),
            main_ret: main.ret.clone(),
            host_effects,
            standard_effects,
            unhandled: Vec::new(),
            debug: None,
        })
    }
}

/// The lambda a flow body consists of returning, if that is all it does.
fn returned_lambda(body: &Block) -> Option<&Expr> {
    let e = match (body.stmts.as_slice(), &body.tail) {
        (
            [crate::ast::Stmt {
                kind: crate::ast::StmtKind::Return(Some(e)),
                ..
            }],
            None,
        ) => e,
        ([], Some(e)) => e,
        _ => return None,
    };
    matches!(e.kind, crate::ast::ExprKind::Lambda(..)).then_some(e)
}

/// A signature of `params` i64 parameters and `results` i64 results.
fn sig(params: usize, results: usize) -> Signature {
    Signature {
        params: vec![IrType::I64; params],
        results: vec![IrType::I64; results],
    }
}

/// The set of flows' bodies, for analyses.
fn flow_bodies(program: &Program) -> impl Iterator<Item = &Block> {
    program.items.iter().filter_map(|i| match i {
        Item::Flow(f) => Some(&f.body),
        Item::Effect(_) => None,
    })
}

/// Binding sites collected by an analysis.
type NodeSet = HashSet<NodeId>;
