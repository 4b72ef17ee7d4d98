//! Whole-process benchmarking, shared by the peer benches (`benches/tel_peers.rs`,
//! `benches/riscv_peers.rs`). It owns the bench binary's run ([`Bench`]: its arguments, criterion set up
//! to save where [`crate::results`] reads, stopping with a reason), finding the `causeway` binary and
//! the peers' tools, building a peer with a compiler, the criterion groups of such benches, and the
//! process to time ([`Proc`]: a program, its arguments and the [`Check`] its run must pass), timed from
//! spawn to exit inside criterion's `iter_custom`.
//!
//! It must never decide what a program prints (each bench brings its [`Check`]), never build the
//! `causeway` binary or a guest, and never time a run without checking it: a fast wrong answer must
//! stop the bench, not become a result.

use crate::results::criterion_dir;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// What a finished run must have produced.
pub trait Check {
    /// Whether [`Check::check_output`] looks at stdout.
    fn reads_stdout(&self) -> bool;
    /// `Err`: how the run differs, worded to follow "`program args` " in the message the bench stops
    /// with.
    fn check_output(&self, out: &Output) -> Result<(), String>;
}

/// A process to time: a program, its arguments, and what its run must pass.
pub struct Proc<C> {
    /// The benchmark id, `group/function/parameter`.
    pub id: String,
    what: String,
    program: PathBuf,
    args: Vec<OsString>,
    pub expect: C,
}

impl<C: Check> Proc<C> {
    pub fn new(id: String, program: &Path, args: &[&dyn AsRef<OsStr>], expect: C) -> Proc<C> {
        let args: Vec<OsString> = args.iter().map(|a| a.as_ref().to_owned()).collect();
        let what = std::iter::once(program.display().to_string())
            .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" ");
        Proc {
            id,
            what,
            program: program.to_owned(),
            args,
            expect,
        }
    }

    /// The `function` and `parameter` parts of the id (criterion's group is named separately).
    pub fn function_parameter(&self) -> (&str, &str) {
        let mut parts = self.id.splitn(3, '/').skip(1);
        match (parts.next(), parts.next()) {
            (Some(f), Some(p)) => (f, p),
            _ => panic!("benchmark id {:?} is not group/function/parameter", self.id),
        }
    }

    /// Runs the process once: its wall time from spawn to exit, or what went wrong.
    pub fn run(&self) -> Result<Duration, String> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).stdin(Stdio::null()).stderr(Stdio::piped());
        // Output nobody reads is not piped: reading it would be timed with the process.
        cmd.stdout(if self.expect.reads_stdout() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let start = Instant::now();
        let out = cmd.output();
        let time = start.elapsed();
        let out = out.map_err(|e| format!("{}: `{}` could not start: {e}", self.id, self.what))?;
        self.expect.check_output(&out).map_err(|e| {
            let stderr = String::from_utf8_lossy(&out.stderr);
            format!(
                "{}: `{}` {e}{}",
                self.id,
                self.what,
                if stderr.trim().is_empty() {
                    String::new()
                } else {
                    format!("\nstderr:\n{}", stderr.trim_end())
                }
            )
        })?;
        Ok(time)
    }
}

/// The run of one whole-process bench binary.
pub struct Bench {
    /// The bench's name: the prefix of the message it stops with.
    pub name: &'static str,
    pub args: Vec<String>,
    /// Run by `cargo bench` (criterion's `--bench`), not as `cargo test --benches`' single pass.
    pub benching: bool,
    /// `--list`: criterion only prints the ids.
    pub listing: bool,
    /// When the run started: the medians saved since are this run's.
    pub since: SystemTime,
    /// Where criterion saves (see [`criterion_dir`]).
    pub dir: PathBuf,
}

impl Bench {
    /// Starts the bench and criterion, configured from the arguments; `None` (with the reason printed)
    /// when the bench is skipped.
    pub fn start(name: &'static str) -> Option<(Bench, Criterion)> {
        let args: Vec<String> = std::env::args().collect();
        let benching = args.iter().any(|a| a == "--bench");
        if !benching {
            // `cargo test --benches` runs each benchmark once, without `--bench`: there a missing
            // causeway binary skips the bench instead of failing the tests.
            if let Err(e) = causeway_bin() {
                println!("{name}: skipped: {e}");
                return None;
            }
        }
        let since = SystemTime::now();
        let dir = criterion_dir();
        let c = Criterion::default().output_directory(&dir).configure_from_args();
        let listing = args.iter().any(|a| a == "--list");
        let bench = Bench {
            name,
            args,
            benching,
            listing,
            since,
            dir,
        };
        Some((bench, c))
    }

    /// Stops the bench with a message (not a panic: the reason is the whole point).
    pub fn fail(&self, msg: &str) -> ! {
        eprintln!("\n{}: {msg}", self.name);
        std::process::exit(1)
    }

