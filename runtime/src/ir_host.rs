//! Running a textual IR module from the command line (`causeway run-ir`): parse, verify, compile,
//! and invoke a function through the embedding API, as one transaction against an in-memory or
//! persistent store, with the capabilities the caller grants. The CLI's own effect `print(i64)`
//! collects output lines. Must never print: callers decide how to report.

use crate::capability::{CapabilityManager, CapabilityTarget, Rights};
use crate::embed::{Engine, Runtime};
use crate::error::{Right, VmError};
use crate::interfaces::{EffectResult, EffectType};
use crate::store::memory::MemoryStore;
use crate::store::persistent::PersistentStore;
use crate::store::Store;
use crate::types::{DomainId, ExecutionContext, OwnerId};
use causeway_engine::jit::{CompileOptions, OptLevel};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How to run an IR module.
#[derive(Clone, Debug)]
pub struct RunIrOptions {
    pub function: String,
    pub args: Vec<i64>,
    pub fuel: Option<u64>,
    pub interpreter: bool,
    pub opt_level: OptLevel,
    /// A persistent store; `None` runs against a fresh in-memory store.
    pub store: Option<PathBuf>,
    /// The rights the program gets over everything (`--caps`); `execute` over its own domain is
    /// always granted, since the caller asked to run it.
    pub rights: Rights,
    /// The domain the program runs in.
    pub domain: String,
}

impl Default for RunIrOptions {
    fn default() -> Self {
        RunIrOptions {
            function: "main".into(),
            args: Vec::new(),
            fuel: None,
            interpreter: false,
            opt_level: OptLevel::Speed,
            store: None,
            rights: Rights::ALL,
            domain: "local".into(),
        }
    }
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct RunIrOutcome {
    /// The function's results, or why the program failed (nothing it did to resources was kept).
    pub values: Result<Vec<i64>, VmError>,
    /// Lines the guest printed through the `print` effect (also when it failed afterwards).
    pub output: Vec<String>,
    /// Fuel consumed (when metered and finished).
    pub fuel_used: Option<u64>,
    /// Lines the guest logged through the standard `log` effect.
    pub log: Vec<String>,
}

/// The owner the CLI runs programs as.
pub fn cli_owner() -> OwnerId {
    OwnerId::from_public_key(b"causeway-cli")
}

/// What the CLI runs a program in: a runtime over the store at `store` (a fresh in-memory one
/// without it), and a context in `domain` as [`cli_owner`] with `rights`, plus `Execute` over
/// the domain (the caller asked to run the program).
pub fn cli_session(
    store: Option<&std::path::Path>,
    domain: &str,
    rights: Rights,
) -> Result<(Runtime, Arc<CapabilityManager>, ExecutionContext), String> {
    let store: Arc<dyn Store> = match store {
        Some(path) => Arc::new(PersistentStore::open(path).map_err(|e| e.to_string())?),
        None => Arc::new(MemoryStore::new()),
    };
    let caps = Arc::new(CapabilityManager::new());
    let runtime = Runtime::new(store, caps.clone());
    let domain = DomainId::new(domain.to_string());
    let mut ctx = caps.context(cli_owner(), domain.clone(), rights);
    ctx.capabilities
        .push(caps.mint(CapabilityTarget::Domain(domain), Rights::of(&[Right::Execute])));
    Ok((runtime, caps, ctx))
}

/// Parses and runs `text`. Errors before the run (parse, verify, store) are rendered messages.
pub fn run_ir(text: &str, opts: &RunIrOptions) -> Result<RunIrOutcome, String> {
    let (mut runtime, caps, mut ctx) = cli_session(opts.store.as_deref(), &opts.domain, opts.rights)?;
    runtime.set_engine(Engine::with_options(CompileOptions {
        opt_level: opts.opt_level,
        ..Default::default()
    }));
    runtime.set_interpreter(opts.interpreter);
    let output = Arc::new(Mutex::new(Vec::new()));
    let out = output.clone();
    runtime.register_effect(
        EffectType("print".into()),
        Arc::new(move |e: &crate::interfaces::Effect, _: &ExecutionContext| {
            out.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.args.first().copied().unwrap_or(0).to_string());
            Ok(EffectResult::default())
        }),
    );
    let program = runtime.engine().compile_ir(text).map_err(|e| e.to_string())?;
    runtime.register_program("main", program);
    ctx.fuel = opts.fuel;
    ctx.capabilities.push(caps.mint(
        CapabilityTarget::Effect("print".into()),
        Rights::of(&[Right::Execute]),
    ));
    let result = runtime.invoke("main", &opts.function, &opts.args, &ctx);
    let output = output.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(match result {
        Ok(r) => RunIrOutcome {
            fuel_used: opts.fuel.map(|_| r.fuel_used),
            log: r.log,
            values: Ok(r.values),
            output,
        },
        Err(e) => RunIrOutcome {
            values: Err(e),
            output,
            fuel_used: None,
            log: Vec::new(),
        },
    })
}
