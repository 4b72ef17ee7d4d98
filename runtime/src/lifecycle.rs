//! VM instance lifecycles: the [`LifecycleManager`] runs engine [`Instance`]s on worker threads and
//! drives them through initialize → start → pause/resume → stop → terminate. It is the machinery
//! behind the seed's `VmLifecycleInterface`; the adapter that implements the trait checks
//! capabilities and calls this.
//!
//! It owns the table of instances by id, one worker thread per started instance, and the handshake
//! between callers and workers: each instance lives in a `Mutex<Slot>` with a `Condvar`. The worker
//! owns the engine instance only while guest code runs; whenever the run is parked (paused,
//! suspended) or over, the instance sits in its slot, where [`LifecycleManager::with_instance`] can
//! inspect it. Pausing and stopping use the engine's interrupt flag, which running code (either tier)
//! checks at every check point (function entries and loop headers), so a running guest answers in
//! bounded time unless it is blocked in a host call.
//!
//! It must never check capabilities (the adapter's job), run guest code on a caller's thread, touch an
//! instance while its worker runs it, or block a caller without a bound: every wait has a deadline.
//! It has no execution logic of its own: runs are `Instance::call` and `Instance::resume`.
//!
//! # State machine
//!
//! ```text
//!              start                pause (waits until parked)
//! Initialized ───────► Running ◄──────────────────────────────► Paused
//!                       │  ▲                resume
//!                       │  │ resume / resume_with_results
//!                       │  └──────────── Suspended(stop)   a resumable stop nobody asked for:
//!                       ├─────────────►                    OutOfFuel, Breakpoint, HostSuspended,
//!                       │                                  an interrupt from another handle
//!                       └─► Finished(results) | Trapped(trap) | Failed(message)    (the run ended)
//!
//! Initialized | Running | Paused | Suspended ──stop──► Stopped     (for good; still inspectable)
//! any state ──terminate──► removed: the instance is dropped and its id is unknown from then on
//! ```
//!
//! Terminated instances leave no tombstone (memory stays bounded however many instances come and
//! go); ids come from a counter and are never reused, so `UnknownInstance` after `terminate` is
//! unambiguous. A pause request that meets another stop first (the run finishes, traps, runs out of
//! fuel...) fails with `WrongState` naming the state the run reached instead.

use crate::error::{ExecutionError, LifecycleError, VmError};
use crate::interfaces::VmInstanceId;
use causeway_engine::instance::{Instance, InterruptHandle};
use causeway_engine::stop::{Stop, Trap};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long `pause`, `stop` and `terminate` wait for a running guest to reach a check point.
pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Where an instance is in its lifecycle (see the module docs for the transitions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmStatus {
    /// Registered, not started yet.
    Initialized,
    /// A worker thread runs (or is about to run) the guest.
    Running,
    /// Parked at a check point by `pause`; `resume` continues exactly there.
    Paused,
    /// The run stopped at a resumable stop the manager did not ask for: `OutOfFuel` (add fuel through
    /// `with_instance`, then `resume`), `Breakpoint`, `Interrupted` (by another interrupt handle), or
    /// `HostSuspended` (continue with `resume_with_results`).
    Suspended(Stop),
    /// The function returned these values.
    Finished(Vec<i64>),
    /// The guest trapped.
    Trapped(Trap),
    /// A host function failed or the engine refused or failed the run.
    Failed(String),
    /// Stopped for good by `stop`.
    Stopped,
}

impl VmStatus {
    pub fn is_running(&self) -> bool {
        matches!(self, VmStatus::Running)
    }

    /// Whether the run is over for good (finished, trapped, failed or stopped).
    pub fn has_ended(&self) -> bool {
        matches!(
            self,
            VmStatus::Finished(_) | VmStatus::Trapped(_) | VmStatus::Failed(_) | VmStatus::Stopped
        )
    }
}

impl fmt::Display for VmStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VmStatus::Initialized => f.write_str("initialized"),
            VmStatus::Running => f.write_str("running"),
            VmStatus::Paused => f.write_str("paused"),
            VmStatus::Suspended(stop) => write!(f, "suspended ({stop})"),
            VmStatus::Finished(values) => write!(f, "finished with {values:?}"),
            VmStatus::Trapped(trap) => {
                write!(f, "trapped ({}", trap.code)?;
                if let Some(loc) = trap.loc {
                    write!(f, " at {:#x}", loc.0)?;
                }
                f.write_str(")")
            }
            VmStatus::Failed(message) => write!(f, "failed ({message})"),
            VmStatus::Stopped => f.write_str("stopped"),
        }
    }
}

