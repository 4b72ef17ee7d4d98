//! Shared helpers of Causeway's integration tests: run an IR program on a chosen tier with the
//! standard test imports, resuming through fuel stops, and report everything observable.

pub mod gen;

use causeway_engine::host::{HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::Module;
use causeway_engine::jit::{CompileOptions, CompiledModule, OptLevel};
use causeway_engine::stop::Stop;
use std::sync::{Arc, Mutex};

/// Which engine tier runs a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Interp,
    Jit,
    JitNoOpt,
    JitDebuggable,
}

pub const ALL_TIERS: [Tier; 4] = [Tier::Interp, Tier::Jit, Tier::JitNoOpt, Tier::JitDebuggable];

/// Everything observable about a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub stop: Stop,
    pub output: Vec<i64>,
    pub fuel_left: Option<i64>,
    pub fuel_stops: u32,
    pub globals: Vec<i64>,
    /// FNV-1a hash of every readable region's bytes.
    pub memory_hash: u64,
}

/// Links `print(i64)` (records its argument) and `observe(i64, i64) -> i64` (records and mixes).
pub fn test_linker(output: Arc<Mutex<Vec<i64>>>) -> Linker {
    let mut l = Linker::new();
    let out = output.clone();
    l.define("print", move |_, args, _| {
        out.lock().unwrap().push(args[0]);
        Ok(HostOutcome::Return)
    });
    let out = output;
    l.define("observe", move |_, args, results| {
        out.lock().unwrap().extend_from_slice(args);
        results[0] = args[0].wrapping_mul(31).wrapping_add(args[1]);
        Ok(HostOutcome::Return)
    });
    l
}

pub fn instantiate(
    module: &Arc<Module>,
    tier: Tier,
    linker: &mut Linker,
    config: InstanceConfig,
) -> Instance {
    match tier {
        Tier::Interp => Instance::new_interp(module.clone(), linker, config).expect("instantiate"),
        _ => {
            let opts = CompileOptions {
                opt_level: if tier == Tier::JitNoOpt {
                    OptLevel::None
                } else {
                    OptLevel::Speed
                },
                metered: true,
                debuggable: tier == Tier::JitDebuggable,
                debug_vars: true,
                keep_text: false,
            };
            let compiled = CompiledModule::compile(module.clone(), opts).expect("compile");
            Instance::new_jit(Arc::new(compiled), linker, config).expect("instantiate")
        }
    }
}

/// Produces dynamic functions for [`run_resolving`].
pub type TestResolver = Arc<dyn Fn(u64) -> Result<causeway_engine::ir::Function, String> + Send + Sync>;

/// Runs `entry` with `fuel`; on `OutOfFuel`, adds `refuel` (if any) and resumes, up to `max_stops`.
pub fn run(
    module: &Arc<Module>,
    tier: Tier,
    entry: &str,
    args: &[i64],
    fuel: Option<u64>,
    refuel: Option<u64>,
) -> Outcome {
    run_resolving(module, tier, entry, args, fuel, refuel, None)
}

/// [`run`] with a resolver for the module's dynamic slots.
pub fn run_resolving(
    module: &Arc<Module>,
    tier: Tier,
    entry: &str,
    args: &[i64],
    fuel: Option<u64>,
    refuel: Option<u64>,
    resolver: Option<TestResolver>,
) -> Outcome {
    let output = Arc::new(Mutex::new(Vec::new()));
    let mut linker = test_linker(output.clone());
    for imp in &module.imports {
        if !linker.contains(&imp.name) {
            panic!(
                "test programs may import only print and observe, not {}",
                imp.name
            );
        }
    }
    let config = InstanceConfig {
        fuel,
        max_depth: 1000,
        ..Default::default()
    };
    let mut inst = instantiate(module, tier, &mut linker, config);
    if let Some(r) = resolver {
        inst.set_resolver(move |slot| r(slot));
    }
    let mut stop = inst.call(entry, args).expect("call");
    let mut fuel_stops = 0;
    while stop == Stop::OutOfFuel {
        let Some(r) = refuel else { break };
        fuel_stops += 1;
        assert!(fuel_stops < 1_000_000, "refuelling never ends");
        inst.add_fuel(r);
        stop = inst.resume().expect("resume");
    }
    let mem = inst.memory();
    let mut hash = 0xcbf29ce484222325u64;
    for (base, size, rights) in mem.regions().collect::<Vec<_>>() {
        if rights != causeway_engine::ir::Rights::None {
            for b in mem.read(base, size as usize).unwrap() {
                hash = (hash ^ b as u64).wrapping_mul(0x100000001b3);
            }
        }
    }
    let output = output.lock().unwrap().clone();
    Outcome {
        stop,
        output,
        fuel_left: inst.fuel(),
        fuel_stops,
        globals: inst.globals().to_vec(),
        memory_hash: hash,
    }
}

/// A fresh runtime behind a `VmInterfaceFactory` (in-memory store), its capability manager, and a
/// context with every right over domain `local`: what tests of the seed's interfaces start from.
pub fn adapter_setup() -> (
    causeway_runtime::adapter::VmInterfaceFactory,
    Arc<causeway_runtime::capability::CapabilityManager>,
    causeway_runtime::types::ExecutionContext,
) {
    use causeway_runtime::types::{DomainId, OwnerId};
    let caps = Arc::new(causeway_runtime::capability::CapabilityManager::new());
    let store = Arc::new(causeway_runtime::store::memory::MemoryStore::new());
    let factory = causeway_runtime::adapter::VmInterfaceFactory::new(store, caps.clone());
    let ctx = caps.full_context(OwnerId::from_public_key(b"alice"), DomainId::new("local"));
    (factory, caps, ctx)
}

/// Everything a resource store holds, encoded with the store codec: every domain's name, every
/// register of every domain (ordered by domain, then id) and every relationship (by id). Two dumps
/// are equal exactly when the stores hold the same registers and relationships, so a test can check
/// that a failed operation left a store byte-for-byte unchanged.
pub fn store_dump(store: &dyn causeway_runtime::store::Store) -> Vec<u8> {
    use causeway_runtime::store::codec;
    use causeway_runtime::types::{RegisterFilter, RelationshipDirection};
    let dump = causeway_runtime::store::read(store, |txn| {
        let mut out = Vec::new();
        let mut record = |bytes: &[u8]| {
            out.extend((bytes.len() as u64).to_le_bytes());
            out.extend(bytes);
        };
        for domain in txn.domains()? {
            record(domain.0.as_bytes());
        }
        let mut relationships = std::collections::BTreeMap::new();
        for register in txn.list(&RegisterFilter::default())? {
            record(&codec::encode_register(&register)?);
            for rel in txn.relationships(&register.id, RelationshipDirection::Both)? {
                relationships.insert(rel.id, rel);
            }
        }
        for rel in relationships.values() {
            record(&codec::encode_relationship(rel)?);
        }
        Ok(out)
    });
    dump.expect("dump the store")
}

/// `spin` loops for ever, counting its iterations in g0; `add` returns; `boom` traps.
pub const LIFECYCLE_PROGRAM: &str = r#"
global g0: i64 = 0
func @spin() -> () {
    vars v0: i64
block0:
    jump block1
block1:
    v0 = global.get g0
    v0 = add v0, 1
    global.set g0, v0
    jump block1
}
func @add(v0: i64, v1: i64) -> (i64) {
    vars v2: i64
block0:
    v2 = add v0, v1
    return v2
}
func @boom() -> () {
block0:
    trap unreachable
}
"#;
