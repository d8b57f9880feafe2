"""Runs `awsmfa exec` on a terminal of its own and plays the terminal's part.

    pty_exec.py AWSMFA ACTION DIR

AWSMFA leads a new session on a fresh pseudo-terminal (as when it is the
command of `ssh -t host awsmfa exec ...`) and runs a child that leaves the
terminal's foreground job, so it hears only what awsmfa passes on. ACTION is
`ctrl-c` (type ^C) or `hangup` (close the terminal). Prints awsmfa's exit
code, then the one line the child wrote: the signal it got and from whom, or
`none`. Everything ends within a few seconds; a hang is reported, not waited on."""
import os
import pty
import sys
import time

awsmfa, action, work = sys.argv[1:4]
report = os.path.join(work, "report")

CHILD = r"""
import os, signal, sys
os.setpgid(0, 0)
wanted = {signal.SIGINT, signal.SIGHUP}
signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
report = sys.argv[1]
open(report + ".ready", "w").close()
info = signal.sigtimedwait(wanted, 2)
if info is None:
    line = "none"
else:
    sender = "awsmfa" if info.si_pid == os.getppid() else "pid %d" % info.si_pid
    line = "%s from %s" % (signal.Signals(info.si_signo).name, sender)
with open(report, "w") as f:
    f.write(line + "\n")
"""

pid, terminal = pty.fork()
if pid == 0:
    # Default dispositions, whatever this script was started with (nohup
    # ignores SIGHUP, a shell's background job SIGINT and SIGQUIT).
    import signal
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    os.execv(awsmfa, [awsmfa, "exec", "--", sys.executable, "-c", CHILD, report])

deadline = time.monotonic() + 10
while not os.path.exists(report + ".ready"):
    if time.monotonic() > deadline:
        os.kill(pid, 9)
        sys.exit("the child never started")
    time.sleep(0.02)

if action == "ctrl-c":
    os.write(terminal, b"\x03")
elif action == "hangup":
    os.close(terminal)
else:
    sys.exit("unknown action " + action)

deadline = time.monotonic() + 10
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.monotonic() > deadline:
        os.kill(pid, 9)
        sys.exit("awsmfa did not end")
    time.sleep(0.02)

print(os.waitstatus_to_exitcode(status))
with open(report) as f:
    print(f.read().strip())
