//! `causeway debug FILE.tel`: the interactive TEL debugger. It reads one command a line (`break
//! LINE`, `delete ID`, `step`, `continue`, `print NAME`, `locals`, `where`, `quit`, `help`) and
//! answers on the output; the program's log lines appear as they are logged.
//!
//! The whole session is one transaction of the CLI's store, committed only if `main` returns (as
//! `causeway run` does). Owns the command language and its answers only; the debugging is
//! `TelDebugger`'s.

use crate::error::{ExecutionError, VmError};
use crate::ir_host::cli_session;
use crate::tel::{compile_tel_debuggable, TelProgram};
use crate::tel_debug::{TelDebugger, TelEvent, TelPosition, TelRunEnv};
use crate::tel_host::{main_args, RunTelOptions};
use std::io::{BufRead, Write};

const HELP: &str = "commands: break LINE, delete ID, step, continue, print NAME, locals, where, quit";

/// Runs the debugger on `source` with commands from `input`, answers to `out`. Returns the exit
/// status: 0 when `main` returned or the user quit, 2 when the run failed, 3 when it ran out of
/// fuel. `Err` is a setup problem or a compile error, rendered.
pub fn debug_tel_source(
    name: &str,
    source: &str,
    opts: &RunTelOptions,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    prompt: bool,
) -> Result<i32, String> {
    let program = TelProgram::new(name, source);
    let (compiled, info) = compile_tel_debuggable(&program, opts.limits).map_err(|e| render(&e))?;
    let args = main_args(&compiled, &opts.args)?;
    let (mut runtime, _, mut ctx) = cli_session(opts.store.as_deref(), &opts.domain, opts.rights)?;
    runtime.set_interpreter(opts.interpreter);
    ctx.fuel = Some(opts.fuel);
    // The session runs the program under `ctx`, as `run` does.
    let execute = runtime.capabilities().check(
        &ctx,
        crate::error::Right::Execute,
        crate::capability::Access::Domain(&ctx.domain),
    );
    execute.map_err(|e| render(&e.into()))?;
    let mut dbg =
        TelDebugger::from_compiled(&runtime, compiled, info, &args, ctx.fuel).map_err(|e| render(&e))?;
    let io = |e: std::io::Error| VmError::from(ExecutionError::Invalid(format!("output: {e}")));
    let mut status = 0;
    let mut failure = None;
    let store = runtime.resources().store().clone();
    let committed = crate::store::transact(&*store, |txn| {
        let session = (|| -> Result<(), VmError> {
            writeln!(out, "{name}: stopped before main. {HELP}").map_err(io)?;
            let mut logged = 0;
            let mut line = String::new();
            loop {
                if prompt {
                    write!(out, "(tel) ").map_err(io)?;
                    out.flush().map_err(io)?;
                }
                line.clear();
                if input.read_line(&mut line).map_err(io)? == 0 {
                    return Ok(());
                }
                let mut words = line.split_whitespace();
                let Some(command) = words.next() else { continue };
                let arg = words.next();
                let env = TelRunEnv {
                    runtime: &runtime,
                    txn: &mut *txn,
                    ctx: &ctx,
                };
                let answer = match (command, arg) {
                    ("quit" | "q", _) => return Ok(()),
                    ("help" | "h", _) => Ok(HELP.to_string()),
                    ("break" | "b", Some(n)) => match n.parse::<usize>() {
                        Ok(n) => dbg
                            .set_line_breakpoint(n)
                            .map(|id| format!("breakpoint {id} at line {n}")),
                        Err(_) => Ok(format!("error: `{n}` is not a line number")),
                    },
                    ("delete" | "d", Some(n)) => match n.parse::<u64>() {
                        Ok(id) => dbg
                            .remove_breakpoint(id)
                            .map(|()| format!("deleted breakpoint {id}")),
                        Err(_) => Ok(format!("error: `{n}` is not a breakpoint id")),
                    },
                    ("step" | "s", None) => dbg.step(env).map(|e| event(&dbg, &e, &mut status)),
                    ("continue" | "c", None) => dbg.cont(env).map(|e| event(&dbg, &e, &mut status)),
                    ("print" | "p", Some(n)) => dbg.print(n).map(|v| format!("{n} = {v}")),
                    ("locals", None) => dbg.locals().map(|l| {
                        if l.is_empty() {
                            "(no locals)".to_string()
                        } else {
                            l.iter()
                                .map(|(n, v)| format!("{n} = {v}"))
                                .collect::<Vec<_>>()
                                .join("\n")
                        }
                    }),
                    ("where" | "bt", None) => Ok(match dbg.position() {
                        Some(p) => position(&dbg, &p),
                        None => "not stopped at a statement".to_string(),
                    }),
                    _ => Ok(format!("error: unknown command `{}`. {HELP}", line.trim())),
                };
                for l in &dbg.log()[logged..] {
                    writeln!(out, "{l}").map_err(io)?;
                }
                logged = dbg.log().len();
                match answer {
                    Ok(text) => writeln!(out, "{text}").map_err(io)?,
                    Err(e) => writeln!(out, "error: {e}").map_err(io)?,
                }
            }
        })();
        if let Err(e) = session {
            failure = Some(e.to_string());
        }
        match dbg.ended() {
            // Committed only when `main` returned, as `run` commits.
            Some(TelEvent::Finished(_)) if failure.is_none() => Ok(()),
            _ => Err(ExecutionError::Invalid("the run did not finish".into()).into()),
        }
    });
    if let (Err(e), Some(TelEvent::Finished(_)), None) = (&committed, dbg.ended(), &failure) {
        return Err(format!("committing the run's changes: {e}"));
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(status),
    }
}

/// The answer to a step or continue; sets the exit status when the run ends.
fn event(dbg: &TelDebugger, e: &TelEvent, status: &mut i32) -> String {
    match e {
        TelEvent::Stopped {
            position: p,
            breakpoints,
        } => match breakpoints.first() {
            Some(id) => format!("breakpoint {id}, {}", position(dbg, p)),
            None => position(dbg, p),
        },
        TelEvent::Finished(v) => format!("main returned {v}"),
        TelEvent::Failed(err) => {
            let out_of_fuel = matches!(err, VmError::TelError(t) if t.kind() == Some(causeway_tel::diag::ErrorKind::OutOfFuel));
            *status = if out_of_fuel { 3 } else { 2 };
            format!("{}(nothing was changed)", render(err))
        }
    }
}

fn position(dbg: &TelDebugger, p: &TelPosition) -> String {
    let text = dbg.source().lines().nth(p.line - 1).unwrap_or("").trim();
    format!("{} line {}:{}: {text}", p.flow, p.line, p.column)
}

fn render(e: &VmError) -> String {
    match e {
        VmError::TelError(t) => t.rendered().to_string(),
        other => format!("{other}\n"),
    }
}
