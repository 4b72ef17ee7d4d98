//! The perf map (`/tmp/perf-PID.map`): once enabled, every compilation in the process (a module, and
//! each dynamic function compiled while it runs) appends its functions and trampolines, and each
//! entry is exactly the code the engine emitted. One test, because the map is per process and
//! enabling it empties the file.

use causeway_engine::ir::parse::parse_module;
use causeway_engine::ir::FuncId;
use causeway_engine::jit::perf_map::{self, CodeSymbol};
use causeway_engine::jit::{CompileOptions, CompiledModule};
use causeway_runtime::riscv::{Guest, GuestEnd, GuestIo, GuestOptions};
use std::sync::Arc;

const MODULE: &str = "
func @perf_map_main(v0: i64) -> (i64) {
block0:
    v0 = call @perf_map_helper(v0)
    return v0
}

func @perf_map_helper(v0: i64) -> (i64) {
block0:
    v0 = add v0, 1
    return v0
}
";

fn entries(text: &str) -> Vec<CodeSymbol> {
    text.lines()
        .map(|line| {
            let mut parts = line.splitn(3, ' ');
            let mut hex = || usize::from_str_radix(parts.next().unwrap(), 16).unwrap();
            let (addr, size) = (hex(), hex());
            let name = parts.next().unwrap().to_string();
            CodeSymbol { addr, size, name }
        })
        .collect()
}

#[test]
fn every_compiled_function_is_in_the_perf_map_as_emitted() {
    let path = perf_map::enable().unwrap();
    assert_eq!(path, perf_map::path());
    let module = Arc::new(parse_module(MODULE).unwrap());
    let compiled = CompiledModule::compile(module, CompileOptions::default()).unwrap();
    // A RISC-V guest compiles its regions while it runs (dynamic functions).
    let elf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("riscv/elf/rv64imac/hello.elf");
    let elf = std::fs::read(elf).unwrap();
    let guest = Guest::load(&elf, GuestOptions::default()).unwrap();
    let (io, out, _) = GuestIo::capture();
    assert_eq!(guest.run(io).unwrap(), GuestEnd::Exited(0));
    assert_eq!(out.bytes(), b"Hello, world!\n");
    perf_map::disable();
    assert_eq!(perf_map::last_error(), None);

    let map = entries(&std::fs::read_to_string(&path).unwrap());
    // The module's functions and trampoline, at the addresses and sizes the engine emitted.
    let symbols = compiled.symbols();
    for (i, name) in ["perf_map_main", "perf_map_helper"].iter().enumerate() {
        let f = FuncId(i as u32);
        let s = symbols
            .iter()
            .find(|s| s.name == format!("causeway::{name}"))
            .unwrap();
        assert_eq!((s.addr, s.size), (compiled.func_addr(f), compiled.func_size(f)));
        assert!(s.size > 0 && compiled.contains_pc(s.addr) && compiled.contains_pc(s.addr + s.size - 1));
    }
    assert!(symbols
        .iter()
        .any(|s| s.name.starts_with("causeway::trampoline (i64) -> (i64)")));
    for s in &symbols {
        assert!(map.contains(s), "{s:?} is not in the perf map");
    }
    // The guest's dispatcher and its regions, named after the ELF's function symbols.
    let names: Vec<&str> = map.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"causeway::riscv_run"), "{names:?}");
    assert!(names.contains(&"causeway::_start"), "{names:?}");
    // No two entries of one compilation overlap, and every entry has code.
    assert!(map.iter().all(|s| s.size > 0));
    let mut ranges: Vec<_> = symbols.iter().map(|s| (s.addr, s.addr + s.size)).collect();
    ranges.sort();
    assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0), "{ranges:?}");
    std::fs::remove_file(path).unwrap();
}
