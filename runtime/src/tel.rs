//! TEL programs on the runtime: compiling them once ([`compile_tel`], a [`CompiledVmProgram`] that
//! runs any number of times), linking them (TEL's helpers, the standard effects on the resource
//! store, host handlers for the other effects), running each as one transaction, and turning every
//! way a run can stop into a TEL error kind with its source position.
//!
//! Must never parse, check or lower TEL (that is `causeway-tel`) nor generate code (the engine).

use crate::capability::Access;
use crate::embed::{in_invocation, Engine, Program, RawRun, Runtime};
use crate::error::{ExecutionError, ResourceError, Right, TelDiagnostic, TelError, VmError};
use crate::interfaces::{Effect, EffectType};
use crate::ops::ExecutionResult;
use crate::store;
use crate::types::{ExecutionContext, ResourceId};
use causeway_engine::host::Linker;
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::{ImportKind, TrapCode};
use causeway_engine::jit::{CompileOptions, OptLevel};
use causeway_engine::stop::Stop;
use causeway_tel::diag::{line_col, ErrorKind, Span};
use causeway_tel::layout::{TRAP_INDEX_OUT_OF_BOUNDS, TRAP_OUT_OF_MEMORY};
use causeway_tel::lower::{HostEffect, LowerOptions, ENTRY};
use causeway_tel::types::Type;
use causeway_tel::value::{read_value, write_value, Value};
use std::sync::Arc;

/// TEL source text and the name it is reported under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TelProgram {
    pub name: String,
    pub source: String,
}

impl TelProgram {
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> TelProgram {
        TelProgram {
            name: name.into(),
            source: source.into(),
        }
    }
}

/// How hard to optimize. The IR a program lowers to is the same at every level, so results and fuel
/// never depend on it: only Cranelift's own optimizations differ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OptimizationLevel {
    /// Cranelift without optimizations (fastest compile).
    None,
    /// Cranelift's `speed` optimizations.
    #[default]
    Speed,
}

/// What the embedder sets for a TEL program beyond the execution context.
#[derive(Clone, Copy, Debug)]
pub struct TelLimits {
    /// Heap bytes before `OutOfMemory`.
    pub heap_size: u64,
    /// Call depth before `StackOverflow` (the same on every tier).
    pub max_depth: u64,
}

impl Default for TelLimits {
    fn default() -> Self {
        TelLimits {
            heap_size: causeway_tel::layout::DEFAULT_HEAP_SIZE,
            max_depth: 10_000,
        }
    }
}

/// A compiled TEL program: instantiate and run it any number of times without recompiling.
#[derive(Clone)]
pub struct CompiledVmProgram {
    pub program: Program,
    pub name: String,
    pub source: Arc<str>,
    pub main_params: Vec<Type>,
    /// `main`'s parameter names, in order.
    pub main_param_names: Vec<String>,
    pub main_ret: Type,
    pub host_effects: Vec<HostEffect>,
    /// Effects performed that no TEL `handle` names (with a `perform` site): they need a host handler.
    pub unhandled: Vec<(String, Span)>,
    pub optimization_level: OptimizationLevel,
    pub limits: TelLimits,
}

/// What a successful run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct TelExecutionResult {
    /// `main`'s value.
    pub value: Value,
    /// Lines of the `log` effect, in order.
    pub log: Vec<String>,
    pub fuel_used: u64,
    pub created: Vec<ResourceId>,
    pub updated: Vec<ResourceId>,
    pub consumed: Vec<ResourceId>,
}

/// The name of an effect a TEL program performs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TelEffectType(pub String);

/// A host handler of a TEL effect: it gets the performed arguments as TEL values and answers with a
/// value of the effect's result type.
pub trait TelEffectHandler: Send + Sync {
    fn handle(&self, args: &[Value], ctx: &ExecutionContext) -> Result<Value, VmError>;
}

impl<F> TelEffectHandler for F
where
    F: Fn(&[Value], &ExecutionContext) -> Result<Value, VmError> + Send + Sync,
{
    fn handle(&self, args: &[Value], ctx: &ExecutionContext) -> Result<Value, VmError> {
        self(args, ctx)
    }
}

