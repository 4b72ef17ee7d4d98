//! Process-wide fault handling for JIT code: SIGSEGV, SIGBUS, SIGILL and SIGFPE.
//!
//! One handler per signal is installed once and chained to whatever handler was there before. It runs
//! on an alternate signal stack (installed per thread that runs guest code) and finds the running
//! instance through a thread-local pointer that the run loop sets. A fault raised by the kernel while
//! the stack pointer lies in that instance's guest stack, at a pc in its JIT code, is turned into a trap: the
//! handler redirects the guest coroutine so that it returns the trap to `run`. Any other fault is
//! passed to the previous handler, so host crashes stay host crashes.
//!
//! This module must never allocate or take locks inside the handler.

use std::cell::Cell;
use std::sync::Once;

/// What the instance decided about a fault: redirect the guest to these registers.
pub struct Redirect {
    pub rip: u64,
    pub rsp: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
}

/// Implemented by the run state of the instance currently executing on this thread.
pub trait FaultHandler {
    /// Called inside the signal handler. Returns where to resume if the fault belongs to the guest.
    ///
    /// # Safety
    /// Runs in signal context: it must be async-signal-safe (no allocation, no locks).
    unsafe fn on_fault(&self, signal: i32, pc: usize, sp: usize, fault_addr: usize) -> Option<Redirect>;
}

thread_local! {
    static CURRENT: Cell<Option<*const dyn FaultHandler>> = const { Cell::new(None) };
    /// Whether this thread has a large enough alternate signal stack (ours or the host's).
    static ALT_STACK_READY: Cell<bool> = const { Cell::new(false) };
    /// The alternate signal stack this module installed on this thread, if it did: switched off
    /// and freed when the thread ends (hosts start a thread per VM instance, see
    /// `runtime::lifecycle`), and reachable until then (leak checkers do not report it).
    static ALT_STACK: std::cell::RefCell<Option<AltStack>> = const { std::cell::RefCell::new(None) };
}

const SIGNALS: [i32; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
static INSTALL: Once = Once::new();
static mut PREVIOUS: [Option<libc::sigaction>; 4] = [None; 4];

/// Installs the handlers (once per process) and an alternate signal stack for this thread.
pub fn ensure_installed() {
    INSTALL.call_once(|| {
        for (i, &sig) in SIGNALS.iter().enumerate() {
            // SAFETY: sigaction on zero-initialized structs; the old action is recorded before ours is set, once.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, std::ptr::null(), &mut old) != 0 {
                    continue;
                }
                (*std::ptr::addr_of_mut!(PREVIOUS))[i] = Some(old);
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(sig, &action, std::ptr::null_mut());
            }
        }
    });
    if ALT_STACK_READY.get() {
        return;
    }
    // SAFETY: sigaltstack only reads the stack_t we pass and writes the one we provide.
    let current = unsafe {
        let mut current: libc::stack_t = std::mem::zeroed();
        libc::sigaltstack(std::ptr::null(), &mut current);
        current
    };
    // A stack the host (or the standard library) installed is kept if it is large enough.
    if current.ss_flags & libc::SS_DISABLE != 0 || current.ss_size < 64 * 1024 {
        let mem = Box::into_raw(vec![0u8; ALT_STACK_SIZE].into_boxed_slice()) as *mut u8;
        let stack = libc::stack_t {
            ss_sp: mem as *mut _,
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        // `mem` lives until `AltStack::drop` switches the stack off (or forever, if the thread
        // never ends).
        // SAFETY: `stack` describes ALT_STACK_SIZE bytes of memory this thread owns.
        unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) };
        // During the thread's own teardown the slot may be gone: the stack then stays allocated.
        let _ = ALT_STACK.try_with(|slot| *slot.borrow_mut() = Some(AltStack { mem }));
    }
    ALT_STACK_READY.set(true);
}

/// Size of the alternate signal stack (the handler and what it calls run on it).
const ALT_STACK_SIZE: usize = 256 * 1024;

/// An alternate signal stack this module allocated and installed on the current thread.
struct AltStack {
    mem: *mut u8,
}

impl Drop for AltStack {
    fn drop(&mut self) {
        // The memory is freed only once the kernel can no longer deliver a signal onto it: the
        // thread's alternate stack is another one (the standard library switches its own off as a
        // thread ends), or it is ours, not in use (a thread ending is not inside a signal
        // handler), and switched off here. Otherwise it is left allocated.
        // SAFETY: sigaltstack only reads/writes the stack_t values we pass; see above for the free.
        unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            if libc::sigaltstack(std::ptr::null(), &mut current) != 0 {
                return;
            }
            if current.ss_sp == self.mem as *mut _ && current.ss_flags & libc::SS_DISABLE == 0 {
                let off = libc::stack_t {
                    ss_sp: std::ptr::null_mut(),
                    ss_flags: libc::SS_DISABLE,
                    ss_size: 0,
                };
                if current.ss_flags & libc::SS_ONSTACK != 0
                    || libc::sigaltstack(&off, std::ptr::null_mut()) != 0
                {
                    return;
                }
            }
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                self.mem,
                ALT_STACK_SIZE,
            )));
        }
    }
}

