# Private, throw-away instances of the three LMTP servers that scripts/bench-peers compares,
# each on its own 127.0.0.1 port, in its own fresh folder, delivering to the same users:
#   cyrus    Debian's Cyrus 3.6 master(8) running its own lmtpd(8) -a (cyrus-imapd); mailboxes
#            are autocreated on first delivery (autocreate_post), as Cyrus has no other way to
#            make them without an IMAP admin session
#   dovecot  Debian's Dovecot 2.3 master running its lmtp (dovecot-core, with dovecot-lmtpd
#            unpacked by scripts/setup-dovecot-imapd), static userdb, Maildirs, its default
#            mail_fsync = optimized written out
#   ours     our minimaster running our lmtpd -a (the release build, copied beside the runs)
# Each server runs in a session (process group) of its own and is stopped by its PID, then its
# process group; `LIVE` holds every server started and not yet stopped, for the driver's cleanup.
# Depends on: Python 3 standard library only.
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

# smtp-source -r 5 -t bench@localhost sends to 5bench, 4bench, 3bench, 2bench and bench.
USERS = ["bench", "2bench", "3bench", "4bench", "5bench"]
RECIPIENT = "bench@localhost"

CYRUS_MASTER = "/usr/lib/cyrus/bin/master"
CYRUS_LMTPD = "/usr/lib/cyrus/bin/lmtpd"
DOVECOT = "/usr/sbin/dovecot"
DOVECOT_LMTP = os.environ.get("DOVECOT_LMTPD_ROOT", "/var/cache/cyrusdelivery/dovecot-lmtpd") + "/usr/lib/dovecot/lmtp"

# Every server started and not yet stopped.
LIVE = set()


class BenchError(Exception):
    """A run that cannot count: a server that does not start, a refused or lost message."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chown_tree(path, user):
    entry = pwd.getpwnam(user)
    for folder, dirs, files in os.walk(path):
        os.lchown(folder, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.lchown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)


def children_map():
    """{parent pid: [child pids]} of every process, from /proc/<pid>/stat."""
    tree = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def descendants(pid):
    tree, out, todo = children_map(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def process_group(pgid):
    """The live processes of a process group (zombies left out: they wait for their reaper)."""
    members = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(name))
    return members


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def count_files(folder):
    try:
        return sum(1 for e in os.scandir(folder) if e.is_file(follow_symlinks=False))
    except FileNotFoundError:
        return 0


class Server:
    name = label = ""
    lmtp_program = ""

    def __init__(self, root):
        self.root = root
        self.port = free_port()
        self.proc = None

    def start(self, timeout=30):
        os.makedirs(self.root, mode=0o755)
        argv = self.prepare()
        self.output = os.path.join(self.root, "server.out")
        with open(self.output, "wb") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, cwd=self.root)
        LIVE.add(self)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited at start (status {self.proc.returncode}); see {self.root}")
            if self.greets():
                return
            time.sleep(0.05)
        raise BenchError(f"{self.name} did not greet on 127.0.0.1:{self.port} within {timeout} s; see {self.root}")

    def greets(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                greeting = s.recv(512)
                s.sendall(b"QUIT\r\n")
                return greeting.startswith(b"220")
        except OSError:
            return False

    def stop(self, timeout=15):
        """SIGTERM to the server's master by its PID; after `timeout` s, SIGKILL to its process
        group; waits until the group is empty. Idempotent."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        end = time.monotonic() + 10
        while process_group(pgid) and time.monotonic() < end:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        LIVE.discard(self)
        self.proc = None

    def pids(self):
        """The master and all its descendants."""
        return [self.proc.pid] + descendants(self.proc.pid) if self.proc else []

    def lmtp_pids(self):
        return [p for p in descendants(self.proc.pid) if exe(p) == self.lmtp_program]

    def delivered(self):
        """Messages stored, all users together (a message to 5 recipients counts 5 times)."""
        return sum(count_files(os.path.join(self.partition, u, sub)) for u in USERS for sub in ("new", "cur"))

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


