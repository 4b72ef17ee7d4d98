//! The Cranelift tier: compiles a verified IR module into one block of guarded native code.
//!
//! Owns compilation (ISA settings, per-function lowering via `lower`, entry trampolines, the breakpoint
//! stub), linking (laying functions out in our own [`code::CodeMemory`] and resolving their calls),
//! and the metadata the runtime needs: the trap table, the source-location table and the patchable
//! breakpoint sites. We own code memory instead of using cranelift-jit because the trap table, the
//! site offsets and patching all need the raw `CompiledCode`. Must never run guest code itself.

pub mod code;
pub mod lower;
pub mod perf_map;
pub mod vmctx;

use crate::ir::{self, FuncId, Module, Signature, SourceLoc, TrapCode as IrTrap};
use code::{CodeError, CodeMemory};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, AbiParam, Function, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{binemit::Reloc, FinalizedRelocTarget};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use lower::{LocEntry, LowerTables};
use std::collections::HashMap;
use std::sync::Arc;
use vmctx::*;

/// How much Cranelift optimizes. Fuel use and results never depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    None,
    #[default]
    Speed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    pub opt_level: OptLevel,
    /// Charge and check fuel. Unmetered code still checks the interrupt flag.
    pub metered: bool,
    /// Debuggable code: variables spilled at every `mark` with a location, and a patchable breakpoint
    /// site there. Normal code has no sites at all.
    pub debuggable: bool,
    /// In debuggable code, whether variables are spilled at each site (and reloaded after a stop)
    /// so that a debugger reads and writes them (`Instance::debug_frame_vars`). A front end that
    /// keeps everything a debugger sees in globals at every `mark` turns it off: its sites then
    /// cost only the patchable call.
    pub debug_vars: bool,
    /// Keep the Cranelift IR and disassembly text of each function (for `causeway compile --emit`).
    pub keep_text: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            opt_level: OptLevel::Speed,
            metered: true,
            debuggable: false,
            debug_vars: true,
            keep_text: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("invalid IR: {0}")]
    Verify(#[from] ir::verify::VerifyError),
    #[error("code generation failed for function `{func}`: {message}")]
    Codegen { func: String, message: String },
    #[error("this host is not supported by the JIT: {0}")]
    UnsupportedHost(String),
    #[error(transparent)]
    Code(#[from] CodeError),
}

struct FuncMeta {
    offset: usize,
    len: usize,
    /// (function-relative offset, trap code), sorted.
    traps: Vec<(u32, IrTrap)>,
    /// (start, end, loc id), sorted by start.
    srclocs: Vec<(u32, u32, u32)>,
}

/// One emitted patchable call of breakpoint site `site`: the call's bytes are
/// `code[offset..offset+len]`. Sites in code that Cranelift removed as unreachable have none.
struct Patch {
    site: usize,
    offset: usize,
    call_bytes: Vec<u8>,
    enabled: bool,
}

/// A module compiled to native code, with everything the runtime needs to run and debug it.
pub struct CompiledModule {
    pub module: Arc<Module>,
    pub options: CompileOptions,
    code: CodeMemory,
    funcs: Vec<FuncMeta>,
    /// Entry trampoline offset per signature: `extern "sysv" fn(vmctx, callee, values)`.
    trampolines: HashMap<Signature, usize>,
    locs: Vec<LocEntry>,
    /// Breakpoint sites by id (the id JIT code passes to the stub).
    sites: Vec<LocEntry>,
    patches: Vec<Patch>,
    /// The patches (emitted calls) of each site, and the sites of each location.
    site_patches: Vec<Vec<usize>>,
    sites_by_loc: HashMap<SourceLoc, Vec<usize>>,
    nop: Vec<u8>,
    table: Vec<TableEntry>,
    /// Per function: Cranelift IR text and disassembly, when `keep_text` was asked for.
    pub text: Vec<(String, String)>,
    /// The first loc id of this code (nonzero for dynamic functions, see `compile_dynamic`).
    loc_base: u32,
    /// The first breakpoint-site id of this code (as `loc_base`); `sites` are indexed from it.
    site_base: u32,
    /// The `FuncId` of this code's first function.
    func_base: u32,
}

/// Where a dynamic function's loc and breakpoint-site ids start: after all earlier code's.
#[derive(Clone, Copy, Debug, Default)]
pub struct DynamicBases {
    pub loc: u32,
    pub site: u32,
}

/// Where a compilation's numbering starts (all zero for a module).
#[derive(Clone, Copy, Default)]
struct Bases {
    func: u32,
    loc: u32,
    site: u32,
}

fn make_isa(opts: &CompileOptions) -> Result<OwnedTargetIsa, CompileError> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v)
            .map_err(|e| CompileError::UnsupportedHost(format!("setting {k}={v}: {e}")))
    };
    set(
        &mut flags,
        "opt_level",
        if opts.opt_level == OptLevel::Speed {
            "speed"
        } else {
            "none"
        },
    )?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) { "true" } else { "false" },
    )?;
    set(&mut flags, "preserve_frame_pointers", "true")?;
    set(&mut flags, "enable_probestack", "true")?;
    set(&mut flags, "probestack_strategy", "inline")?;
    // Guest functions use the platform convention (it has callee-saved registers); more results
    // than return registers go through a hidden return area.
    set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
    let builder = cranelift_native::builder().map_err(|e| CompileError::UnsupportedHost(e.to_string()))?;
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| CompileError::UnsupportedHost(e.to_string()))
}

