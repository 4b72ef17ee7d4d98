//! The `causeway` command-line tool: runs and compiles programs for the Causeway engine, and lists the
//! registers of a persistent store.
//!
//! It parses arguments, calls the runtime, and renders results and errors; it owns no execution logic.

use causeway_engine::ir::parse::parse_module;
use causeway_engine::jit::{CompileOptions, CompiledModule, OptLevel};
use causeway_runtime::capability::Rights;
use causeway_runtime::cli_resources::list_resources;
use causeway_runtime::error::{ExecutionError, TelError, VmError};
use causeway_runtime::tel::OptimizationLevel;
use causeway_runtime::tel_host::{run_tel_source, RunTelOptions};
use causeway_runtime::{run_ir, RunIrOptions};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "causeway",
    version,
    about = "A JIT-compiling execution engine for resource-oriented programs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How a program runs: the options `run` and `run-ir` share.
#[derive(clap::Args)]
struct ExecArgs {
    /// Run on the reference interpreter instead of the JIT.
    #[arg(long)]
    interp: bool,
    /// Compile without Cranelift optimizations.
    #[arg(long)]
    no_opt: bool,
    /// A persistent resource store (created if missing); without it a fresh in-memory store.
    #[arg(long)]
    store: Option<std::path::PathBuf>,
    /// The rights the program gets, comma-separated (read,write,create,delete,transfer,execute,
    /// debug,prove) or `all` (the default). Running the program itself needs none of them.
    #[arg(long, default_value = "all")]
    caps: String,
    /// The domain the program runs in.
    #[arg(long, default_value = "local")]
    domain: String,
    /// Write the perf map /tmp/perf-PID.map (every function the JIT compiles, with its address, size
    /// and name), so that `perf report` names guest code.
    #[arg(long)]
    perf_map: bool,
}

