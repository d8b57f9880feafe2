//! The terminal itself (`/dev/tty`; `CONIN$`/`CONOUT$` on Windows): the
//! prompt for the code and, on Unix, the terminal lent to a code command.
//!
//! Whatever awsmfa changes on the terminal it changes back, however it ends:
//! on return, on an error, and on a signal that ends it (Ctrl-C, `kill`, a
//! closed terminal). For the last, a handler undoes the change and then lets
//! the signal end awsmfa as it would have.

#[cfg(unix)]
pub use unix::*;
#[cfg(windows)]
pub use windows::{ask, ask_hidden, ask_possible};

#[cfg(unix)]
mod unix {
    use std::cell::UnsafeCell;
    use std::fs::{File, OpenOptions};
    use std::io::{self, BufRead, BufReader, Write};
    use std::mem::MaybeUninit;
    use std::os::fd::{AsRawFd, RawFd};
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

    use anyhow::Result;

    use crate::error::Error;

    /// The controlling terminal, open for reading and writing.
    pub struct Tty(File);

    impl Tty {
        /// The controlling terminal; `None` when the process has none (cron,
        /// CI, a daemon).
        pub fn open() -> Option<Tty> {
            OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .ok()
                .map(Tty)
        }

        pub fn fd(&self) -> RawFd {
            self.0.as_raw_fd()
        }

        /// Whether awsmfa's process group is the terminal's foreground job:
        /// the one that reads what is typed and gets Ctrl-C.
        pub fn is_foreground(&self) -> bool {
            // SAFETY: plain calls on a descriptor this value owns.
            unsafe { libc::tcgetpgrp(self.fd()) == libc::getpgrp() }
        }

        /// Whether the terminal has been hung up (closed by its emulator,
        /// its ssh connection or its pty master).
        fn is_gone(&self) -> bool {
            get_mode(self.fd()).is_err()
        }
    }

    /// The terminal went away while awsmfa waited for the code: a runtime
    /// failure (exit 1), not a missing terminal (known at once, exit 2 or
    /// 3) nor bad input (exit 2).
    pub fn closed() -> Error {
        Error::failure("the terminal was closed while awsmfa waited for the MFA code").hint(
            "nothing was sent to AWS; run awsmfa again in an open terminal, \
             or let a code command give the code (--code-command, mfa_process)",
        )
    }

    /// Whether there is a controlling terminal to ask on.
    pub fn ask_possible() -> bool {
        Tty::open().is_some()
    }

    /// Asks on the controlling terminal, in line mode; `None` when the
    /// process has none, at once.
    pub fn ask(question: &str) -> Result<Option<String>> {
        ask_on(question, None)
    }

    /// [`ask`] with what is typed not shown (a secret): `what` names it
    /// in errors.
    pub fn ask_hidden(question: &str, what: &str) -> Result<Option<String>> {
        ask_on(question, Some(what))
    }

    /// Asks for the MFA code (`hidden`: `None`), or for a secret unechoed.
    fn ask_on(question: &str, hidden: Option<&str>) -> Result<Option<String>> {
        let Some(tty) = Tty::open() else {
            return Ok(None);
        };
        let what = hidden.unwrap_or("the MFA code");
        let failed = |e: io::Error| -> anyhow::Error {
            // EIO is also what a job in the background gets when it may not
            // be stopped to wait for the terminal (its group is orphaned:
            // `(awsmfa login &)`); a hung-up terminal has no foreground job.
            let io_error = matches!(e.raw_os_error(), Some(libc::EIO | libc::ENXIO));
            if (tty.is_gone() || (io_error && tty.is_foreground())) && hidden.is_none() {
                closed().into()
            } else if tty.is_gone() || (io_error && tty.is_foreground()) {
                Error::failure(format!(
                    "the terminal was closed while awsmfa waited for {what}"
                ))
                .hint("nothing was stored; run awsmfa again in an open terminal")
                .into()
            } else if io_error {
                Error::failure("awsmfa runs in the background and may not read the terminal")
                    .hint(match hidden {
                        None => "run it in the foreground, or give the code another way (--code, --code-command, mfa_process)",
                        Some(_) => "run it in the foreground, or give the answers on stdin",
                    })
                    .into()
            } else {
                Error::failure(format!("cannot read {what} from the terminal: {e}")).into()
            }
        };
        let mode = LineMode::enter(&tty, hidden.is_none()).map_err(failed)?;
        let answer = read_answer(&tty, question).map_err(failed);
        if hidden.is_some() {
            // Enter was not echoed either.
            let _ = (&tty.0).write_all(b"\n");
        }
        drop(mode);
        answer.map(Some)
    }