/// Compiles `program` (parse, check, lower, Cranelift).
pub fn compile_tel(
    program: &TelProgram,
    level: OptimizationLevel,
    limits: TelLimits,
) -> Result<CompiledVmProgram, VmError> {
    Ok(compile_tel_with(program, level, limits, false)?.0)
}

/// Compiles `program` debuggable (see `causeway_tel::debug_info`): its statements' marks and
/// locals, on code with a breakpoint site at every statement.
pub fn compile_tel_debuggable(
    program: &TelProgram,
    limits: TelLimits,
) -> Result<(CompiledVmProgram, causeway_tel::debug_info::DebugInfo), VmError> {
    let (compiled, debug) = compile_tel_with(program, OptimizationLevel::Speed, limits, true)?;
    let debug =
        debug.ok_or_else(|| ExecutionError::Invalid("debuggable lowering made no debug info".into()))?;
    Ok((compiled, debug))
}

fn compile_tel_with(
    program: &TelProgram,
    level: OptimizationLevel,
    limits: TelLimits,
    debuggable: bool,
) -> Result<(CompiledVmProgram, Option<causeway_tel::debug_info::DebugInfo>), VmError> {
    let lowered = causeway_tel::compile_source(
        &program.source,
        LowerOptions {
            heap_size: limits.heap_size,
            debuggable,
        },
    )
    .map_err(|d| compile_error(program, &d))?;
    let engine = Engine::with_options(CompileOptions {
        opt_level: match level {
            OptimizationLevel::None => OptLevel::None,
            OptimizationLevel::Speed => OptLevel::Speed,
        },
        debuggable,
        ..Default::default()
    });
    let compiled = CompiledVmProgram {
        program: engine.compile(lowered.module)?,
        name: program.name.clone(),
        source: program.source.as_str().into(),
        main_params: lowered.main_params,
        main_param_names: lowered.main_param_names,
        main_ret: lowered.main_ret,
        host_effects: lowered.host_effects,
        unhandled: lowered.unhandled,
        optimization_level: level,
        limits,
    };
    Ok((compiled, lowered.debug))
}

/// A compile diagnostic as a `VmError`.
pub fn compile_error(program: &TelProgram, d: &causeway_tel::diag::Diag) -> VmError {
    TelError::Compile(Box::new(TelDiagnostic {
        kind: d.kind,
        message: d.message.clone(),
        file: program.name.clone(),
        position: Some(line_col(&program.source, d.span.start)),
        rendered: causeway_tel::render::render(&program.name, &program.source, d),
    }))
    .into()
}

/// Parses a `main` argument given as text (`--arg name=value`) at its parameter type.
pub fn parse_arg(ty: &Type, text: &str) -> Result<Value, String> {
    match ty {
        Type::Int => text
            .parse()
            .map(Value::Int)
            .map_err(|_| format!("`{text}` is not an Int")),
        Type::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not a Bool")),
        },
        Type::String => Ok(Value::Str(text.to_string())),
        other => Err(format!(
            "`main` parameters of type {other} cannot be given on the command line"
        )),
    }
}

/// Runs `compiled`'s `main` with `args` as one transaction of `runtime`'s store.
pub fn run_tel(
    runtime: &Runtime,
    compiled: &CompiledVmProgram,
    args: &[Value],
    ctx: &ExecutionContext,
) -> Result<TelExecutionResult, VmError> {
    check_arity(compiled, args)?;
    runtime
        .capabilities()
        .check(ctx, Right::Execute, Access::Domain(&ctx.domain))?;
    verify_handlers(runtime, compiled)?;
    store::transact(&**runtime.resources().store(), |txn| {
        let (mut instance, raw_args) = instantiate(runtime, compiled, None, args, ctx.fuel)?;
        let run = runtime.run_raw(txn, &mut instance, ENTRY, &raw_args, ctx)?;
        finish(compiled, &instance, run)
    })
}

/// Refuses a wrong number of `main` arguments.
pub(crate) fn check_arity(compiled: &CompiledVmProgram, args: &[Value]) -> Result<(), VmError> {
    if args.len() != compiled.main_params.len() {
        return Err(ExecutionError::Invalid(format!(
            "`main` takes {} arguments, {} given",
            compiled.main_params.len(),
            args.len()
        ))
        .into());
    }
    Ok(())
}

