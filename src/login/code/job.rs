//! A code command run as a shell runs a job. On Unix it gets a process group
//! of its own, so that a command that hangs is stopped whole: all of
//! `sh -c 'sleep 100 | cat'`, not just `sh`, whose pipeline would live on
//! holding awsmfa's stderr, and a caller that reads it (botocore runs
//! `credential_process` so) would wait for them.
//!
//! The command must still be able to ask on the terminal (a password for
//! `op`, a PIN for `ykman`) and hear Ctrl-C, as it did when it shared
//! awsmfa's group. So when awsmfa's group is the terminal's foreground job,
//! the command's group takes its place while it runs, and awsmfa takes the
//! terminal back after, however it ends (see `terminal::Undo` for signals).
//! What the command's group then hears alone goes on to awsmfa's own group,
//! which heard it before (its caller with it): a Ctrl-C, Ctrl-\ or hang-up
//! that ended the command, and a Ctrl-Z, which stops awsmfa's group too, so
//! that the shell gets the terminal back; on `fg` the command gets it again.
//!
//! Why not keep the command in awsmfa's group and kill its processes one by
//! one? Once `sh` is killed its children belong to init, and no portable
//! call lists a process's descendants. A process group is what Unix kills,
//! stops and gives the terminal to as one: every shell runs its jobs so.

use std::io;
use std::process::{Child, ChildStdout, Command, ExitStatus};
use std::time::{Duration, Instant};

/// How often the command is looked at.
const POLL: Duration = Duration::from_millis(20);

#[cfg(unix)]
pub use unix::Job;

#[cfg(unix)]
mod unix {
    use std::os::unix::process::{CommandExt, ExitStatusExt};

    use super::super::terminal::{Tty, Undo, give_terminal, take_back};
    use super::*;

    /// A running code command, in a process group of its own; killed whole
    /// if dropped before it ended.
    pub struct Job {
        child: Child,
        /// The command's process id, which is also its group's.
        group: libc::pid_t,
        tty: Option<Tty>,
        /// Whether the terminal is lent to the command's group.
        lent: bool,
        /// Kills the group and takes the terminal back if a signal ends awsmfa.
        undo: Option<Undo>,
        ended: bool,
    }

    enum State {
        Running,
        Stopped(libc::c_int),
        Ended(ExitStatus),
    }

    impl Job {
        /// Starts `command` in a process group of its own, which becomes the
        /// terminal's foreground job if awsmfa's group is.
        pub fn start(command: &mut Command) -> io::Result<Job> {
            let tty = Tty::open();
            let lend = tty.as_ref().is_some_and(Tty::is_foreground);
            command.process_group(0);
            let fd = tty.as_ref().map_or(-1, Tty::fd);
            // SAFETY: getpgrp has no preconditions.
            let ours = unsafe { libc::getpgrp() };
            let undo = Undo::install(fd);
            undo.lent(lend);
            let started = undo.holding_signals(|mask| {
                // SAFETY: between fork and exec only async-signal-safe calls
                // (tcgetpgrp, getpid, pthread_sigmask, and give_terminal's).
                unsafe {
                    command.pre_exec(move || {
                        // The child, in its own group by now, takes the
                        // terminal itself: no moment where it could read it
                        // from the background. Unless awsmfa's group lost
                        // the terminal meanwhile (Ctrl-Z, then `bg`).
                        if lend && libc::tcgetpgrp(fd) == ours {
                            give_terminal(fd, libc::getpid());
                        }
                        // The command starts with awsmfa's own signal mask,
                        // not with the signals held back here.
                        libc::pthread_sigmask(libc::SIG_SETMASK, &mask, std::ptr::null_mut());
                        Ok(())
                    });
                }
                let child = command.spawn()?;
                undo.kill_group(child.id() as libc::pid_t);
                Ok::<_, io::Error>(child)
            });
            let child = match started {
                Ok(child) => child,
                Err(e) => {
                    // The child may have taken the terminal before its exec failed.
                    if let (Some(tty), true) = (&tty, lend) {
                        // SAFETY: plain calls on the terminal's descriptor.
                        unsafe { take_back(tty.fd(), 0) };
                    }
                    return Err(e);
                }
            };
            Ok(Job {
                group: child.id() as libc::pid_t,
                child,
                tty,
                lent: lend,
                undo: Some(undo),
                ended: false,
            })
        }

        pub fn take_stdout(&mut self) -> Option<ChildStdout> {
            self.child.stdout.take()
        }

        /// Waits for the command to end, up to `limit` (time it spent
        /// stopped by Ctrl-Z not counted). Past the limit its whole process
        /// group is killed: `None`.
        pub fn wait(&mut self, limit: Duration) -> io::Result<Option<ExitStatus>> {
            let mut deadline = Instant::now() + limit;
            loop {
                match self.state()? {
                    State::Ended(status) => {
                        let was_lent = self.lent;
                        self.end();
                        pass_on(status, was_lent);
                        return Ok(Some(status));
                    }
                    State::Stopped(signal) => {
                        let since = Instant::now();
                        self.stopped(signal);
                        deadline += since.elapsed();
                    }
                    State::Running => {}
                }
                if Instant::now() >= deadline {
                    self.kill();
                    return Ok(None);
                }
                std::thread::sleep(POLL);
            }
        }