/// What a caller asks of a running guest (through the interrupt flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Request {
    Pause,
    Stop,
}

/// What a caller tells a parked worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Go {
    Resume,
    Exit,
}

/// One instance's state, shared by callers and its worker.
struct Slot {
    id: VmInstanceId,
    status: VmStatus,
    /// `None` only while the worker runs the guest (status `Running`), or after the engine panicked.
    instance: Option<Instance>,
    interrupt: InterruptHandle,
    function: String,
    args: Vec<i64>,
    /// Pending request to the running guest.
    request: Option<Request>,
    /// Pending order to the parked worker.
    go: Option<Go>,
    /// We set the interrupt flag and the guest has not consumed it yet. An `Interrupted` stop with no
    /// request pending is then a stale flag of ours (the run stopped for another reason before it saw
    /// the flag, or a pause timed out), and the worker continues silently.
    our_interrupt: bool,
    /// Counts the worker's departures from `Running` (parked or ended), so waiters notice a pause
    /// that another caller resumed before they woke up.
    epoch: u64,
    worker: Option<JoinHandle<()>>,
    /// Terminated (or the manager dropped): every operation reports `UnknownInstance`.
    removed: bool,
}

impl Slot {
    /// The state named in `WrongState` errors.
    fn state_name(&self) -> String {
        if self.status == VmStatus::Running && self.request == Some(Request::Stop) {
            "stopping".into()
        } else {
            self.status.to_string()
        }
    }

    fn wrong_state<T>(&self, op: &'static str, needed: &'static str) -> Result<T, VmError> {
        Err(LifecycleError::WrongState {
            id: self.id,
            state: self.state_name(),
            op,
            needed,
        }
        .into())
    }

    /// Asks the running guest to stop at its next check point.
    fn interrupt(&mut self, request: Request) {
        self.request = Some(request);
        self.our_interrupt = true;
        self.interrupt.interrupt();
    }
}

struct Shared {
    id: VmInstanceId,
    slot: Mutex<Slot>,
    cv: Condvar,
}

thread_local! {
    /// Slots whose lock this thread holds while it runs a `with_instance` closure.
    static IN_WITH_INSTANCE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Marks a slot as held by this thread's `with_instance` for as long as it lives.
struct Held(usize);

impl Held {
    fn enter(shared: &Shared) -> Held {
        let key = shared as *const Shared as usize;
        let _ = IN_WITH_INSTANCE.try_with(|held| held.borrow_mut().push(key));
        Held(key)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = IN_WITH_INSTANCE.try_with(|held| {
            let mut held = held.borrow_mut();
            if let Some(i) = held.iter().rposition(|&k| k == self.0) {
                held.remove(i);
            }
        });
    }
}

impl Shared {
    /// Locks the slot, recovering from poisoning (the slot's fields are valid after any panic).
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the slot of an instance that still exists, for an operation of the manager.
    fn lock_live(&self) -> Result<MutexGuard<'_, Slot>, VmError> {
        let key = self as *const Shared as usize;
        if IN_WITH_INSTANCE
            .try_with(|held| held.borrow().contains(&key))
            .unwrap_or(false)
        {
            return Err(LifecycleError::Other(format!(
                "VM instance {} was used from inside its own `with_instance` closure",
                self.id
            ))
            .into());
        }
        let slot = self.lock();
        if slot.removed {
            return Err(LifecycleError::UnknownInstance(self.id).into());
        }
        Ok(slot)
    }

    fn wait<'a>(&self, slot: MutexGuard<'a, Slot>) -> MutexGuard<'a, Slot> {
        self.cv.wait(slot).unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits while `busy` holds, at most until `deadline`.
    fn wait_while<'a>(
        &self,
        mut slot: MutexGuard<'a, Slot>,
        deadline: Instant,
        busy: impl Fn(&Slot) -> bool,
    ) -> MutexGuard<'a, Slot> {
        while busy(&slot) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            slot = self
                .cv
                .wait_timeout(slot, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        slot
    }

    /// After asking the running guest to stop at a check point: waits until the worker leaves that
    /// run (parks or ends), at most `timeout`. The flag says whether it did.
    fn await_ack<'a>(
        &self,
        slot: MutexGuard<'a, Slot>,
        timeout: Duration,
    ) -> Result<(MutexGuard<'a, Slot>, bool), VmError> {
        let epoch = slot.epoch;
        let slot = self.wait_while(slot, deadline(timeout), |s| {
            s.status == VmStatus::Running && s.epoch == epoch && !s.removed
        });
        if slot.removed {
            return Err(LifecycleError::UnknownInstance(self.id).into());
        }
        let acked = slot.epoch != epoch;
        Ok((slot, acked))
    }

    fn timeout<T>(&self, op: &'static str, timeout: Duration) -> Result<T, VmError> {
        Err(LifecycleError::Timeout {
            id: self.id,
            op,
            waited_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        }
        .into())
    }
}