/// Code pieces before linking.
struct Piece {
    bytes: Vec<u8>,
    relocs: Vec<(u32, Reloc, u32, u32, i64)>, // offset, kind, namespace, index, addend
}

/// Below this many IR instructions in all, a module compiles on the calling thread: Cranelift spends
/// a few microseconds per IR instruction, so smaller modules take less than starting threads and
/// splitting a few functions between them.
pub const PARALLEL_COMPILE_MIN_IR_INSTS: usize = 400;

type CompiledFunc = (Piece, cranelift_codegen::CompiledCode, String);

/// Compiles the functions that `lower_next(0..n)` produces, in that order, into results in the same
/// order. A large module ([`PARALLEL_COMPILE_MIN_IR_INSTS`]) is a pipeline: the calling thread keeps
/// lowering (which is sequential: it numbers locations and sites) while up to
/// `available_parallelism` workers run Cranelift on the functions already lowered.
fn compile_all(
    isa: &OwnedTargetIsa,
    module: &Module,
    keep_text: bool,
    mut lower_next: impl FnMut(usize) -> Function,
) -> Result<Vec<CompiledFunc>, CompileError> {
    let n = module.funcs.len();
    let one = |func: Function, name: &str, ctx: &mut cranelift_codegen::Context| {
        ctx.clear();
        ctx.func = func;
        compile_clif(isa, ctx, name, keep_text)
    };
    let ir_insts = module.inst_count();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(n);
    if workers < 2 || ir_insts < PARALLEL_COMPILE_MIN_IR_INSTS {
        let mut ctx = cranelift_codegen::Context::new();
        return (0..n)
            .map(|i| one(lower_next(i), &module.funcs[i].name, &mut ctx))
            .collect();
    }
    let (send, receive) = std::sync::mpsc::channel::<(usize, Function)>();
    let receive = std::sync::Mutex::new(receive);
    let results = std::sync::Mutex::new(Vec::with_capacity(n));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            // A thread the system refuses only means fewer workers: the calling thread compiles
            // whatever is left below.
            let _ = std::thread::Builder::new().spawn_scoped(scope, || {
                let mut ctx = cranelift_codegen::Context::new();
                loop {
                    // The lock is held while waiting for and taking a job (the other workers wait
                    // for the lock meanwhile); `recv` fails once lowering is done and every job is
                    // taken.
                    let job = receive.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((i, f)) = job else { break };
                    let r = one(f, &module.funcs[i].name, &mut ctx);
                    results.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
                }
            });
        }
        for i in 0..n {
            // The receiver lives until the scope ends, so a send cannot fail.
            let _ = send.send((i, lower_next(i)));
        }
        drop(send);
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let receive = receive.into_inner().unwrap_or_else(|e| e.into_inner());
    if results.len() < n {
        let mut ctx = cranelift_codegen::Context::new();
        for (i, f) in receive.try_iter() {
            results.push((i, one(f, &module.funcs[i].name, &mut ctx)));
        }
    }
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn compile_clif(
    isa: &OwnedTargetIsa,
    ctx: &mut cranelift_codegen::Context,
    name: &str,
    keep_text: bool,
) -> Result<(Piece, cranelift_codegen::CompiledCode, String), CompileError> {
    let clif = if keep_text {
        ctx.func.display().to_string()
    } else {
        String::new()
    };
    ctx.set_disasm(keep_text);
    let compiled = ctx
        .compile(&**isa, &mut Default::default())
        .map_err(|e| CompileError::Codegen {
            func: name.to_string(),
            message: format!("{:?}", e.inner),
        })?
        .clone();
    let mut relocs = Vec::new();
    for r in compiled.buffer.relocs() {
        match &r.target {
            FinalizedRelocTarget::ExternalName(cranelift_codegen::ir::ExternalName::User(u)) => {
                let n = &ctx.func.params.user_named_funcs()[*u];
                relocs.push((r.offset, r.kind, n.namespace, n.index, r.addend));
            }
            other => {
                return Err(CompileError::Codegen {
                    func: name.to_string(),
                    message: format!("unexpected relocation target {other:?}"),
                })
            }
        }
    }
    Ok((
        Piece {
            bytes: compiled.code_buffer().to_vec(),
            relocs,
        },
        compiled,
        clif,
    ))
}