    fn read_answer(tty: &Tty, question: &str) -> io::Result<String> {
        (&tty.0).write_all(question.as_bytes())?;
        (&tty.0).flush()?;
        let mut line = String::new();
        BufReader::new(&tty.0).read_line(&mut line)?;
        // A hung-up terminal reads as the end of input, as Ctrl-D does:
        // only the terminal itself tells the two apart.
        if !line.ends_with('\n') && tty.is_gone() {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        Ok(line)
    }

    /// The terminal's mode as a prompt for one line needs it: whole lines
    /// (ICANON) ended by Enter, which a terminal sends as CR (ICRNL), echoed
    /// with erase (ECHO: the code is typed from a screen that shows it, and
    /// is spent on use), Ctrl-C and Ctrl-\ as signals (ISIG), and output
    /// with CR LF line ends (OPOST, ONLCR). A raw terminal (left so by a
    /// crashed program, or set so by the caller) has none of them; speed,
    /// control characters and flow control stay as they are.
    pub fn line_mode(current: &libc::termios) -> libc::termios {
        let mut mode = *current;
        mode.c_iflag |= libc::ICRNL;
        mode.c_iflag &= !(libc::INLCR | libc::IGNCR);
        mode.c_oflag |= libc::OPOST | libc::ONLCR;
        mode.c_lflag |= libc::ICANON | libc::ECHO | libc::ECHOE | libc::ECHOK | libc::ISIG;
        mode
    }

    /// The terminal in line mode while this lives; then as it was.
    struct LineMode<'a> {
        tty: &'a Tty,
        /// The mode to restore, and the handlers that restore it on a
        /// signal; `None` when the terminal was already in line mode.
        saved: Option<(libc::termios, Undo)>,
    }

    impl<'a> LineMode<'a> {
        /// Line mode; `echo` off for a secret.
        fn enter(tty: &'a Tty, echo: bool) -> io::Result<LineMode<'a>> {
            let current = get_mode(tty.fd())?;
            let mut wanted = line_mode(&current);
            if !echo {
                wanted.c_lflag &= !(libc::ECHO | libc::ECHOE | libc::ECHOK | libc::ECHONL);
            }
            let same = (current.c_iflag, current.c_oflag, current.c_lflag)
                == (wanted.c_iflag, wanted.c_oflag, wanted.c_lflag);
            if same {
                return Ok(LineMode { tty, saved: None });
            }
            // Armed first: a signal from here on restores the mode.
            let undo = Undo::install(tty.fd());
            undo.restore_mode(&current);
            set_mode(tty.fd(), &wanted)?;
            Ok(LineMode {
                tty,
                saved: Some((current, undo)),
            })
        }
    }

    impl Drop for LineMode<'_> {
        fn drop(&mut self) {
            if let Some((saved, _undo)) = &self.saved {
                // Not from the background: the job in the foreground (a
                // shell that took the terminal back) owns its mode now.
                if self.tty.is_foreground() {
                    let _ = set_mode(self.tty.fd(), saved);
                }
            }
        }
    }

