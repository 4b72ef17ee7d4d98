//! Shared program generators and helpers of Causeway's benchmarks (`benches/engine.rs`, criterion, and
//! `benches/iai.rs`, iai-callgrind), so that both measure exactly the same programs.
//!
//! Every generator returns IR *text* (the `.ir` form, see `docs/ir.md`); [`parse`] turns it into a
//! verified module. The programs:
//! - [`int_loop_module`]: a tight integer loop (an LCG mixed into an accumulator), ~8 IR instructions per
//!   iteration, one loop header check point per iteration.
//! - [`count_loop_module`]: the tightest loop (`sum += i`), the worst case for per-iteration overheads.
//! - [`host_call_loop`]: a loop doing one `hostcall` to a trivial host function per iteration, or the same
//!   loop without the call (the baseline that isolates the round trip).
//! - [`loop_nest`]: a realistic nest: `C = A × B` over `n×n` i64 matrices in guest memory, with the
//!   matrices initialised by the guest itself and a checksum of `C` returned.
//! - [`large_module`]: a big module (many functions with loops, branches, calls, memory accesses and
//!   checked arithmetic) for compile-throughput measurements.
//! - [`tel`]: the TEL programs of `benches/tel_peers.rs` (TEL vs LuaJIT vs C, whole processes) and
//!   [`tel::large_program`], a generated TEL program for compile-time measurements.
//!
//! The whole-process benches (`benches/tel_peers.rs`, `benches/riscv_peers.rs`) share [`process`]
//! (running, checking and timing a process under criterion) and [`results`] (reading back the medians
//! and the cells of the tables printed from them); [`tel`] and [`riscv`] hold what is their own.
//!
//! The execution programs can carry `mark #LOC` instructions, one per source "statement", as a front end
//! emits them: they are free in normal code and become breakpoint sites in debuggable code.
//! [`reference`] holds plain-Rust versions of the same computations, used by the tests below to check
//! that both tiers compute what the benchmarks claim they compute.

use causeway_engine::host::{HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::{self, Module};
use causeway_engine::jit::{CompileOptions, CompiledModule, OptLevel};
use causeway_engine::stop::Stop;
use std::fmt::Write;
use std::sync::Arc;

/// Name of the trivial host function of [`host_call_loop`]: `helper @nop(i64) -> (i64)`, returns its
/// argument.
pub const NOP_IMPORT: &str = "nop";

/// Fuel given to metered instances: effectively unlimited (no benchmark ever runs out), so metered
/// runs measure the cost of charging and checking fuel, never of stopping.
pub const HUGE_FUEL: u64 = 1 << 62;

/// Base address of the guest memory region used by [`loop_nest`] and [`large_module`].
pub const REGION_BASE: u64 = 0x10000;

const PAGE: u64 = 4096;

/// Emits `mark #LOC` when marks are wanted (one per source "statement").
struct Marks {
    on: bool,
    next: u64,
}

impl Marks {
    fn new(on: bool, first_loc: u64) -> Marks {
        Marks { on, next: first_loc }
    }
    fn emit(&mut self, out: &mut String) {
        if self.on {
            let _ = writeln!(out, "    mark #{:#x}", self.next);
            self.next += 4;
        }
    }
}

/// A tight integer loop: `iterations` rounds of an LCG step mixed into an accumulator (wrapping
/// arithmetic, one multiply, shifts, xor, a compare and a back edge). `@main() -> (i64)` returns the
/// accumulator ([`reference::int_loop`]). With `marks`, each of the four statements of the body starts
/// with a `mark #LOC`.
pub fn int_loop_module(iterations: u64, marks: bool) -> String {
    let mut m = Marks::new(marks, 0x100);
    let mut s = String::new();
    let _ = writeln!(s, "; int loop: {iterations} iterations");
    s.push_str("func @main() -> (i64) {\n");
    s.push_str("    vars v0: i64, v1: i64, v2: i64, v3: i64, v4: i32\n");
    s.push_str("block0:\n    v1 = iconst 12345\n    jump block1\n");
    s.push_str("block1:\n");
    m.emit(&mut s);
    s.push_str("    v1 = mul v1, 6364136223846793005\n");
    s.push_str("    v1 = add v1, 1442695040888963407\n");
    m.emit(&mut s);
    s.push_str("    v3 = shr_u v1, 29\n");
    s.push_str("    v2 = xor v2, v3\n");
    m.emit(&mut s);
    s.push_str("    v2 = add v2, v0\n");
    m.emit(&mut s);
    s.push_str("    v0 = add v0, 1\n");
    let _ = writeln!(s, "    v4 = icmp lt_u v0, {iterations}");
    s.push_str("    brif v4, block1, block2\n");
    s.push_str("block2:\n    return v2\n}\n");
    s
}

/// The tightest loop there is: `sum += i; i += 1` for `iterations` rounds (3 IR instructions and a
/// back edge per iteration, no long dependency chain), so that the fixed per-iteration cost of a
/// loop-header check point is as visible as it can be. `@main() -> (i64)` returns the sum
/// ([`reference::count_loop`]).
pub fn count_loop_module(iterations: u64) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "; count loop: {iterations} iterations");
    s.push_str("func @main() -> (i64) {\n");
    s.push_str("    vars v0: i64, v1: i64, v2: i32\n");
    s.push_str("block0:\n    jump block1\n");
    s.push_str("block1:\n    v0 = add v0, v1\n    v1 = add v1, 1\n");
    let _ = writeln!(s, "    v2 = icmp lt_u v1, {iterations}");
    s.push_str("    brif v2, block1, block2\n");
    s.push_str("block2:\n    return v0\n}\n");
    s
}

