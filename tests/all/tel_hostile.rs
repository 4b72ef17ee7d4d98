//! Hostile TEL source: truncated and mutated programs, deep nesting, huge literals and random text
//! never panic, hang or overflow the compiler's stack: each gives a program or a compile error.

use causeway_tel::diag::ErrorKind;
use causeway_tel::lower::LowerOptions;
use proptest::prelude::*;

fn sources() -> Vec<String> {
    super::tel::programs()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Compiles on a thread with a small stack, as an embedder's worker thread might have.
fn compile_on_small_stack(src: String) -> Result<(), ErrorKind> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            causeway_tel::compile_source(&src, LowerOptions::default())
                .map(|_| ())
                .map_err(|d| d.kind)
        })
        .unwrap()
        .join()
        .expect("the compiler panicked")
}

#[test]
fn every_prefix_of_every_program_compiles_or_fails_cleanly() {
    for src in sources() {
        let cuts: Vec<usize> = (0..src.len())
            .step_by(7)
            .filter(|&i| src.is_char_boundary(i))
            .collect();
        for cut in cuts {
            let _ = causeway_tel::compile_source(&src[..cut], LowerOptions::default());
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [300, 5_000, 100_000] {
        let parens = format!(
            "flow main() -> Int {{ return {}1{}; }}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let blocks = format!(
            "flow main() -> Int {{ return {}1{}; }}",
            "{".repeat(depth),
            "}".repeat(depth)
        );
        let lambdas = format!(
            "flow main() -> Int {{ let f = {}1; return 0; }}",
            "\\x -> ".repeat(depth)
        );
        let negs = format!("flow main() -> Int {{ return {}1; }}", "-".repeat(depth));
        let lists = format!(
            "flow main() -> Int {{ let l = {}1{}; return 0; }}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let types = format!(
            "flow main() -> {}Int{} {{ return 0; }}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        for src in [parens, blocks, lambdas, negs, lists, types] {
            assert_eq!(
                compile_on_small_stack(src),
                Err(ErrorKind::SyntaxError),
                "depth {depth}"
            );
        }
    }
    // An operator chain is a left-deep tree: 250 operands compile, 10,000 are too deep.
    let sum = |n| format!("flow main() -> Int {{ return {}0; }}", "1 + ".repeat(n));
    assert_eq!(compile_on_small_stack(sum(250)), Ok(()));
    assert_eq!(compile_on_small_stack(sum(10_000)), Err(ErrorKind::SyntaxError));
    // Nesting just under the limit compiles on a small stack, through every pass.
    let nested = format!(
        "flow main() -> Int {{ return {}1{}; }}",
        "{".repeat(250),
        "}".repeat(250)
    );
    assert_eq!(compile_on_small_stack(nested), Ok(()));
    let lambdas = format!(
        "flow main() -> Int {{ let f = {}1; return 0; }}",
        "\\x -> ".repeat(250)
    );
    assert_eq!(compile_on_small_stack(lambdas), Ok(()));
}

#[test]
fn huge_literals_are_syntax_errors() {
    for lit in [
        "9223372036854775808",
        "99999999999999999999999999999999999999999",
        "0xffffffffffffffffff",
    ] {
        let src = format!("flow main() -> Int {{ return {lit}; }}");
        assert_eq!(compile_on_small_stack(src), Err(ErrorKind::SyntaxError), "{lit}");
    }
    let long_string = format!(
        "flow main() -> Int {{ return len(\"{}\"); }}",
        "x".repeat(1 << 20)
    );
    assert_eq!(compile_on_small_stack(long_string), Ok(()));
}

/// Characters that make mutations interesting for the lexer and parser.
const PUNCT: &[u8] = b"(){}[];,.:=<>+-*/%!&|\\\" \nx1";

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn mutated_programs_compile_or_fail_cleanly(pick in 0usize..1000, edits in prop::collection::vec((0usize..100_000, any::<u8>()), 1..8)) {
        let all = sources();
        let mut bytes = all[pick % all.len()].clone().into_bytes();
        for (at, b) in edits {
            if bytes.is_empty() { break; }
            let i = at % bytes.len();
            // Replace with printable ASCII or TEL punctuation, or delete.
            match b % 3 {
                0 => { bytes.remove(i); }
                1 => bytes[i] = PUNCT[b as usize % PUNCT.len()],
                _ => bytes.insert(i, PUNCT[b as usize % PUNCT.len()]),
            }
        }
        let src = String::from_utf8_lossy(&bytes).into_owned();
        let _ = causeway_tel::compile_source(&src, LowerOptions::default());
    }

    #[test]
    fn random_text_compiles_or_fails_cleanly(src in "[a-z(){}\\[\\];,.:=<>+\\-*/%!&|\\\\\" 0-9\n]{0,200}") {
        let _ = causeway_tel::compile_source(&src, LowerOptions::default());
    }
}

/// Runs a compiled TEL program's `main` on both tiers (TEL helpers linked, host effects answering
/// 0) and requires the same stop, fuel and globals.
fn run_both_tiers(lowered: causeway_tel::lower::Lowered) {
    use causeway_engine::host::{HostOutcome, Linker};
    use causeway_engine::instance::{Instance, InstanceConfig};
    use causeway_engine::jit::{CompileOptions, CompiledModule};
    use std::sync::Arc;
    let module = Arc::new(lowered.module);
    let linker = || {
        let mut l = Linker::new();
        causeway_tel::helpers::define_helpers(&mut l);
        for imp in &module.imports {
            if !l.contains(&imp.name) {
                l.define(&imp.name, |_, _, _| Ok(HostOutcome::Return));
            }
        }
        l
    };
    let compiled = CompiledModule::compile(module.clone(), CompileOptions::default()).unwrap();
    let config = InstanceConfig {
        fuel: Some(20_000),
        max_depth: 200,
        ..Default::default()
    };
    let mut interp = Instance::new_interp(module.clone(), &mut linker(), config).unwrap();
    let mut jit = Instance::new_jit(Arc::new(compiled), &mut linker(), config).unwrap();
    let a = interp.call(causeway_tel::lower::ENTRY, &[]).unwrap();
    let b = jit.call(causeway_tel::lower::ENTRY, &[]).unwrap();
    assert_eq!(a, b);
    assert_eq!(interp.fuel(), jit.fuel());
    assert_eq!(interp.globals(), jit.globals());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// Mutations that still compile are new programs: both tiers must agree on them.
    #[test]
    fn mutated_programs_that_compile_run_the_same_on_both_tiers(
        pick in 0usize..1000,
        edits in prop::collection::vec((0usize..100_000, any::<u8>()), 1..4),
    ) {
        let all = sources();
        let mut bytes = all[pick % all.len()].clone().into_bytes();
        for (at, b) in edits {
            let i = at % bytes.len().max(1);
            if i < bytes.len() && bytes[i].is_ascii_digit() {
                // Digits keep programs well-typed while changing what they compute.
                bytes[i] = b'0' + b % 10;
            } else if i < bytes.len() && b % 4 == 0 {
                bytes.remove(i);
            }
        }
        let src = String::from_utf8_lossy(&bytes).into_owned();
        if let Ok(lowered) = causeway_tel::compile_source(&src, LowerOptions { heap_size: 1 << 20, ..Default::default() }) {
            if lowered.main_params.is_empty() {
                run_both_tiers(lowered);
            }
        }
    }
}
