//! Rendering of compile and run-time errors for people: the `file:line:col: error[CODE]: message`
//! line, then the source line with the span underlined (drawn by `codespan-reporting`, no colors).
//!
//! Owns the text layout only; must never decide what is an error, and never panic, whatever span it
//! is given (spans from other passes are clamped to the source).

use crate::diag::{line_col, Diag, ErrorKind, Span};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::NoColor, Config};

/// A compile error: `FILE:LINE:COL: error[CODE]: KIND: message` and the underlined source line.
pub fn render(file_name: &str, source: &str, diag: &Diag) -> String {
    let (line, col) = line_col(source, diag.span.start);
    let mut out = format!("{file_name}:{line}:{col}: error[{}]: {diag}\n", diag.kind.code());
    out.push_str(&snippet(file_name, source, diag.span));
    out
}

/// A run-time error: `FILE:LINE:COL: runtime error[CODE]: KIND: message` and the underlined source
/// line when the failing operation's span is known, `FILE: runtime error[CODE]: KIND: message`
/// otherwise.
pub fn render_runtime(
    file_name: &str,
    source: &str,
    kind: ErrorKind,
    message: &str,
    span: Option<Span>,
) -> String {
    let code = kind.code();
    match span {
        Some(span) => {
            let (line, col) = line_col(source, span.start);
            let mut out = format!("{file_name}:{line}:{col}: runtime error[{code}]: {kind}: {message}\n");
            out.push_str(&snippet(file_name, source, span));
            out
        }
        None => format!("{file_name}: runtime error[{code}]: {kind}: {message}\n"),
    }
}

/// The largest char boundary of `source` at or below `offset`.
fn floor_boundary(source: &str, offset: u32) -> usize {
    let mut at = (offset as usize).min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// codespan's source view of `span` (without its own header line, which ours replaces), or
/// nothing if it cannot draw one.
fn snippet(file_name: &str, source: &str, span: Span) -> String {
    let start = floor_boundary(source, span.start);
    let end = floor_boundary(source, span.end).max(start);
    let file = SimpleFile::new(file_name, source);
    // Empty message and no code: codespan's header is then exactly `error: `, dropped below.
    let diagnostic = Diagnostic::error().with_labels(vec![Label::primary((), start..end)]);
    let mut writer = NoColor::new(Vec::new());
    if term::emit(&mut writer, &Config::default(), &file, &diagnostic).is_err() {
        return String::new();
    }
    let text = String::from_utf8_lossy(writer.get_ref()).into_owned();
    let body = text.split_once('\n').map_or("", |(_, rest)| rest);
    let body = body.trim_end();
    if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SRC: &str = "-- expect-error: TypeMismatch\nflow main() -> Int { return 1 + \"two\"; }\n";

    #[test]
    fn compile_error_header_and_underline() {
        let at = SRC.find("\"two\"").unwrap_or_default();
        let diag = Diag::new(
            ErrorKind::TypeMismatch,
            Span::new(at, at + 5),
            "expected Int, found String",
        );
        let out = render("t.tel", SRC, &diag);
        let mut lines = out.lines();
        assert_eq!(
            lines.next(),
            Some("t.tel:2:33: error[E0003]: TypeMismatch: expected Int, found String")
        );
        let rest: Vec<&str> = lines.collect();
        let source_line = rest
            .iter()
            .position(|l| l.contains("flow main() -> Int { return 1 + \"two\"; }"));
        let source_line = source_line.expect("the source line is shown");
        assert!(rest[source_line].starts_with("2 "), "{out}");
        let underline = rest[source_line + 1];
        let caret = underline.find('^').expect("underline");
        let text = rest[source_line].find("\"two\"").expect("text");
        assert_eq!(caret, text, "{out}");
        assert_eq!(underline.trim_end().matches('^').count(), 5, "{out}");
        assert!(out.ends_with('\n') && !out.ends_with("\n\n"), "{out:?}");
        // No escape sequences: the output goes to files and test goldens too.
        assert!(!out.contains('\u{1b}'));
    }

    #[test]
    fn columns_count_characters_and_end_of_input_is_shown() {
        let src = "let é = @";
        let diag = Diag::new(
            ErrorKind::SyntaxError,
            Span::new(9, 10),
            "unexpected character `@`",
        );
        let out = render("a.tel", src, &diag);
        assert!(
            out.starts_with("a.tel:1:9: error[E0001]: SyntaxError: unexpected character `@`\n"),
            "{out}"
        );
        let eof = Diag::new(
            ErrorKind::SyntaxError,
            Span::new(3, 3),
            "expected `;`, found end of input",
        );
        let out = render("b.tel", "x =", &eof);
        assert!(out.starts_with("b.tel:1:4: error[E0001]: SyntaxError: "), "{out}");
        assert!(out.contains("1 │ x ="), "{out}");
        assert!(out.contains('^'), "{out}");
    }

    #[test]
    fn runtime_errors_with_and_without_a_span() {
        let out = render_runtime(
            "o.tel",
            "flow main() -> Int {\n    x = x + 1;\n}\n",
            ErrorKind::ArithmeticOverflow,
            "integer overflow in `+`",
            Some(Span::new(29, 34)),
        );
        let first = out.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            "o.tel:2:9: runtime error[R0001]: ArithmeticOverflow: integer overflow in `+`"
        );
        assert!(out.contains("^^^^^"), "{out}");
        assert_eq!(
            render_runtime("o.tel", "", ErrorKind::OutOfFuel, "fuel exhausted", None),
            "o.tel: runtime error[R0008]: OutOfFuel: fuel exhausted\n"
        );
    }

    #[test]
    fn multi_line_spans_render() {
        let src = "flow f() {\n  a;\n  b;\n}\n";
        let diag = Diag::new(ErrorKind::TypeMismatch, Span::new(9, 23), "m");
        let out = render("m.tel", src, &diag);
        assert!(
            out.starts_with("m.tel:1:10: error[E0003]: TypeMismatch: m\n"),
            "{out}"
        );
        assert!(out.contains("4 │"), "{out}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Spans from other passes may be wrong; rendering them must still not panic.
        #[test]
        fn render_never_panics(src in "[a-zé😀 \n\t\r]{0,40}", start in 0u32..60, len in 0u32..60) {
            let diag = Diag::new(ErrorKind::UnknownName, Span { start, end: start.saturating_add(len) }, "x");
            let out = render("p.tel", &src, &diag);
            prop_assert!(out.starts_with("p.tel:"));
            let backwards = Diag::new(ErrorKind::UnknownName, Span { start, end: start / 2 }, "x");
            render("p.tel", &src, &backwards);
        }
    }
}
