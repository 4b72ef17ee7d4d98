//! Fuzz target: differential execution. The bytes become a random but verified module
//! (`causeway_fuzz::gen`), which runs on the reference interpreter and on the JIT with the same fuel
//! budget; the stops, globals, remaining fuel and memory must be identical (`causeway_fuzz::diff`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    causeway_fuzz::diff::check(&causeway_fuzz::gen::generate(data));
});
