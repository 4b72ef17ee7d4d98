//! A GDB remote-protocol server for RISC-V guests (the `gdbstub` crate, with `gdbstub_arch`'s
//! RISC-V register layouts): software breakpoints, single steps, continue, registers, memory,
//! detach and kill, over one TCP connection from `gdb-multiarch`.
//!
//! Owns the protocol side only: every action is a [`GuestDebugger`] call. While the guest runs, the
//! stub does not read the connection (a GDB interrupt, Ctrl-C, waits for the next stop).

use super::debug::{DebugEvent, GuestDebugger};
use super::GuestEnd;
use gdbstub::common::Signal;
use gdbstub::conn::Connection;
use gdbstub::stub::{run_blocking, DisconnectReason, GdbStub, SingleThreadStopReason};
use gdbstub::target::ext::base::singlethread::{
    SingleThreadBase, SingleThreadResume, SingleThreadResumeOps, SingleThreadSingleStep,
    SingleThreadSingleStepOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{Breakpoints, BreakpointsOps, SwBreakpoint, SwBreakpointOps};
use gdbstub::target::{Target, TargetError, TargetResult};
use gdbstub_arch::riscv::reg::RiscvCoreRegs;
use gdbstub_arch::riscv::{Riscv32, Riscv64};
use std::collections::HashMap;
use std::net::TcpStream;

/// What the debugger asked the guest to do next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resume {
    Continue,
    Step,
}

/// How a GDB session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum GdbEnd {
    /// The guest's run ended while the debugger was attached (or after it detached: the guest runs
    /// on to its end without breakpoints).
    Guest(GuestEnd),
    /// GDB killed the guest.
    Killed,
}

/// A debugged guest as `gdbstub` sees it; `A` is the register width (`Riscv32` or `Riscv64`).
pub struct GdbGuest<A> {
    dbg: GuestDebugger,
    resume: Resume,
    /// GDB's breakpoints by address, to our breakpoint ids.
    breakpoints: HashMap<u64, u64>,
    _arch: std::marker::PhantomData<A>,
}

impl<A> GdbGuest<A> {
    fn new(dbg: GuestDebugger) -> Self {
        GdbGuest {
            dbg,
            resume: Resume::Continue,
            breakpoints: HashMap::new(),
            _arch: std::marker::PhantomData,
        }
    }

    fn run(&mut self) -> Result<SingleThreadStopReason<u64>, String> {
        if let Some(end) = self.dbg.ended() {
            // Resuming a guest that trapped: it dies of the signal it was stopped with.
            return Ok(match end {
                GuestEnd::Exited(code) => SingleThreadStopReason::Exited(*code as u8),
                other => SingleThreadStopReason::Terminated(signal_of(other)),
            });
        }
        let event = match self.resume {
            Resume::Step => self.dbg.step(),
            Resume::Continue => self.dbg.cont(),
        };
        let event = match event {
            Ok(event) => event,
            // The runtime ended the run (a failing system call, a translation error): the guest
            // dies as the CLI reports it, of SIGABRT.
            Err(e) if self.dbg.failed().is_some() => {
                eprintln!("causeway: {e}");
                return Ok(SingleThreadStopReason::Terminated(Signal::SIGABRT));
            }
            Err(e) => return Err(e.to_string()),
        };
        Ok(match event {
            DebugEvent::Stopped { breakpoints, .. }
                if self.resume == Resume::Continue && !breakpoints.is_empty() =>
            {
                SingleThreadStopReason::SwBreak(())
            }
            DebugEvent::Stopped { .. } => SingleThreadStopReason::DoneStep,
            DebugEvent::Ended(GuestEnd::Exited(code)) => SingleThreadStopReason::Exited(code as u8),
            // A trap stops the guest with its signal, as under a native debugger.
            DebugEvent::Ended(end) => SingleThreadStopReason::Signal(signal_of(&end)),
        })
    }
}

/// The GDB protocol's signal for how a run ended (GDB numbers signals its own way: SIGBUS is 10).
fn signal_of(end: &GuestEnd) -> Signal {
    match end {
        GuestEnd::Trap { signal, .. } => match *signal {
            super::signal::SIGSEGV => Signal::SIGSEGV,
            super::signal::SIGILL => Signal::SIGILL,
            super::signal::SIGTRAP => Signal::SIGTRAP,
            super::signal::SIGBUS => Signal::SIGBUS,
            _ => Signal::SIGABRT,
        },
        GuestEnd::OutOfFuel => Signal::SIGXCPU,
        GuestEnd::Interrupted => Signal::SIGINT,
        GuestEnd::Exited(_) => Signal::SIGKILL,
    }
}