/// An instance of `compiled`, linked to `runtime`'s effects, on the runtime's tier (on `code` when
/// given: code of the instance's own), with `main`'s arguments written into its heap: the instance
/// and the raw arguments.
pub(crate) fn instantiate(
    runtime: &Runtime,
    compiled: &CompiledVmProgram,
    code: Option<Arc<causeway_engine::jit::CompiledModule>>,
    args: &[Value],
    fuel: Option<u64>,
) -> Result<(Instance, Vec<i64>), VmError> {
    let mut linker = tel_linker(runtime, compiled)?;
    let config = InstanceConfig {
        fuel,
        max_depth: compiled.limits.max_depth,
        stack_size: guest_stack_size(compiled.limits.max_depth),
    };
    let mut instance = if runtime.is_interpreter() {
        Instance::new_interp(compiled.program.module_arc(), &mut linker, config)
    } else {
        Instance::new_jit(
            code.unwrap_or_else(|| compiled.program.compiled().clone()),
            &mut linker,
            config,
        )
    }
    .map_err(|e| ExecutionError::Invalid(e.to_string()))?;
    let mut raw_args = Vec::with_capacity(args.len());
    for (ty, v) in compiled.main_params.iter().zip(args) {
        let raw = write_value(&mut instance.host_ctx(), ty, v).map_err(ExecutionError::Invalid)?;
        raw_args.push(raw);
    }
    Ok((instance, raw_args))
}

/// How a TEL value shows resource handle `h`: the resource behind it, if the program saw one.
pub(crate) fn handle_name(handles: &[ResourceId], h: i64) -> String {
    usize::try_from(h)
        .ok()
        .and_then(|i| handles.get(i))
        .map_or_else(|| format!("resource#{h}"), |id| format!("resource({id})"))
}

/// The guest stack for a depth limit: room for frames of 16 KiB at every allowed depth (at least
/// the engine's default), so that the JIT reaches the depth limit before the end of its stack, as
/// the interpreter does. Only touched pages cost memory.
fn guest_stack_size(max_depth: u64) -> usize {
    let default = InstanceConfig::default().stack_size;
    usize::try_from(max_depth.saturating_mul(16 << 10))
        .unwrap_or(usize::MAX)
        .clamp(default, 1 << 30)
}

/// Verification before running: an effect that is performed, that no TEL `handle` names and that no
/// host handler serves can only fail, so the program is refused before it starts.
pub(crate) fn verify_handlers(runtime: &Runtime, compiled: &CompiledVmProgram) -> Result<(), VmError> {
    for (name, span) in &compiled.unhandled {
        if runtime.tel_effect_handler(name).is_none() && runtime.effect_handler(name).is_none() {
            let message =
                format!("effect `{name}` is performed, but no TEL handler and no host handler handles it");
            let diag = causeway_tel::diag::Diag::new(ErrorKind::UnhandledEffect, *span, message.clone());
            return Err(TelError::Compile(Box::new(TelDiagnostic {
                kind: ErrorKind::UnhandledEffect,
                message,
                file: compiled.name.clone(),
                position: Some(line_col(&compiled.source, span.start)),
                rendered: causeway_tel::render::render(&compiled.name, &compiled.source, &diag),
            }))
            .into());
        }
    }
    Ok(())
}

/// The result of a run, or its TEL error.
fn finish(
    compiled: &CompiledVmProgram,
    instance: &Instance,
    run: RawRun,
) -> Result<TelExecutionResult, VmError> {
    let RawRun {
        stop,
        error,
        result,
        handles,
    } = run;
    match stop {
        Stop::Finished(values) if error.is_none() => {
            let raw = values.first().copied().unwrap_or(0);
            let name = |h: i64| handle_name(&handles, h);
            let value = read_value(instance.memory(), &compiled.main_ret, raw, &name)
                .map_err(|m| ExecutionError::Invalid(format!("reading `main`'s result: {m}")))?;
            let ExecutionResult {
                created,
                updated,
                consumed,
                log,
                fuel_used,
                ..
            } = result;
            Ok(TelExecutionResult {
                value,
                log,
                fuel_used,
                created,
                updated,
                consumed,
            })
        }
        stop => Err(runtime_error(compiled, stop, error)),
    }
}