impl CompiledModule {
    /// Verifies and compiles `module`.
    pub fn compile(module: Arc<Module>, opts: CompileOptions) -> Result<CompiledModule, CompileError> {
        ir::verify::verify_module(&module)?;
        Self::compile_verified(module, opts, Bases::default(), true)
    }

    /// Compiles the function a resolver produced for a dynamic slot of `module`, to run as function
    /// `id` with loc ids from `bases.loc` and breakpoint-site ids from `bases.site` on (see
    /// `LowerTables`): ids stay unique in an instance. Debuggable when `opts` says so, like the
    /// module's code; with its text when `opts.keep_text` asks for it (`causeway compile FILE.elf`).
    pub fn compile_dynamic(
        module: &Module,
        func: ir::Function,
        id: FuncId,
        bases: DynamicBases,
        opts: CompileOptions,
    ) -> Result<CompiledModule, CompileError> {
        ir::verify::verify_dynamic_function(module, &func)?;
        // Lowering needs the module's globals, imports and memory width; never its data or regions.
        let alone = Module {
            memory: ir::MemoryDecl {
                addr: module.memory.addr,
                regions: Vec::new(),
                data: Vec::new(),
            },
            metering: module.metering,
            globals: module.globals.clone(),
            imports: module.imports.clone(),
            funcs: vec![func],
            table: Vec::new(),
            dynamic: module.dynamic.clone(),
        };
        let bases = Bases {
            func: id.0,
            loc: bases.loc,
            site: bases.site,
        };
        Self::compile_verified(Arc::new(alone), opts, bases, false)
    }

    /// The loc ids this code uses: `loc_base..loc_end()`.
    pub fn loc_end(&self) -> u32 {
        self.loc_base + self.locs.len() as u32
    }

