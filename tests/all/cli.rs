//! The path behind `causeway run-ir` (the README's first command): the example runs on both tiers,
//! prints through the `print` import, meters fuel, and reports bad input as errors.

use causeway_runtime::error::ExecutionError;
use causeway_runtime::{run_ir, RunIrOptions};

#[test]
fn the_readme_example_runs_on_both_tiers() {
    let text = include_str!("../../examples/fib.ir");
    for interpreter in [false, true] {
        let out = run_ir(
            text,
            &RunIrOptions {
                interpreter,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(out.values, Ok(vec![6765]));
    }
}

#[test]
fn printing_fuel_and_errors() {
    let text = include_str!("../corpus/hostcall_print.ir");
    let out = run_ir(
        text,
        &RunIrOptions {
            fuel: Some(1_000_000),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(out.output, vec!["10", "20", "30"]);
    let used = out.fuel_used.unwrap();
    let interp = run_ir(
        text,
        &RunIrOptions {
            fuel: Some(1_000_000),
            interpreter: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(interp.fuel_used, Some(used), "both tiers charge the same fuel");
    let starved = run_ir(
        text,
        &RunIrOptions {
            fuel: Some(5),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(starved.values, Err(ExecutionError::OutOfFuel.into()));
    let err = run_ir("func @main( -> (i64) {", &RunIrOptions::default()).unwrap_err();
    assert!(err.contains("1:13:"), "{err}");
    let out = run_ir(
        "import effect @nope() -> ()\nfunc @main() -> () {\nblock0:\n    return\n}\n",
        &RunIrOptions::default(),
    )
    .unwrap();
    assert_eq!(
        out.values,
        Err(ExecutionError::UnhandledEffect("nope".into()).into())
    );
}

#[test]
fn caps_restrict_what_a_program_may_do_and_a_refused_program_changes_nothing() {
    use causeway_runtime::capability::Rights;
    use causeway_runtime::error::{CapabilityError, Right, VmError};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.redb");
    let mint = r#"
memory a32
region 0x10000 0x1000 rw
data 0x10000 "gold"
import effect @create_resource(i64, i64, i64, i64, i64) -> (i64)
func @main() -> (i64) {
    vars v0: i64
block0:
    v0 = hostcall @create_resource(0x10000, 4, 10, 0x10000, 0)
    return v0
}
"#;
    let with = |rights: Rights| RunIrOptions {
        store: Some(store.clone()),
        rights,
        ..Default::default()
    };
    let out = run_ir(mint, &with(Rights::parse_list("read").unwrap())).unwrap();
    assert!(matches!(
        out.values,
        Err(VmError::CapabilityError(CapabilityError::Missing {
            right: Right::Create,
            ..
        }))
    ));
    let out = run_ir(mint, &with(Rights::parse_list("read,create").unwrap())).unwrap();
    assert_eq!(out.values, Ok(vec![0]));
    // The store kept exactly the one committed register.
    let out = run_ir(mint, &with(Rights::parse_list("read,create").unwrap())).unwrap();
    assert_eq!(out.values, Ok(vec![0]));
    assert!(Rights::parse_list("read,fly").is_err());
    let caps = std::sync::Arc::new(causeway_runtime::capability::CapabilityManager::new());
    let st = causeway_runtime::store::persistent::PersistentStore::open(&store).unwrap();
    let rm = causeway_runtime::resources::ResourceManager::new(std::sync::Arc::new(st), caps.clone());
    let ctx = caps.full_context(
        causeway_runtime::ir_host::cli_owner(),
        causeway_runtime::types::DomainId::new("local"),
    );
    assert_eq!(rm.list(None, &ctx).unwrap().len(), 2);
}