/// A loop of `n` iterations; with `call`, each iteration makes one host call to `@nop` (a `helper`
/// import that returns its argument) and adds the result into an accumulator. Without `call` it is
/// the very same loop minus the `hostcall` instruction, so the difference of the two is the cost of
/// `n` guest → host → guest round trips. `@main() -> (i64)` returns the accumulator
/// ([`reference::host_call_loop`]).
pub fn host_call_loop(n: u64, call: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "; host call loop: {n} iterations, call = {call}");
    let _ = writeln!(s, "import helper @{NOP_IMPORT}(i64) -> (i64)\n");
    s.push_str("func @main() -> (i64) {\n");
    s.push_str("    vars v0: i64, v1: i64, v2: i64, v3: i32\n");
    s.push_str("block0:\n    jump block1\n");
    s.push_str("block1:\n");
    if call {
        let _ = writeln!(s, "    v1 = hostcall @{NOP_IMPORT}(v0)");
    }
    s.push_str("    v2 = add v2, v1\n");
    s.push_str("    v0 = add v0, 1\n");
    let _ = writeln!(s, "    v3 = icmp lt_u v0, {n}");
    s.push_str("    brif v3, block1, block2\n");
    s.push_str("block2:\n    return v2\n}\n");
    s
}

/// Guest addresses of the three matrices of [`loop_nest`]: `(A, B, C, region size)`.
pub fn loop_nest_layout(n: u32) -> (u64, u64, u64, u64) {
    let bytes = n as u64 * n as u64 * 8;
    let a = REGION_BASE;
    let b = a + bytes;
    let c = b + bytes;
    let size = (3 * bytes).div_ceil(PAGE).max(1) * PAGE;
    (a, b, c, size)
}

