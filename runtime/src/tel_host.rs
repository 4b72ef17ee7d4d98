//! Running a TEL file from the command line (`causeway run FILE.tel`): compile, link, and run `main`
//! as one transaction against an in-memory or persistent store with the capabilities the caller
//! grants, `main`'s parameters given as `name=value` texts. Must never print: the CLI renders.

use crate::capability::Rights;
use crate::error::VmError;
use crate::ir_host::cli_session;
use crate::tel::{
    compile_tel, parse_arg, run_tel, CompiledVmProgram, OptimizationLevel, TelExecutionResult, TelLimits,
    TelProgram,
};
use std::path::PathBuf;

/// The fuel budget when the caller gives none: large enough for any reasonable program, small
/// enough that a runaway one stops within seconds to minutes.
pub const DEFAULT_FUEL: u64 = 100_000_000_000;

#[derive(Clone, Debug)]
pub struct RunTelOptions {
    pub fuel: u64,
    /// `main`'s arguments as `name=value`.
    pub args: Vec<String>,
    pub interpreter: bool,
    pub level: OptimizationLevel,
    pub store: Option<PathBuf>,
    pub rights: Rights,
    pub domain: String,
    pub limits: TelLimits,
}

impl Default for RunTelOptions {
    fn default() -> Self {
        RunTelOptions {
            fuel: DEFAULT_FUEL,
            args: Vec::new(),
            interpreter: false,
            level: OptimizationLevel::Speed,
            store: None,
            rights: Rights::ALL,
            domain: "local".into(),
            limits: TelLimits::default(),
        }
    }
}

/// Compiles and runs `source`. `Err` is a setup problem (store, arguments) as a message; compile
/// and run-time errors of the program are `Ok(Err(VmError::TelError(..)))`.
pub fn run_tel_source(
    name: &str,
    source: &str,
    opts: &RunTelOptions,
) -> Result<Result<TelExecutionResult, VmError>, String> {
    let program = TelProgram::new(name, source);
    let compiled = match compile_tel(&program, opts.level, opts.limits) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let args = main_args(&compiled, &opts.args)?;
    let (mut runtime, _, mut ctx) = cli_session(opts.store.as_deref(), &opts.domain, opts.rights)?;
    runtime.set_interpreter(opts.interpreter);
    ctx.fuel = Some(opts.fuel);
    Ok(run_tel(&runtime, &compiled, &args, &ctx))
}

/// `main`'s arguments from `name=value` texts: each parameter needs one, and each text must name
/// a parameter.
pub(crate) fn main_args(
    compiled: &CompiledVmProgram,
    texts: &[String],
) -> Result<Vec<causeway_tel::value::Value>, String> {
    let names = &compiled.main_param_names;
    debug_assert_eq!(names.len(), compiled.main_params.len(), "one name per parameter");
    let mut args = Vec::with_capacity(compiled.main_params.len());
    for (pname, ty) in names.iter().zip(&compiled.main_params) {
        let text = texts
            .iter()
            .find_map(|a| a.strip_prefix(&format!("{pname}=")))
            .ok_or_else(|| format!("`main` needs its parameter `{pname}`: pass --arg {pname}=VALUE"))?;
        args.push(parse_arg(ty, text).map_err(|e| format!("--arg {pname}: {e}"))?);
    }
    for a in texts {
        let n = a.split('=').next().unwrap_or_default();
        if !a.contains('=') || !names.iter().any(|p| p == n) {
            return Err(format!(
                "--arg {a}: `main` has no parameter `{n}` (expected name=value)"
            ));
        }
    }
    Ok(args)
}
