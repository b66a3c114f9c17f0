# The measurements of scripts/bench-peers:
#   send()     one timed run of Postfix's smtp-source -L against a server on 127.0.0.1
#   floor()    the disk's floor: a naive durable delivery loop (write 4 KB into tmp/, fsync,
#              rename into new/, fsync new/) in 1 or N writer processes into one folder
#   syncs()    sync system calls made by a server's processes while it delivers (strace)
#   memory()   RSS and PSS of a server's LMTP processes (/proc/<pid>/smaps_rollup)
# Child processes it starts are in `CHILDREN` until they end, for the driver's cleanup.
# Depends on: Python 3 standard library; /usr/sbin/smtp-source (Debian's postfix package, no
# daemon), /usr/bin/strace.
import os
import re
import signal
import subprocess
import time

from .servers import RECIPIENT, BenchError

SMTP_SOURCE = "/usr/sbin/smtp-source"
STRACE = "/usr/bin/strace"
SYNC_CALLS = ("fsync", "fdatasync", "sync_file_range", "syncfs", "sync", "msync")

# pids of floor writers and strace, while they run.
CHILDREN = set()


def send(port, messages, sessions=1, size=4096, recipients=1, reuse=False, timeout=900):
    """Runs smtp-source -L; returns its wall-clock seconds. Any refusal or error is a BenchError
    (smtp-source stops with a non-zero status on a reply it did not expect)."""
    argv = [SMTP_SOURCE, "-L", "-s", str(sessions), "-m", str(messages), "-l", str(size),
            "-M", "client.bench.example", "-f", "sender@client.bench.example", "-t", RECIPIENT]
    if recipients > 1:
        argv += ["-r", str(recipients)]
    if reuse:
        argv.append("-d")
    argv.append(f"127.0.0.1:{port}")
    start = time.monotonic()
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(f"smtp-source did not finish within {timeout} s: {' '.join(argv)}")
    seconds = time.monotonic() - start
    if done.returncode != 0 or done.stderr.strip():
        raise BenchError(f"smtp-source failed (status {done.returncode}): {' '.join(argv)}\n"
                         + done.stderr.decode(errors="replace")[-2000:])
    return seconds


def _writer(folder, names, payload):
    new = os.path.join(folder, "new")
    directory = os.open(new, os.O_RDONLY | os.O_DIRECTORY)
    for name in names:
        tmp = os.path.join(folder, "tmp", name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, payload)
        os.fsync(fd)
        os.close(fd)
        os.rename(tmp, os.path.join(new, name))
        os.fsync(directory)
    os.close(directory)


def floor(folder, files, writers, size=4096):
    """Seconds for `writers` processes to deliver `files` files of `size` bytes durably into
    one Maildir-like folder, each file: write, fsync, rename into new/, fsync new/."""
    for sub in ("tmp", "new"):
        os.makedirs(os.path.join(folder, sub))
    payload = b"x" * (size - 1) + b"\n"
    start = time.monotonic()
    pids = []
    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    for w in range(writers):
        names = [f"{w}.{i}.floor" for i in range(w, files, writers)]
        # Blocked across fork: a writer never runs the driver's handlers (nor its cleanup).
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                for sig in stops:
                    signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
                _writer(folder, names, payload)
                status = 0
            finally:
                os._exit(status)
        CHILDREN.add(pid)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
        pids.append(pid)
    failed = 0
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        CHILDREN.discard(pid)
        failed += status != 0
    seconds = time.monotonic() - start
    if failed or len(os.listdir(os.path.join(folder, "new"))) != files:
        raise BenchError(f"the floor's writers failed in {folder}")
    return seconds


def _traced_by(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1])
    except OSError:
        return -1
    return 0


def syncs(server, workload, output):
    """Attaches strace -f to every process of `server`, runs `workload()`, detaches; returns
    {call: count} of the sync calls seen (calls not seen are left out)."""
    pids = server.pids()
    argv = [STRACE, "-f", "-qq", "-e", "trace=" + ",".join(SYNC_CALLS), "-o", output]
    for pid in pids:
        argv += ["-p", str(pid)]
    with open(output + ".err", "wb") as err:
        tracer = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True)
    CHILDREN.add(tracer.pid)
    try:
        end = time.monotonic() + 15
        while any(_traced_by(p) not in (tracer.pid, -1) for p in pids):
            if tracer.poll() is not None or time.monotonic() > end:
                raise BenchError(f"strace could not attach to {server.name}; see {output}.err")
            time.sleep(0.02)
        workload()
        time.sleep(0.3)
    finally:
        tracer.send_signal(signal.SIGINT)
        try:
            tracer.wait(20)
        except subprocess.TimeoutExpired:
            tracer.kill()
            tracer.wait()
        CHILDREN.discard(tracer.pid)
    counts = {}
    call = re.compile(r"^\d+\s+(\w+)\(")
    with open(output) as f:
        for line in f:
            m = call.match(line)
            if m and m.group(1) in SYNC_CALLS:
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def smaps(pid):
    """(RSS, PSS) in KiB of one process."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                values[key] = int(rest.split()[0])
    return values.get("Rss", 0), values.get("Pss", 0)


def memory(server):
    """The LMTP processes' RSS and PSS (KiB) and the PSS of all the server's processes."""
    lmtp, total = [], 0
    lmtp_pids = set(server.lmtp_pids())
    for pid in server.pids():
        try:
            rss, pss = smaps(pid)
        except OSError:
            continue
        total += pss
        if pid in lmtp_pids:
            lmtp.append({"rss_kb": rss, "pss_kb": pss})
    return {"lmtp": lmtp, "all_pss_kb": total}


def kill_children():
    for pid in list(CHILDREN):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        CHILDREN.discard(pid)
