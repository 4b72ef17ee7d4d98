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
    static ALT_STACK: Cell<bool> = const { Cell::new(false) };
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
    ALT_STACK.with(|installed| {
        if installed.get() {
            return;
        }
        // SAFETY: sigaltstack only reads/writes the stack_t values we pass; a new stack is leaked per thread.
        unsafe {
            let mut old: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(std::ptr::null(), &mut old);
            if old.ss_flags & libc::SS_DISABLE != 0 || old.ss_size < 64 * 1024 {
                let size = 256 * 1024;
                let mem = Box::leak(vec![0u8; size].into_boxed_slice());
                let st = libc::stack_t {
                    ss_sp: mem.as_mut_ptr() as *mut _,
                    ss_flags: 0,
                    ss_size: size,
                };
                libc::sigaltstack(&st, std::ptr::null_mut());
            }
        }
        installed.set(true);
    });
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
