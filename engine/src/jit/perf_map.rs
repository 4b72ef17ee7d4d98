//! The perf map: `/tmp/perf-PID.map`, where `perf report` looks up the names of JIT code it sampled
//! (one `START SIZE NAME` line per symbol, hexadecimal, later lines winning where ranges overlap).
//!
//! Owns the file and the switch. The map is per process, as perf reads it, so the switch is too:
//! once [`enable`] has run, every compilation in the process (modules and dynamic functions) adds
//! its functions and trampolines. Writing the map must never fail a compilation: an I/O error turns
//! recording off and is kept for [`last_error`].

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// A named range of emitted code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSymbol {
    pub addr: usize,
    pub size: usize,
    pub name: String,
}

struct PerfMap {
    file: Option<File>,
    error: Option<String>,
}

static MAP: Mutex<PerfMap> = Mutex::new(PerfMap {
    file: None,
    error: None,
});

fn lock() -> std::sync::MutexGuard<'static, PerfMap> {
    MAP.lock().unwrap_or_else(|e| e.into_inner())
}

/// This process's perf map file.
pub fn path() -> PathBuf {
    PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
}

/// Starts recording: creates [`path`] afresh (an old file is removed first; the new one is created
/// exclusively, so a link planted in /tmp cannot redirect it) and records every compilation from
/// now on.
pub fn enable() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = path();
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&path)?;
    let mut map = lock();
    map.file = Some(file);
    map.error = None;
    Ok(path)
}

/// Stops recording (the file stays).
pub fn disable() {
    lock().file = None;
}

pub fn is_enabled() -> bool {
    lock().file.is_some()
}

/// Why recording stopped by itself, if it did.
pub fn last_error() -> Option<String> {
    lock().error.clone()
}

/// Appends `symbols` when recording.
pub(crate) fn record(symbols: impl FnOnce() -> Vec<CodeSymbol>) {
    let mut map = lock();
    let Some(file) = &mut map.file else { return };
    let mut text = String::new();
    for s in symbols() {
        // A name is the rest of its line: keep it on one.
        let name = s.name.replace(['\n', '\r'], " ");
        text.push_str(&format!("{:x} {:x} {name}\n", s.addr, s.size));
    }
    if let Err(e) = file.write_all(text.as_bytes()) {
        map.error = Some(format!("writing {}: {e}", path().display()));
        map.file = None;
    }
}
