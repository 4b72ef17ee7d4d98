//! Random RISC-V programs (`causeway_riscv::gen`) run on the JIT (metered and not), on the
//! interpreter and on qemu-user, which must all print the same bytes (every register and the
//! scratch memory after every case) and end the same way; a fuel-limited run must stop at the
//! same point on the JIT and on the interpreter. A failure names the seed, the case, its
//! disassembly and the differing register or byte, and a minimized case.
//!
//! Owns the differential check of the RISC-V front end. It must never accept a divergence: there
//! is no list of known ones, and a missing qemu only narrows the comparison (with a note), it
//! never skips it.
//!
//! `CAUSEWAY_RISCV_PROGRAMS` (programs per configuration, default 20) and `CAUSEWAY_RISCV_SEED`
//! (the first seed, default 0) rerun or widen the search.

use causeway_riscv::gen::{self, Case, Config, Program, Unit};
use causeway_riscv::inst::{Xlen, REG_NAMES};
use causeway_runtime::riscv::{Guest, GuestEnd, GuestIo, GuestOptions};
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

/// Cases per program: with 20 programs per configuration, 4000 cases per run of the test, which
/// take about 25 s on an idle two-core machine in a debug build, 40 s on a busy one (compiling
/// the regions on the JIT dominates).
const CASES: usize = 50;
/// Fuel of the "metered but unlimited" run: far more than any generated program executes.
const AMPLE_FUEL: u64 = 1 << 40;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    Qemu,
    Interp,
    Jit,
    JitMetered,
    InterpFuel(u64),
    JitFuel(u64),
}

/// What one run showed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Run {
    stdout: Vec<u8>,
    /// The shell's view: exit status or 128 + signal.
    status: i32,
    /// Our engines' `GuestEnd` (qemu has none), compared between them for the pc of a trap.
    end: Option<GuestEnd>,
}

/// qemu-user for `xlen` if it runs here.
fn qemu(xlen: Xlen) -> Option<&'static str> {
    let name = match xlen {
        Xlen::X32 => "qemu-riscv32",
        Xlen::X64 => "qemu-riscv64",
    };
    let ok = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(name)
}

fn run(runner: Runner, elf: &[u8], xlen: Xlen, dir: &Path) -> Run {
    let (fuel, interpreter) = match runner {
        Runner::Qemu => return run_qemu(elf, xlen, dir),
        Runner::Interp => (None, true),
        Runner::Jit => (None, false),
        Runner::JitMetered => (Some(AMPLE_FUEL), false),
        Runner::InterpFuel(f) => (Some(f), true),
        Runner::JitFuel(f) => (Some(f), false),
    };
    let options = GuestOptions {
        fuel,
        interpreter,
        ..Default::default()
    };
    let guest = Guest::load(elf, options).unwrap_or_else(|e| panic!("{runner:?}: loading failed: {e}"));
    let (io, stdout, _stderr) = GuestIo::capture();
    let end = guest
        .run(io)
        .unwrap_or_else(|e| panic!("{runner:?}: the run failed: {e}"));
    Run {
        stdout: stdout.bytes(),
        status: end.status(),
        end: Some(end),
    }
}

fn run_qemu(elf: &[u8], xlen: Xlen, dir: &Path) -> Run {
    let qemu = qemu(xlen).expect("qemu is on PATH");
    let path = dir.join("prog.elf");
    std::fs::write(&path, elf).expect("writing the ELF");
    // qemu-user, like execve, refuses a file without execute permission.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod 755");
    let out = Command::new(qemu).arg(&path).output().expect("running qemu");
    let status = match (out.status.code(), out.status.signal()) {
        (Some(c), _) => c,
        (None, Some(s)) => 128 + s,
        _ => -1,
    };
    Run {
        stdout: out.stdout,
        status,
        end: None,
    }
}