/// Makes `h` the handler for faults on this thread until the guard drops.
pub struct CurrentGuard {
    previous: Option<*const dyn FaultHandler>,
}

impl CurrentGuard {
    /// # Safety
    /// `h` must stay valid until the returned guard is dropped.
    pub unsafe fn enter(h: *const dyn FaultHandler) -> CurrentGuard {
        CurrentGuard {
            previous: CURRENT.with(|c| c.replace(Some(h))),
        }
    }
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

unsafe extern "C" fn handler(sig: i32, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid ucontext_t for SA_SIGINFO handlers.
    let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
    let gregs = &mut uc.uc_mcontext.gregs;
    let pc = gregs[libc::REG_RIP as usize] as usize;
    let sp = gregs[libc::REG_RSP as usize] as usize;
    // SAFETY: siginfo is valid for the duration of the handler; si_addr is defined for these signals.
    let fault_addr = unsafe { (*info).si_addr() } as usize;
    // SAFETY: as above.
    let from_kernel = unsafe { (*info).si_code } > 0;
    // A signal another process or thread sent (si_code <= 0) is never a guest fault.
    if let Some(h) = CURRENT.with(|c| c.get()).filter(|_| from_kernel) {
        // SAFETY: the run loop keeps the handler alive while it is registered as current.
        if let Some(r) = unsafe { (*h).on_fault(sig, pc, sp, fault_addr) } {
            gregs[libc::REG_RIP as usize] = r.rip as i64;
            gregs[libc::REG_RSP as usize] = r.rsp as i64;
            gregs[libc::REG_RBP as usize] = r.rbp as i64;
            gregs[libc::REG_RDI as usize] = r.rdi as i64;
            gregs[libc::REG_RSI as usize] = r.rsi as i64;
            return;
        }
    }
    // Not ours: hand the fault to whoever was there before us.
    let idx = SIGNALS.iter().position(|&s| s == sig).unwrap_or(0);
    // SAFETY: PREVIOUS was written once, before our handler was installed.
    let prev = unsafe { (*std::ptr::addr_of!(PREVIOUS))[idx] };
    match prev {
        Some(p) if p.sa_sigaction != libc::SIG_DFL && p.sa_sigaction != libc::SIG_IGN => {
            if p.sa_flags & libc::SA_SIGINFO != 0 {
                type Handler = extern "C" fn(i32, *mut libc::siginfo_t, *mut libc::c_void);
                // SAFETY: the previous handler was installed with SA_SIGINFO, so it has this signature.
                let f: Handler = unsafe { std::mem::transmute(p.sa_sigaction) };
                f(sig, info, ctx);
            } else {
                // SAFETY: a plain handler takes just the signal number.
                let f: extern "C" fn(i32) = unsafe { std::mem::transmute(p.sa_sigaction) };
                f(sig);
            }
        }
        _ => {
            // Restore the default action and return: the faulting instruction runs again and the
            // process dies of the signal as it would have without us.
            // SAFETY: resetting a signal disposition to SIG_DFL.
            unsafe {
                let mut dfl: libc::sigaction = std::mem::zeroed();
                dfl.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(sig, &dfl, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current_alt_stack() -> libc::stack_t {
        // SAFETY: sigaltstack only writes the stack_t we provide.
        unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            assert_eq!(libc::sigaltstack(std::ptr::null(), &mut current), 0);
            current
        }
    }

    /// Every thread that may run guest code gets a large enough alternate stack, and a thread's
    /// own stack is switched off and freed when it ends (a host starts a thread per VM instance:
    /// hundreds of them must not leave 256 KiB each behind, nor crash in teardown).
    #[test]
    fn threads_get_an_alternate_stack_that_goes_with_them() {
        for _ in 0..200 {
            std::thread::spawn(|| {
                ensure_installed();
                let stack = current_alt_stack();
                assert_eq!(stack.ss_flags & libc::SS_DISABLE, 0);
                assert!(stack.ss_size >= 64 * 1024);
                // A second call keeps the same stack.
                ensure_installed();
                assert_eq!(current_alt_stack().ss_sp, stack.ss_sp);
            })
            .join()
            .unwrap();
        }
    }
}