class Cyrus(Server):
    name, lmtp_program = "cyrus", CYRUS_LMTPD

    def prepare(self):
        r = self.root
        self.partition = f"{r}/spool"
        # stage. pre-created: two lmtpd racing on a fresh partition can trip an assertion.
        for sub in ("conf/socket", "spool/stage."):
            os.makedirs(f"{r}/{sub}")
        with open(f"{r}/imapd.conf", "w") as f:
            f.write(f"configdirectory: {r}/conf\npartition-default: {r}/spool\nservername: bench.example\n"
                    "autocreate_post: 1\nautocreate_quota: 0\n")
        with open(f"{r}/cyrus.conf", "w") as f:
            f.write(f'SERVICES {{\n  lmtp cmd="{CYRUS_LMTPD} -a -C {r}/imapd.conf" listen="127.0.0.1:{self.port}"'
                    " prefork=1 maxchild=100\n}\n")
        chown_tree(r, "cyrus")
        return [CYRUS_MASTER, "-C", f"{r}/imapd.conf", "-M", f"{r}/cyrus.conf", "-p", f"{r}/master.pid",
                "-L", f"{r}/master.err"]

    def delivered(self):
        # Cyrus 3.6 keeps each mailbox in spool/uuid/<a>/<b>/<uniqueid>/, a message per <uid>. file.
        total = 0
        for folder, dirs, files in os.walk(self.partition):
            total += sum(1 for n in files if n.endswith(".") and n[:-1].isdigit())
        return total


class Dovecot(Server):
    name, lmtp_program = "dovecot", DOVECOT_LMTP

    def prepare(self):
        r = self.root
        self.partition = f"{r}/mail"
        for sub in ("run", "state", "mail"):
            os.makedirs(f"{r}/{sub}")
        chown_tree(f"{r}/mail", "mail")
        with open(f"{r}/dovecot.conf", "w") as f:
            f.write(f"""base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
first_valid_uid = 8
mail_uid = mail
mail_gid = mail
mail_location = maildir:{r}/mail/%n
# Dovecot's default, written out: fsync where it matters for durability.
mail_fsync = optimized
passdb {{
  driver = static
  args = nopassword=y
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={r}/mail/%n
}}
service lmtp {{
  executable = {DOVECOT_LMTP}
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.port}
  }}
}}
""")
        return [DOVECOT, "-F", "-c", f"{r}/dovecot.conf"]


class Ours(Server):
    name = "ours"

    def __init__(self, root, bindir):
        super().__init__(root)
        self.bindir = bindir
        self.lmtp_program = f"{bindir}/lmtpd"

    def prepare(self):
        r = self.root
        self.partition = f"{r}/mail"
        os.makedirs(f"{r}/conf/socket")
        for user in USERS:
            for sub in ("cur", "new", "tmp"):
                os.makedirs(f"{r}/mail/{user}/{sub}")
        with open(f"{r}/imapd.conf", "w") as f:
            f.write(f"configdirectory: {r}/conf\npartition-default: {r}/mail\nservername: bench.example\n"
                    "maildir_path: %u\ncyrus_user: cyrus\n")
        with open(f"{r}/cyrus.conf", "w") as f:
            f.write(f'SERVICES {{\n  lmtp cmd="{self.lmtp_program} -a -C {r}/imapd.conf" listen="127.0.0.1:{self.port}"'
                    " prefork=1 maxchild=100\n}\n")
        chown_tree(r, "cyrus")
        return [f"{self.bindir}/minimaster", "-M", f"{r}/cyrus.conf", "-C", f"{r}/imapd.conf",
                "-p", f"{r}/master.pid", "-L", f"{r}/master.log", "--drain-timeout", "10"]


def missing(bindir):
    """{peer: reason} for each peer whose programs are not installed."""
    out = {}
    for path in (CYRUS_MASTER, CYRUS_LMTPD):
        if not os.access(path, os.X_OK):
            out["cyrus"] = f"{path} missing (cyrus-imapd; run scripts/setup-deps)"
    for path in (DOVECOT, DOVECOT_LMTP):
        if not os.access(path, os.X_OK):
            out["dovecot"] = f"{path} missing (dovecot-core, dovecot-lmtpd; run scripts/setup-deps)"
    for user in ("cyrus", "mail"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            out.setdefault("cyrus" if user == "cyrus" else "dovecot", f"no system user {user}")
    for program in ("minimaster", "lmtpd"):
        if not os.access(f"{bindir}/{program}", os.X_OK):
            out["ours"] = f"{bindir}/{program} missing (swift build -c release)"
    return out


def make(peer, root, bindir):
    return {"cyrus": lambda: Cyrus(root), "dovecot": lambda: Dovecot(root), "ours": lambda: Ours(root, bindir)}[peer]()
