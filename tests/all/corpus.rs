//! The data-driven corpus: every `tests/corpus/*.ir` program runs on every tier and must match the
//! expectations in its header and agree across tiers (result, output, fuel, globals, memory).
//!
//! Header lines: `; expect: V V ...` (results), `; expect-trap: CODE`, `; expect-stop: out_of_fuel`,
//! `; expect-output: N` (one per printed value), `; fuel: N`, `; refuel: N`, `; args: A B ...`.

use causeway_engine::ir::parse::parse_module;
use causeway_engine::stop::Stop;
use causeway_tests::{run, ALL_TIERS};
use std::sync::Arc;

#[derive(Default, Debug)]
struct Header {
    expect: Option<Vec<i64>>,
    trap: Option<String>,
    stop: Option<String>,
    output: Vec<i64>,
    fuel: Option<u64>,
    refuel: Option<u64>,
    args: Vec<i64>,
}

fn header(text: &str) -> Header {
    let mut h = Header::default();
    let nums = |s: &str| {
        s.split_whitespace()
            .map(|n| n.parse::<i64>().expect("number"))
            .collect::<Vec<_>>()
    };
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("; ") else {
            continue;
        };
        let Some((key, val)) = rest.split_once(": ") else {
            continue;
        };
        match key {
            "expect" => h.expect = Some(nums(val)),
            "expect-trap" => h.trap = Some(val.trim().to_string()),
            "expect-stop" => h.stop = Some(val.trim().to_string()),
            "expect-output" => h.output.extend(nums(val)),
            "fuel" => h.fuel = Some(val.trim().parse().unwrap()),
            "refuel" => h.refuel = Some(val.trim().parse().unwrap()),
            "args" => h.args = nums(val),
            _ => {}
        }
    }
    h
}

#[test]
fn corpus_programs_match_their_headers_on_every_tier() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 15, "the corpus is missing");
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "ir")) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let h = header(&text);
        let module = Arc::new(parse_module(&text).unwrap_or_else(|e| panic!("{name}: {e}")));
        let mut reference = None;
        for tier in ALL_TIERS {
            let out = run(&module, tier, "main", &h.args, h.fuel, h.refuel);
            let ctx = format!("{name} on {tier:?}: {:?}", out.stop);
            if let Some(want) = &h.expect {
                assert_eq!(out.stop, Stop::Finished(want.clone()), "{ctx}");
            }
            if let Some(code) = &h.trap {
                match &out.stop {
                    Stop::Trap(t) => assert_eq!(&t.code.name(), code, "{ctx}"),
                    _ => panic!("{ctx}: expected trap {code}"),
                }
            }
            if h.stop.as_deref() == Some("out_of_fuel") {
                assert_eq!(out.stop, Stop::OutOfFuel, "{ctx}");
            }
            assert_eq!(out.output, h.output, "{ctx}");
            if h.refuel.is_some() {
                assert!(out.fuel_stops > 0, "{ctx}: expected fuel stops");
            }
            match &reference {
                None => reference = Some(out),
                Some(r) => assert_eq!(&out, r, "{name}: {tier:?} disagrees with the interpreter"),
            }
        }
    }
}