    fn get_mode(fd: RawFd) -> io::Result<libc::termios> {
        let mut mode = MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr fills `mode` when it returns 0.
        if unsafe { libc::tcgetattr(fd, mode.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: initialised by the successful call above.
        Ok(unsafe { mode.assume_init() })
    }

    fn set_mode(fd: RawFd, mode: &libc::termios) -> io::Result<()> {
        loop {
            // SAFETY: `mode` is a valid termios for the call's duration.
            if unsafe { libc::tcsetattr(fd, libc::TCSANOW, mode) } == 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    /// Makes `group` the terminal's foreground job. A process outside the
    /// foreground job may do so only with SIGTTOU blocked (or ignored);
    /// blocking it in this thread alone leaves the rest of awsmfa as it was.
    ///
    /// # Safety
    /// Async-signal-safe: called from signal handlers and between fork and exec.
    pub unsafe fn give_terminal(fd: RawFd, group: libc::pid_t) -> bool {
        // SAFETY: sigset and mask calls on local values; tcsetpgrp on `fd`.
        unsafe {
            let mut block = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(block.as_mut_ptr());
            libc::sigaddset(block.as_mut_ptr(), libc::SIGTTOU);
            let mut old = MaybeUninit::<libc::sigset_t>::uninit();
            libc::pthread_sigmask(libc::SIG_BLOCK, block.as_ptr(), old.as_mut_ptr());
            let done = libc::tcsetpgrp(fd, group) == 0;
            libc::pthread_sigmask(libc::SIG_SETMASK, old.as_ptr(), std::ptr::null_mut());
            done
        }
    }

    /// Gives the terminal back to awsmfa's process group, if it is still
    /// with `lent_to` or with a group that has ended. Never from anyone
    /// else: a shell that took it back (awsmfa stopped, then `bg`) keeps it.
    ///
    /// # Safety
    /// Async-signal-safe: called from signal handlers.
    pub unsafe fn take_back(fd: RawFd, lent_to: libc::pid_t) -> bool {
        // SAFETY: plain calls; kill(2) with signal 0 only checks existence.
        unsafe {
            let ours = libc::getpgrp();
            let foreground = libc::tcgetpgrp(fd);
            if foreground <= 0 || foreground == ours {
                return false;
            }
            // A terminal whose foreground group has ended reports that
            // group (Linux) or none (macOS, BSD).
            let ended = libc::kill(-foreground, 0) == -1
                && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
            if foreground != lent_to && !ended {
                return false;
            }
            give_terminal(fd, ours)
        }
    }

    /// What the signal handler undoes before the signal ends awsmfa. Set
    /// while an [`Undo`] lives; one at a time (one login per process).
    struct UndoState {
        /// The terminal, or -1.
        fd: AtomicI32,
        /// A code command's process group, killed; 0 for none.
        group: AtomicI32,
        /// Whether the terminal is lent to `group`, and taken back.
        lent: AtomicBool,
        /// Whether `mode` holds a mode to restore.
        mode_saved: AtomicBool,
        mode: ModeCell,
    }

    struct ModeCell(UnsafeCell<MaybeUninit<libc::termios>>);

    // SAFETY: written only while `mode_saved` is false, read only while it is true.
    unsafe impl Sync for ModeCell {}

    static UNDO: UndoState = UndoState {
        fd: AtomicI32::new(-1),
        group: AtomicI32::new(0),
        lent: AtomicBool::new(false),
        mode_saved: AtomicBool::new(false),
        mode: ModeCell(UnsafeCell::new(MaybeUninit::uninit())),
    };

    /// The signals that end awsmfa and that it undoes its changes before.
    const ENDING: [libc::c_int; 4] = [libc::SIGHUP, libc::SIGINT, libc::SIGQUIT, libc::SIGTERM];

    extern "C" fn undo_then_end(signal: libc::c_int) {
        let fd = UNDO.fd.load(Ordering::SeqCst);
        let group = UNDO.group.load(Ordering::SeqCst);
        // SAFETY: only async-signal-safe calls (kill, tcgetpgrp, tcsetpgrp,
        // pthread_sigmask, tcsetattr, raise); `mode` is initialised while
        // `mode_saved` is set.
        unsafe {
            if group > 0 {
                libc::kill(-group, libc::SIGKILL);
            }
            if fd >= 0 && UNDO.lent.load(Ordering::SeqCst) {
                take_back(fd, group);
            }
            if fd >= 0
                && UNDO.mode_saved.load(Ordering::SeqCst)
                && libc::tcgetpgrp(fd) == libc::getpgrp()
            {
                libc::tcsetattr(fd, libc::TCSANOW, (*UNDO.mode.0.get()).as_ptr());
            }
            // SA_RESETHAND made the default action current again: raised
            // again, the signal ends awsmfa once this handler returns.
            libc::raise(signal);
        }
    }

    /// Until dropped, a signal that would end awsmfa (SIGHUP, SIGINT,
    /// SIGQUIT, SIGTERM) first undoes what it was told: kill a code
    /// command's process group, take the terminal back, restore its mode.
    /// A signal awsmfa was started ignoring (`nohup`) stays ignored.
    pub struct Undo {
        previous: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl Undo {
        /// Arms the handlers for the terminal `fd` (-1 for none).
        pub fn install(fd: RawFd) -> Undo {
            UNDO.fd.store(fd, Ordering::SeqCst);
            let mut previous = Vec::with_capacity(ENDING.len());
            for signal in ENDING {
                // SAFETY: a zeroed sigaction is a valid value to be overwritten.
                let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
                // SAFETY: reads the current disposition into `old`.
                unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) };
                if old.sa_sigaction == libc::SIG_IGN {
                    continue;
                }
                // SAFETY: a zeroed sigaction is valid; the fields below complete it.
                let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
                action.sa_sigaction =
                    undo_then_end as extern "C" fn(libc::c_int) as libc::sighandler_t;
                action.sa_flags = libc::SA_RESETHAND;
                // SAFETY: the handler makes only async-signal-safe calls.
                unsafe {
                    libc::sigemptyset(&mut action.sa_mask);
                    libc::sigaction(signal, &action, std::ptr::null_mut());
                }
                previous.push((signal, old));
            }
            Undo { previous }
        }

        /// Runs `f` with the ending signals held back in this thread: one
        /// that arrives meanwhile is handled once `f` has said what to undo.
        /// `f` gets the thread's signal mask from before, for a child to
        /// start with (a child inherits the mask, and `Command` keeps it).
        pub fn holding_signals<T>(&self, f: impl FnOnce(libc::sigset_t) -> T) -> T {
            // SAFETY: sigset and mask calls on local values.
            unsafe {
                let mut block = MaybeUninit::<libc::sigset_t>::uninit();
                libc::sigemptyset(block.as_mut_ptr());
                for signal in ENDING {
                    libc::sigaddset(block.as_mut_ptr(), signal);
                }
                let mut old = MaybeUninit::<libc::sigset_t>::uninit();
                libc::pthread_sigmask(libc::SIG_BLOCK, block.as_ptr(), old.as_mut_ptr());
                let out = f(old.assume_init());
                libc::pthread_sigmask(libc::SIG_SETMASK, old.as_ptr(), std::ptr::null_mut());
                out
            }
        }

        /// On a signal, `mode` is restored.
        fn restore_mode(&self, mode: &libc::termios) {
            UNDO.mode_saved.store(false, Ordering::SeqCst);
            // SAFETY: no handler reads the cell while `mode_saved` is false.
            unsafe { (*UNDO.mode.0.get()).write(*mode) };
            UNDO.mode_saved.store(true, Ordering::SeqCst);
        }

        /// On a signal, `group` is killed (0: no longer).
        pub fn kill_group(&self, group: libc::pid_t) {
            UNDO.group.store(group, Ordering::SeqCst);
        }

        /// On a signal, the terminal is taken back from the group (or not).
        pub fn lent(&self, lent: bool) {
            UNDO.lent.store(lent, Ordering::SeqCst);
        }
    }

    impl Drop for Undo {
        fn drop(&mut self) {
            for (signal, old) in &self.previous {
                // SAFETY: restores the disposition saved by `install`.
                unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
            }
            UNDO.group.store(0, Ordering::SeqCst);
            UNDO.lent.store(false, Ordering::SeqCst);
            UNDO.mode_saved.store(false, Ordering::SeqCst);
            UNDO.fd.store(-1, Ordering::SeqCst);
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn raw() -> libc::termios {
            // SAFETY: a zeroed termios is a valid value: every flag off, as
            // a raw terminal has the ones the prompt needs.
            let mut mode: libc::termios = unsafe { std::mem::zeroed() };
            mode.c_cflag = libc::CS8 | libc::CREAD;
            mode.c_iflag = libc::IXON;
            mode.c_lflag = libc::IEXTEN;
            mode
        }

        #[test]
        fn a_raw_terminal_gets_a_line_mode_and_keeps_the_rest() {
            let line = line_mode(&raw());
            for flag in [libc::ICANON, libc::ECHO, libc::ISIG, libc::IEXTEN] {
                assert_ne!(line.c_lflag & flag, 0, "{flag:#x}");
            }
            assert_ne!(line.c_iflag & libc::ICRNL, 0);
            assert_ne!(line.c_iflag & libc::IXON, 0);
            assert_eq!(line.c_iflag & (libc::IGNCR | libc::INLCR), 0);
            assert_eq!(line.c_oflag & libc::OPOST, libc::OPOST);
            assert_eq!(line.c_cflag, raw().c_cflag);
        }

        #[test]
        fn a_terminal_in_line_mode_is_left_as_it_is() {
            let line = line_mode(&raw());
            let again = line_mode(&line);
            assert_eq!(
                (line.c_iflag, line.c_oflag, line.c_lflag),
                (again.c_iflag, again.c_oflag, again.c_lflag)
            );
        }

        #[test]
        fn a_closed_terminal_is_a_runtime_failure_that_says_so() {
            let err = anyhow::Error::from(closed());
            let (code, text) = crate::error::render(&err);
            assert_eq!(code, crate::exit_codes::ExitCode::Failure);
            assert!(text.contains("terminal was closed"), "{text}");
            assert!(text.contains("hint:"), "{text}");
        }
    }
}

#[cfg(windows)]
mod windows {
    use std::io::{BufRead, BufReader, Write};

    use anyhow::Result;

    /// Whether there is a console to ask on.
    pub fn ask_possible() -> bool {
        std::fs::OpenOptions::new()
            .read(true)
            .open("CONIN$")
            .is_ok()
    }

    /// Asks on the console (`CONIN$`/`CONOUT$`); `None` without one.
    pub fn ask(question: &str) -> Result<Option<String>> {
        ask_on(question, true)
    }

    /// [`ask`] with what is typed not shown (a secret).
    pub fn ask_hidden(question: &str, _what: &str) -> Result<Option<String>> {
        ask_on(question, false)
    }

    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetConsoleMode(handle: *mut std::ffi::c_void, mode: *mut u32) -> i32;
        fn SetConsoleMode(handle: *mut std::ffi::c_void, mode: u32) -> i32;
    }

    const ENABLE_ECHO_INPUT: u32 = 0x0004;

    /// The console input's mode with echo off while this lives.
    struct NoEcho {
        handle: *mut std::ffi::c_void,
        saved: u32,
    }

    impl NoEcho {
        fn enter(input: &std::fs::File) -> std::io::Result<NoEcho> {
            use std::os::windows::io::AsRawHandle;
            let handle = input.as_raw_handle();
            let mut saved = 0;
            // SAFETY: a console handle this function's caller owns.
            unsafe {
                if GetConsoleMode(handle, &mut saved) == 0
                    || SetConsoleMode(handle, saved & !ENABLE_ECHO_INPUT) == 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(NoEcho { handle, saved })
        }
    }

    impl Drop for NoEcho {
        fn drop(&mut self) {
            // SAFETY: the handle outlives this value (see `ask_on`).
            unsafe {
                SetConsoleMode(self.handle, self.saved);
            }
        }
    }

    fn ask_on(question: &str, echo: bool) -> Result<Option<String>> {
        let open = |name| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(name)
        };
        let (Ok(input), Ok(mut output)) = (open("CONIN$"), open("CONOUT$")) else {
            return Ok(None);
        };
        output.write_all(question.as_bytes())?;
        output.flush()?;
        let no_echo = match echo {
            true => None,
            false => Some(NoEcho::enter(&input)?),
        };
        let mut line = String::new();
        BufReader::new(&input).read_line(&mut line)?;
        if no_echo.is_some() {
            output.write_all(b"\r\n")?;
        }
        drop(no_echo);
        Ok(Some(line))
    }
}