/// The TEL error kind of a stop (and of the precise error a host effect failed with).
pub(crate) fn runtime_error(compiled: &CompiledVmProgram, stop: Stop, error: Option<VmError>) -> VmError {
    let (kind, message, loc) = match (&stop, error) {
        (Stop::HostError { loc, .. }, Some(e)) => (error_kind(&e), e.to_string(), *loc),
        (Stop::HostError { message, loc, .. }, None) => {
            // TEL's own helpers name their kind first ("OutOfMemory: ...").
            let kind = message
                .split(':')
                .next()
                .and_then(|k| ErrorKind::from_name(k.trim()))
                .unwrap_or(ErrorKind::HostError);
            (kind, message.clone(), *loc)
        }
        (Stop::Trap(t), _) => {
            let kind = match t.code {
                TrapCode::IntegerOverflow => ErrorKind::ArithmeticOverflow,
                TrapCode::DivisionByZero => ErrorKind::DivisionByZero,
                TrapCode::StackOverflow => ErrorKind::StackOverflow,
                TrapCode::User(TRAP_INDEX_OUT_OF_BOUNDS) => ErrorKind::IndexOutOfBounds,
                TrapCode::User(TRAP_OUT_OF_MEMORY) => ErrorKind::OutOfMemory,
                _ => ErrorKind::HostError,
            };
            let message = match kind {
                ErrorKind::ArithmeticOverflow => "integer overflow".to_string(),
                ErrorKind::DivisionByZero => "division by zero".to_string(),
                ErrorKind::StackOverflow => format!(
                    "call depth beyond {} (or frames too large for the guest stack)",
                    compiled.limits.max_depth
                ),
                ErrorKind::IndexOutOfBounds => "list index out of bounds".to_string(),
                ErrorKind::OutOfMemory => format!("heap beyond {} bytes", compiled.limits.heap_size),
                _ => format!("internal trap {}", t.code),
            };
            (kind, message, t.loc)
        }
        (Stop::OutOfFuel, _) => (ErrorKind::OutOfFuel, "the fuel budget is spent".to_string(), None),
        (Stop::Interrupted, _) => return ExecutionError::Interrupted.into(),
        (Stop::Finished(_), Some(e)) => return e,
        (other, _) => return ExecutionError::Invalid(format!("the program stopped: {other}")).into(),
    };
    let span = loc.map(|l| Span::from_loc(l.0));
    let position = span.map(|s| line_col(&compiled.source, s.start));
    TelError::Runtime(Box::new(TelDiagnostic {
        kind,
        rendered: causeway_tel::render::render_runtime(
            &compiled.name,
            &compiled.source,
            kind,
            &message,
            span,
        ),
        message,
        file: compiled.name.clone(),
        position,
    }))
    .into()
}

/// The TEL kind of a runtime error a standard effect or host handler failed with.
fn error_kind(e: &VmError) -> ErrorKind {
    match e {
        VmError::CapabilityError(_) => ErrorKind::CapabilityDenied,
        VmError::ResourceError(r) => match r {
            ResourceError::NotFound(_) => ErrorKind::ResourceNotFound,
            // A consumed register is a tombstone: to the program it no longer exists.
            ResourceError::WrongState {
                state: crate::types::RegisterState::Consumed,
                ..
            } => ErrorKind::ResourceNotFound,
            ResourceError::InsufficientQuantity { .. } => ErrorKind::InsufficientQuantity,
            ResourceError::Overflow(_) => ErrorKind::ArithmeticOverflow,
            _ => ErrorKind::InvalidArgument,
        },
        VmError::ExecutionError(ExecutionError::UnhandledEffect(_)) => ErrorKind::UnhandledEffect,
        VmError::TelError(t) => t.kind().unwrap_or(ErrorKind::HostError),
        _ => ErrorKind::HostError,
    }
}

