//! Malformed and invalid IR: every file in `tests/malformed/` must be rejected by the parser or the
//! verifier with the message its header names (`; error: TEXT`), and random or truncated text must
//! never panic anywhere in parse, verify or compile.

use causeway_engine::ir::parse::parse_module;
use causeway_engine::ir::verify::verify_module;
use causeway_engine::jit::{CompileOptions, CompiledModule};
use causeway_tests::gen::Rng;
use std::sync::Arc;

fn rejection(text: &str) -> Option<String> {
    let module = match parse_module(text) {
        Ok(m) => m,
        Err(e) => return Some(e.to_string()),
    };
    verify_module(&module).err().map(|e| e.to_string())
}

#[test]
fn each_malformed_program_is_rejected_with_its_message() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/malformed");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let want = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("; error: "))
            .expect("header")
            .to_string();
        // The header is a comment: strip it so that line numbers in messages match the file as shown.
        let body = text
            .split_once('\n')
            .map(|(_, rest)| format!("\n{rest}"))
            .unwrap();
        let got = rejection(&body).unwrap_or_else(|| panic!("{}: accepted", path.display()));
        assert!(
            got.contains(&want),
            "{}: expected `{want}` in `{got}`",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 12);
}

fn no_panic(text: &str) {
    if let Ok(m) = parse_module(text) {
        if verify_module(&m).is_ok() {
            let _ = CompiledModule::compile(Arc::new(m), CompileOptions::default());
        }
    }
}

#[test]
fn truncated_and_mutated_programs_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");
    let mut rng = Rng::new(7);
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let bytes = text.as_bytes();
        for cut in (0..bytes.len()).step_by(7) {
            no_panic(&String::from_utf8_lossy(&bytes[..cut]));
        }
        for _ in 0..100 {
            let mut m = bytes.to_vec();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(m.len() as u64) as usize;
                m[i] = b"0123456789 ,[]()@#:;-vgx\n{}abcdefz"[rng.below(34) as usize];
            }
            no_panic(&String::from_utf8_lossy(&m));
        }
    }
}

#[test]
fn random_bytes_and_deep_nesting_never_panic() {
    let mut rng = Rng::new(99);
    for _ in 0..2000 {
        let len = rng.below(200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.below(128) as u8).collect();
        no_panic(&String::from_utf8_lossy(&bytes));
    }
    no_panic(&"[".repeat(100_000));
    no_panic(&"(".repeat(100_000));
    no_panic(&format!("func @f() -> ({}) {{", "i64, ".repeat(100_000)));
}
