//! TEL conformance: every program under `tests/tel/` (the SPEC's examples copied into `spec/`, our
//! own in `programs/` and `errors/`, and `../shared/tel/examples` when it is there) runs on the JIT
//! at both optimization levels and on the interpreter, and must do what its header says, with the
//! same value, log, error kind and fuel on every tier.

use causeway_runtime::error::VmError;
use causeway_runtime::tel::{OptimizationLevel, TelExecutionResult};
use causeway_runtime::tel_host::{run_tel_source, RunTelOptions};
use causeway_tel::headers::Expectations;
use std::path::{Path, PathBuf};

/// The TEL programs of the conformance suite.
pub fn programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        root.join("tel/spec"),
        root.join("tel/programs"),
        root.join("tel/errors"),
    ];
    let shared = root.join("../../shared/tel/examples");
    if shared.is_dir() {
        dirs.push(shared);
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap_or_else(|e| panic!("{}: {e}", d.display())))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tel"))
        .collect();
    files.sort();
    files
}

/// What one run did, in the form the header speaks of.
#[derive(Debug, PartialEq)]
enum Outcome {
    Value {
        value: String,
        log: Vec<String>,
        fuel: u64,
    },
    Error(String),
}

fn outcome(r: Result<TelExecutionResult, VmError>) -> Outcome {
    match r {
        Ok(r) => Outcome::Value {
            value: r.value.to_string(),
            log: r.log,
            fuel: r.fuel_used,
        },
        Err(VmError::TelError(t)) => {
            Outcome::Error(t.kind().map_or_else(|| t.to_string(), |k| k.name().into()))
        }
        Err(e) => Outcome::Error(format!("not a TEL error: {e}")),
    }
}

fn run(
    path: &Path,
    source: &str,
    exp: &Expectations,
    interpreter: bool,
    level: OptimizationLevel,
) -> Outcome {
    let mut opts = RunTelOptions {
        interpreter,
        level,
        args: exp.args.clone(),
        ..Default::default()
    };
    if let Some(f) = exp.fuel {
        opts.fuel = f;
    }
    let name = path.display().to_string();
    outcome(run_tel_source(&name, source, &opts).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn check(exp: &Expectations, got: &Outcome) -> Result<(), String> {
    match (got, &exp.error) {
        (Outcome::Error(kind), Some(want)) if kind == want => Ok(()),
        (Outcome::Value { value, log, .. }, None) => {
            if let Some(want) = &exp.value {
                if value != want {
                    return Err(format!("value {value}, expected {want}"));
                }
            }
            if *log != exp.log {
                return Err(format!("log {log:?}, expected {:?}", exp.log));
            }
            Ok(())
        }
        (got, _) => Err(format!("{got:?}, expected {exp:?}")),
    }
}

#[test]
fn every_program_does_what_its_header_says_on_every_tier() {
    let mut failures = Vec::new();
    let files = programs();
    assert!(files.len() >= 100, "the suite lost programs: {}", files.len());
    for path in &files {
        let source = std::fs::read_to_string(path).unwrap();
        let exp = Expectations::parse(&source);
        let jit = run(path, &source, &exp, false, OptimizationLevel::Speed);
        if let Err(e) = check(&exp, &jit) {
            failures.push(format!("{}: {e}", path.display()));
            continue;
        }
        // Differential: the same value, log, error kind and fuel without optimizations and on the
        // interpreter.
        for (interp, level) in [(false, OptimizationLevel::None), (true, OptimizationLevel::Speed)] {
            let other = run(path, &source, &exp, interp, level);
            if other != jit {
                failures.push(format!(
                    "{}: interpreter={interp} {level:?} gave {other:?}, the optimized JIT {jit:?}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} programs failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
