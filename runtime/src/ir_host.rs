//! Running a textual IR module from the command line: parse, verify, compile (or interpret), link the
//! standard debugging imports, run `main` (or a named function) under a fuel budget, resuming through
//! suspensions. Must never print: callers decide how to report.

use causeway_engine::host::{HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::parse::parse_module;
use causeway_engine::jit::{CompileOptions, CompiledModule, OptLevel};
use causeway_engine::stop::Stop;
use std::sync::{Arc, Mutex};

/// How to run an IR module.
#[derive(Clone, Debug)]
pub struct RunIrOptions {
    pub function: String,
    pub args: Vec<i64>,
    pub fuel: Option<u64>,
    pub interpreter: bool,
    pub opt_level: OptLevel,
}

impl Default for RunIrOptions {
    fn default() -> Self {
        RunIrOptions {
            function: "main".into(),
            args: Vec::new(),
            fuel: None,
            interpreter: false,
            opt_level: OptLevel::Speed,
        }
    }
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct RunIrOutcome {
    pub stop: Stop,
    /// Lines the guest printed through the `print` import.
    pub output: Vec<String>,
    /// Fuel consumed (when metered).
    pub fuel_used: Option<u64>,
}

/// Host imports every IR program may use: `print(i64)` appends a line, `print_i32(i32)` too.
pub fn standard_linker(output: Arc<Mutex<Vec<String>>>) -> Linker {
    let mut linker = Linker::new();
    let out = output.clone();
    linker.define("print", move |_, args, _| {
        out.lock()
            .map_err(|e| e.to_string())?
            .push(args.first().copied().unwrap_or(0).to_string());
        Ok(HostOutcome::Return)
    });
    linker
}

/// Parses and runs `text`. Errors are rendered messages (parse errors carry `line:col`).
pub fn run_ir(text: &str, opts: &RunIrOptions) -> Result<RunIrOutcome, String> {
    let module = Arc::new(parse_module(text).map_err(|e| format!("parse error: {e}"))?);
    causeway_engine::ir::verify::verify_module(&module).map_err(|e| format!("invalid IR: {e}"))?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let mut linker = standard_linker(output.clone());
    for imp in &module.imports {
        if !linker.contains(&imp.name) {
            return Err(format!(
                "import `{}` is not provided by `causeway run-ir` (it provides `print`)",
                imp.name
            ));
        }
    }
    let config = InstanceConfig {
        fuel: opts.fuel,
        ..Default::default()
    };
    let mut inst = if opts.interpreter {
        Instance::new_interp(module, &mut linker, config)
    } else {
        let copts = CompileOptions {
            opt_level: opts.opt_level,
            metered: true,
            ..Default::default()
        };
        let compiled = CompiledModule::compile(module, copts).map_err(|e| e.to_string())?;
        Instance::new_jit(Arc::new(compiled), &mut linker, config)
    }
    .map_err(|e| e.to_string())?;
    let stop = inst.call(&opts.function, &opts.args).map_err(|e| e.to_string())?;
    let fuel_used = opts
        .fuel
        .zip(inst.fuel())
        .map(|(f, left)| (f as i64 - left).max(0) as u64);
    let output = output.lock().map_err(|e| e.to_string())?.clone();
    Ok(RunIrOutcome {
        stop,
        output,
        fuel_used,
    })
}
