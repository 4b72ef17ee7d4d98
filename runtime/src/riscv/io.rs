//! Where a guest's stdout and stderr go: the process's own streams, or buffers that keep them
//! (tests, embedders). Must never interpret what the guest writes.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where the guest's file descriptors 1 and 2 go.
pub struct GuestIo {
    pub stdout: Box<dyn Write + Send>,
    pub stderr: Box<dyn Write + Send>,
}

/// What a guest wrote to a captured stream (see [`GuestIo::capture`]).
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("capture buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl GuestIo {
    /// Streams that keep what the guest writes, for tests and embedders: `(io, stdout, stderr)`.
    pub fn capture() -> (GuestIo, Captured, Captured) {
        let (out, err) = (Captured::default(), Captured::default());
        let io = GuestIo {
            stdout: Box::new(out.clone()),
            stderr: Box::new(err.clone()),
        };
        (io, out, err)
    }

    /// The process's own stdout and stderr.
    pub fn inherit() -> GuestIo {
        GuestIo {
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
        }
    }
}