/// A realistic loop nest: the guest fills `n×n` i64 matrices `A[i] = i & 15`, `B[i] = (7 i) & 31`
/// (flat index `i`), computes `C = A × B` with the classic i/j/k triple loop over guest memory, stores
/// every `C[i][j]` and returns a checksum of them ([`reference::loop_nest`]). The inner loop does two
/// loads, a multiply-add and three induction updates; every loop header is a check point. With `marks`,
/// each "statement" starts with a `mark #LOC`.
pub fn loop_nest(n: u32, marks: bool) -> String {
    assert!((1..=1024).contains(&n), "matrix size {n} out of range");
    let (a, b, c, size) = loop_nest_layout(n);
    let (nn, row) = (n as u64 * n as u64, n as u64 * 8);
    let mut m = Marks::new(marks, 0x1000);
    let mut s = String::new();
    let _ = writeln!(s, "; loop nest: {n}x{n} i64 matrix multiply in guest memory");
    s.push_str("memory a32\n");
    let _ = writeln!(s, "region {REGION_BASE:#x} {size:#x} rw\n");
    s.push_str("func @main() -> (i64) {\n");
    // v0 i, v1 j, v2 k, v3 sum, v4 A addr, v5 B addr, v6/v7 values, v8 cond, v9 checksum,
    // v10 addr tmp, v11 i64 tmp, v12 addr tmp
    s.push_str("    vars v0: i32, v1: i32, v2: i32, v3: i64, v4: i32, v5: i32, v6: i64, v7: i64\n");
    s.push_str("    vars v8: i32, v9: i64, v10: i32, v11: i64, v12: i32\n");
    s.push_str("block0:\n    jump block1\n");
    // Initialisation: one flat loop over both input matrices.
    s.push_str("block1:\n");
    m.emit(&mut s);
    s.push_str("    v10 = shl v0, 3\n    v11 = extend_u v0\n    v6 = and v11, 15\n");
    let _ = writeln!(s, "    store.64 [v10 + {a:#x}], v6");
    m.emit(&mut s);
    s.push_str("    v7 = mul v11, 7\n    v7 = and v7, 31\n");
    let _ = writeln!(s, "    store.64 [v10 + {b:#x}], v7");
    m.emit(&mut s);
    s.push_str("    v0 = add v0, 1\n");
    let _ = writeln!(s, "    v8 = icmp lt_u v0, {nn}");
    s.push_str("    brif v8, block1, block2\n");
    s.push_str("block2:\n    v0 = iconst 0\n    jump block3\n");
    // for i
    s.push_str("block3:\n");
    m.emit(&mut s);
    s.push_str("    v1 = iconst 0\n    jump block4\n");
    // for j
    s.push_str("block4:\n");
    m.emit(&mut s);
    s.push_str("    v3 = iconst 0\n    v2 = iconst 0\n");
    let _ = writeln!(s, "    v4 = mul v0, {row}");
    s.push_str("    v5 = shl v1, 3\n    jump block5\n");
    // for k: sum += A[i][k] * B[k][j]
    s.push_str("block5:\n");
    m.emit(&mut s);
    let _ = writeln!(s, "    v6 = load.64 [v4 + {a:#x}]");
    let _ = writeln!(s, "    v7 = load.64 [v5 + {b:#x}]");
    m.emit(&mut s);
    s.push_str("    v6 = mul v6, v7\n    v3 = add v3, v6\n");
    m.emit(&mut s);
    s.push_str("    v4 = add v4, 8\n");
    let _ = writeln!(s, "    v5 = add v5, {row}");
    s.push_str("    v2 = add v2, 1\n");
    let _ = writeln!(s, "    v8 = icmp lt_u v2, {n}");
    s.push_str("    brif v8, block5, block6\n");
    // C[i][j] = sum; checksum = checksum * 31 + sum; next j
    s.push_str("block6:\n");
    m.emit(&mut s);
    let _ = writeln!(s, "    v10 = mul v0, {row}");
    s.push_str("    v12 = shl v1, 3\n    v10 = add v10, v12\n");
    let _ = writeln!(s, "    store.64 [v10 + {c:#x}], v3");
    m.emit(&mut s);
    s.push_str("    v9 = mul v9, 31\n    v9 = add v9, v3\n");
    m.emit(&mut s);
    s.push_str("    v1 = add v1, 1\n");
    let _ = writeln!(s, "    v8 = icmp lt_u v1, {n}");
    s.push_str("    brif v8, block4, block7\n");
    // next i
    s.push_str("block7:\n");
    m.emit(&mut s);
    s.push_str("    v0 = add v0, 1\n");
    let _ = writeln!(s, "    v8 = icmp lt_u v0, {n}");
    s.push_str("    brif v8, block3, block8\n");
    s.push_str("block8:\n    return v9\n}\n");
    s
}

/// xorshift64*: a tiny deterministic generator for [`large_module`].
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Instructions per function of [`large_module`] (terminators not counted).
pub const LARGE_FUNC_INSTS: usize = 200;