/// `now + timeout`, saturating far in the future.
fn deadline(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// Runs and parks its instance until the run ends or a caller tells it to exit.
fn worker(shared: Arc<Shared>) {
    let mut slot = shared.lock();
    let mut entry = Some((slot.function.clone(), slot.args.clone()));
    loop {
        // The status is `Running` here: take the instance and run it without holding the lock.
        let Some(mut instance) = slot.instance.take() else {
            slot.status = VmStatus::Failed("the worker found no instance to run".into());
            slot.epoch += 1;
            shared.cv.notify_all();
            return;
        };
        drop(slot);
        let call = entry.take();
        let result = catch_unwind(AssertUnwindSafe(|| match &call {
            Some((function, args)) => instance.call(function, args),
            None => instance.resume(),
        }));
        slot = shared.lock();
        let result = match result {
            Ok(result) => result,
            Err(panic) => {
                let message = causeway_engine::host::panic_message(&*panic);
                // The instance's state is unknown after an engine panic: it is not handed out again.
                slot.status = VmStatus::Failed(format!("the engine panicked: {message}"));
                slot.request = None;
                slot.epoch += 1;
                drop(slot);
                shared.cv.notify_all();
                drop(instance);
                return;
            }
        };
        let stop_requested = slot.request == Some(Request::Stop);
        let (status, parks) = match result {
            Ok(Stop::Interrupted) => {
                let ours = std::mem::take(&mut slot.our_interrupt);
                match slot.request.take() {
                    Some(Request::Pause) => (VmStatus::Paused, true),
                    Some(Request::Stop) => (VmStatus::Stopped, false),
                    None if ours => {
                        // A stale flag of ours: nobody asked for this stop.
                        slot.instance = Some(instance);
                        continue;
                    }
                    None => (VmStatus::Suspended(Stop::Interrupted), true),
                }
            }
            _ if stop_requested && instance.is_resumable() => (VmStatus::Stopped, false),
            Ok(stop) if stop.is_resumable() => (VmStatus::Suspended(stop), true),
            Ok(Stop::Finished(values)) => (VmStatus::Finished(values), false),
            Ok(Stop::Trap(trap)) => (VmStatus::Trapped(trap), false),
            Ok(stop) => (VmStatus::Failed(stop.to_string()), false),
            Err(e) => (VmStatus::Failed(e.to_string()), false),
        };
        // A pause request that met another stop fails (its caller sees the state reached).
        slot.request = None;
        slot.status = status;
        slot.instance = Some(instance);
        slot.epoch += 1;
        shared.cv.notify_all();
        if !parks {
            return;
        }
        loop {
            if slot.removed {
                return;
            }
            match slot.go.take() {
                Some(Go::Resume) => break,
                Some(Go::Exit) => return,
                None => slot = shared.wait(slot),
            }
        }
    }
}

/// Runs engine instances on worker threads (see the module docs). `Send + Sync`: every method takes
/// `&self`, and calls on different instances do not wait for each other.
pub struct LifecycleManager {
    instances: Mutex<HashMap<VmInstanceId, Arc<Shared>>>,
    next_id: AtomicU64,
    ack_timeout: Duration,
}

impl Default for LifecycleManager {
    fn default() -> Self {
        LifecycleManager::new()
    }
}

impl LifecycleManager {
    pub fn new() -> Self {
        LifecycleManager::with_ack_timeout(DEFAULT_ACK_TIMEOUT)
    }

    /// A manager whose `pause`, `stop` and `terminate` wait at most `timeout` for a running guest to
    /// reach a check point.
    pub fn with_ack_timeout(timeout: Duration) -> Self {
        LifecycleManager {
            instances: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            ack_timeout: timeout,
        }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<VmInstanceId, Arc<Shared>>> {
        self.instances.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, id: VmInstanceId) -> Result<Arc<Shared>, VmError> {
        self.map()
            .get(&id)
            .cloned()
            .ok_or_else(|| LifecycleError::UnknownInstance(id).into())
    }

    /// Registers an instance that will run `function(args)` when started.
    pub fn initialize(&self, instance: Instance, function: String, args: Vec<i64>) -> VmInstanceId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(Shared {
            id,
            slot: Mutex::new(Slot {
                id,
                status: VmStatus::Initialized,
                interrupt: instance.interrupt_handle(),
                instance: Some(instance),
                function,
                args,
                request: None,
                go: None,
                our_interrupt: false,
                epoch: 0,
                worker: None,
                removed: false,
            }),
            cv: Condvar::new(),
        });
        self.map().insert(id, shared);
        id
    }

    /// Ids of the instances that exist (not terminated), in ascending order.
    pub fn ids(&self) -> Vec<VmInstanceId> {
        let mut ids: Vec<_> = self.map().keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Spawns the worker thread that calls the function. Needs `Initialized`. A function the module
    /// lacks, or the wrong number of arguments, fails here (`ExecutionError::Invalid`) and leaves the
    /// instance `Failed`.
    pub fn start(&self, id: VmInstanceId) -> Result<(), VmError> {
        let shared = self.get(id)?;
        let mut slot = shared.lock_live()?;
        if slot.status != VmStatus::Initialized {
            return slot.wrong_state("start", "initialized");
        }
        let problem = match slot.instance.as_ref() {
            None => Some("the instance is missing".to_string()),
            Some(instance) => {
                let module = instance.module();
                match module.func_by_name(&slot.function) {
                    None => Some(format!("the program has no function named `{}`", slot.function)),
                    Some(f) if module.func(f).sig.params.len() != slot.args.len() => Some(format!(
                        "`{}` takes {} arguments, {} given",
                        slot.function,
                        module.func(f).sig.params.len(),
                        slot.args.len()
                    )),
                    Some(_) => None,
                }
            }
        };
        if let Some(message) = problem {
            slot.status = VmStatus::Failed(message.clone());
            return Err(ExecutionError::Invalid(message).into());
        }
        slot.status = VmStatus::Running;
        let for_worker = shared.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("causeway-vm-{id}"))
            .spawn(move || worker(for_worker));
        match spawned {
            Ok(handle) => {
                slot.worker = Some(handle);
                Ok(())
            }
            Err(e) => {
                slot.status = VmStatus::Initialized;
                Err(LifecycleError::Other(format!(
                    "cannot start VM instance {id}: spawning its worker thread failed: {e}"
                ))
                .into())
            }
        }
    }

    /// Stops the running guest at its next check point and waits (at most the ack timeout) until the
    /// worker has parked it there (`Paused`). Needs `Running`. On a timeout the request is withdrawn
    /// and the guest keeps running; if the run stops otherwise first (finishes, traps, runs out of
    /// fuel...), `WrongState` names the state it reached.
    pub fn pause(&self, id: VmInstanceId) -> Result<(), VmError> {
        let shared = self.get(id)?;
        let mut slot = shared.lock_live()?;
        if slot.status != VmStatus::Running || slot.request == Some(Request::Stop) {
            return slot.wrong_state("pause", "running");
        }
        slot.interrupt(Request::Pause);
        let (mut slot, acked) = shared.await_ack(slot, self.ack_timeout)?;
        if !acked {
            if slot.request == Some(Request::Pause) {
                // Withdrawn: the worker ignores the stale flag when the guest reaches it.
                slot.request = None;
            }
            return shared.timeout("pause", self.ack_timeout);
        }
        match slot.status {
            // `Running` after a park: another caller has resumed it already; the pause happened.
            VmStatus::Paused | VmStatus::Running => Ok(()),
            _ => slot.wrong_state("pause", "running"),
        }
    }

    /// Wakes the worker of a `Paused` instance, which continues the run where it stopped. Also
    /// continues a `Suspended` run, except one suspended in a host call (use `resume_with_results`).
    /// Returns without waiting for the guest.
    pub fn resume(&self, id: VmInstanceId) -> Result<(), VmError> {
        let shared = self.get(id)?;
        let mut slot = shared.lock_live()?;
        match &slot.status {
            VmStatus::Paused => {}
            VmStatus::Suspended(Stop::HostSuspended { .. }) => {
                return slot.wrong_state(
                    "resume",
                    "paused, or suspended at a stop other than a host call (a suspended host call \
                     continues with `resume_with_results`)",
                )
            }
            VmStatus::Suspended(_) => {}
            _ => return slot.wrong_state("resume", "paused or suspended"),
        }
        Self::wake(&shared, &mut slot);
        Ok(())
    }

    /// Continues a run suspended in a host call (`Suspended(HostSuspended)`), giving the call these
    /// results. Wrong result counts fail here (`ExecutionError::Invalid`) and leave it suspended.
    pub fn resume_with_results(&self, id: VmInstanceId, results: &[i64]) -> Result<(), VmError> {
        let shared = self.get(id)?;
        let mut slot = shared.lock_live()?;
        if !matches!(slot.status, VmStatus::Suspended(Stop::HostSuspended { .. })) {
            return slot.wrong_state("resume_with_results", "suspended in a host call");
        }
        let Some(instance) = slot.instance.as_mut() else {
            return Err(
                LifecycleError::Other(format!("VM instance {id} has lost its engine instance")).into(),
            );
        };
        instance
            .set_host_results(results)
            .map_err(|e| ExecutionError::Invalid(e.to_string()))?;
        Self::wake(&shared, &mut slot);
        Ok(())
    }

    fn wake(shared: &Shared, slot: &mut Slot) {
        slot.status = VmStatus::Running;
        slot.go = Some(Go::Resume);
        shared.cv.notify_all();
    }

    /// Ends the run for good; the instance stays inspectable (`Stopped`). A running guest is stopped
    /// at its next check point, waiting at most the ack timeout (on a timeout the stop stays pending
    /// and lands when the guest reaches a check point); a run that ends on its own first keeps the
    /// status it reached (`Finished`, `Trapped`...). Needs `Initialized`, `Running`, `Paused` or
    /// `Suspended`.
    pub fn stop(&self, id: VmInstanceId) -> Result<(), VmError> {
        let shared = self.get(id)?;
        let slot = shared.lock_live()?;
        Self::stop_locked(&shared, slot, "stop", self.ack_timeout).map(drop)
    }

    fn stop_locked<'a>(
        shared: &'a Shared,
        mut slot: MutexGuard<'a, Slot>,
        op: &'static str,
        timeout: Duration,
    ) -> Result<MutexGuard<'a, Slot>, VmError> {
        match slot.status {
            VmStatus::Initialized => {
                slot.status = VmStatus::Stopped;
                Ok(slot)
            }
            VmStatus::Paused | VmStatus::Suspended(_) => {
                slot.status = VmStatus::Stopped;
                slot.go = Some(Go::Exit);
                shared.cv.notify_all();
                Ok(slot)
            }
            VmStatus::Running => {
                slot.interrupt(Request::Stop);
                match shared.await_ack(slot, timeout)? {
                    (slot, true) => Ok(slot),
                    (_, false) => shared.timeout(op, timeout),
                }
            }
            _ if op == "terminate" => Ok(slot),
            _ => slot.wrong_state(op, "initialized, running, paused or suspended"),
        }
    }

    /// Stops the instance if needed, joins its worker and drops the instance, freeing its guest
    /// memory and its share of the code. From then on the id is unknown (no tombstone is kept).
    /// Works in every state; fails only when a running guest does not reach a check point within the
    /// ack timeout (the stop stays pending; call `terminate` again).
    pub fn terminate(&self, id: VmInstanceId) -> Result<(), VmError> {
        let shared = self.get(id)?;
        let (instance, worker) = {
            let slot = shared.lock_live()?;
            let mut slot = Self::stop_locked(&shared, slot, "terminate", self.ack_timeout)?;
            slot.removed = true;
            shared.cv.notify_all();
            (slot.instance.take(), slot.worker.take())
        };
        {
            let mut map = self.map();
            if map.get(&id).is_some_and(|s| Arc::ptr_eq(s, &shared)) {
                map.remove(&id);
            }
        }
        if let Some(worker) = worker {
            // The worker has left the guest (or is parked and told to exit): it ends at once. Joining
            // is bounded all the same; a worker still busy after the deadline is left detached.
            let deadline = deadline(self.ack_timeout);
            while !worker.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_micros(200));
            }
            if worker.is_finished() {
                let _ = worker.join();
            }
        }
        drop(instance);
        Ok(())
    }

    pub fn status(&self, id: VmInstanceId) -> Result<VmStatus, VmError> {
        let shared = self.get(id)?;
        let slot = shared.lock_live()?;
        Ok(slot.status.clone())
    }

    /// Runs `f` on the instance while it is not running: inspection of globals, memory, fuel, adding
    /// fuel. `Running` → `WrongState`. `f` runs with the instance's lock held, so other operations on
    /// this instance wait for it (and, from inside `f`, fail instead of deadlocking). `f` must not call
    /// or resume the instance itself: its runs belong to the manager.
    pub fn with_instance<R>(
        &self,
        id: VmInstanceId,
        f: impl FnOnce(&mut Instance) -> R,
    ) -> Result<R, VmError> {
        let shared = self.get(id)?;
        let mut slot = shared.lock_live()?;
        if slot.status == VmStatus::Running {
            return slot.wrong_state("with_instance", "not running");
        }
        let Some(instance) = slot.instance.as_mut() else {
            return Err(LifecycleError::Other(format!(
                "VM instance {id} is {} and has lost its engine instance",
                slot.status
            ))
            .into());
        };
        let _held = Held::enter(&shared);
        Ok(f(instance))
    }

    /// Blocks until the instance leaves `Running` (parks or ends) or `timeout` passes, and returns the
    /// status then (`Running` on a timeout). Returns at once when it is not running.
    pub fn wait(&self, id: VmInstanceId, timeout: Duration) -> Result<VmStatus, VmError> {
        let shared = self.get(id)?;
        let slot = shared.lock_live()?;
        let epoch = slot.epoch;
        let slot = shared.wait_while(slot, deadline(timeout), |s| {
            s.status == VmStatus::Running && s.epoch == epoch && !s.removed
        });
        if slot.removed {
            return Err(LifecycleError::UnknownInstance(id).into());
        }
        Ok(slot.status.clone())
    }
}

impl Drop for LifecycleManager {
    /// Tells every worker to finish (running guests stop at their next check point) without waiting;
    /// each instance is dropped when its worker lets go of it.
    fn drop(&mut self) {
        let map = std::mem::take(self.instances.get_mut().unwrap_or_else(PoisonError::into_inner));
        for shared in map.into_values() {
            let mut slot = shared.lock();
            slot.removed = true;
            match slot.status {
                VmStatus::Running => slot.interrupt(Request::Stop),
                VmStatus::Paused | VmStatus::Suspended(_) => {
                    slot.status = VmStatus::Stopped;
                    slot.go = Some(Go::Exit);
                }
                _ => {}
            }
            shared.cv.notify_all();
        }
    }
}