    fn compile_verified(
        module: Arc<Module>,
        opts: CompileOptions,
        bases: Bases,
        trampolines: bool,
    ) -> Result<CompiledModule, CompileError> {
        let isa = make_isa(&opts)?;
        let mut sig_ids: HashMap<Signature, u64> = HashMap::new();
        for f in &module.funcs {
            let n = sig_ids.len() as u64;
            sig_ids.entry(f.sig.clone()).or_insert(n);
        }
        let mut locs = Vec::new();
        let mut site_locs = Vec::new();
        let mut site_loc_ids = Vec::new();
        let mut ctx = cranelift_codegen::Context::new();
        let mut fctx = FunctionBuilderContext::new();
        let mut pieces = Vec::new();
        let mut metas = Vec::new();
        let mut site_records = Vec::new(); // (piece index, ret_addr, len, site id)
        let mut site_by_loc_id = HashMap::new();
        let mut text = Vec::new();
        // Lowering is sequential (it numbers locations and sites, which code embeds); Cranelift's
        // compilation of the lowered functions, nearly all of the time, runs on worker threads for
        // larger modules (see `compile_all`).
        let mut first_sites = Vec::with_capacity(module.funcs.len() + 1);
        let lower_next = |i: usize| {
            let mut func = Function::new();
            first_sites.push(site_locs.len());
            let mut tables = LowerTables {
                locs: &mut locs,
                sites: &mut site_locs,
                site_loc_ids: &mut site_loc_ids,
                sig_ids: &sig_ids,
                loc_base: bases.loc,
                site_base: bases.site,
            };
            lower::lower_function(
                &module,
                FuncId(i as u32),
                &opts,
                &mut tables,
                &mut func,
                &mut fctx,
                isa.frontend_config(),
            );
            func
        };
        let compiled_funcs = compile_all(&isa, &module, opts.keep_text, lower_next)?;
        first_sites.push(site_locs.len());
        for (i, (func, (piece, compiled, clif))) in module.funcs.iter().zip(compiled_funcs).enumerate() {
            let first_site = first_sites[i];
            let traps = compiled
                .buffer
                .traps()
                .iter()
                .map(|t| (t.offset, lower::ir_trap_code(t.code)))
                .collect();
            let srclocs: Vec<(u32, u32, u32)> = compiled
                .buffer
                .get_srclocs_sorted()
                .iter()
                .filter(|s| !s.loc.is_default())
                .map(|s| (s.start, s.end, s.loc.bits()))
                .collect();
            // Find each emitted site by the source location of its call instruction.
            for (k, &loc_id) in site_loc_ids[first_site..first_sites[i + 1]].iter().enumerate() {
                site_by_loc_id.insert(loc_id, first_site + k);
            }
            for s in compiled.buffer.patchable_call_sites() {
                let at = s.ret_addr - 1;
                let site = srclocs
                    .iter()
                    .find(|r| r.0 <= at && at < r.1)
                    .and_then(|r| site_by_loc_id.get(&r.2))
                    .copied()
                    .ok_or_else(|| CompileError::Codegen {
                        func: func.name.clone(),
                        message: format!(
                            "patchable call at {:#x} belongs to no breakpoint site",
                            s.ret_addr
                        ),
                    })?;
                site_records.push((pieces.len(), s.ret_addr, s.len, site));
            }
            if opts.keep_text {
                text.push((clif, compiled.vcode.clone().unwrap_or_default()));
            }
            metas.push(FuncMeta {
                offset: 0,
                len: piece.bytes.len(),
                traps,
                srclocs,
            });
            pieces.push(piece);
        }
        // Entry trampolines, one per distinct signature.
        let mut tramp_index = HashMap::new();
        let sigs: Vec<&Signature> = if trampolines {
            module.funcs.iter().map(|f| &f.sig).collect()
        } else {
            Vec::new()
        };
        for sig in sigs {
            if tramp_index.contains_key(sig) {
                continue;
            }
            ctx.clear();
            build_entry_trampoline(sig, &mut ctx.func, &mut fctx, isa.frontend_config());
            let (piece, _, _) = compile_clif(&isa, &mut ctx, "<entry trampoline>", false)?;
            tramp_index.insert(sig.clone(), pieces.len());
            pieces.push(piece);
        }
        ctx.clear();
        build_stop_stub(false, &mut ctx.func, &mut fctx, isa.frontend_config());
        let (piece, _, _) = compile_clif(&isa, &mut ctx, "<check stub>", false)?;
        pieces.push(piece);
        let check_stub_index = pieces.len() - 1;
        let stub_index = if opts.debuggable {
            ctx.clear();
            build_stop_stub(true, &mut ctx.func, &mut fctx, isa.frontend_config());
            let (piece, _, _) = compile_clif(&isa, &mut ctx, "<breakpoint stub>", false)?;
            pieces.push(piece);
            Some(pieces.len() - 1)
        } else {
            None
        };
        // Lay out.
        let mut offsets = Vec::with_capacity(pieces.len());
        let mut image = Vec::new();
        for p in &pieces {
            while image.len() % 16 != 0 {
                image.push(0xcc);
            }
            offsets.push(image.len());
            image.extend_from_slice(&p.bytes);
        }
        for (m, &off) in metas.iter_mut().zip(&offsets) {
            m.offset = off;
        }
        let mut link_error = None;
        let code = CodeMemory::new(&image, opts.debuggable, |buf, base| {
            for (pi, p) in pieces.iter().enumerate() {
                for &(roff, kind, ns, idx, addend) in &p.relocs {
                    let target = match ns {
                        lower::NS_FUNC => offsets.get(idx as usize).copied(),
                        lower::NS_SITE_STUB => stub_index.map(|s| offsets[s]),
                        lower::NS_CHECK_STUB => Some(offsets[check_stub_index]),
                        _ => None,
                    };
                    let at = offsets[pi] + roff as usize;
                    match (kind, target) {
                        (Reloc::X86CallPCRel4 | Reloc::X86PCRel4, Some(t)) => {
                            let delta = (base + t) as i64 + addend - (base + at) as i64;
                            buf[at..at + 4].copy_from_slice(&(delta as i32).to_le_bytes());
                        }
                        _ => link_error = Some(format!("unsupported relocation {kind:?} to {ns}:{idx}")),
                    }
                }
            }
        })?;
        if let Some(message) = link_error {
            return Err(CompileError::Codegen {
                func: "<module>".into(),
                message,
            });
        }
        let nop = nop_bytes();
        let mut patches = Vec::new();
        for &(pi, ret_addr, len, site) in &site_records {
            let offset = offsets[pi] + ret_addr as usize - len as usize;
            patches.push(Patch {
                site,
                offset,
                call_bytes: code.bytes(offset, len as usize).to_vec(),
                enabled: true,
            });
        }
        let table = module
            .table
            .iter()
            .map(|f| TableEntry {
                code: code.base() + offsets[f.0 as usize],
                sig: sig_ids[&module.func(*f).sig],
            })
            .collect();
        let trampolines = tramp_index.into_iter().map(|(s, pi)| (s, offsets[pi])).collect();
        if bases.func != 0 {
            for l in locs.iter_mut().chain(site_locs.iter_mut()) {
                l.func = FuncId(l.func.0 + bases.func);
            }
        }
        let mut cm = CompiledModule {
            loc_base: bases.loc,
            site_base: bases.site,
            func_base: bases.func,
            module,
            options: opts,
            code,
            funcs: metas,
            trampolines,
            locs,
            site_patches: vec![Vec::new(); site_locs.len()],
            sites_by_loc: HashMap::new(),
            sites: site_locs,
            patches,
            nop,
            table,
            text,
        };
        for (i, p) in cm.patches.iter().enumerate() {
            cm.site_patches[p.site].push(i);
        }
        for (site, entry) in cm.sites.iter().enumerate() {
            if let Some(loc) = entry.loc {
                cm.sites_by_loc.entry(loc).or_default().push(site);
            }
        }
        // Sites are live as emitted: nop them all before the first run.
        let all: Vec<(usize, bool)> = (0..cm.patches.len()).map(|i| (i, false)).collect();
        cm.apply_patches(&all)?;
        perf_map::record(|| cm.symbols());
        Ok(cm)
    }

