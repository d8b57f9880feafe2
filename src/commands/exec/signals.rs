//! While `exec`'s command runs, awsmfa stands in for it: the signals that
//! would end awsmfa (SIGTERM, SIGINT, SIGHUP, SIGQUIT) are passed on to the
//! command instead, and awsmfa waits for it and exits as it does. So
//! `kill <awsmfa>`, a supervisor's stop or a closed terminal end the command
//! with its session, not just the wrapper around it (as aws-vault's `exec`).
//!
//! A signal the terminal sends (Ctrl-C, Ctrl-\, a hang-up of the foreground
//! job) already reached the command too, since it shares awsmfa's process
//! group; passing it on again would deliver it twice, and programs such as
//! terraform treat a second Ctrl-C as "abort now". So only signals sent by a
//! process (`kill`), and the hang-up the kernel sends awsmfa alone when it
//! leads its session, are passed on.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The signals passed on to the command.
pub const FORWARDED: [libc::c_int; 4] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGQUIT];

/// The command's process id while it runs, else 0. Read by the handler.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// A signal that arrived before the command existed, passed on once it does.
static PENDING: AtomicI32 = AtomicI32::new(0);
/// Whether awsmfa leads its session (then the kernel's hang-up is for it alone).
static LEADS_SESSION: AtomicBool = AtomicBool::new(false);

/// Who sent a signal, from its `si_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// Another process, through kill(2), sigqueue(3) or tgkill(2).
    Process,
    /// The kernel: the terminal's Ctrl-C or Ctrl-\, or a hang-up.
    #[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
    Kernel,
}

impl Sender {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn from_code(code: libc::c_int) -> Sender {
        // The kernel's own rule (SI_FROMUSER): codes <= 0 come from processes.
        if code <= 0 {
            Sender::Process
        } else {
            Sender::Kernel
        }
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn from_code(_code: libc::c_int) -> Sender {
        // No portable way to tell: passing on is what the contract asks for.
        Sender::Process
    }
}

/// Whether a signal awsmfa received must be passed on to the command.
pub fn should_forward(signal: libc::c_int, sender: Sender, leads_session: bool) -> bool {
    match sender {
        Sender::Process => true,
        Sender::Kernel => signal == libc::SIGHUP && leads_session,
    }
}

extern "C" fn forward(signal: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // Only atomics and kill(2) here: both are async-signal-safe.
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t (or null).
    let sender = match unsafe { info.as_ref() } {
        Some(info) => Sender::from_code(info.si_code),
        None => Sender::Process,
    };
    if !should_forward(signal, sender, LEADS_SESSION.load(Ordering::SeqCst)) {
        return;
    }
    match CHILD.load(Ordering::SeqCst) {
        0 => PENDING.store(signal, Ordering::SeqCst),
        // SAFETY: kill(2) is async-signal-safe; the child is not reaped
        // while CHILD holds its id, so the id cannot belong to another process.
        child => unsafe {
            libc::kill(child, signal);
        },
    }
}

/// Passes the signals on to one child while it lives; dropping it restores
/// awsmfa's previous handlers.
pub struct ForwardSignals {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl ForwardSignals {
    /// Installs the handlers; a signal that arrives before
    /// [`ForwardSignals::started`] waits for the child to exist. A signal
    /// awsmfa was started ignoring (`nohup`) stays ignored, and the command
    /// inherits that. (No signals are blocked: the command would inherit the mask.)
    pub fn install() -> ForwardSignals {
        // SAFETY: getsid/getpid have no preconditions.
        let leads = unsafe { libc::getsid(0) == libc::getpid() };
        LEADS_SESSION.store(leads, Ordering::SeqCst);
        PENDING.store(0, Ordering::SeqCst);
        let mut previous = Vec::with_capacity(FORWARDED.len());
        for signal in FORWARDED {
            // SAFETY: a zeroed sigaction is a valid value to be overwritten.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: reads the current disposition into `old`.
            unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) };
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            // SAFETY: a zeroed sigaction is valid; the fields below complete it.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = forward
                as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            // SAFETY: the handler only touches atomics and calls kill(2).
            unsafe {
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
            previous.push((signal, old));
        }
        ForwardSignals { previous }
    }

    /// The child exists: signals from now on (and one that waited) go to it.
    pub fn started(&self, child: u32) {
        let child = child as libc::pid_t;
        CHILD.store(child, Ordering::SeqCst);
        let waited = PENDING.swap(0, Ordering::SeqCst);
        if waited != 0 {
            // SAFETY: the child was just started and is not reaped.
            unsafe { libc::kill(child, waited) };
        }
    }
}

impl Drop for ForwardSignals {
    fn drop(&mut self) {
        // Called once the child has ended, before it is reaped (see
        // `wait_until_ended`): until then a late signal meets a zombie.
        CHILD.store(0, Ordering::SeqCst);
        for (signal, old) in &self.previous {
            // SAFETY: restores the disposition saved by `install`.
            unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
        }
    }
}

/// Waits until the process has ended, leaving it to be reaped by `Child::wait`.
pub fn wait_until_ended(child: u32) -> std::io::Result<()> {
    loop {
        // SAFETY: a zeroed siginfo_t is a valid buffer for waitid to fill.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: WNOWAIT leaves the child waitable; `info` outlives the call.
        let waited = unsafe {
            libc::waitid(
                libc::P_PID,
                child as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if waited == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_from_processes_are_passed_on() {
        for signal in FORWARDED {
            assert!(should_forward(signal, Sender::Process, false));
            assert!(should_forward(signal, Sender::Process, true));
        }
    }

    #[test]
    fn the_terminals_signals_are_not_sent_twice() {
        for signal in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM] {
            assert!(!should_forward(signal, Sender::Kernel, false));
            assert!(!should_forward(signal, Sender::Kernel, true));
        }
        // A hang-up reaches the whole foreground job, unless awsmfa leads
        // the session: then it is awsmfa's alone.
        assert!(!should_forward(libc::SIGHUP, Sender::Kernel, false));
        assert!(should_forward(libc::SIGHUP, Sender::Kernel, true));
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn senders_follow_the_kernels_rule() {
        assert_eq!(Sender::from_code(libc::SI_USER), Sender::Process);
        assert_eq!(Sender::from_code(libc::SI_QUEUE), Sender::Process);
        assert_eq!(Sender::from_code(libc::SI_TKILL), Sender::Process);
        assert_eq!(Sender::from_code(libc::SI_KERNEL), Sender::Kernel);
    }
}