/// A large, deterministic module of about `n_insts` IR instructions (terminators not counted; see
/// [`inst_count`] for the exact number): `n_insts / 200` functions `@fK(i64, i64) -> (i64)` of 200
/// instructions each, every one with a straight-line entry, a counted loop, a call to the previous
/// function, a forward branch diamond, loads and stores into one rw region, checked and RISC-V
/// arithmetic, compares and selects. The code is meant to be compiled, not run.
pub fn large_module(n_insts: usize) -> String {
    let funcs = n_insts.div_ceil(LARGE_FUNC_INSTS).max(1);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "; large module: {funcs} functions of {LARGE_FUNC_INSTS} instructions"
    );
    s.push_str("memory a32\n");
    let _ = writeln!(s, "region {REGION_BASE:#x} 0x10000 rw");
    for k in 0..funcs {
        s.push('\n');
        large_function(&mut s, &mut rng, k);
    }
    s
}

/// Appends `n` random straight-line instructions over i64 vars `v0..v9`, i32 vars `v10`, `v11`.
fn chunk(s: &mut String, rng: &mut Rng, n: usize) {
    const BIN: [&str; 14] = [
        "add",
        "sub",
        "mul",
        "and",
        "or",
        "xor",
        "shl",
        "shr_u",
        "shr_s",
        "add_checked",
        "mulh_s",
        "div_s_rv",
        "rem_u_rv",
        "sub_checked",
    ];
    const CONDS: [&str; 6] = ["eq", "ne", "lt_s", "le_u", "gt_s", "ge_u"];
    let mut i = 0;
    while i < n {
        let d = rng.below(8) + 2; // never clobber the parameters v0, v1
        let a = rng.below(10);
        let b = rng.below(10);
        match rng.below(16) {
            0..=7 => {
                let op = BIN[rng.below(BIN.len() as u64) as usize];
                if rng.below(3) == 0 {
                    let imm = rng.below(1000) as i64 - 500;
                    let _ = writeln!(s, "    v{d} = {op} v{a}, {imm}");
                } else {
                    let _ = writeln!(s, "    v{d} = {op} v{a}, v{b}");
                }
                i += 1;
            }
            8 if i + 2 <= n => {
                let cond = CONDS[rng.below(CONDS.len() as u64) as usize];
                let _ = writeln!(s, "    v10 = icmp {cond} v{a}, v{b}");
                let _ = writeln!(s, "    v{d} = select v10, v{a}, v{b}");
                i += 2;
            }
            9 | 10 if i + 3 <= n => {
                // load.64 [((wrap a) & 0xfff8) + REGION_BASE]
                let _ = writeln!(s, "    v11 = wrap v{a}");
                let _ = writeln!(s, "    v11 = and v11, 0xfff8");
                let _ = writeln!(s, "    v{d} = load.64 [v11 + {REGION_BASE:#x}]");
                i += 3;
            }
            11 if i + 3 <= n => {
                let _ = writeln!(s, "    v11 = wrap v{a}");
                let _ = writeln!(s, "    v11 = and v11, 0xfff8");
                let _ = writeln!(s, "    store.64 [v11 + {REGION_BASE:#x}], v{b}");
                i += 3;
            }
            12 => {
                let op = ["sext8", "sext16", "zext16", "zext32"][rng.below(4) as usize];
                let _ = writeln!(s, "    v{d} = {op} v{a}");
                i += 1;
            }
            13 => {
                let imm = rng.next() as i64;
                let _ = writeln!(s, "    v{d} = iconst {imm}");
                i += 1;
            }
            _ => {
                let _ = writeln!(s, "    v{d} = copy v{a}");
                i += 1;
            }
        }
    }
}

/// One function of [`large_module`]: exactly [`LARGE_FUNC_INSTS`] instructions.
fn large_function(s: &mut String, rng: &mut Rng, k: usize) {
    // Fixed instructions: entry 1 (counter reset), loop 3 (counter step + compare), call block 3, diamond 1.
    const FIXED: usize = 8;
    let body = LARGE_FUNC_INSTS - FIXED;
    let per = body / 5;
    let last = body - 4 * per;
    let _ = writeln!(s, "func @f{k}(v0: i64, v1: i64) -> (i64) {{");
    s.push_str("    vars v2: i64, v3: i64, v4: i64, v5: i64, v6: i64, v7: i64, v8: i64, v9: i64\n");
    s.push_str("    vars v10: i32, v11: i32, v12: i64\n");
    s.push_str("block0:\n");
    chunk(s, rng, per);
    s.push_str("    v12 = iconst 0\n    jump block1\n");
    s.push_str("block1:\n");
    chunk(s, rng, per);
    s.push_str("    v12 = add v12, 1\n");
    let _ = writeln!(s, "    v10 = icmp lt_u v12, {}", 4 + rng.below(60));
    s.push_str("    v11 = copy v10\n    brif v11, block1, block2\n");
    s.push_str("block2:\n");
    chunk(s, rng, per);
    if k > 0 {
        let _ = writeln!(s, "    v2 = call @f{}(v3, v4)", k - 1);
    } else {
        s.push_str("    v2 = add v3, v4\n");
    }
    s.push_str("    v10 = wrap v2\n    v10 = and v10, 1\n    brif v10, block3, block4\n");
    s.push_str("block3:\n");
    chunk(s, rng, per);
    s.push_str("    v5 = xor v5, v2\n    jump block4\n");
    s.push_str("block4:\n");
    chunk(s, rng, last);
    s.push_str("    return v5\n}\n");
}

