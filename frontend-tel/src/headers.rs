//! The header lines of TEL conformance programs (SPEC "Example files"): what a program must do,
//! written in its first comment lines. Read by the test harnesses and the benchmarks; must never
//! affect how a program compiles or runs.

/// What a program's header says must happen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expectations {
    /// `-- expect: VALUE`: `main`'s value in TEL literal syntax.
    pub value: Option<String>,
    /// `-- expect-log: TEXT`, one per line, in order.
    pub log: Vec<String>,
    /// `-- expect-error: KIND`.
    pub error: Option<String>,
    /// `-- fuel: N`.
    pub fuel: Option<u64>,
    /// `-- arg: name=value` (Causeway's own programs): `main`'s parameters.
    pub args: Vec<String>,
}

impl Expectations {
    /// Reads the header: the leading lines that are `--` comments (blank lines end it).
    pub fn parse(source: &str) -> Expectations {
        let mut e = Expectations::default();
        for line in source.lines() {
            let Some(rest) = line.trim_start().strip_prefix("--") else {
                break;
            };
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            if let Some(v) = rest.strip_prefix("expect:") {
                e.value = Some(v.trim().to_string());
            } else if let Some(v) = rest.strip_prefix("expect-log:") {
                e.log
                    .push(v.strip_prefix(' ').unwrap_or(v).trim_end().to_string());
            } else if let Some(v) = rest.strip_prefix("expect-error:") {
                e.error = Some(v.trim().to_string());
            } else if let Some(v) = rest.strip_prefix("fuel:") {
                e.fuel = v.trim().replace('_', "").parse().ok();
            } else if let Some(v) = rest.strip_prefix("arg:") {
                e.args.push(v.trim().to_string());
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_header_kind() {
        let e = Expectations::parse(
            "-- fuel: 1_000\n-- expect-log: a b\n-- expect-log: c\n-- expect: [1, 2]\n-- arg: n=3\nflow main() {}\n-- expect: 9\n",
        );
        assert_eq!(e.fuel, Some(1000));
        assert_eq!(e.log, vec!["a b", "c"]);
        assert_eq!(e.value.as_deref(), Some("[1, 2]"));
        assert_eq!(e.args, vec!["n=3"]);
        assert_eq!(
            Expectations::parse("-- expect-error: TypeMismatch\n")
                .error
                .as_deref(),
            Some("TypeMismatch")
        );
    }
}