    /// The `causeway` binary ([`causeway_bin`]), announced with its age, since a stale build is the
    /// likeliest reason for a surprising result.
    pub fn causeway(&self) -> PathBuf {
        let causeway = causeway_bin().unwrap_or_else(|e| self.fail(&e));
        let age = std::fs::metadata(&causeway)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .map_or(String::new(), |d| format!(", built {} min ago", d.as_secs() / 60));
        println!("causeway: {}{age}", causeway.display());
        causeway
    }

    /// A temporary directory for what the bench builds or writes; it lives as long as the value.
    pub fn work_dir(&self, prefix: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .unwrap_or_else(|e| self.fail(&format!("cannot create a temporary directory: {e}")))
    }

    /// Runs a build command (a compiler) to completion; when it fails, the bench stops with
    /// "`what` failed" and the compiler's messages.
    pub fn build(&self, mut cmd: Command, what: &str) {
        let out = cmd.output().unwrap_or_else(|e| {
            self.fail(&format!(
                "{} could not start: {e}",
                cmd.get_program().to_string_lossy()
            ))
        });
        if !out.status.success() {
            self.fail(&format!(
                "{what} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }

    /// Runs a process once, stopping the bench if it does not pass its check.
    pub fn run_or_stop<C: Check>(&self, p: &Proc<C>) -> Duration {
        p.run().unwrap_or_else(|e| self.fail(&e))
    }

    /// Benchmarks every process in `g`, then finishes the group. Every timed run checks its output
    /// again.
    pub fn bench_all<'p, C: Check + 'p>(
        &self,
        mut g: BenchmarkGroup<'_, WallTime>,
        procs: impl IntoIterator<Item = &'p Proc<C>>,
    ) {
        for p in procs {
            let (function, parameter) = p.function_parameter();
            g.bench_function(BenchmarkId::new(function, parameter), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| self.run_or_stop(p)).sum::<Duration>())
            });
        }
        g.finish();
    }
}

/// A group for processes of 0.01–4 s: one warm-up run, then 10 samples of the same number of runs
/// each, over at least `measurement` (criterion's usual warm-up would cost seconds per process).
pub fn long_group<'a>(
    c: &'a mut Criterion,
    name: &str,
    measurement: Duration,
) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(measurement);
    g
}

/// A group for millisecond processes: 20 samples over 2 s, after 0.5 s of warm-up.
pub fn short_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g
}

/// The `causeway` binary: `$CAUSEWAY_BIN`, else `causeway` in the profile directory of the running
/// executable (`target/release/deps/<bench>-*` → `target/release/causeway`), else
/// `target/release/causeway` of the workspace.
pub fn causeway_bin() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("CAUSEWAY_BIN") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("CAUSEWAY_BIN={} is not a file", p.display()))
        };
    }
    let mut candidates = Vec::new();
    if let Some(profile_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent().map(Path::to_path_buf))
    {
        candidates.push(profile_dir.join("causeway"));
    }
    candidates.push(crate::repo_root().join("target/release/causeway"));
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        format!(
            "the causeway binary is missing (looked for {}). Build it first with \
             `cargo build --release -p causeway-runtime`, or point CAUSEWAY_BIN at it.",
            looked.join(" and ")
        )
    })
}

/// The first line `program arg` prints (stdout, else stderr), if it runs at all.
pub fn tool_version(program: &str, arg: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(arg)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    Some(
        String::from_utf8_lossy(&text)
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passes when the exit status is 0; reads stdout only when asked to.
    struct Succeeds(bool);

    impl Check for Succeeds {
        fn reads_stdout(&self) -> bool {
            self.0
        }
        fn check_output(&self, out: &Output) -> Result<(), String> {
            if out.status.success() {
                Ok(())
            } else {
                Err(format!("failed ({})", out.status))
            }
        }
    }

    #[test]
    fn ids_split_into_function_and_parameter() {
        let p = Proc::new("g/f/p".into(), Path::new("true"), &[], Succeeds(false));
        assert_eq!(p.function_parameter(), ("f", "p"));
    }

    #[test]
    fn a_failed_check_names_the_process_and_shows_its_stderr() {
        let sh = Path::new("/bin/sh");
        let ok = Proc::new("g/f/ok".into(), sh, &[&"-c", &"echo hi"], Succeeds(true));
        ok.run().unwrap();
        let args: [&dyn AsRef<OsStr>; 2] = [&"-c", &"echo oops >&2; exit 3"];
        let err = Proc::new("g/f/bad".into(), sh, &args, Succeeds(false))
            .run()
            .unwrap_err();
        assert!(
            err.starts_with("g/f/bad: `/bin/sh -c echo oops >&2; exit 3` failed ("),
            "{err}"
        );
        assert!(err.ends_with("\nstderr:\noops"), "{err}");
        let err = Proc::new(
            "g/f/none".into(),
            Path::new("/nonexistent/x"),
            &[],
            Succeeds(false),
        )
        .run()
        .unwrap_err();
        assert!(
            err.starts_with("g/f/none: `/nonexistent/x` could not start: "),
            "{err}"
        );
    }
}
