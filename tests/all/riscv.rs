//! The RISC-V guest corpus (`tests/riscv/`, see its README): every built ELF runs on the JIT
//! (metered and unmetered), on the interpreter and, where `qemu-user` is installed, on qemu, and
//! all of them must give the expected stdout, stderr and exit status. Hostile guests must end with
//! the status qemu dies with (or, for the endless loop, with fuel or an interrupt), the host alive.

use causeway_runtime::riscv::{Guest, GuestEnd, GuestIo, GuestOptions, OUT_OF_FUEL_STATUS};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGETS: [&str; 4] = ["rv32im", "rv64im", "rv32imac", "rv64imac"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("riscv")
}

/// What a program must do: its stdout, its stderr, and its exit status (`None`: it never ends).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: Option<i32>,
}

/// Reads `NAME.rvXX.expect` or `NAME.expect` (and `NAME.stderr`) next to the source.
fn expectation(dir: &Path, name: &str, target: &str) -> Expected {
    let width = &target[..4];
    let path = [format!("{name}.{width}.expect"), format!("{name}.expect")]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} has no expectation in {}", dir.display()));
    let text = std::fs::read(&path).unwrap();
    let body_end = text[..text.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let last = String::from_utf8_lossy(&text[body_end..]).trim().to_string();
    let status = last
        .strip_prefix("exit: ")
        .unwrap_or_else(|| panic!("{}: the last line must be `exit: N`", path.display()));
    let stderr = std::fs::read(dir.join(format!("{name}.stderr"))).unwrap_or_default();
    Expected {
        stdout: text[..body_end].to_vec(),
        stderr,
        status: (status != "timeout").then(|| status.parse().expect("a numeric status")),
    }
}

