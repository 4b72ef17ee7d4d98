//! Breakpoints and stepping over debuggable JIT code (patched sites) and the interpreter: both tiers
//! stop at the same guest locations with the same frame variables, and normal code has no sites.

use causeway_engine::exec::DebugSites;
use causeway_engine::host::Linker;
use causeway_engine::instance::{Instance, InstanceConfig, InstanceError};
use causeway_engine::ir::parse::parse_module;
use causeway_engine::ir::SourceLoc;
use causeway_engine::jit::{CompileOptions, CompiledModule};
use causeway_engine::stop::Stop;
use causeway_tests::{instantiate, Tier};
use std::sync::Arc;

/// sum = 0; for i in 0..4 { sum += i } — one `mark` per "guest instruction".
const LOOP: &str = "
func @main() -> (i64) {
    vars v0: i64, v1: i64, v2: i32
block0:
    mark #0x100
    v0 = iconst 0
    mark #0x104
    v1 = iconst 0
    jump block1
block1:
    mark #0x108
    v0 = add v0, v1
    mark #0x10c
    v1 = add v1, 1
    mark #0x110
    v2 = icmp lt_s v1, 4
    brif v2, block1, block2
block2:
    mark #0x114
    return v0
}
";

fn module() -> Arc<causeway_engine::ir::Module> {
    Arc::new(parse_module(LOOP).unwrap())
}

fn debuggable(tier: Tier) -> Instance {
    instantiate(&module(), tier, &mut Linker::new(), InstanceConfig::default())
}