/// Whether two runs agree: the same bytes and status, and for two of our engines the same end.
fn agree(a: &Run, b: &Run) -> bool {
    a.stdout == b.stdout
        && a.status == b.status
        && match (&a.end, &b.end) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

/// A fuel budget for the program of `seed` that runs out part-way through, in its first half
/// (which halves what this run costs and still stops at every kind of instruction).
fn partial_fuel(seed: u64, program: &Program) -> u64 {
    1 + (seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) % (program.static_insts as u64 / 2)
}

/// The start of the name of the test function that runs `config`.
fn test_prefix(config: Config) -> &'static str {
    match (config.xlen, config.compressed) {
        (Xlen::X32, false) => "rv32im",
        (Xlen::X32, true) => "rv32imac",
        (Xlen::X64, false) => "rv64im",
        (Xlen::X64, true) => "rv64imac",
    }
}

fn config_name(config: Config) -> String {
    let base = match config.xlen {
        Xlen::X32 => "rv32im",
        Xlen::X64 => "rv64im",
    };
    format!("{base}{}", if config.compressed { "ac" } else { "a" })
}

/// Runs the program of `seed` everywhere; the description of the first disagreement, if any.
fn check_program(config: Config, seed: u64, cases: usize, with_qemu: bool, dir: &Path) -> Option<String> {
    let program = gen::generate(config, seed, cases);
    let xlen = config.xlen;
    let mut runners = vec![Runner::Interp, Runner::Jit, Runner::JitMetered];
    if with_qemu {
        runners.insert(0, Runner::Qemu);
    }
    let reference = run(runners[0], &program.elf, xlen, dir);
    if reference.status != 0 || reference.stdout.len() != cases * gen::case_output_len(xlen) {
        return Some(format!(
            "{} seed {seed}: {:?} did not run to the end (status {}, {} bytes of output)",
            config_name(config),
            runners[0],
            reference.status,
            reference.stdout.len()
        ));
    }
    for &runner in &runners[1..] {
        let other = run(runner, &program.elf, xlen, dir);
        if !agree(&reference, &other) {
            return Some(report(
                &program,
                seed,
                (runners[0], &reference),
                (runner, &other),
                dir,
            ));
        }
    }
    // Fuel must run out at the same instruction on both tiers, after the same output.
    let fuel = partial_fuel(seed, &program);
    let (interp, jit) = (Runner::InterpFuel(fuel), Runner::JitFuel(fuel));
    let limited = run(interp, &program.elf, xlen, dir);
    let jit_limited = run(jit, &program.elf, xlen, dir);
    if !agree(&limited, &jit_limited) {
        return Some(report(
            &program,
            seed,
            (interp, &limited),
            (jit, &jit_limited),
            dir,
        ));
    }
    if !reference.stdout.starts_with(&limited.stdout) {
        return Some(report(
            &program,
            seed,
            (runners[0], &reference),
            (interp, &limited),
            dir,
        ));
    }
    None
}