/// The register width's conversions, for the two targets.
pub trait Width: Copy {
    fn from_u64(v: u64) -> Self;
    fn to_u64(self) -> u64;
}

impl Width for u32 {
    fn from_u64(v: u64) -> Self {
        v as u32
    }
    fn to_u64(self) -> u64 {
        self as u64
    }
}

impl Width for u64 {
    fn from_u64(v: u64) -> Self {
        v
    }
    fn to_u64(self) -> u64 {
        self
    }
}

macro_rules! riscv_target {
    ($arch:ty, $u:ty) => {
        impl Target for GdbGuest<$arch> {
            type Arch = $arch;
            type Error = String;

            fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
                BaseOps::SingleThread(self)
            }

            fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
                Some(self)
            }
        }

        impl SingleThreadBase for GdbGuest<$arch> {
            fn read_registers(&mut self, regs: &mut RiscvCoreRegs<$u>) -> TargetResult<(), Self> {
                for (slot, value) in regs.x.iter_mut().zip(self.dbg.registers()) {
                    *slot = <$u>::from_u64(value);
                }
                regs.pc = <$u>::from_u64(self.dbg.pc());
                Ok(())
            }

            fn write_registers(&mut self, regs: &RiscvCoreRegs<$u>) -> TargetResult<(), Self> {
                if regs.pc.to_u64() != self.dbg.pc() {
                    // Moving the pc (GDB's `jump`) is not supported: translated code runs from
                    // region entries the dispatcher picks.
                    return Err(TargetError::NonFatal);
                }
                let now = self.dbg.registers();
                for (x, value) in regs.x.iter().enumerate().skip(1) {
                    if value.to_u64() != now[x] {
                        self.dbg
                            .set_register(x as u8, value.to_u64())
                            .map_err(|_| TargetError::NonFatal)?;
                    }
                }
                Ok(())
            }

            fn read_addrs(&mut self, start: $u, data: &mut [u8]) -> TargetResult<usize, Self> {
                let start = start.to_u64();
                if let Ok(bytes) = self.dbg.read_memory(start, data.len()) {
                    data.copy_from_slice(&bytes);
                    return Ok(data.len());
                }
                // A range running into unmapped memory: what can be read of it.
                let mut n = 0;
                while n < data.len() {
                    match self.dbg.read_memory(start + n as u64, 1) {
                        Ok(b) => data[n] = b[0],
                        Err(_) => break,
                    }
                    n += 1;
                }
                if n == 0 {
                    return Err(TargetError::Errno(14));
                }
                Ok(n)
            }

            fn write_addrs(&mut self, start: $u, data: &[u8]) -> TargetResult<(), Self> {
                self.dbg
                    .write_memory(start.to_u64(), data)
                    .map_err(|_| TargetError::Errno(14))
            }

            fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
                Some(self)
            }
        }

        impl SingleThreadResume for GdbGuest<$arch> {
            fn resume(&mut self, _signal: Option<Signal>) -> Result<(), Self::Error> {
                // GDB passes a trap's signal back when continuing; the guest then dies of it
                // (`run` reports that), as a process would. No other signal can be delivered.
                self.resume = Resume::Continue;
                Ok(())
            }

            fn support_single_step(&mut self) -> Option<SingleThreadSingleStepOps<'_, Self>> {
                Some(self)
            }
        }

        impl SingleThreadSingleStep for GdbGuest<$arch> {
            fn step(&mut self, _signal: Option<Signal>) -> Result<(), Self::Error> {
                self.resume = Resume::Step;
                Ok(())
            }
        }

        impl Breakpoints for GdbGuest<$arch> {
            fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
                Some(self)
            }
        }

        impl SwBreakpoint for GdbGuest<$arch> {
            fn add_sw_breakpoint(&mut self, addr: $u, _kind: usize) -> TargetResult<bool, Self> {
                let addr = addr.to_u64();
                if self.breakpoints.contains_key(&addr) {
                    return Ok(true);
                }
                match self.dbg.set_breakpoint(addr) {
                    Ok(id) => {
                        self.breakpoints.insert(addr, id);
                        Ok(true)
                    }
                    Err(_) => Ok(false),
                }
            }

            fn remove_sw_breakpoint(&mut self, addr: $u, _kind: usize) -> TargetResult<bool, Self> {
                match self.breakpoints.remove(&addr.to_u64()) {
                    Some(id) => Ok(self.dbg.remove_breakpoint(id).is_ok()),
                    None => Ok(false),
                }
            }
        }

        impl run_blocking::BlockingEventLoop for EventLoop<$arch> {
            type Target = GdbGuest<$arch>;
            type Connection = TcpStream;
            type StopReason = SingleThreadStopReason<$u>;

            fn wait_for_stop_reason(
                target: &mut GdbGuest<$arch>,
                _conn: &mut TcpStream,
            ) -> Result<
                run_blocking::Event<SingleThreadStopReason<$u>>,
                run_blocking::WaitForStopReasonError<String, <TcpStream as Connection>::Error>,
            > {
                let reason = target
                    .run()
                    .map_err(run_blocking::WaitForStopReasonError::Target)?;
                Ok(run_blocking::Event::TargetStopped(narrow(reason)))
            }

            fn on_interrupt(
                _target: &mut GdbGuest<$arch>,
            ) -> Result<Option<SingleThreadStopReason<$u>>, String> {
                Ok(Some(SingleThreadStopReason::Signal(Signal::SIGINT)))
            }
        }
    };
}