/// Parses and verifies IR text; panics with the error (benchmark programs are generated, so an error
/// is a bug in the generator).
pub fn parse(text: &str) -> Arc<Module> {
    let m = ir::parse::parse_module(text).unwrap_or_else(|e| panic!("benchmark program does not parse: {e}"));
    ir::verify::verify_module(&m).unwrap_or_else(|e| panic!("benchmark program does not verify: {e}"));
    Arc::new(m)
}

/// Number of IR instructions of a module (terminators not counted).
pub fn inst_count(m: &Module) -> u64 {
    m.funcs
        .iter()
        .flat_map(|f| &f.blocks)
        .map(|b| b.insts.len() as u64)
        .sum()
}

/// Compile options for a benchmark variant.
pub fn options(opt_level: OptLevel, metered: bool, debuggable: bool) -> CompileOptions {
    CompileOptions {
        opt_level,
        metered,
        debuggable,
        debug_vars: true,
        keep_text: false,
    }
}

/// Compiles a module; panics on failure.
pub fn compile(module: &Arc<Module>, opts: CompileOptions) -> Arc<CompiledModule> {
    Arc::new(CompiledModule::compile(module.clone(), opts).unwrap_or_else(|e| panic!("compile failed: {e}")))
}

/// A linker with the benchmarks' host functions ([`NOP_IMPORT`]).
pub fn linker() -> Linker {
    let mut l = Linker::new();
    l.define(NOP_IMPORT, |_, args, results| {
        results[0] = args[0];
        Ok(HostOutcome::Return)
    });
    l
}

/// Which tier runs a benchmark program.
#[derive(Clone)]
pub enum Code {
    /// The reference interpreter.
    Interp(Arc<Module>),
    /// Compiled code.
    Jit(Arc<CompiledModule>),
}

impl Code {
    /// The interpreter tier for `module`.
    pub fn interp(module: &Arc<Module>) -> Code {
        Code::Interp(module.clone())
    }
    /// The JIT tier: `module` compiled with `opts`.
    pub fn jit(module: &Arc<Module>, opts: CompileOptions) -> Code {
        Code::Jit(compile(module, opts))
    }
}

/// Instantiates `code` with the benchmark linker. `fuel: None` runs unmetered; `Some(f)` needs code
/// compiled with `metered` (on the JIT tier). Panics on failure.
pub fn instantiate(code: &Code, fuel: Option<u64>) -> Instance {
    let config = InstanceConfig {
        fuel,
        ..Default::default()
    };
    let mut l = linker();
    let r = match code {
        Code::Interp(m) => Instance::new_interp(m.clone(), &mut l, config),
        Code::Jit(c) => Instance::new_jit(c.clone(), &mut l, config),
    };
    r.unwrap_or_else(|e| panic!("instantiate failed: {e}"))
}

/// Calls `@main()` and returns its single result; panics unless it finishes.
pub fn run_main(inst: &mut Instance) -> i64 {
    match inst.call("main", &[]) {
        Ok(Stop::Finished(v)) if v.len() == 1 => v[0],
        other => panic!("@main did not finish with one result: {other:?}"),
    }
}

/// The repository root (the bench crate's parent).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the bench crate is inside the workspace")
        .to_path_buf()
}

pub mod process;
pub mod results;
pub mod riscv;