#[test]
fn normal_code_has_no_sites_and_debuggable_code_starts_with_them_patched_out() {
    let normal = CompiledModule::compile(module(), CompileOptions::default()).unwrap();
    assert_eq!(normal.site_count(), 0);
    let dbg = CompiledModule::compile(
        module(),
        CompileOptions {
            debuggable: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(dbg.site_count(), 6);
    for site in 0..dbg.site_count() {
        for bytes in dbg.site_bytes(site) {
            assert!(
                bytes.iter().all(|&b| [0x0f, 0x1f, 0x44, 0x00, 0x90].contains(&b)),
                "not a nop: {bytes:x?}"
            );
        }
    }
    let mut inst =
        Instance::new_jit(Arc::new(normal), &mut Linker::new(), InstanceConfig::default()).unwrap();
    let mut sites = DebugSites::default();
    sites.breakpoints.insert(SourceLoc(0x108));
    assert!(matches!(
        inst.set_debug_sites(sites),
        Err(InstanceError::NotDebuggable)
    ));
}

#[test]
fn a_breakpoint_stops_every_time_its_site_is_reached_with_the_frame_visible() {
    for tier in [Tier::Interp, Tier::JitDebuggable] {
        let mut inst = debuggable(tier);
        let mut sites = DebugSites::default();
        sites.breakpoints.insert(SourceLoc(0x10c));
        inst.set_debug_sites(sites).unwrap();
        let mut stop = inst.call("main", &[]).unwrap();
        let mut seen = Vec::new();
        while let Stop::Breakpoint { loc } = stop {
            assert_eq!(loc, SourceLoc(0x10c));
            let (_, vars) = inst.debug_frame_vars().expect("frame at a breakpoint");
            seen.push((vars[0], vars[1]));
            stop = inst.resume().unwrap();
        }
        assert_eq!(stop, Stop::Finished(vec![6]), "{tier:?}");
        // At 0x10c, sum already includes i, and i is not incremented yet.
        assert_eq!(seen, vec![(0, 0), (1, 1), (3, 2), (6, 3)], "{tier:?}");
    }
}

#[test]
fn single_stepping_visits_the_same_locations_on_both_tiers_and_breakpoints_can_be_cleared() {
    let mut traces = Vec::new();
    for tier in [Tier::Interp, Tier::JitDebuggable] {
        let mut inst = debuggable(tier);
        inst.set_debug_sites(DebugSites {
            single_step: true,
            ..Default::default()
        })
        .unwrap();
        let mut stop = inst.call("main", &[]).unwrap();
        let mut trace = Vec::new();
        while let Stop::Breakpoint { loc } = stop {
            trace.push(loc.0);
            if trace.len() == 5 {
                // Clear everything mid-run: the rest runs without stopping.
                inst.set_debug_sites(DebugSites::default()).unwrap();
            }
            stop = inst.resume().unwrap();
        }
        assert_eq!(stop, Stop::Finished(vec![6]));
        traces.push(trace);
    }
    assert_eq!(traces[0], vec![0x100, 0x104, 0x108, 0x10c, 0x110]);
    assert_eq!(traces[0], traces[1]);
}

#[test]
fn a_debugger_write_to_a_frame_variable_is_seen_by_the_guest() {
    for tier in [Tier::Interp, Tier::JitDebuggable] {
        let mut inst = debuggable(tier);
        let mut sites = DebugSites::default();
        sites.breakpoints.insert(SourceLoc(0x10c));
        inst.set_debug_sites(sites).unwrap();
        assert_eq!(
            inst.call("main", &[]).unwrap(),
            Stop::Breakpoint {
                loc: SourceLoc(0x10c)
            }
        );
        inst.set_debug_frame_var(0, 100).unwrap();
        inst.set_debug_sites(DebugSites::default()).unwrap();
        assert_eq!(inst.resume().unwrap(), Stop::Finished(vec![106]), "{tier:?}");
        assert!(inst.set_debug_frame_var(0, 1).is_err(), "no frame after the run");
    }
}

/// `main` calls dynamic slot 0 twice; the resolver makes the slot's function, with marks, at run
/// time (as the RISC-V front end does for guest code).
const DYNAMIC: &str = "
dynamic 2 (i64) -> (i64)
func @main() -> (i64) {
    vars v0: i64, v1: i64, v2: i64
block0:
    mark #0x10
    v0 = call_dyn 0(3)
    mark #0x14
    v2 = iconst 5
    v1 = call_dyn 0(v0)
    mark #0x18
    v1 = add v1, v2
    return v1
}
";

const SLOT_0: &str = "
func @twice(v0: i64) -> (i64) {
    vars v1: i64, v2: i64, v3: i64
block0:
    mark #0x200
    v1 = add v0, v0
    v3 = iconst 33
    mark #0x204
    return v1
}
";

#[test]
fn breakpoints_and_steps_reach_code_compiled_while_the_module_runs() {
    for tier in [Tier::Interp, Tier::JitDebuggable] {
        let module = Arc::new(parse_module(DYNAMIC).unwrap());
        let mut inst = instantiate(&module, tier, &mut Linker::new(), InstanceConfig::default());
        inst.set_resolver(|_| Ok(parse_module(SLOT_0).unwrap().funcs.remove(0)));
        // A breakpoint in code that does not exist yet stops once it is compiled and reached.
        let mut sites = DebugSites::default();
        sites.breakpoints.insert(SourceLoc(0x204));
        inst.set_debug_sites(sites).unwrap();
        let mut seen = Vec::new();
        let mut stop = inst.call("main", &[]).unwrap();
        while let Stop::Breakpoint { loc } = stop {
            let (func, vars) = inst.debug_frame_vars().expect("the dynamic function's frame");
            assert_eq!((func.0, vars.len(), vars[3]), (1, 4, 33), "{tier:?}");
            seen.push((loc.0, vars[0], vars[1]));
            if seen.len() == 1 {
                // The guest sees a debugger's write in dynamic code too.
                inst.set_debug_frame_var(1, 10).unwrap();
            }
            stop = inst.resume().unwrap();
        }
        assert_eq!(stop, Stop::Finished(vec![25]), "{tier:?}");
        assert_eq!(seen, vec![(0x204, 3, 6), (0x204, 10, 20)], "{tier:?}");

        // Single steps walk into and out of the dynamic function, which is compiled by now.
        inst.set_debug_sites(DebugSites {
            single_step: true,
            ..Default::default()
        })
        .unwrap();
        let mut trace = Vec::new();
        let mut stop = inst.call("main", &[]).unwrap();
        while let Stop::Breakpoint { loc } = stop {
            trace.push(loc.0);
            stop = inst.resume().unwrap();
        }
        // `v2`, set just before a call of an already resolved slot, survives the stop at 0x18 (the
        // frame reloads its variables after every stop).
        assert_eq!(stop, Stop::Finished(vec![17]), "{tier:?}");
        assert_eq!(
            trace,
            vec![0x10, 0x200, 0x204, 0x14, 0x200, 0x204, 0x18],
            "{tier:?}"
        );
    }
}
