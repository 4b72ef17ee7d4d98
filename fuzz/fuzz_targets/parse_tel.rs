//! Fuzz target: the TEL front end. Any bytes (as lossy UTF-8) must parse or fail with a
//! `SyntaxError`: never panic, hang or overflow the stack. A program that parses must check or fail
//! with an error, never panic; a program that checks must lower to IR the verifier accepts (or
//! fail with an error naming a limit); any error must render.

#![no_main]

use causeway_tel::check::check;
use causeway_tel::diag::ErrorKind;
use causeway_tel::parser::parse;
use causeway_tel::render::render;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let error = match parse(&text) {
        Ok(program) => match check(&program) {
            Ok(checked) => match causeway_tel::lower::lower(&program, &checked, Default::default()) {
                Ok(_) => return,
                Err(e) => e,
            },
            Err(e) => e,
        },
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::SyntaxError, "the parser reported {e}");
            e
        }
    };
    let rendered = render("fuzz.tel", &text, &error);
    assert!(rendered.starts_with("fuzz.tel:"), "{rendered}");
});
