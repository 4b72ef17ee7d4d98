//! The `causeway` binary on TEL programs: every conformance program (`tests/tel/`, and
//! `../shared/tel/examples` when present) through `causeway run`, checked by its header against
//! what the process prints and its exit status; `check` and `compile` on a few. And on RISC-V
//! guests: stdout and stderr pass through, and the exit status is the one a shell sees from
//! qemu-user (the guest's, 128 + the signal of a trap), or 152 when the fuel runs out.
//!
//! This is the one test outside `tests/all`: only this package's tests can name its binary
//! (`CARGO_BIN_EXE_causeway`).

use causeway_tel::headers::Expectations;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_causeway"))
}

fn programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs = vec![
        root.join("tests/tel/spec"),
        root.join("tests/tel/programs"),
        root.join("tests/tel/errors"),
    ];
    if root.join("../shared/tel/examples").is_dir() {
        dirs.push(root.join("../shared/tel/examples"));
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tel"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_program_through_the_cli() {
    let mut failures = Vec::new();
    for path in programs() {
        let source = std::fs::read_to_string(&path).unwrap();
        let exp = Expectations::parse(&source);
        let mut cmd = bin();
        cmd.arg("run").arg(&path);
        if let Some(f) = exp.fuel {
            cmd.arg("--fuel").arg(f.to_string());
        }
        for a in &exp.args {
            cmd.arg("--arg").arg(a);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ok = match &exp.error {
            Some(kind) => {
                // `file:line:col: error[CODE]: KIND: message` (or `runtime error[CODE]`).
                !out.status.success() && stderr.contains(&format!("]: {kind}: "))
            }
            None => {
                let mut want: Vec<String> = exp.log.clone();
                if let Some(v) = &exp.value {
                    want.push(v.clone());
                }
                let lines: Vec<&str> = stdout.lines().collect();
                out.status.success() && (exp.value.is_none() || lines == want)
            }
        };
        if !ok {
            failures.push(format!(
                "{}: status {:?}\nstdout:\n{stdout}stderr:\n{stderr}",
                path.display(),
                out.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn compile_errors_print_file_line_col_code_and_the_underlined_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.tel");
    std::fs::write(&file, "flow main() -> Int {\n    return 1 + \"two\";\n}\n").unwrap();
    for cmd in ["run", "check"] {
        let out = bin().arg(cmd).arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("{}:2:", file.display()))
                && first.contains(": error[E0003]: TypeMismatch: "),
            "{cmd}: {err}"
        );
        assert!(
            err.contains("return 1 + \"two\";") && err.contains('^'),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn check_accepts_good_programs_and_compile_emits_every_stage() {
    let hello = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello.tel");
    assert!(bin().arg("check").arg(&hello).status().unwrap().success());
    for (emit, marker) in [("ir", "func @flow_main"), ("clif", "function"), ("asm", "ret")] {
        let out = bin()
            .args(["compile", "--emit", emit])
            .arg(&hello)
            .output()
            .unwrap();
        assert!(out.status.success(), "{emit}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(marker), "{emit}");
    }
}

#[test]
fn runtime_errors_name_kind_and_position_and_fuel_has_its_own_status() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("div.tel");
    std::fs::write(
        &file,
        "flow main() -> Int {\n    let z = 0;\n    return 7 / z;\n}\n",
    )
    .unwrap();
    let out = bin().arg("run").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:3:", file.display())) && err.contains("DivisionByZero"),
        "{err}"
    );
    // A failing host effect names the `perform`'s position, also when some `handle` in the program
    // names that effect (the dynamic path, through the handler list).
    let split = dir.path().join("split.tel");
    std::fs::write(
        &split,
        "flow main() -> Int {\n    let c = perform create_resource(\"t\", 1, \"\");\n    let d = perform split(c, 5);\n    return handle { 0 } with { split(a, b) -> resume(c) };\n}\n",
    )
    .unwrap();
    let out = bin().arg("run").arg(&split).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:3:13:", split.display())) && err.contains("InsufficientQuantity"),
        "{err}"
    );
    let spin = dir.path().join("spin.tel");
    std::fs::write(&spin, "flow main() -> Int { while true { } return 0; }\n").unwrap();
    let out = bin()
        .arg("run")
        .arg(&spin)
        .args(["--fuel", "1000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn caps_and_store_flags_reach_the_program() {
    let prog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tel/programs/capability_denied_cli.tel");
    let out = bin()
        .arg("run")
        .arg(&prog)
        .args(["--caps", "read"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CapabilityDenied"));
    // A persistent store keeps what a successful program made, and nothing of a failed one.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.redb");
    let mint = dir.path().join("mint.tel");
    std::fs::write(&mint, "flow main(fail: Bool) -> Int { let a = perform create_resource(\"gold\", 5, \"\"); if fail { return 1 / 0; } return perform quantity(a); }\n").unwrap();
    let run = |fail: &str| {
        bin()
            .arg("run")
            .arg(&mint)
            .arg("--store")
            .arg(&store)
            .arg("--arg")
            .arg(format!("fail={fail}"))
            .output()
            .unwrap()
    };
    assert!(run("false").status.success());
    assert_eq!(run("true").status.code(), Some(2));
    let listed = bin()
        .args(["resources", "--json", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(text.matches("\"gold\"").count(), 1, "{text}");
}

fn guest(target: &str, path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/riscv/elf")
        .join(target)
        .join(path)
}

#[test]
fn riscv_guests_pass_their_output_and_status_through() {
    for target in ["rv32imac", "rv64im"] {
        let out = bin()
            .arg("run")
            .arg(guest(target, "stderr.elf"))
            .output()
            .unwrap();
        let want = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/riscv/guests/stderr.stderr"),
        )
        .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stderr), want, "{target}");
        assert_eq!(out.status.code(), Some(0), "{target}");
        assert!(!out.stdout.is_empty(), "{target}");
        let out = bin()
            .arg("run")
            .arg(guest(target, "exit_42.elf"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(42), "{target}");
    }
}

#[test]
fn riscv_traps_print_their_kind_and_pc_and_exit_as_qemu_would() {
    for (elf, status, kind) in [
        ("hostile/wild_store.elf", 139, "memory fault"),
        ("hostile/illegal_zero.elf", 132, "illegal instruction"),
        ("hostile/ebreak.elf", 133, "ebreak"),
        ("hostile/misaligned_amo.elf", 135, "misaligned atomic"),
    ] {
        for interp in [false, true] {
            let mut cmd = bin();
            cmd.arg("run");
            if interp {
                cmd.args(["--interp", "--fuel", "100000000"]);
            }
            let out = cmd.arg(guest("rv64imac", elf)).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(status), "{elf}: {err}");
            assert!(err.contains(kind) && err.contains("at pc 0x"), "{elf}: {err}");
        }
    }
}

#[test]
fn riscv_fuel_exhaustion_has_its_own_status() {
    let out = bin()
        .args(["run", "--fuel", "1000000"])
        .arg(guest("rv32im", "hostile/loop_forever.elf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(152));
    assert!(String::from_utf8_lossy(&out.stderr).contains("out of fuel"));
}

/// `run ELF --snapshot-at-fuel N SNAP` then `resume SNAP`, each its own process: their stdout and
/// stderr together and the status of `resume` are those of `run ELF` alone.
#[test]
fn a_snapshot_resumes_in_another_process_with_the_rest_of_the_output() {
    let dir = std::env::temp_dir().join(format!("causeway-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snap = dir.join("guest.snap");
    for (target, elf, extra, at) in [
        ("rv64imac", "stderr.elf", &[][..], "300"),
        ("rv32im", "sort.elf", &["--fuel", "50000000"][..], "3000"),
        ("rv32imac", "hostile/wild_store.elf", &[][..], "5"),
    ] {
        let whole = bin()
            .arg("run")
            .args(extra)
            .arg(guest(target, elf))
            .output()
            .unwrap();
        let first = bin()
            .arg("run")
            .args(extra)
            .arg(guest(target, elf))
            .arg("--snapshot-at-fuel")
            .arg(at)
            .arg(&snap)
            .output()
            .unwrap();
        assert_eq!(
            first.status.code(),
            Some(0),
            "{elf}: {}",
            String::from_utf8_lossy(&first.stderr)
        );
        let rest = bin().arg("resume").arg(&snap).output().unwrap();
        assert_eq!([first.stdout, rest.stdout].concat(), whole.stdout, "{elf}");
        assert_eq!([first.stderr, rest.stderr].concat(), whole.stderr, "{elf}");
        assert_eq!(rest.status.code(), whole.status.code(), "{elf}");
    }

    // A damaged file, a truncated one and something else entirely are errors, not runs.
    let good = std::fs::read(&snap).unwrap();
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    for (bytes, why) in [
        (flipped, "corrupted"),
        (good[..good.len() / 2].to_vec(), "truncated"),
        (
            std::fs::read(guest("rv32im", "sort.elf")).unwrap(),
            "not a Causeway snapshot",
        ),
    ] {
        std::fs::write(&snap, bytes).unwrap();
        let out = bin().arg("resume").arg(&snap).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{why}: {err}");
        assert!(err.contains(why), "{why}: {err}");
    }
    // A guest that ends before the snapshot point ends as usual and writes none.
    std::fs::remove_file(&snap).unwrap();
    let out = bin()
        .arg("run")
        .arg(guest("rv64im", "exit_42.elf"))
        .args(["--snapshot-at-fuel", "100000000"])
        .arg(&snap)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(42));
    assert!(!snap.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `causeway debug FILE.tel`, driven by commands on stdin.
fn debug_session(file: &Path, commands: &str) -> (String, Option<i32>) {
    use std::io::Write;
    let mut child = bin()
        .arg("debug")
        .arg(file)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A session that ends early (a compile error) reads nothing: the pipe may be closed.
    let _ = child.stdin.take().unwrap().write_all(commands.as_bytes());
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (text, out.status.code())
}

#[test]
fn tel_debug_breaks_steps_prints_locals_and_continues_to_the_end() {
    let dir = std::env::temp_dir().join(format!("causeway-teldbg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fact.tel");
    std::fs::write(
        &file,
        "flow fact(n: Int) -> Int {\n    if n <= 1 { return 1; }\n    return n * fact(n - 1);\n}\n\n\
         flow main() -> Int {\n    perform log(\"start\");\n    let r = fact(4);\n    return r;\n}\n",
    )
    .unwrap();
    let (out, status) = debug_session(
        &file,
        "break 3\nbreak 5\ncontinue\nprint n\ncontinue\nlocals\nstep\nwhere\ndelete 1\nbogus\ncontinue\nprint n\nquit\n",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1..],
        [
            "breakpoint 1 at line 3",
            "error: no statement starts on line 5",
            "start",
            "breakpoint 1, fact line 3:5: return n * fact(n - 1);",
            "n = 4",
            "breakpoint 1, fact line 3:5: return n * fact(n - 1);",
            "n = 3",
            "fact line 2:5: if n <= 1 { return 1; }",
            "fact line 2:5: if n <= 1 { return 1; }",
            "deleted breakpoint 1",
            "error: unknown command `bogus`. commands: break LINE, delete ID, step, continue, print NAME, locals, where, quit",
            "main returned 24",
            "error: the run has ended (main returned 24)",
        ],
        "{out}"
    );
    assert_eq!(status, Some(0));

    // A failing run ends with its rendered error and status 2; a compile error is status 1.
    std::fs::write(
        &file,
        "flow main() -> Int {\n    let z = 0;\n    return 1 / z;\n}\n",
    )
    .unwrap();
    let (out, status) = debug_session(&file, "continue\n");
    assert!(out.contains("DivisionByZero") && out.contains(":3:12"), "{out}");
    assert_eq!(status, Some(2));
    std::fs::write(&file, "flow main() -> Int { return true; }\n").unwrap();
    let (out, status) = debug_session(&file, "continue\n");
    assert!(out.contains("TypeMismatch"), "{out}");
    assert_eq!(status, Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn riscv_resource_calls_need_their_rights() {
    let elf = guest("rv64imac", "effects/resources.elf");
    let out = bin().arg("run").arg(&elf).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bin()
        .args(["run", "--caps", "read,write"])
        .arg(&elf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(134));
    assert!(String::from_utf8_lossy(&out.stderr).contains("create"));
}

#[test]
fn an_oversized_file_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.elf");
    std::fs::File::create(&path).unwrap().set_len(65 << 20).unwrap();
    for command in ["run", "compile"] {
        let out = bin().arg(command).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("over the limit"),
            "{command}"
        );
    }
}

#[test]
fn compile_prints_a_riscv_region_at_every_stage() {
    for target in ["rv32imac", "rv64imac"] {
        let elf = guest(target, "exit_0.elf");
        for (emit, marker) in [("ir", "func @_start"), ("clif", "function"), ("asm", "ret")] {
            let out = bin()
                .args(["compile", "--emit", emit])
                .arg(&elf)
                .output()
                .unwrap();
            assert!(out.status.success(), "{target} {emit}");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.starts_with("; region @_start at 0x"),
                "{target} {emit}: {text}"
            );
            assert!(text.contains(marker), "{target} {emit}: {text}");
        }
        // Any other region by its address (here the entry's, in decimal); an address where no
        // code may start is refused.
        let ir = bin()
            .args(["compile", "--emit", "ir"])
            .arg(&elf)
            .output()
            .unwrap();
        let entry = String::from_utf8_lossy(&ir.stdout)
            .lines()
            .next()
            .and_then(|l| l.rsplit_once("at 0x"))
            .map(|(_, hex)| u64::from_str_radix(hex, 16).unwrap())
            .unwrap();
        let out = bin()
            .args(["compile", "--emit", "asm", "--pc"])
            .arg(entry.to_string())
            .arg(&elf)
            .output()
            .unwrap();
        assert!(out.status.success(), "{target}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!("; region @_start at {entry:#x}")),
            "{text}"
        );
        let out = bin()
            .args(["compile", "--emit", "ir", "--pc"])
            .arg("0x1")
            .arg(&elf)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{target}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not an address where guest code may start"));
    }
    let tel = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello.tel");
    let out = bin()
        .args(["compile", "--pc", "4096"])
        .arg(&tel)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pc is for RISC-V ELF executables"));
}

#[test]
fn compile_output_into_a_closed_pipe_ends_quietly() {
    let big = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/programs/riscv/startup/big.elf");
    let mut child = bin()
        .args(["compile", "--emit", "clif"])
        .arg(&big)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the output is written (`causeway compile ... | head -1`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn perf_map_names_the_guest_code_the_run_compiled() {
    let tel = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tel/spec/closures.tel");
    for (file, wants) in [
        (
            guest("rv64imac", "hello.elf"),
            ["causeway::riscv_run", "causeway::_start"],
        ),
        (tel, ["causeway::flow_main", "causeway::trampoline"]),
    ] {
        let child = bin()
            .args(["run", "--perf-map"])
            .arg(&file)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let map = PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", file.display());
        let text = std::fs::read_to_string(&map).unwrap();
        std::fs::remove_file(&map).unwrap();
        for want in wants {
            assert!(
                text.lines().any(|l| l.contains(want)),
                "{want} missing from {text}"
            );
        }
        for line in text.lines() {
            let fields: Vec<&str> = line.splitn(3, ' ').collect();
            assert_eq!(fields.len(), 3, "{line}");
            assert!(u64::from_str_radix(fields[0], 16).is_ok_and(|a| a > 0), "{line}");
            assert!(u64::from_str_radix(fields[1], 16).is_ok_and(|s| s > 0), "{line}");
        }
    }
}

/// Runs `causeway run --gdb 127.0.0.1:0 ELF` and gdb-multiarch in batch mode with `commands` against
/// it; returns gdb's output, the guest's stdout and its exit status. `None` without gdb-multiarch.
fn under_gdb(elf: &Path, commands: &[&str]) -> Option<(String, String, Option<i32>)> {
    use std::io::BufRead;
    if Command::new("gdb-multiarch").arg("--version").output().is_err() {
        eprintln!("gdb-multiarch is not installed: skipping the GDB end-to-end test");
        return None;
    }
    let mut child = bin()
        .args(["run", "--gdb", "127.0.0.1:0"])
        .arg(elf)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("causeway: waiting for gdb on ")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let mut gdb = Command::new("gdb-multiarch");
    gdb.args([
        "-batch",
        "-nx",
        "-ex",
        "set pagination off",
        "-ex",
        "set confirm off",
    ]);
    gdb.args(["-ex", &format!("target remote {address}")]);
    for c in commands {
        gdb.args(["-ex", c]);
    }
    let out = gdb.arg(elf).output().unwrap();
    let gdb_text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let guest = child.wait_with_output().unwrap();
    Some((
        gdb_text,
        String::from_utf8_lossy(&guest.stdout).into_owned(),
        guest.status.code(),
    ))
}

#[test]
fn gdb_breaks_in_a_function_reads_locals_steps_and_continues_to_the_exit() {
    let elf = guest("rv64imac", "debug/gdb_target.elf");
    let Some((gdb, stdout, status)) = under_gdb(
        &elf,
        &[
            "break square_sum",
            "continue",
            "next",
            "next",
            "print total",
            "print n",
            "next",
            "print square",
            "set var total = 100",
            "info registers pc",
            "stepi",
            "x/4xb $sp",
            "delete",
            "continue",
        ],
    ) else {
        return;
    };
    for want in [
        "Breakpoint 1, square_sum (n=4) at tests/riscv/debug/gdb_target.c:7",
        "$1 = 0",
        "$2 = 4",
        "$3 = 1",
        "<square_sum+",
        "[Inferior 1 (process 1) exited normally]",
    ] {
        assert!(gdb.contains(want), "`{want}` missing from gdb's output:\n{gdb}");
    }
    // The write to `total` reached the guest: the sum is no longer 30.
    assert_eq!(stdout, "square sum wrong\n", "{gdb}");
    assert_eq!(status, Some(0), "{gdb}");
}

#[test]
fn gdb_kill_ends_the_guest_and_detach_lets_it_run_to_its_end() {
    let elf = guest("rv32imac", "debug/gdb_target.elf");
    let Some((gdb, stdout, status)) = under_gdb(&elf, &["break square_sum", "continue", "kill"]) else {
        return;
    };
    assert!(gdb.contains("Breakpoint 1, square_sum (n=4)"), "{gdb}");
    assert_eq!((stdout.as_str(), status), ("", Some(137)), "{gdb}");
    let Some((gdb, stdout, status)) = under_gdb(&elf, &["break main", "continue", "detach"]) else {
        return;
    };
    assert!(gdb.contains("Breakpoint 1, main ()"), "{gdb}");
    assert_eq!((stdout.as_str(), status), ("square sum ok\n", Some(0)), "{gdb}");
}

#[test]
fn gdb_sees_a_trap_as_a_signal_and_continuing_ends_the_guest_with_it() {
    let elf = guest("rv64imac", "hostile/null_load.elf");
    let Some((gdb, _, status)) = under_gdb(&elf, &["continue", "info registers pc", "continue"]) else {
        return;
    };
    assert!(gdb.contains("Program received signal SIGSEGV"), "{gdb}");
    assert!(gdb.contains("Program terminated with signal SIGSEGV"), "{gdb}");
    assert_eq!(status, Some(139), "{gdb}");
}