impl ExecArgs {
    /// Starts what the flags ask for before anything is compiled.
    fn start(&self) -> Result<(), String> {
        if self.perf_map {
            causeway_engine::jit::perf_map::enable().map_err(|e| format!("--perf-map: {e}"))?;
        }
        Ok(())
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run a TEL program (`.tel`: print its log lines, then the value of `main`) or a RISC-V ELF
    /// executable (its stdout and stderr pass through; the exit status is the guest's, 128 + the
    /// signal qemu-user would die of for a trap, or 152 when the fuel runs out).
    Run {
        file: String,
        /// Fuel budget: TEL, one unit per IR instruction (default 10^11); RISC-V, one unit per
        /// guest instruction (default: unmetered).
        #[arg(long)]
        fuel: Option<u64>,
        /// A parameter of `main`, as `name=value` (repeat for several).
        #[arg(long = "arg")]
        args: Vec<String>,
        /// RISC-V: wait for a GDB connection on HOST:PORT (`target remote HOST:PORT` in
        /// gdb-multiarch) and run the guest under it, stopped before its first instruction.
        #[arg(long, value_name = "HOST:PORT")]
        gdb: Option<String>,
        /// RISC-V: run until N fuel (guest instructions) is spent, save the paused guest to the
        /// file SNAP and exit with status 0 (`causeway resume SNAP` runs the rest). A guest that
        /// ends sooner ends as in any run, and no snapshot is written.
        #[arg(long, num_args = 2, value_names = ["N", "SNAP"])]
        snapshot_at_fuel: Option<Vec<String>>,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Resume a RISC-V guest from a snapshot (`run --snapshot-at-fuel`), in this process: its
    /// output and exit status are those of the rest of the uninterrupted run.
    Resume {
        snapshot: std::path::PathBuf,
        /// Run on the reference interpreter instead of the JIT.
        #[arg(long)]
        interp: bool,
        /// Compile without Cranelift optimizations.
        #[arg(long)]
        no_opt: bool,
    },
    /// Debug a TEL program interactively: commands on stdin (break LINE, delete ID, step,
    /// continue, print NAME, locals, where, quit), answers on stdout. The run is one transaction,
    /// committed only if `main` returns.
    Debug {
        file: String,
        /// Fuel budget (one unit per IR instruction of the debuggable code; default 10^11).
        #[arg(long)]
        fuel: Option<u64>,
        /// A parameter of `main`, as `name=value` (repeat for several).
        #[arg(long = "arg")]
        args: Vec<String>,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Type-check a TEL program without running it.
    Check { file: String },
    /// Run a function of a textual IR module (`.ir`) and print its result.
    RunIr {
        file: String,
        /// The function to call.
        #[arg(long, default_value = "main")]
        func: String,
        /// Arguments of the function (integers).
        #[arg(long = "arg", allow_negative_numbers = true)]
        args: Vec<i64>,
        /// Fuel budget (one unit per IR instruction); without it the run is unmetered.
        #[arg(long)]
        fuel: Option<u64>,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// List the registers of a persistent store (every domain, or one), as a table or as JSON.
    Resources {
        /// The store (a file written by `run-ir --store`); it must exist.
        #[arg(long)]
        store: std::path::PathBuf,
        /// Only this domain's registers (a domain without registers lists nothing).
        #[arg(long)]
        domain: Option<String>,
        /// Print a JSON array (one object per register) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Compile a TEL program (`.tel`), an IR module, or one region of a RISC-V ELF executable, and
    /// print it at some stage
    Compile {
        file: String,
        #[arg(long, value_enum, default_value = "asm")]
        emit: Emit,
        /// Compile debuggable code (breakpoint sites at every `mark`; for an ELF, at every
        /// instruction).
        #[arg(long)]
        debuggable: bool,
        /// RISC-V: the region starting at this guest address (hex with `0x`, or decimal; default:
        /// the ELF's entry point), compiled unmetered as `causeway run` compiles it
        #[arg(long, value_parser = parse_address)]
        pc: Option<u64>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    Ir,
    Clif,
    Asm,
}

/// The bytes of an input file, refused when it is over the ELF loader's size limit (which covers
/// TEL programs and IR too) without reading more than the limit: a huge file, `/dev/zero` or a
/// pipe cannot make the CLI allocate without bound.
fn read_input(file: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let limit = causeway_riscv::elf::ElfLimits::default().max_file_size;
    let f = std::fs::File::open(file).map_err(|e| format!("{file}: {e}"))?;
    if let Ok(size) = f.metadata().map(|m| m.len()) {
        if size > limit as u64 {
            return Err(format!("{file}: {size} bytes is over the limit of {limit} bytes"));
        }
    }
    let mut bytes = Vec::new();
    f.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{file}: {e}"))?;
    if bytes.len() > limit {
        return Err(format!("{file}: more than the limit of {limit} bytes"));
    }
    Ok(bytes)
}

/// A guest address: `0x` and hex digits, or decimal.
fn parse_address(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("`{text}` is not an address (hex with 0x, or decimal)"))
}

/// A text input file (TEL or IR), as [`read_input`] reads it.
fn read(file: &str) -> Result<String, String> {
    utf8(file, read_input(file)?)
}

/// The bytes of input `file` as text.
fn utf8(file: &str, bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|_| format!("{file}: not UTF-8 text"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Prints a TEL error (rendered with its source line) and gives the exit status for it: 1 for a
/// compile error, 3 for running out of fuel, 2 for any other run-time error.
fn report_tel_error(e: &VmError) -> ExitCode {
    match e {
        VmError::TelError(t @ TelError::Compile(_)) => {
            eprint!("{}", t.rendered());
            ExitCode::from(1)
        }
        VmError::TelError(t) => {
            eprint!("{}", t.rendered());
            eprintln!("(nothing was changed)");
            if t.kind() == Some(causeway_tel::diag::ErrorKind::OutOfFuel) {
                ExitCode::from(3)
            } else {
                ExitCode::from(2)
            }
        }
        other => {
            eprintln!("error: {other} (nothing was changed)");
            ExitCode::from(2)
        }
    }
}

/// Runs a RISC-V guest with the process's stdout and stderr, as one transaction over the store
/// with the granted rights; a trap is reported on stderr with its kind and guest pc.
fn run_elf(file: &str, bytes: &[u8], fuel: Option<u64>, exec: &ExecArgs) -> Result<ExitCode, String> {
    use causeway_runtime::riscv::{Guest, GuestIo, GuestOptions};
    let options = GuestOptions {
        fuel,
        interpreter: exec.interp,
        opt_level: if exec.no_opt {
            causeway_engine::jit::OptLevel::None
        } else {
            causeway_engine::jit::OptLevel::Speed
        },
        ..Default::default()
    };
    let guest = Guest::load(bytes, options).map_err(|e| format!("{file}: {e}"))?;
    let (runtime, _, ctx) = causeway_runtime::ir_host::cli_session(
        exec.store.as_deref(),
        &exec.domain,
        Rights::parse_list(&exec.caps)?,
    )?;
    let run = match guest.run_in(&runtime, &ctx, GuestIo::inherit()) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("causeway: {file}: {e}");
            return Ok(ExitCode::from(GUEST_ERROR_STATUS));
        }
    };
    Ok(report_guest_end(&run.end))
}

/// Reports how a guest ended on stderr (nothing for an exit) and gives its exit status.
fn report_guest_end(end: &causeway_runtime::riscv::GuestEnd) -> ExitCode {
    use causeway_runtime::riscv::{trap_name, GuestEnd};
    match end {
        GuestEnd::Exited(_) => {}
        GuestEnd::Trap { code, pc, .. } => match pc {
            Some(pc) => eprintln!("causeway: guest trap: {} at pc {pc:#x}", trap_name(*code)),
            None => eprintln!("causeway: guest trap: {}", trap_name(*code)),
        },
        GuestEnd::OutOfFuel => eprintln!("causeway: guest ran out of fuel"),
        GuestEnd::Interrupted => eprintln!("causeway: guest interrupted"),
    }
    ExitCode::from(end.status() as u8)
}

/// `run FILE.elf --snapshot-at-fuel N SNAP`: the guest, debuggable (so that a pause is its whole
/// state), runs until N fuel is spent; the paused guest goes to SNAP. Like `--gdb`, it runs
/// without a resource store: a transaction cannot be carried into another process.
fn run_elf_to_snapshot(
    file: &str,
    bytes: &[u8],
    fuel: Option<u64>,
    exec: &ExecArgs,
    at: &[String],
) -> Result<ExitCode, String> {
    use causeway_runtime::riscv::{DebugEvent, Guest, GuestDebugger, GuestIo, GuestOptions, Snapshot};
    let [n, snap] = at else {
        return Err("--snapshot-at-fuel takes N and SNAP".into());
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("--snapshot-at-fuel: `{n}` is not a fuel count"))?;
    if fuel.is_some_and(|f| f <= n) {
        return Err(format!(
            "--snapshot-at-fuel {n} is not below the fuel budget --fuel {}",
            fuel.unwrap_or_default()
        ));
    }
    let options = GuestOptions {
        fuel: Some(n),
        interpreter: exec.interp,
        debuggable: true,
        ..Default::default()
    };
    let limits = options.limits;
    let guest = Guest::load(bytes, options).map_err(|e| format!("{file}: {e}"))?;
    // Metered counters count the whole budget's instructions: N's, as the snapshot run starts
    // with N fuel; unmetered runs count reads.
    let counters = fuel.map(|_| n);
    let mut dbg = GuestDebugger::with_counter_budget(&guest, GuestIo::inherit(), counters)
        .map_err(|e| format!("{file}: {e}"))?;
    match dbg.run_until_fuel_spent() {
        Ok(DebugEvent::Stopped { .. }) => {
            let snapshot = Snapshot::take(&dbg, bytes, limits, fuel).map_err(|e| format!("{file}: {e}"))?;
            std::fs::write(snap, snapshot.to_bytes()).map_err(|e| format!("{snap}: {e}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(DebugEvent::Ended(end)) => {
            eprintln!("causeway: the guest ended before spending {n} fuel; no snapshot written");
            Ok(report_guest_end(&end))
        }
        Err(e) => {
            eprintln!("causeway: {file}: {e}");
            Ok(ExitCode::from(GUEST_ERROR_STATUS))
        }
    }
}

/// `resume SNAP`: the rest of a guest's run.
fn resume_snapshot(path: &std::path::Path, interp: bool, no_opt: bool) -> Result<ExitCode, String> {
    use causeway_runtime::riscv::{GuestIo, Snapshot, SnapshotError};
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    let snapshot = Snapshot::from_bytes(&bytes).map_err(|e| format!("{shown}: {e}"))?;
    let level = if no_opt { OptLevel::None } else { OptLevel::Speed };
    match snapshot.resume(GuestIo::inherit(), interp, level) {
        Ok(end) => Ok(report_guest_end(&end)),
        Err(e @ SnapshotError::Guest(_)) => {
            eprintln!("causeway: {shown}: {e}");
            Ok(ExitCode::from(GUEST_ERROR_STATUS))
        }
        Err(e) => Err(format!("{shown}: {e}")),
    }
}

/// `run FILE.elf --gdb HOST:PORT`: the guest, debuggable, served to one GDB connection. Its output
/// passes through; it runs without a resource store (Causeway resource calls fail), and the exit
/// status is the guest's (137 when GDB kills it).
fn run_elf_under_gdb(
    file: &str,
    bytes: &[u8],
    fuel: Option<u64>,
    exec: &ExecArgs,
    address: &str,
) -> Result<ExitCode, String> {
    use causeway_runtime::riscv::gdb::{serve, GdbEnd};
    use causeway_runtime::riscv::{Guest, GuestDebugger, GuestIo, GuestOptions};
    let options = GuestOptions {
        fuel,
        interpreter: exec.interp,
        debuggable: true,
        ..Default::default()
    };
    let guest = Guest::load(bytes, options).map_err(|e| format!("{file}: {e}"))?;
    let listener = std::net::TcpListener::bind(address).map_err(|e| format!("--gdb {address}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("--gdb {address}: {e}"))?;
    eprintln!("causeway: waiting for gdb on {bound}");
    let (conn, _) = listener.accept().map_err(|e| format!("--gdb {address}: {e}"))?;
    let dbg = GuestDebugger::new(&guest, GuestIo::inherit()).map_err(|e| format!("{file}: {e}"))?;
    match serve(dbg, conn)? {
        GdbEnd::Guest(end) => Ok(ExitCode::from(end.status() as u8)),
        GdbEnd::Killed => Ok(ExitCode::from(128 + 9)),
    }
}

/// The exit status when a guest's run fails in the runtime (a Causeway call refused or failing,
/// a translation error): 128 + SIGABRT, like a process that aborts.
const GUEST_ERROR_STATUS: u8 = 134;

fn is_tel(file: &str) -> bool {
    file.ends_with(".tel")
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Run {
            file,
            fuel,
            args,
            gdb,
            snapshot_at_fuel,
            exec,
        } => {
            let bytes = read_input(&file)?;
            exec.start()?;
            if bytes.starts_with(b"\x7fELF") {
                if !args.is_empty() {
                    return Err(format!("{file}: --arg is for TEL programs"));
                }
                match (gdb, snapshot_at_fuel) {
                    (Some(_), Some(_)) => {
                        return Err("--gdb and --snapshot-at-fuel do not go together".into())
                    }
                    (Some(address), None) => return run_elf_under_gdb(&file, &bytes, fuel, &exec, &address),
                    (None, Some(at)) => return run_elf_to_snapshot(&file, &bytes, fuel, &exec, &at),
                    (None, None) => return run_elf(&file, &bytes, fuel, &exec),
                }
            }
            if gdb.is_some() || snapshot_at_fuel.is_some() {
                return Err(format!(
                    "{file}: --gdb and --snapshot-at-fuel are for RISC-V ELF executables \
                     (TEL instances hold native frames and are not snapshotted)"
                ));
            }
            if !is_tel(&file) {
                return Err(format!(
                    "{file}: `run` takes TEL programs (`.tel`) and RISC-V ELF executables; use \
                     `run-ir` for IR modules"
                ));
            }
            let text = utf8(&file, bytes)?;
            let opts = RunTelOptions {
                fuel: fuel.unwrap_or(causeway_runtime::tel_host::DEFAULT_FUEL),
                args,
                interpreter: exec.interp,
                level: if exec.no_opt {
                    OptimizationLevel::None
                } else {
                    OptimizationLevel::Speed
                },
                store: exec.store,
                rights: Rights::parse_list(&exec.caps)?,
                domain: exec.domain,
                ..Default::default()
            };
            match run_tel_source(&file, &text, &opts)? {
                Ok(r) => {
                    let mut out = String::new();
                    for line in &r.log {
                        out.push_str(line);
                        out.push('\n');
                    }
                    out.push_str(&format!("{}\n", r.value));
                    let mut stdout = std::io::stdout().lock();
                    let _ = stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(report_tel_error(&e)),
            }
        }
        Command::Resume {
            snapshot,
            interp,
            no_opt,
        } => resume_snapshot(&snapshot, interp, no_opt),
        Command::Debug {
            file,
            fuel,
            args,
            exec,
        } => {
            if !is_tel(&file) {
                return Err(format!(
                    "{file}: `debug` takes TEL programs (`.tel`); debug RISC-V guests with `run --gdb`"
                ));
            }
            let text = read(&file)?;
            exec.start()?;
            let opts = RunTelOptions {
                fuel: fuel.unwrap_or(causeway_runtime::tel_host::DEFAULT_FUEL),
                args,
                interpreter: exec.interp,
                store: exec.store,
                rights: Rights::parse_list(&exec.caps)?,
                domain: exec.domain,
                ..Default::default()
            };
            use std::io::IsTerminal;
            let prompt = std::io::stdin().is_terminal();
            let (stdin, stdout) = (std::io::stdin(), std::io::stdout());
            let status = causeway_runtime::tel_repl::debug_tel_source(
                &file,
                &text,
                &opts,
                &mut stdin.lock(),
                &mut stdout.lock(),
                prompt,
            );
            match status {
                Ok(status) => Ok(ExitCode::from(status as u8)),
                Err(rendered) => {
                    eprint!("{rendered}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Check { file } => {
            let text = read(&file)?;
            match causeway_tel::check_source(&text) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(d) => {
                    eprint!("{}", causeway_tel::render::render(&file, &text, &d));
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::RunIr {
            file,
            func,
            args,
            fuel,
            exec,
        } => {
            let text = read(&file)?;
            exec.start()?;
            let opts = RunIrOptions {
                function: func,
                args,
                fuel,
                interpreter: exec.interp,
                opt_level: if exec.no_opt {
                    OptLevel::None
                } else {
                    OptLevel::Speed
                },
                store: exec.store,
                rights: Rights::parse_list(&exec.caps)?,
                domain: exec.domain,
            };
            let out = run_ir(&text, &opts).map_err(|e| format!("{file}: {e}"))?;
            for line in &out.output {
                println!("{line}");
            }
            if !out.log.is_empty() {
                for line in &out.log {
                    println!("{line}");
                }
            }
            match out.values {
                Ok(vals) => {
                    let vals: Vec<String> = vals.iter().map(|v| v.to_string()).collect();
                    println!("{}", vals.join(" "));
                    Ok(ExitCode::SUCCESS)
                }
                Err(VmError::ExecutionError(ExecutionError::OutOfFuel)) => {
                    eprintln!("stopped: out of fuel (nothing was changed)");
                    Ok(ExitCode::from(3))
                }
                Err(e) => {
                    eprintln!("failed: {e} (nothing was changed)");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Resources { store, domain, json } => {
            let out = list_resources(&store, domain.as_deref(), json).map_err(|e| e.to_string())?;
            write_stdout(&out)
        }
        Command::Compile {
            file,
            emit,
            debuggable,
            pc,
        } => {
            let bytes = read_input(&file)?;
            if bytes.starts_with(b"\x7fELF") {
                return compile_elf_region(&file, &bytes, emit, debuggable, pc);
            }
            if pc.is_some() {
                return Err(format!("{file}: --pc is for RISC-V ELF executables"));
            }
            let text = utf8(&file, bytes)?;
            let module = if is_tel(&file) {
                match causeway_tel::compile_source(&text, Default::default()) {
                    Ok(l) => l.module,
                    Err(d) => {
                        eprint!("{}", causeway_tel::render::render(&file, &text, &d));
                        return Ok(ExitCode::from(1));
                    }
                }
            } else {
                parse_module(&text).map_err(|e| format!("{file}:{e}"))?
            };
            if let Emit::Ir = emit {
                causeway_engine::ir::verify::verify_module(&module).map_err(|e| format!("{file}: {e}"))?;
                return write_stdout(&module.to_string());
            }
            let opts = CompileOptions {
                keep_text: true,
                debuggable,
                ..Default::default()
            };
            let compiled =
                CompiledModule::compile(Arc::new(module), opts).map_err(|e| format!("{file}: {e}"))?;
            let mut out = String::new();
            for (f, (clif, asm)) in compiled.module.funcs.iter().zip(&compiled.text) {
                let text = if let Emit::Clif = emit { clif } else { asm };
                out.push_str(&format!("; function @{}\n{text}\n", f.name));
            }
            write_stdout(&out)
        }
    }
}

/// `causeway compile FILE.elf`: one region of the guest at the stage `emit` asks for.
fn compile_elf_region(
    file: &str,
    bytes: &[u8],
    emit: Emit,
    debuggable: bool,
    pc: Option<u64>,
) -> Result<ExitCode, String> {
    let region = causeway_runtime::riscv::region_text(bytes, pc, debuggable, OptLevel::Speed)
        .map_err(|e| format!("{file}: {e}"))?;
    let text = match emit {
        Emit::Ir => region.ir,
        Emit::Clif => region.clif + "\n",
        Emit::Asm => region.asm + "\n",
    };
    write_stdout(&format!("; region @{} at {:#x}\n{text}", region.name, region.pc))
}

/// Writes a command's output. Not `print!`, which panics when stdout is closed (`causeway compile
/// ... | head`): a closed pipe ends the command quietly.
fn write_stdout(text: &str) -> Result<ExitCode, String> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("writing the output: {e}")),
        _ => Ok(ExitCode::SUCCESS),
    }
}