    /// Native address of a function's body.
    pub fn func_addr(&self, f: FuncId) -> usize {
        self.code.base() + self.funcs[f.0 as usize].offset
    }

    /// Size in bytes of a function's body (padding excluded).
    pub fn func_size(&self, f: FuncId) -> usize {
        self.funcs[f.0 as usize].len
    }

    /// Every function and entry trampoline of this code with its address, size and a name for
    /// profilers: `causeway::FUNCTION` and `causeway::trampoline(SIGNATURE)`.
    pub fn symbols(&self) -> Vec<perf_map::CodeSymbol> {
        let funcs = self
            .module
            .funcs
            .iter()
            .enumerate()
            .map(|(i, f)| perf_map::CodeSymbol {
                addr: self.code.base() + self.funcs[i].offset,
                size: self.funcs[i].len,
                name: format!("causeway::{}", f.name),
            });
        let trampolines = self
            .trampolines
            .iter()
            .map(|(sig, &offset)| perf_map::CodeSymbol {
                addr: self.code.base() + offset,
                // A trampoline runs to the next piece of code (or the end of this code).
                size: self.next_piece_after(offset) - offset,
                name: format!("causeway::trampoline {}", ir::print::print_signature(sig)),
            });
        funcs.chain(trampolines).collect()
    }

