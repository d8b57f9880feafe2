"""Runs a command on a terminal of its own and plays the user's part.

    pty_run.py [--raw] [--ignore-hup] STEP... -- COMMAND ARG...

COMMAND leads a new session on a fresh pseudo-terminal, whose foreground
job it is, with the terminal as its stdin and pipes as its stdout and
stderr (as a caller that captures them). `--raw` puts the terminal in raw
mode first (as a program that crashed in it leaves it, or as a caller sets
it); `--ignore-hup` starts COMMAND with SIGHUP ignored (as `nohup` does).

Steps, in order:
    wait=TEXT     wait until TEXT shows on the terminal
    type=TEXT     type TEXT (Python escapes: \\r is Enter, \\x03 is Ctrl-C)
    signal=NAME   send signal NAME (TERM, HUP, ...) to COMMAND
    hangup        close the terminal (its pseudo-terminal master)

Prints one JSON object: COMMAND's exit code (negative: the signal that ended
it), or null when it did not end within 20 s (then it is killed); the
seconds until its stderr reached end of file after it ended (null: not
within 5 s); what the terminal showed, stdout and stderr; the terminal's
mode before and after (tcgetattr lists), and whether it was raw before.
"""
import codecs
import fcntl
import json
import os
import select
import signal
import sys
import termios
import time
import tty

args = sys.argv[1:]
raw = ignore_hup = False
steps = []
while args and args[0] != "--":
    arg = args.pop(0)
    if arg == "--raw":
        raw = True
    elif arg == "--ignore-hup":
        ignore_hup = True
    else:
        steps.append(arg)
command = args[1:]

master, slave = os.openpty()
if raw:
    tty.setraw(slave)
before = termios.tcgetattr(slave)
out_r, out_w = os.pipe()
err_r, err_w = os.pipe()

pid = os.fork()
if pid == 0:
    try:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        os.dup2(slave, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        if ignore_hup:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.execvp(command[0], command)
    finally:
        os._exit(127)

os.close(out_w)
os.close(err_w)
screen = b""
collected = {out_r: b"", err_r: b""}


def pump(timeout):
    """Reads what is there from the terminal and the pipes."""
    global screen
    fds = [fd for fd in collected if fd >= 0]
    if master >= 0:
        fds.append(master)
    ready, _, _ = select.select(fds, [], [], timeout)
    for fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if fd == master:
            screen += data
        elif data:
            collected[fd] += data


status = None
for step in steps:
    deadline = time.monotonic() + 20
    if step.startswith("wait="):
        text = step[5:].encode()
        while text not in screen and time.monotonic() < deadline:
            pump(0.05)
        if text not in screen:
            break
    elif step.startswith("type="):
        os.write(master, codecs.decode(step[5:], "unicode_escape").encode("latin-1"))
    elif step.startswith("signal="):
        os.kill(pid, getattr(signal, "SIG" + step[7:]))
    elif step == "hangup":
        os.close(master)
        master = -1
    else:
        sys.exit("unknown step " + step)

deadline = time.monotonic() + 20
ended_at = None
while time.monotonic() < deadline:
    done, wait_status = os.waitpid(pid, os.WNOHANG)
    if done:
        status = os.waitstatus_to_exitcode(wait_status)
        ended_at = time.monotonic()
        break
    if master >= 0:
        pump(0.05)
    else:
        time.sleep(0.05)
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    ended_at = time.monotonic()

# stderr to its end, as botocore reads a credential_process's.
eof_after = None
for fd in (out_r, err_r):
    os.set_blocking(fd, False)
end = ended_at + 5
open_fds = {out_r, err_r}
while open_fds and time.monotonic() < end:
    ready, _, _ = select.select(list(open_fds), [], [], 0.05)
    for fd in ready:
        data = os.read(fd, 65536)
        if data:
            collected[fd] += data
        else:
            open_fds.discard(fd)
            if fd == err_r:
                eof_after = time.monotonic() - ended_at
if master >= 0:
    try:
        while select.select([master], [], [], 0.05)[0]:
            data = os.read(master, 65536)
            if not data:
                break
            screen += data
    except OSError:
        pass

try:
    after = termios.tcgetattr(slave)
except termios.error:
    after = None


def mode(attrs):
    """A tcgetattr list as JSON: control characters as numbers."""
    if attrs is None:
        return None
    return attrs[:6] + [[c if isinstance(c, int) else ord(c) for c in attrs[6]]]


print(json.dumps({
    "exit": status,
    "stderr_eof_after": eof_after,
    "screen": screen.decode("utf-8", "replace"),
    "stdout": collected[out_r].decode("utf-8", "replace"),
    "stderr": collected[err_r].decode("utf-8", "replace"),
    "raw_before": not (before[3] & termios.ICANON),
    "mode_before": mode(before),
    "mode_after": mode(after),
}))