/// Links a TEL program: helpers, standard effects, and for every other effect the TEL handler
/// registered for it, else a raw handler, else an `UnhandledEffect` error when it is performed.
fn tel_linker(runtime: &Runtime, compiled: &CompiledVmProgram) -> Result<Linker, VmError> {
    let mut helpers = Linker::new();
    causeway_tel::helpers::define_helpers(&mut helpers);
    let mut linker = Linker::new();
    for imp in &compiled.program.module().imports {
        if imp.kind == ImportKind::Helper {
            let f = helpers
                .take(&imp.name)
                .ok_or_else(|| ExecutionError::Invalid(format!("no TEL helper `{}`", imp.name)))?;
            linker.define(&imp.name, f);
            continue;
        }
        if runtime.define_standard(&mut linker, imp)? {
            continue;
        }
        let name = imp.name.clone();
        let effect = compiled
            .host_effects
            .iter()
            .find(|e| e.name == imp.name)
            .cloned()
            .ok_or_else(|| {
                ExecutionError::Invalid(format!("import `{name}` is not an effect of the program"))
            })?;
        if let Some(handler) = runtime.tel_effect_handler(&name) {
            linker.define(&imp.name, move |host, args, results| {
                let mut vals = Vec::with_capacity(args.len());
                for (ty, &raw) in effect.params.iter().zip(args) {
                    let name = |h: i64| format!("resource#{h}");
                    vals.push(read_value(&host.memory, ty, raw, &name)?);
                }
                let mut answer = None;
                let outcome = in_invocation(
                    &name,
                    |inv| {
                        let caps = inv.resources.capabilities();
                        caps.check(inv.ctx, Right::Execute, Access::Effect(&name))?;
                        answer = Some(handler.handle(&vals, inv.ctx)?);
                        Ok(vec![])
                    },
                    results,
                )?;
                let answer = answer.unwrap_or(Value::Unit);
                results[0] = write_value(host, &effect.ret, &answer)?;
                Ok(outcome)
            });
        } else if let Some(handler) = runtime.effect_handler(&name) {
            linker.define(&imp.name, move |_, args, results| {
                in_invocation(
                    &name,
                    |inv| {
                        let caps = inv.resources.capabilities();
                        caps.check(inv.ctx, Right::Execute, Access::Effect(&name))?;
                        let e = Effect {
                            effect_type: EffectType(name.clone()),
                            args: args.to_vec(),
                            domain: Some(inv.ctx.domain.clone()),
                        };
                        let r = handler.handle(&e, inv.ctx)?;
                        Ok(vec![r.values.first().copied().unwrap_or(0)])
                    },
                    results,
                )
            });
        } else {
            linker.define(&imp.name, move |_, _, results| {
                in_invocation(
                    &name,
                    |_| Err(ExecutionError::UnhandledEffect(name.clone()).into()),
                    results,
                )
            });
        }
    }
    Ok(linker)
}

/// TEL on an adapter. Running needs `Execute` over the context's domain; registering a handler needs
/// `Write` over the effect (as for `EffectInterface`); compiling needs `Execute` too (it spends the
/// host's time on the caller's behalf).
impl crate::interfaces::TelVmInterface for crate::adapter::CausewayAdapter {
    fn execute_tel_program(
        &self,
        program: &TelProgram,
        context: &ExecutionContext,
    ) -> Result<TelExecutionResult, VmError> {
        self.unproven("running a TEL program")?;
        let compiled = self.compile_tel_to_vm(program, OptimizationLevel::default(), context)?;
        run_tel(self.runtime(), &compiled, &[], context)
    }

    fn register_tel_effect_handler(
        &self,
        effect_type: TelEffectType,
        handler: Box<dyn TelEffectHandler>,
        context: &ExecutionContext,
    ) -> Result<(), VmError> {
        self.resources()
            .capabilities()
            .check(context, Right::Write, Access::Effect(&effect_type.0))?;
        self.runtime()
            .register_tel_effect(&effect_type.0, Arc::from(handler));
        Ok(())
    }

    fn compile_tel_to_vm(
        &self,
        program: &TelProgram,
        optimization_level: OptimizationLevel,
        context: &ExecutionContext,
    ) -> Result<CompiledVmProgram, VmError> {
        self.resources()
            .capabilities()
            .check(context, Right::Execute, Access::Domain(&context.domain))?;
        compile_tel(program, optimization_level, TelLimits::default())
    }
}