    fn next_piece_after(&self, offset: usize) -> usize {
        let starts = self
            .funcs
            .iter()
            .map(|f| f.offset)
            .chain(self.trampolines.values().copied());
        starts.filter(|&o| o > offset).min().unwrap_or(self.code.len())
    }

    /// Native address of the entry trampoline for `sig`.
    pub fn trampoline(&self, sig: &Signature) -> Option<usize> {
        self.trampolines.get(sig).map(|o| self.code.base() + o)
    }

    pub fn table(&self) -> &[TableEntry] {
        &self.table
    }

    pub fn contains_pc(&self, pc: usize) -> bool {
        self.code.contains(pc)
    }

    /// Size of the generated code in bytes.
    pub fn code_size(&self) -> usize {
        self.code.len()
    }

    pub fn loc(&self, id: u32) -> Option<LocEntry> {
        self.locs.get(id.checked_sub(self.loc_base)? as usize).copied()
    }

    /// The trap at native `pc`, with the location of the IR instruction it belongs to.
    pub fn lookup_trap(&self, pc: usize) -> Option<(IrTrap, LocEntry)> {
        let (f, off) = self.func_at(pc)?;
        let meta = &self.funcs[f];
        let code = meta
            .traps
            .binary_search_by_key(&off, |t| t.0)
            .ok()
            .map(|i| meta.traps[i].1)?;
        Some((code, self.loc_at(f, off)))
    }

    /// The IR location of native `pc` (the function entry if nothing finer is known).
    pub fn loc_at_pc(&self, pc: usize) -> Option<LocEntry> {
        let (f, off) = self.func_at(pc)?;
        Some(self.loc_at(f, off))
    }

    fn func_at(&self, pc: usize) -> Option<(usize, u32)> {
        let rel = pc.checked_sub(self.code.base())?;
        let i = self.funcs.partition_point(|m| m.offset <= rel).checked_sub(1)?;
        let m = &self.funcs[i];
        (rel < m.offset + m.len).then(|| (i, (rel - m.offset) as u32))
    }

    fn loc_at(&self, f: usize, off: u32) -> LocEntry {
        let meta = &self.funcs[f];
        let i = meta.srclocs.partition_point(|s| s.0 <= off);
        i.checked_sub(1)
            .map(|i| meta.srclocs[i])
            .filter(|s| off < s.1)
            .and_then(|s| self.loc(s.2))
            .unwrap_or(LocEntry {
                func: FuncId(f as u32 + self.func_base),
                loc: None,
                fuel_ahead: 0,
            })
    }

