//! Fuzz target: the IR text parser. Any UTF-8 text must parse or fail with an error (never panic or
//! hang); text that parses must print and reparse to the very same module, and printing that again
//! must give the same text. Verifying it must not panic either (its result does not matter).

#![no_main]

use causeway_engine::ir::parse::parse_module;
use causeway_engine::ir::print::print_module;
use causeway_engine::ir::verify::verify_module;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(module) = parse_module(text) else { return };
    let verified = verify_module(&module);
    let printed = print_module(&module);
    let reparsed = match parse_module(&printed) {
        Ok(m) => m,
        Err(e) => panic!("printed module does not parse: {e}\n(verify: {verified:?})\n{printed}"),
    };
    assert!(
        reparsed == module,
        "print/parse round trip changed the module (verify: {verified:?})\n{printed}"
    );
    assert_eq!(print_module(&reparsed), printed, "printing is not a fixpoint");
});
