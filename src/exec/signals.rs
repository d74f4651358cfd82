//! The signals that stop an execution as ctrl-c does: SIGINT, SIGTERM (a
//! `kill`, a shutdown, a service manager) and SIGHUP (a closed terminal or
//! SSH session). The job runs in a process group of its own, so none of
//! them reaches it: the executor catches them, stops the job's group and
//! records the run as cancelled, instead of dying and leaving the job
//! running behind a run marked `executor lost`.

use tokio::signal::unix::{Signal, SignalKind, signal};

/// Listens from its creation on: a signal that arrives between two steps
/// is still seen by the next wait.
pub struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl StopSignals {
    pub fn new() -> std::io::Result<StopSignals> {
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for one of them; what stopped the run, as its status says it.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "interrupted (ctrl-c)",
            _ = self.terminate.recv() => "interrupted (SIGTERM)",
            _ = self.hangup.recv() => "interrupted (SIGHUP: the terminal closed)",
        }
    }
}