        fn state(&self) -> io::Result<State> {
            let mut status = 0;
            // SAFETY: waits for this job's own child; `status` outlives the call.
            let waited =
                unsafe { libc::waitpid(self.group, &mut status, libc::WNOHANG | libc::WUNTRACED) };
            match waited {
                0 => Ok(State::Running),
                -1 => {
                    let err = io::Error::last_os_error();
                    match err.kind() {
                        io::ErrorKind::Interrupted => Ok(State::Running),
                        _ => Err(err),
                    }
                }
                _ if libc::WIFSTOPPED(status) => Ok(State::Stopped(libc::WSTOPSIG(status))),
                _ => Ok(State::Ended(ExitStatus::from_raw(status))),
            }
        }

        /// The command's group stopped: Ctrl-Z, or a read of the terminal
        /// while awsmfa's job is in the background.
        fn stopped(&mut self, signal: libc::c_int) {
            let foreground = self.tty.as_ref().is_some_and(Tty::is_foreground);
            match signal {
                // Ctrl-Z reached the command's group alone: awsmfa's group
                // stops too, as it did before the terminal was lent, and
                // the shell takes the terminal back. This returns on `fg`
                // or `bg`.
                libc::SIGTSTP => {
                    self.take_back();
                    // SAFETY: signals awsmfa's own process group.
                    unsafe { libc::kill(0, libc::SIGTSTP) };
                }
                // The command wants the terminal while awsmfa's job is in
                // the background: awsmfa's job waits for it with it.
                libc::SIGTTIN | libc::SIGTTOU if !self.lent && !foreground => {
                    // SAFETY: signals awsmfa's own process group.
                    unsafe { libc::kill(0, signal) };
                }
                libc::SIGTTIN | libc::SIGTTOU => {}
                // SIGSTOP is someone else's (a debugger, `kill -STOP`): the
                // command goes on on their SIGCONT.
                _ => return,
            }
            self.lend_if_foreground();
            // SAFETY: the group's leader is not reaped, so it is this command's.
            unsafe { libc::kill(-self.group, libc::SIGCONT) };
        }

        fn lend_if_foreground(&mut self) {
            let Some(tty) = &self.tty else { return };
            if self.lent || !tty.is_foreground() {
                return;
            }
            if let Some(undo) = &self.undo {
                undo.lent(true);
            }
            // SAFETY: plain calls on the terminal's descriptor.
            self.lent = unsafe { give_terminal(tty.fd(), self.group) };
            if !self.lent
                && let Some(undo) = &self.undo
            {
                undo.lent(false);
            }
        }

        fn take_back(&mut self) {
            if let (Some(tty), true) = (&self.tty, self.lent) {
                // SAFETY: plain calls on the terminal's descriptor.
                unsafe { take_back(tty.fd(), self.group) };
            }
            self.lent = false;
            if let Some(undo) = &self.undo {
                undo.lent(false);
            }
        }

        /// Kills the command's whole process group, and reaps its leader.
        fn kill(&mut self) {
            // SAFETY: the leader is not reaped yet, so the group is this command's.
            unsafe { libc::kill(-self.group, libc::SIGKILL) };
            if let Some(undo) = &self.undo {
                undo.kill_group(0);
            }
            loop {
                let mut status = 0;
                // SAFETY: waits for this job's own child.
                let waited = unsafe { libc::waitpid(self.group, &mut status, 0) };
                if waited != -1 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                    break;
                }
            }
            self.end();
        }

        /// The command has ended: the terminal comes back, and signals end
        /// awsmfa as they did before.
        fn end(&mut self) {
            if let Some(undo) = &self.undo {
                undo.kill_group(0);
            }
            self.take_back();
            self.undo = None;
            self.ended = true;
        }
    }

    impl Drop for Job {
        fn drop(&mut self) {
            if !self.ended {
                self.kill();
            }
        }
    }

    /// A Ctrl-C or Ctrl-\ typed, or a hang-up of the terminal, while the
    /// command had the terminal reached its group alone. awsmfa's group
    /// heard it before the terminal was lent, its caller with it (the AWS
    /// CLI running `credential_process`): it goes on there, and ends awsmfa
    /// as it would have.
    fn pass_on(status: ExitStatus, was_lent: bool) {
        let terminals = [libc::SIGINT, libc::SIGQUIT, libc::SIGHUP];
        if let (true, Some(signal)) = (was_lent, status.signal())
            && terminals.contains(&signal)
        {
            // SAFETY: signals awsmfa's own process group.
            unsafe { libc::kill(0, signal) };
        }
    }
}

/// A running code command; killed if dropped before it ended.
#[cfg(windows)]
pub struct Job {
    child: Child,
}

#[cfg(windows)]
impl Job {
    pub fn start(command: &mut Command) -> io::Result<Job> {
        Ok(Job {
            child: command.spawn()?,
        })
    }

    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout.take()
    }

    /// Waits for the command to end, up to `limit`; past it, kills it: `None`.
    pub fn wait(&mut self, limit: Duration) -> io::Result<Option<ExitStatus>> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if started.elapsed() >= limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Ok(None);
            }
            std::thread::sleep(POLL);
        }
    }
}

#[cfg(windows)]
impl Drop for Job {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