/// The event loop of one target (see `riscv_target!`).
pub struct EventLoop<A>(std::marker::PhantomData<A>);

/// `reason` with the target's address width (only `Watch` carries an address, and we set none).
fn narrow<U>(reason: SingleThreadStopReason<u64>) -> SingleThreadStopReason<U> {
    match reason {
        SingleThreadStopReason::DoneStep => SingleThreadStopReason::DoneStep,
        SingleThreadStopReason::Exited(code) => SingleThreadStopReason::Exited(code),
        SingleThreadStopReason::Terminated(s) => SingleThreadStopReason::Terminated(s),
        SingleThreadStopReason::Signal(s) => SingleThreadStopReason::Signal(s),
        _ => SingleThreadStopReason::SwBreak(()),
    }
}

riscv_target!(Riscv32, u32);
riscv_target!(Riscv64, u64);

/// Serves one GDB connection on `conn` for `dbg`'s guest, stopped before its first instruction,
/// until the guest ends, GDB kills it, or GDB detaches (the guest then runs on to its end).
pub fn serve(dbg: GuestDebugger, conn: TcpStream) -> Result<GdbEnd, String> {
    match dbg.xlen() {
        causeway_riscv::inst::Xlen::X32 => serve_as::<Riscv32>(GdbGuest::new(dbg), conn),
        causeway_riscv::inst::Xlen::X64 => serve_as::<Riscv64>(GdbGuest::new(dbg), conn),
    }
}

fn serve_as<A>(mut target: GdbGuest<A>, conn: TcpStream) -> Result<GdbEnd, String>
where
    GdbGuest<A>: Target<Error = String>,
    EventLoop<A>: run_blocking::BlockingEventLoop<Target = GdbGuest<A>, Connection = TcpStream>,
{
    let _ = conn.set_nodelay(true);
    let reason = GdbStub::new(conn)
        .run_blocking::<EventLoop<A>>(&mut target)
        .map_err(|e| format!("GDB session: {e}"))?;
    match reason {
        DisconnectReason::Kill => Ok(GdbEnd::Killed),
        DisconnectReason::TargetExited(_)
        | DisconnectReason::TargetTerminated(_)
        | DisconnectReason::Disconnect => {
            // Detached (or ended): the guest runs on to its end without breakpoints.
            let dbg = &mut target.dbg;
            while dbg.ended().is_none() {
                for id in dbg.breakpoints().keys().copied().collect::<Vec<_>>() {
                    dbg.remove_breakpoint(id).map_err(|e| e.to_string())?;
                }
                dbg.cont().map_err(|e| e.to_string())?;
            }
            Ok(GdbEnd::Guest(dbg.ended().cloned().expect("the run ended")))
        }
    }
}
