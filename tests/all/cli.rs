//! The path behind `causeway run-ir` (the README's first command): the example runs on both tiers,
//! prints through the `print` import, meters fuel, and reports bad input as errors.

use causeway_engine::stop::Stop;
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
        assert_eq!(out.stop, Stop::Finished(vec![6765]));
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
    assert_eq!(starved.stop, Stop::OutOfFuel);
    let err = run_ir("func @main( -> (i64) {", &RunIrOptions::default()).unwrap_err();
    assert!(err.starts_with("parse error: 1:"), "{err}");
    let err = run_ir(
        "import effect @nope() -> ()\nfunc @main() -> () {\nblock0:\n    return\n}\n",
        &RunIrOptions::default(),
    )
    .unwrap_err();
    assert!(err.contains("nope"), "{err}");
}