    /// Number of breakpoint sites (zero in normal code). `site_loc`, `set_site` and friends take
    /// this code's own site numbers `0..site_count()`; the ids its sites report at run time are
    /// those plus `site_base()`.
    pub fn site_count(&self) -> usize {
        self.sites.len()
    }

    pub fn site_base(&self) -> u32 {
        self.site_base
    }

    /// The site ids this code reports: `site_base()..site_end()`.
    pub fn site_end(&self) -> u32 {
        self.site_base + self.sites.len() as u32
    }

    pub fn site_loc(&self, site: usize) -> Option<LocEntry> {
        self.sites.get(site).copied()
    }

    /// Sites at guest location `loc`.
    pub fn sites_at(&self, loc: SourceLoc) -> Vec<usize> {
        self.sites_by_loc.get(&loc).cloned().unwrap_or_default()
    }

    /// Whether any emitted call of `site` is patched in.
    pub fn site_enabled(&self, site: usize) -> bool {
        self.site_patches
            .get(site)
            .is_some_and(|ps| ps.iter().any(|&i| self.patches[i].enabled))
    }

    /// Patches every emitted call of a site in (the call) or out (nops). The caller guarantees no
    /// thread executes this code.
    pub fn set_site(&mut self, site: usize, enabled: bool) -> Result<(), CodeError> {
        self.set_sites(std::iter::once((site, enabled)))
    }

    /// [`CompiledModule::set_site`] for many sites, with one change of the code's protection for
    /// all the calls that change (none when none do).
    pub fn set_sites(&mut self, sites: impl IntoIterator<Item = (usize, bool)>) -> Result<(), CodeError> {
        let mut changes = Vec::new();
        for (site, enabled) in sites {
            for &i in self.site_patches.get(site).map_or(&[][..], |v| v.as_slice()) {
                if self.patches[i].enabled != enabled {
                    changes.push((i, enabled));
                }
            }
        }
        self.apply_patches(&changes)
    }

    fn apply_patches(&mut self, changes: &[(usize, bool)]) -> Result<(), CodeError> {
        let bytes: Vec<(usize, Vec<u8>)> = changes
            .iter()
            .map(|&(i, enabled)| {
                let p = &self.patches[i];
                let bytes = if enabled {
                    p.call_bytes.clone()
                } else {
                    fill_nops(&self.nop, p.call_bytes.len())
                };
                (p.offset, bytes)
            })
            .collect();
        let writes: Vec<(usize, &[u8])> = bytes.iter().map(|(o, b)| (*o, b.as_slice())).collect();
        self.code.patch_many(&writes)?;
        for &(i, enabled) in changes {
            self.patches[i].enabled = enabled;
        }
        Ok(())
    }

    /// The native bytes of each emitted call of `site` (tests check patching with it).
    pub fn site_bytes(&self, site: usize) -> Vec<&[u8]> {
        self.patches
            .iter()
            .filter(|p| p.site == site)
            .map(|p| self.code.bytes(p.offset, p.call_bytes.len()))
            .collect()
    }
}

/// The longest nop unit of the host ISA.
fn nop_bytes() -> Vec<u8> {
    vec![0x0f, 0x1f, 0x44, 0x00, 0x00]
}

fn fill_nops(unit: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() + unit.len() <= len {
        out.extend_from_slice(unit);
    }
    out.resize(len, 0x90);
    out
}