/// Reads the `bytes`-wide little-endian value at `at`, or `None` past the end of the output.
fn value_at(out: &[u8], at: usize, bytes: usize) -> Option<u64> {
    let b = out.get(at..at + bytes)?;
    Some(b.iter().rev().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
}

fn show(v: Option<u64>) -> String {
    v.map_or("(not written)".to_string(), |v| format!("{v:#x}"))
}

/// The register of dump offset `i` (`x1` first).
fn reg_name(i: usize) -> String {
    format!("x{} ({})", i + 1, REG_NAMES[i + 1])
}

/// What differs between two runs of `program` and where, then the case minimized.
fn report(program: &Program, seed: u64, a: (Runner, &Run), b: (Runner, &Run), dir: &Path) -> String {
    let config = program.config;
    let xlen = config.xlen;
    let (case_len, w) = (gen::case_output_len(xlen), gen::reg_bytes(xlen));
    let mut s = format!(
        "{} seed {seed}: {:?} and {:?} disagree\n  {:?}: status {}, end {:?}, {} bytes out\n  {:?}: \
         status {}, end {:?}, {} bytes out\n  rerun: CAUSEWAY_RISCV_SEED={seed} CAUSEWAY_RISCV_PROGRAMS=1 cargo test -p causeway-tests \
         --test all {}_random\n",
        config_name(config),
        a.0,
        b.0,
        a.0,
        a.1.status,
        a.1.end,
        a.1.stdout.len(),
        b.0,
        b.1.status,
        b.1.end,
        b.1.stdout.len(),
        test_prefix(config),
    );
    let (x, y) = (&a.1.stdout, &b.1.stdout);
    let first = x
        .iter()
        .zip(y)
        .position(|(p, q)| p != q)
        .unwrap_or(x.len().min(y.len()));
    let case = first / case_len;
    if case >= program.cases.len() {
        let _ = writeln!(s, "  the outputs agree on all {} cases", program.cases.len());
        return s;
    }
    let _ = writeln!(s, "  first difference in case {case}:");
    let at = case * case_len;
    for i in 0..31 {
        let (p, q) = (value_at(x, at + i * w, w), value_at(y, at + i * w, w));
        if p != q {
            let _ = writeln!(
                s,
                "    {}: {:?} {}, {:?} {}",
                reg_name(i),
                a.0,
                show(p),
                b.0,
                show(q)
            );
        }
    }
    let scratch_at = at + 31 * w;
    for off in 0..gen::SCRATCH_LEN as usize {
        let (p, q) = (x.get(scratch_at + off), y.get(scratch_at + off));
        if p != q && p.is_some() && q.is_some() {
            let _ = writeln!(
                s,
                "    memory {:#x}: {:?} {:#04x}, {:?} {:#04x} (first differing byte)",
                gen::SCRATCH + off as u64,
                a.0,
                p.copied().unwrap_or(0),
                b.0,
                q.copied().unwrap_or(0)
            );
            break;
        }
    }
    let cases = gen::generate_cases(config, seed, program.cases.len());
    s.push_str(&describe_case(&gen::assemble(config, &cases[case..=case]), 0));
    match minimize(config, &cases[case], (a.0, b.0), dir) {
        Some((min, runs)) => {
            let p = gen::assemble(config, std::slice::from_ref(&min));
            s.push_str("  minimized, alone in a program:\n");
            s.push_str(&describe_case(&p, 0));
            for (runner, r) in [a.0, b.0].iter().zip(&runs) {
                let regs: Vec<String> = (0..31)
                    .map(|i| format!("{}={}", REG_NAMES[i + 1], show(value_at(&r.stdout, i * w, w))))
                    .collect();
                let _ = writeln!(s, "    {runner:?}: status {} {}", r.status, regs.join(" "));
            }
        }
        None => s.push_str(
            "  (the case alone does not diverge: it depends on earlier cases or on where fuel ran out)\n",
        ),
    }
    s
}

/// Case `index` of `program`: initial registers and the random part, disassembled.
fn describe_case(program: &Program, index: usize) -> String {
    let listing = &program.cases[index];
    let mut s = String::from("    initial registers:");
    for (i, v) in listing.regs.iter().enumerate() {
        if i % 6 == 0 {
            s.push_str("\n     ");
        }
        let _ = write!(s, " {}={v:#x}", REG_NAMES[i + 1]);
    }
    let _ = writeln!(s, " t6=base={:#x}", gen::BASE);
    for &(pc, inst, len) in &listing.body {
        let _ = writeln!(s, "    {pc:#8x}: {inst}{}", if len == 2 { "  (c)" } else { "" });
    }
    s
}

/// Whether the single case `case` makes the two runners disagree; their runs if so.
fn diverges(config: Config, case: &Case, pair: (Runner, Runner), dir: &Path) -> Option<[Run; 2]> {
    let p = gen::assemble(config, std::slice::from_ref(case));
    let fuel = |r: Runner| match r {
        // The fuel of a failing limited run is for the whole program; the case alone runs fully.
        Runner::InterpFuel(_) => Runner::Interp,
        Runner::JitFuel(_) => Runner::JitMetered,
        r => r,
    };
    let a = run(fuel(pair.0), &p.elf, config.xlen, dir);
    let b = run(fuel(pair.1), &p.elf, config.xlen, dir);
    (!agree(&a, &b)).then_some([a, b])
}

/// Greedily drops units and zeroes initial registers while the divergence stays the same kind
/// (both runs keep their exit status, so a reduction that makes an access fault instead is not
/// mistaken for the divergence being chased).
fn minimize(config: Config, case: &Case, pair: (Runner, Runner), dir: &Path) -> Option<(Case, [Run; 2])> {
    let mut best = case.clone();
    let mut runs = diverges(config, &best, pair, dir)?;
    let kind = [runs[0].status, runs[1].status];
    let diverges = |c: &Case| diverges(config, c, pair, dir).filter(|r| [r[0].status, r[1].status] == kind);
    // Until nothing more goes: a removal can make an earlier one possible (a skipped unit that
    // mattered only while something after it was there).
    loop {
        let before = best.clone();
        // A jump that skips the divergence hides it, so jumps first learn to skip nothing.
        for u in 0..best.units.len() {
            let mut c = best.clone();
            if let Unit::Skip { over, .. } = &mut c.units[u] {
                if *over == 0 {
                    continue;
                }
                *over = 0;
            } else {
                continue;
            }
            if let Some(r) = diverges(&c) {
                (best, runs) = (c, r);
            }
        }
        let mut i = best.units.len();
        while i > 0 {
            i -= 1;
            let mut c = best.clone();
            c.units.remove(i);
            if let Some(r) = diverges(&c) {
                (best, runs) = (c, r);
            }
        }
        // Then single instructions of what is left: dropping an address computation makes its
        // access fault on every engine alike, so only instructions the divergence does not need go.
        for u in 0..best.units.len() {
            let Unit::Seq(items) = &best.units[u] else {
                continue;
            };
            let mut j = items.len();
            while j > 0 {
                j -= 1;
                let mut c = best.clone();
                if let Unit::Seq(items) = &mut c.units[u] {
                    items.remove(j);
                }
                if let Some(r) = diverges(&c) {
                    (best, runs) = (c, r);
                }
            }
        }
        for r in 0..best.regs.len() {
            if best.regs[r] != 0 {
                let mut c = best.clone();
                c.regs[r] = 0;
                if let Some(rs) = diverges(&c) {
                    (best, runs) = (c, rs);
                }
            }
        }
        if best == before {
            break;
        }
    }
    Some((best, runs))
}

fn check_config(config: Config, seed_offset: u64) {
    let programs = env_u64("CAUSEWAY_RISCV_PROGRAMS", 20);
    let first = env_u64("CAUSEWAY_RISCV_SEED", seed_offset);
    let with_qemu = qemu(config.xlen).is_some();
    if !with_qemu {
        println!(
            "note: qemu-user for {:?} is not on PATH; comparing the JIT with the interpreter only",
            config.xlen
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    for seed in first..first + programs {
        if let Some(f) = check_program(config, seed, CASES, with_qemu, dir.path()) {
            failures.push(f);
            // Each failure minimizes with many runs; a handful shows the pattern.
            if failures.len() >= 3 {
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rv32im_random_programs_agree_everywhere() {
    check_config(
        Config {
            xlen: Xlen::X32,
            compressed: false,
        },
        0,
    );
}

#[test]
fn rv32imac_random_programs_agree_everywhere() {
    check_config(
        Config {
            xlen: Xlen::X32,
            compressed: true,
        },
        1_000_000,
    );
}

#[test]
fn rv64im_random_programs_agree_everywhere() {
    check_config(
        Config {
            xlen: Xlen::X64,
            compressed: false,
        },
        2_000_000,
    );
}

#[test]
fn rv64imac_random_programs_agree_everywhere() {
    check_config(
        Config {
            xlen: Xlen::X64,
            compressed: true,
        },
        3_000_000,
    );
}