/// The TEL programs of the TEL-vs-LuaJIT-vs-C benchmarks (`benches/tel_peers.rs`).
pub mod tel;

/// Plain-Rust versions of the benchmark programs' computations.
pub mod reference {
    /// What `int_loop_module(iterations, _)` returns.
    pub fn int_loop(iterations: u64) -> i64 {
        let (mut i, mut x, mut acc) = (0u64, 12345u64, 0u64);
        loop {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            acc ^= x >> 29;
            acc = acc.wrapping_add(i);
            i += 1;
            if i >= iterations {
                return acc as i64;
            }
        }
    }

    /// What `count_loop_module(iterations)` returns.
    pub fn count_loop(iterations: u64) -> i64 {
        let n = iterations.max(1);
        (n * (n - 1) / 2) as i64
    }

    /// What `host_call_loop(n, call)` returns.
    pub fn host_call_loop(n: u64, call: bool) -> i64 {
        if !call {
            return 0;
        }
        // Iteration i adds i; the body runs at least once.
        let n = n.max(1);
        (n * (n - 1) / 2) as i64
    }

    /// What `loop_nest(n, _)` returns.
    pub fn loop_nest(n: u32) -> i64 {
        let n = n as usize;
        let a: Vec<i64> = (0..n * n).map(|i| (i as i64) & 15).collect();
        let b: Vec<i64> = (0..n * n).map(|i| (i as i64 * 7) & 31).collect();
        let mut checksum = 0i64;
        for i in 0..n {
            for j in 0..n {
                let mut sum = 0i64;
                for k in 0..n {
                    sum = sum.wrapping_add(a[i * n + k].wrapping_mul(b[k * n + j]));
                }
                checksum = checksum.wrapping_mul(31).wrapping_add(sum);
            }
        }
        checksum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tier and variant the benchmarks use.
    fn variants(m: &Arc<Module>) -> Vec<(String, Code, Option<u64>)> {
        let mut v = vec![
            ("interp".to_string(), Code::interp(m), None),
            ("interp metered".to_string(), Code::interp(m), Some(HUGE_FUEL)),
        ];
        for opt in [OptLevel::Speed, OptLevel::None] {
            for (metered, debuggable) in [(false, false), (true, false), (false, true)] {
                let name = format!("jit {opt:?} metered={metered} debuggable={debuggable}");
                let fuel = metered.then_some(HUGE_FUEL);
                v.push((name, Code::jit(m, options(opt, metered, debuggable)), fuel));
            }
        }
        v
    }

    fn check(text: &str, expected: i64) {
        let m = parse(text);
        for (name, code, fuel) in variants(&m) {
            let mut inst = instantiate(&code, fuel);
            assert_eq!(run_main(&mut inst), expected, "{name}");
            // A second call on the same instance (the benchmarks reuse instances).
            assert_eq!(run_main(&mut inst), expected, "{name}, second call");
        }
    }

    #[test]
    fn int_loop_computes_the_reference() {
        for marks in [false, true] {
            check(&int_loop_module(1000, marks), reference::int_loop(1000));
        }
    }

    #[test]
    fn count_loop_computes_the_reference() {
        check(&count_loop_module(1000), reference::count_loop(1000));
    }

    #[test]
    fn host_call_loop_computes_the_reference() {
        for call in [false, true] {
            check(&host_call_loop(1000, call), reference::host_call_loop(1000, call));
        }
    }

    #[test]
    fn loop_nest_computes_the_reference() {
        for marks in [false, true] {
            for n in [1, 5, 16] {
                check(&loop_nest(n, marks), reference::loop_nest(n));
            }
        }
    }

    #[test]
    fn large_module_has_the_requested_size_and_compiles() {
        let m = parse(&large_module(2000));
        assert_eq!(m.funcs.len(), 10);
        assert_eq!(inst_count(&m), 2000);
        for opt in [OptLevel::Speed, OptLevel::None] {
            compile(&m, options(opt, true, false));
        }
    }

    #[test]
    fn marks_are_sites_only_in_debuggable_code() {
        let m = parse(&loop_nest(4, true));
        assert_eq!(
            compile(&m, options(OptLevel::Speed, false, false)).site_count(),
            0
        );
        assert!(compile(&m, options(OptLevel::Speed, false, true)).site_count() >= 10);
    }
}