/// `extern "sysv" fn(vmctx, callee, values)`: calls `callee` with arguments read from `values` and
/// writes its results back there (all as i64 slots, i32 values sign-extended).
fn build_entry_trampoline(
    sig: &Signature,
    out: &mut Function,
    fctx: &mut FunctionBuilderContext,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
) {
    let mut s = cranelift_codegen::ir::Signature::new(CallConv::SystemV);
    s.params
        .extend([types::I64, types::I64, types::I64].map(AbiParam::new));
    out.signature = s;
    out.name = UserFuncName::user(lower::NS_TRAMPOLINE, 0);
    let mut b = FunctionBuilder::new(out, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let [vmctx, callee, values] = [0, 1, 2].map(|i| b.block_params(entry)[i]);
    // Calls from the host start at depth 0 with the fuel in the context, and leave it there.
    let depth = b.ins().iconst(types::I64, 0);
    let fuel = b
        .ins()
        .load(types::I64, MemFlagsData::trusted(), vmctx, vmctx::OFFSET_FUEL);
    let mut args = vec![vmctx, depth, fuel];
    for (i, &t) in sig.params.iter().enumerate() {
        let v = b
            .ins()
            .load(types::I64, MemFlagsData::trusted(), values, 8 * i as i32);
        args.push(if t == ir::Type::I32 {
            b.ins().ireduce(types::I32, v)
        } else {
            v
        });
    }
    let sref = b.import_signature(lower::clif_signature(sig));
    let call = b.ins().call_indirect(sref, callee, &args);
    let mut results = b.inst_results(call).to_vec();
    let fuel = results.pop().expect("guest functions return the fuel last");
    b.ins()
        .store(MemFlagsData::trusted(), fuel, vmctx, vmctx::OFFSET_FUEL);
    for (i, (r, &t)) in results.into_iter().zip(&sig.results).enumerate() {
        let r = if t == ir::Type::I32 {
            b.ins().sextend(types::I64, r)
        } else {
            r
        };
        b.ins().store(MemFlagsData::trusted(), r, values, 8 * i as i32);
    }
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(frontend);
}

/// The stubs that JIT code calls on its slow paths. They preserve every register, so that a cold
/// call inside a hot loop costs the loop no spills: the check stub stops through `stop` for fuel and
/// interrupts; the site stub (what enabled breakpoint sites call) records the frame first.
fn build_stop_stub(
    site: bool,
    out: &mut Function,
    fctx: &mut FunctionBuilderContext,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
) {
    out.signature = if site {
        lower::site_stub_signature()
    } else {
        lower::check_stub_signature()
    };
    out.name = UserFuncName::user(
        if site {
            lower::NS_SITE_STUB
        } else {
            lower::NS_CHECK_STUB
        },
        0,
    );
    let mut b = FunctionBuilder::new(out, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let vmctx = b.block_params(entry)[0];
    let (reason, payload) = if site {
        let [site, frame, fuel] = [1, 2, 3].map(|i| b.block_params(entry)[i]);
        b.ins()
            .store(MemFlagsData::trusted(), frame, vmctx, OFFSET_DEBUG_FRAME);
        let metered = b.ins().icmp_imm_s(IntCC::NotEqual, fuel, lower::NO_FUEL);
        let (store, stop) = (b.create_block(), b.create_block());
        b.ins().brif(metered, store, &[], stop, &[]);
        b.switch_to_block(store);
        b.ins().store(MemFlagsData::trusted(), fuel, vmctx, OFFSET_FUEL);
        b.ins().jump(stop, &[]);
        b.switch_to_block(stop);
        (STOP_SITE, site)
    } else {
        (STOP_CHECK, b.ins().iconst(types::I64, 0))
    };
    let mut s = cranelift_codegen::ir::Signature::new(CallConv::SystemV);
    s.params
        .extend([types::I64, types::I32, types::I64].map(AbiParam::new));
    let sref = b.import_signature(s);
    let f = b
        .ins()
        .load(types::I64, MemFlagsData::trusted(), vmctx, OFFSET_STOP);
    let reason = b.ins().iconst(types::I32, reason as i64);
    b.ins().call_indirect(sref, f, &[vmctx, reason, payload]);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(frontend);
}
