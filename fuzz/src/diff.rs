//! The differential check: run a module on the reference interpreter and on the JIT with the same fuel
//! budget and require identical observations: the `Stop`, the globals, the remaining fuel and the
//! bytes of every region, after the first call and after each refuel-and-resume (up to
//! [`MAX_RESUMES`] times) while the run keeps stopping with `OutOfFuel`.

use crate::gen::Case;
use causeway_engine::host::{HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::print::print_module;
use causeway_engine::ir::{verify, Module, Rights};
use causeway_engine::jit::CompiledModule;
use causeway_engine::stop::Stop;
use std::sync::Arc;

/// Fuel for the first call and for each refuel.
pub const FUEL: u64 = 10_000;
/// How many times an `OutOfFuel` stop is refuelled and resumed.
pub const MAX_RESUMES: usize = 3;

/// `mix(a, b) = a * 31 + b`; it fails (a host error) when `a == 13`.
fn linker() -> Linker {
    let mut l = Linker::new();
    l.define("mix", |_, args, results| {
        if args[0] == 13 {
            return Err("mix: unlucky 13".into());
        }
        results[0] = args[0].wrapping_mul(31).wrapping_add(args[1]);
        Ok(HostOutcome::Return)
    });
    l
}

/// Everything observable after a stop.
#[derive(Debug, PartialEq, Eq)]
pub struct Observation {
    pub stop: Stop,
    pub globals: Vec<i64>,
    pub fuel: Option<i64>,
    pub memory: Vec<(u64, Vec<u8>)>,
}

fn observe(inst: &Instance, stop: Stop) -> Observation {
    let mem = inst.memory();
    let memory = mem
        .regions()
        .filter(|&(_, _, rights)| rights != Rights::None)
        .map(|(base, size, _)| (base, mem.read(base, size as usize).expect("region is readable")))
        .collect();
    Observation {
        stop,
        globals: inst.globals().to_vec(),
        fuel: inst.fuel(),
        memory,
    }
}

/// Runs `@main` on both tiers; returns the observations of each stop, interpreter first.
pub fn run_both(case: &Case) -> Vec<(Observation, Observation)> {
    let module: Arc<Module> = Arc::new(case.module.clone());
    let compiled = CompiledModule::compile(module.clone(), case.opts).unwrap_or_else(|e| {
        panic!(
            "a verified module failed to compile: {e}\n{}",
            print_module(&module)
        )
    });
    let config = InstanceConfig {
        fuel: Some(FUEL),
        ..Default::default()
    };
    let mut interp =
        Instance::new_interp(module.clone(), &mut linker(), config).expect("interpreter instance");
    let mut jit = Instance::new_jit(Arc::new(compiled), &mut linker(), config).expect("JIT instance");
    let mut out = Vec::new();
    let mut a = interp.call("main", &[]).expect("interpreter call");
    let mut b = jit.call("main", &[]).expect("JIT call");
    for round in 0..=MAX_RESUMES {
        let again = a == Stop::OutOfFuel && b == Stop::OutOfFuel && round < MAX_RESUMES;
        out.push((observe(&interp, a), observe(&jit, b)));
        if !again {
            break;
        }
        interp.add_fuel(FUEL);
        jit.add_fuel(FUEL);
        a = interp.resume().expect("interpreter resume");
        b = jit.resume().expect("JIT resume");
    }
    out
}

/// Panics (with the module's text) unless the generated module verifies and both tiers agree.
pub fn check(case: &Case) {
    if let Err(e) = verify::verify_module(&case.module) {
        panic!(
            "the generator produced an invalid module: {e}\n{}",
            print_module(&case.module)
        );
    }
    for (i, (interp, jit)) in run_both(case).into_iter().enumerate() {
        if interp != jit {
            panic!(
                "interpreter and JIT disagree at stop {i} ({:?}):\ninterp: {:?}\njit:    {:?}\n{}",
                case.opts,
                Summary(&interp),
                Summary(&jit),
                print_module(&case.module)
            );
        }
    }
}

/// An observation without the memory bytes, plus a hash of them (for readable panics).
struct Summary<'a>(&'a Observation);

impl std::fmt::Debug for Summary<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for (base, bytes) in &self.0.memory {
            hash = (hash ^ base).wrapping_mul(0x100_0000_01b3);
            for &b in bytes {
                hash = (hash ^ b as u64).wrapping_mul(0x100_0000_01b3);
            }
        }
        let o = self.0;
        write!(
            f,
            "stop {:?}, globals {:?}, fuel {:?}, memory hash {hash:#x}",
            o.stop, o.globals, o.fuel
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::generate;

    /// A stable-toolchain smoke run of the `diff_exec` target over pseudo-random inputs.
    #[test]
    fn tiers_agree_on_random_modules() {
        let cases: usize = std::env::var("DIFF_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(300);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..cases {
            let data: Vec<u8> = (0..(i * 7) % 900)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            check(&generate(&data));
        }
    }

    /// The generator reaches every kind of stop the check is meant to compare.
    #[test]
    fn stops_are_varied() {
        let mut seen = std::collections::BTreeMap::new();
        let mut seed = 0x0123_4567_89ab_cdefu64;
        for i in 0..1500usize {
            let data: Vec<u8> = (0..(i * 13) % 1200)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            for (interp, _) in run_both(&generate(&data)) {
                let kind = match interp.stop {
                    Stop::Trap(t) => format!("trap {}", t.code),
                    Stop::Finished(_) => "finished".into(),
                    Stop::OutOfFuel => "out of fuel".into(),
                    Stop::HostError { .. } => "host error".into(),
                    other => format!("{other:?}"),
                };
                *seen.entry(kind).or_insert(0u32) += 1;
            }
        }
        println!("{seen:#?}");
        for kind in [
            "finished",
            "out of fuel",
            "host error",
            "trap memory_access",
            "trap division_by_zero",
            "trap integer_overflow",
            "trap bad_indirect_target",
            "trap indirect_signature_mismatch",
            "trap unreachable",
        ] {
            assert!(seen.contains_key(kind), "no `{kind}` stop in {seen:?}");
        }
    }
}