/// Every built program of a corpus directory: `(name, target, elf path)`.
fn programs(sub: &str) -> Vec<(String, &'static str, PathBuf)> {
    let mut out = Vec::new();
    for target in TARGETS {
        let dir = root().join("elf").join(target).join(sub);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "elf") {
                let name = p.file_stem().unwrap().to_string_lossy().to_string();
                out.push((name, target, p));
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no built programs under tests/riscv/elf/*/{sub}");
    out
}

/// How one engine configuration ran a program.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: i32,
}

fn run_causeway(elf: &[u8], interpreter: bool, fuel: Option<u64>) -> Observed {
    let options = GuestOptions {
        fuel,
        interpreter,
        ..Default::default()
    };
    let guest = Guest::load(elf, options).expect("the guest loads");
    let (io, out, err) = GuestIo::capture();
    let end = guest.run(io).expect("the run ends in a guest-level outcome");
    Observed {
        stdout: out.bytes(),
        stderr: err.bytes(),
        status: end.status(),
    }
}

fn qemu_available() -> bool {
    Command::new("qemu-riscv64").arg("--version").output().is_ok()
}

fn run_qemu(elf: &Path, target: &str) -> Observed {
    let qemu = if target.starts_with("rv32") {
        "qemu-riscv32"
    } else {
        "qemu-riscv64"
    };
    let out = Command::new("timeout")
        .args(["10", qemu])
        .arg(elf)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("qemu runs");
    use std::os::unix::process::ExitStatusExt;
    let status = out
        .status
        .code()
        .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
    Observed {
        stdout: out.stdout,
        stderr: out.stderr,
        status,
    }
}

/// Runs every program of `sub` everywhere and collects the mismatches.
fn check_corpus(sub: &str, source_dir: &str) {
    let qemu = qemu_available();
    if !qemu {
        eprintln!("note: qemu-user is not installed; comparing with the recorded expectations only");
    }
    let mut failures = Vec::new();
    for (name, target, path) in programs(sub) {
        let want = expectation(&root().join(source_dir), &name, target);
        let elf = std::fs::read(&path).unwrap();
        let Some(status) = want.status else { continue };
        let want = Observed {
            stdout: want.stdout,
            stderr: want.stderr,
            status,
        };
        let mut runs = vec![
            ("jit", run_causeway(&elf, false, None)),
            ("jit metered", run_causeway(&elf, false, Some(1 << 40))),
            ("interpreter", run_causeway(&elf, true, Some(1 << 40))),
        ];
        if qemu {
            runs.push(("qemu", run_qemu(&path, target)));
        }
        for (engine, got) in runs {
            if got != want {
                failures.push(format!(
                    "{target}/{name} on {engine}: {}",
                    first_difference(&got, &want)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The first line where two runs differ, or their statuses.
fn first_difference(got: &Observed, want: &Observed) -> String {
    for (what, g, w) in [
        ("stdout", &got.stdout, &want.stdout),
        ("stderr", &got.stderr, &want.stderr),
    ] {
        let (g, w) = (String::from_utf8_lossy(g), String::from_utf8_lossy(w));
        let mut lines = g.lines().zip(w.lines()).enumerate();
        if let Some((i, (a, b))) = lines.find(|(_, (a, b))| a != b) {
            return format!("{what} line {}: {a:?}, expected {b:?}", i + 1);
        }
        if g.lines().count() != w.lines().count() {
            return format!(
                "{what}: {} lines, expected {}",
                g.lines().count(),
                w.lines().count()
            );
        }
    }
    format!("status {}, expected {}", got.status, want.status)
}

#[test]
fn corpus_programs_agree_with_qemu_on_every_tier() {
    check_corpus("", "guests");
}

#[test]
fn hostile_programs_end_as_qemu_would() {
    check_corpus("hostile", "hostile");
}

#[test]
fn an_endless_loop_stops_for_fuel_on_every_tier() {
    for (name, target, path) in programs("hostile") {
        if name != "loop_forever" {
            continue;
        }
        let elf = std::fs::read(&path).unwrap();
        let want = expectation(&root().join("hostile"), &name, target);
        for interpreter in [false, true] {
            let got = run_causeway(&elf, interpreter, Some(5_000_000));
            assert_eq!(got.status, OUT_OF_FUEL_STATUS, "{target}/{name}");
            assert_eq!(
                got.stdout, want.stdout,
                "{target}/{name}: the line before the loop"
            );
        }
    }
}

/// Hostile guest `name`, built for rv64imac, loaded unmetered on the JIT or the interpreter.
fn hostile_rv64(name: &str, interpreter: bool) -> Guest {
    let (_, _, path) = programs("hostile")
        .into_iter()
        .find(|(n, t, _)| n == name && *t == "rv64imac")
        .unwrap_or_else(|| panic!("{name} is built for rv64imac"));
    let options = GuestOptions {
        interpreter,
        ..Default::default()
    };
    Guest::load(&std::fs::read(path).unwrap(), options).unwrap()
}

#[test]
fn an_endless_loop_stops_when_another_thread_interrupts_it() {
    for interpreter in [false, true] {
        let guest = hostile_rv64("loop_forever", interpreter);
        let (io, _, _) = GuestIo::capture();
        let mut instance = guest.instantiate(io, Default::default()).unwrap();
        let handle = instance.interrupt_handle();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(100));
            handle.interrupt();
        });
        let stop = instance
            .call(causeway_riscv::layout::ENTRY, &[])
            .expect("the guest runs");
        t.join().unwrap();
        let end = causeway_runtime::riscv::guest_end(&instance, stop).unwrap();
        assert_eq!(end, GuestEnd::Interrupted, "interpreter: {interpreter}");
    }
}

#[test]
fn traps_report_the_guest_pc_of_the_faulting_instruction() {
    for interpreter in [false, true] {
        let guest = hostile_rv64("illegal_zero", interpreter);
        let (io, _, _) = GuestIo::capture();
        let GuestEnd::Trap {
            pc: Some(pc), signal, ..
        } = guest.run(io).unwrap()
        else {
            panic!("illegal_zero must trap with a pc")
        };
        assert_eq!(signal, 4);
        let layout = guest.layout();
        assert!(
            pc >= layout.code_lo && pc < layout.code_hi,
            "pc {pc:#x} is in the code"
        );
    }
}

/// Every check point of every region (its entry and loop headers) has an interrupt exit, normal
/// and debuggable alike: an interrupted guest leaves its regions with its state written back, so
/// it can only stop in the dispatcher (what switching to debuggable code relies on).
#[test]
fn every_check_point_of_every_region_has_an_interrupt_exit() {
    let mut regions = 0;
    let all = programs("").into_iter().chain(programs("hostile"));
    // Two targets (with and without compressed code) and every third slot keep it quick.
    for (name, _, path) in all.filter(|(_, t, _)| ["rv32imac", "rv64im"].contains(t)) {
        let bytes = std::fs::read(&path).unwrap();
        for debuggable in [false, true] {
            let mut program = causeway_riscv::load(&bytes, &Default::default(), &Default::default()).unwrap();
            program.translator.set_debuggable(debuggable);
            let layout = program.translator.layout().clone();
            for slot in (0..layout.slots()).step_by(3) {
                if !program.translator.is_instruction_start(layout.slot_pc(slot)) {
                    continue;
                }
                let f = program.translator.translate(slot);
                let checks = causeway_engine::fuel::check_points(&f);
                for (i, check) in checks.into_iter().enumerate() {
                    assert!(
                        !check || f.blocks[i].on_interrupt.is_some(),
                        "{name} region {:#x}: block{i}",
                        layout.slot_pc(slot)
                    );
                }
                causeway_engine::ir::verify::verify_dynamic_function(&program.module, &f).unwrap();
                regions += 1;
            }
        }
    }
    assert!(regions > 1000, "{regions}");
}
