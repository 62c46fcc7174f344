#!/usr/bin/env python3
"""Kills swclone at random points of launches of every kind and counts what is left behind.

    faults.py SWCLONE [KILLS=300]          (as root)

FAULT_SEED=N replays a run's choices; FAULT_ONLY=TEXT runs only the kinds whose name has TEXT,
FAULT_SYSCALLS=mount,write only those windows (always under strace); FAULT_VERBOSE=1 prints
each round.

Each round starts one launch whose program is `swfault-sleep MARK` (a copy of sleep under a
name nothing else uses, MARK a duration unique to this run), most of them under
`strace -f -e inject=SYSCALL:delay_enter|delay_exit=USECS`, which holds every process of the
launch for that long at each call of SYSCALL (clone3, mount, write, read, prctl, setns,
openat, unshare...) and so widens the windows around it; the rest without strace. At a random
moment between the start and a little after the program would have started (timed by a
calibration launch of each kind), swclone gets SIGKILL. Then it counts:

- processes: swclone's own (its name, or MARK in the command line: a child still in set-up
  still has swclone's) that are left once things settle, except an --init whose program runs;
  and, with --kill-child, the program itself. A program started without --kill-child rightly
  outlives a killed swclone (as with unshare --fork): it is killed here and not counted.
- mounts: /proc/self/mountinfo against what it was before, in a mount namespace of the script's
  own whose mounts are shared among themselves (so a mount propagating back from a launch's
  namespace shows) but not with the host's (so other users' mounts do not).
- bound files: a --net=FILE still bound although the program never started: swclone never
  reached its execve (in the strace log), nor was it seen running. Otherwise the bind is what
  was asked for, and it is released here. In place, swclone killed between telling the helper
  that keeps the namespaces "executing" and entering execve is shown apart and not counted:
  nobody, the helper included, can tell it from a program killed as it starts.
- cgroups: directories under the cgroup2 mount and the v1 hierarchies that appeared during a
  round, held no process once the launch's were gone, and are still there at the end (other
  users of the machine add and remove their own); and the --into-cgroup directory, if it cannot
  be removed at the end.

The script is a child subreaper (PR_SET_CHILD_SUBREAPER): what a killed swclone leaves is
reparented to it, not to a PID 1 that may be slow to reap, so zombies are seen and reaped.
"""
import ctypes
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SYSCALLS = ["clone3", "clone", "mount", "write", "read", "prctl", "setns", "openat", "unshare", "pidfd_open",
            "wait4", "execve"]
DELAYS = [2000, 10000, 30000]           # microseconds
SETTLE = 3.0                            # seconds a set-up child gets to exec or to exit
SW_NAME, PROG_NAME, TARGET_NAME = "swclone-faults", "swfault-sleep", "swfault-target"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]


def fail(message):
    print(f"faults.py: {message}", file=sys.stderr)
    sys.exit(2)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


class Proc:
    """One process of ours, from /proc/PID/stat."""

    def __init__(self, pid, comm, state, ppid, cmdline):
        self.pid, self.comm, self.state, self.ppid, self.cmdline = pid, comm, state, ppid, cmdline

    def describe(self):
        status = (read(f"/proc/{self.pid}/status") or b"").decode(errors="replace")
        nspid = next((line.split(":", 1)[1].split() for line in status.splitlines() if line.startswith("NSpid:")), [])
        wchan = (read(f"/proc/{self.pid}/wchan") or b"?").decode(errors="replace")
        syscall = (read(f"/proc/{self.pid}/syscall") or b"?").decode(errors="replace").split(" ")[0].strip()
        cmd = self.cmdline.replace(b"\0", b" ").decode(errors="replace").strip()
        return (f"pid {self.pid} ({self.comm}, state {self.state}, parent {self.ppid}, NSpid {' '.join(nspid)}, "
                f"in syscall {syscall} at {wchan}): {cmd[:160]}")


def stat(pid):
    raw = read(f"/proc/{pid}/stat")
    if raw is None:
        return None
    s = raw.decode(errors="replace")
    fields = s[s.rindex(")") + 2:].split()
    return s[s.index("(") + 1:s.rindex(")")], fields[0], int(fields[1])


def ours(mark):
    """Every process with swclone's or the program's name, or `mark` in its command line (strace aside)."""
    found = {}
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        pid = int(name)
        st = stat(pid)
        if st is None:
            continue
        comm, state, ppid = st
        cmdline = read(f"/proc/{pid}/cmdline") or b""
        if comm == "strace":
            continue
        if comm in (SW_NAME, PROG_NAME) or mark.encode() in cmdline:
            found[pid] = Proc(pid, comm, state, ppid, cmdline)
    return found


def parents():
    """PID -> parent PID of every process (this kernel has no /proc/PID/task/TID/children)."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = stat(int(name))
            if st:
                found[int(name)] = st[2]
    return found


def descendants(pid, parent):
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += [c for c, pp in parent.items() if pp == p]
    return seen


def reap_adopted(exclude):
    """Reaps the zombies reparented to this script (it is their subreaper)."""
    me = os.getpid()
    for pid, ppid in parents().items():
        if ppid != me or pid in exclude:
            continue
        st = stat(pid)
        if st and st[1] == "Z":
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def mounts():
    """(mount point, type, source) of every mount here, as a multiset."""
    counts = {}
    for line in (read("/proc/self/mountinfo") or b"").decode(errors="replace").splitlines():
        left, right = line.split(" - ", 1)
        key = (left.split()[4], right.split()[0], right.split()[1])
        counts[key] = counts.get(key, 0) + 1
    return counts


def unescape(path):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def bound(path):
    return sum(n for (point, _, _), n in mounts().items() if unescape(point) == path)


def cgroup_mounts():
    found = []
    for line in (read("/proc/self/mountinfo") or b"").decode().splitlines():
        left, right = line.split(" - ", 1)
        if right.split()[0] in ("cgroup", "cgroup2"):
            found.append((right.split()[0], unescape(left.split()[4])))
    return found


def cgroup_dirs():
    """Every directory of every cgroup hierarchy (cgroup2 and v1)."""
    found = set()
    for _, point in cgroup_mounts():
        for parent, dirs, _ in os.walk(point):
            found.update(os.path.join(parent, d) for d in dirs)
    return found


def delta(before, after):
    return {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after) if after.get(k, 0) != before.get(k, 0)}


class Kind:
    def __init__(self, name, options, nobody=False, kill_child=False, ns_file=False, json=False, set_tid=False,
                 cgroup=False, enter=False):
        self.name, self.options, self.nobody, self.kill_child = name, options, nobody, kill_child
        self.ns_file, self.json, self.set_tid, self.cgroup, self.enter = ns_file, json, set_tid, cgroup, enter
        self.kills = self.before_exec = self.processes = self.mounts = self.bound = self.cgroups = 0
        self.bound_at_exec = 0
        self.counts = {}        # system call -> calls before the program runs (calibration)
        self.time_traced = self.time_plain = 0.0


KINDS = [
    Kind("in place", ["--mount", "--uts", "--ipc", "--net", "--hostname", "faults"]),
    Kind("--fork", ["--fork", "--mount", "--uts", "--net", "--hostname", "faults"]),
    Kind("--pid", ["--pid", "--mount-proc"]),
    Kind("--pid --init", ["--pid", "--init", "--mount-proc"]),
    Kind("maps from outside", ["--map-users=0:100000:65536", "--map-groups=0:100000:65536", "--fork"]),
    Kind("maps from outside, in place", ["--map-users=0:100000:65536", "--map-groups=0:100000:65536", "--net"]),
    Kind("nobody --user -r", ["--user", "--map-root-user", "--net"], nobody=True),
    Kind("--json-status", ["--pid", "--net"], json=True),
    Kind("--net=FILE", ["--uts"], ns_file=True),
    Kind("--net=FILE --fork", ["--fork", "--uts"], ns_file=True),
    Kind("--kill-child", ["--kill-child", "--uts", "--net"], kill_child=True),
    Kind("--kill-child --pid --init", ["--kill-child=TERM", "--pid", "--init", "--mount-proc"], kill_child=True),
    Kind("--set-tid", ["--uts"], set_tid=True),
    Kind("--into-cgroup", ["--uts"], cgroup=True),
    Kind("enter -t PID -p -u", [], enter=True),
]


class Run:
    def __init__(self, swclone, kills, seed):
        self.kills, self.random = kills, random.Random(seed)
        self.seed = seed
        self.mark = f"{self.random.randint(4000, 8999)}.{self.random.randint(100000, 999999)}"
        self.work = tempfile.mkdtemp(prefix="swclone-faults.")
        os.chmod(self.work, 0o755)
        self.sw = os.path.join(self.work, SW_NAME)
        self.prog = os.path.join(self.work, PROG_NAME)
        shutil.copy(os.path.realpath(swclone), self.sw)
        shutil.copy(shutil.which("sleep"), self.prog)
        shutil.copy(os.path.realpath(swclone), os.path.join(self.work, TARGET_NAME))
        for f in (self.sw, self.prog, os.path.join(self.work, TARGET_NAME)):
            os.chmod(f, 0o755)
        self.kinds = [k for k in KINDS if os.environ.get("FAULT_ONLY", "") in k.name]
        if not self.kinds:
            fail(f"no kind of launch named like {os.environ.get('FAULT_ONLY')}")
        self.round = 0
        self.details = []
        self.cgroup = self.target = self.target_proc = None
        self.new_cgroups = []   # (directory, kind, where) that appeared during a round

    # -- fixtures -----------------------------------------------------------------------------

    def start_fixtures(self):
        # Its own private mount: a namespace bound on a file here propagates nowhere.
        subprocess.run(["mount", "--bind", self.work, self.work], check=True)
        subprocess.run(["mount", "--make-private", self.work], check=True)
        cgroup2 = [p for t, p in cgroup_mounts() if t == "cgroup2"]
        if not cgroup2:
            fail("no cgroup2 filesystem is mounted (--into-cgroup needs one)")
        self.cgroup = os.path.join(cgroup2[-1], f"swclone-faults.{os.getpid()}")
        os.mkdir(self.cgroup)
        # The target of enter: PID 1 of its PID namespace is an init that reaps orphans.
        target_mark = f"{self.random.randint(10000, 99999)}.5"
        self.target_proc = subprocess.Popen([os.path.join(self.work, TARGET_NAME), "--pid", "--uts", "--init",
                                             "--kill-child", "--", "sleep", target_mark],
                                            stdin=subprocess.DEVNULL)
        deadline = time.time() + 10
        while self.target is None and time.time() < deadline:
            parent = parents()
            for p in descendants(self.target_proc.pid, parent):
                if (stat(p) or ("",))[0] == "sleep":
                    self.target = p
            time.sleep(0.01)
        if self.target is None:
            fail("the target of enter did not start")

    def stop_fixtures(self):
        if self.target_proc:
            self.target_proc.kill()
            self.target_proc.wait()
        deadline = time.time() + 5
        while self.cgroup and os.path.isdir(self.cgroup) and time.time() < deadline:
            try:
                os.rmdir(self.cgroup)
            except OSError:
                time.sleep(0.05)
        if self.cgroup and os.path.isdir(self.cgroup):
            # Something still lives in the --into-cgroup directory.
            kind = next(k for k in KINDS if k.cgroup)
            kind.cgroups += 1
            procs = (read(os.path.join(self.cgroup, "cgroup.procs")) or b"").decode().split()
            self.details.append(f"{kind.name}: {self.cgroup} cannot be removed, processes in it: {procs}")
        subprocess.run(["umount", "-l", self.work], check=False)
        shutil.rmtree(self.work, ignore_errors=True)

    # -- one launch ---------------------------------------------------------------------------

    def command(self, kind, ns_file, json_fd, argument):
        """The launch's command line."""
        if kind.enter:
            return [self.sw, "enter", "-t", str(self.target), "-p", "-u", "--", self.prog, argument]
        options = list(kind.options)
        if ns_file:
            options.append(f"--net={ns_file}")
        if json_fd is not None:
            options += ["--json-status", str(json_fd)]
        if kind.set_tid:
            options += ["--set-tid", str(self.free_pid())]
        if kind.cgroup:
            options += ["--into-cgroup", self.cgroup]
        return (NOBODY if kind.nobody else []) + [self.sw] + options + ["--", self.prog, argument]

    def free_pid(self):
        pid_max = int(read("/proc/sys/kernel/pid_max") or b"32768")
        while True:
            pid = self.random.randint(max(300, pid_max // 2), pid_max - 1)
            if not os.path.exists(f"/proc/{pid}"):
                return pid

    def launch(self, kind, syscall=None, delay=None, when="delay_enter", trace=False, argument=None):
        """Starts one launch; returns (the process started, the strace log or None, the namespace file or None)."""
        self.round += 1
        ns_file = None
        if kind.ns_file:
            ns_file = os.path.join(self.work, f"net.{self.round}")
            open(ns_file, "w").close()
        json_file = json_fd = None
        if kind.json:
            json_file = open(os.path.join(self.work, "status.json"), "w")
            json_fd = json_file.fileno()
        cmd = self.command(kind, ns_file, json_fd, argument or self.mark)
        log = os.path.join(self.work, f"strace.{self.round}")
        if syscall or trace:
            strace = ["strace", "-f", "-qq", "-o", log]
            if syscall:
                strace += ["-e", f"inject={syscall}:{when}={delay}"]
            cmd = strace + ["--"] + cmd
        err = open(os.path.join(self.work, "stderr"), "w")
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                pass_fds=[json_fd] if json_fd is not None else [])
        err.close()
        if json_file:
            json_file.close()
        return proc, (log if (syscall or trace) else None), ns_file

    @staticmethod
    def launcher(proc, traced, deadline):
        """swclone's PID once it runs: the process started, or under strace the child of strace
        that has exec'd swclone (or setpriv); strace's first children only probe ptrace."""
        if not traced:
            return proc.pid
        names = (SW_NAME, "setpriv")
        scan = 0.0
        while time.time() < deadline:
            # Usually one of the next few PIDs; all of /proc now and then.
            for pid in range(proc.pid + 1, proc.pid + 8):
                st = stat(pid)
                if st and st[2] == proc.pid and st[0] in names:
                    return pid
            if time.time() > scan:
                for pid, ppid in parents().items():
                    if ppid == proc.pid and (stat(pid) or ("",))[0] in names:
                        return pid
                scan = time.time() + 0.005
            time.sleep(0.0001)
        return None

    # -- calibration --------------------------------------------------------------------------

    def calibrate(self, kind):
        """Times a whole launch of each kind whose program ends at once (`sleep 0`), without
        strace and under strace (with no delay), and counts the calls of each system call made
        before the program runs: a kill lands anywhere from the start to a little after it ran."""
        for traced in (False, True):
            times = []
            for _ in range(3):
                proc, log, ns_file = self.launch(kind, trace=traced, argument="0")
                self.launcher(proc, traced, time.time() + 10)
                start = time.time()
                try:
                    status = proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    status = "no end after 30 s"
                times.append(time.time() - start)
                self.end_processes(proc)
                self.release(ns_file, ran=True)
                if status != 0:
                    error = (read(os.path.join(self.work, "stderr")) or b"").decode(errors="replace").strip()
                    fail(f"{kind.name}: the launch failed ({status}): {error}")
            took = sorted(times)[1]
            if traced:
                kind.time_traced = took
                kind.counts = self.calls_before_exec(log)
            else:
                kind.time_plain = took

    def calls_before_exec(self, log):
        counts = {}
        for line in (read(log) or b"").decode(errors="replace").splitlines():
            m = re.match(r"(\d+) +(?:<\.\.\. )?(\w+)", line)
            if not m:
                continue
            name = m.group(2)
            if "resumed" not in line:
                counts[name] = counts.get(name, 0) + 1
            if name == "execve" and f'"{self.prog}"' in line and line.rstrip().endswith("= 0"):
                break
        return counts

    def program_ran(self, log):
        """swclone reached the program's execve (strace logs a call when it enters it, finished or not): a
        kill from then on is the program's, at its start, the same from outside as right after it."""
        return f' execve("{self.prog}"'.encode() in (read(log) or b"")

    @staticmethod
    def at_exec(log, pid):
        """swclone, in place, was killed at the exec boundary: after it said "executing" to the helper
        that keeps its namespaces (the record that goes just before execve: step 0, progress 2) and
        before it entered execve."""
        return re.search(rb'(^|\n)%d write\(\d+, "(\\0){4}\\2(\\0){7}", 12\) = 12' % pid, read(log) or b"") is not None

    @staticmethod
    def last_call(log, pid):
        last = "nothing traced"
        for line in (read(log) or b"").decode(errors="replace").splitlines():
            call = line[len(str(pid)) + 1:].strip()
            if line.startswith(f"{pid} ") and not call.startswith(("+++", "---")):
                last = call
        return last[:140]

    # -- after a kill -------------------------------------------------------------------------

    def settle(self, kind, exclude):
        """Waits until nothing of swclone's is left in set-up (and, with --kill-child, no
        program); returns what is still left at the end, and whether the program ran."""
        deadline = time.time() + SETTLE
        seen_program = False
        while True:
            reap_adopted(exclude)
            procs = ours(self.mark)
            programs = [p for p in procs.values() if p.comm == PROG_NAME and p.state != "Z"]
            seen_program |= bool(programs)
            living = {p.pid for p in programs}
            # An --init supervising the program it started is not in set-up.
            parent = parents()
            supervising = {p.pid for p in procs.values() if any(d in living for d in descendants(p.pid, parent)[1:])}
            left = [p for p in procs.values()
                    if (p.comm != PROG_NAME and p.pid not in supervising) or (kind.kill_child and p.comm == PROG_NAME)
                    or p.state == "Z"]
            if not left or time.time() > deadline:
                return left, seen_program
            time.sleep(0.02)

    def end_processes(self, proc):
        """Ends what rightly outlived swclone (the program, its init), then strace (whose log is
        complete only then)."""
        deadline = time.time() + 10
        while time.time() < deadline:
            procs = ours(self.mark)
            if not procs:
                break
            for p in procs.values():
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            reap_adopted({proc.pid})
            time.sleep(0.01)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reap_adopted(set())

    @staticmethod
    def release(ns_file, ran):
        """Releases a kept namespace; returns how many binds were left without the program running."""
        n = bound(ns_file) if ns_file else 0
        for _ in range(n):
            subprocess.run(["umount", "-l", ns_file], check=False)
        return 0 if ran else n

    # -- the run ------------------------------------------------------------------------------

    def kill_round(self, kind):
        usable = [s for s in os.environ.get("FAULT_SYSCALLS", ",".join(SYSCALLS)).split(",") if kind.counts.get(s, 0) > 0]
        syscall = self.random.choice(usable + ([] if os.environ.get("FAULT_SYSCALLS") else [None])) if usable else None
        delay = self.random.choice(DELAYS)
        when = self.random.choice(["delay_enter", "delay_exit"])
        if syscall:
            window = kind.time_traced + kind.counts[syscall] * delay / 1e6
        else:
            window = kind.time_plain
        kill_at = self.random.uniform(0, 1.3 * window)

        mounts_before, cgroups_before = mounts(), cgroup_dirs()
        proc, log, ns_file = self.launch(kind, syscall, delay, when)
        pid = self.launcher(proc, log is not None, time.time() + 10)
        time.sleep(kill_at)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        kind.kills += 1
        # Without strace swclone is this script's child: its name, read before it is reaped, says
        # whether it had become the program (in place) by then.
        ran_at_kill = False
        if log is None and pid:
            deadline = time.time() + 5
            while (stat(pid) or ("", "Z"))[1] != "Z" and time.time() < deadline:
                time.sleep(0.0005)
            ran_at_kill = (stat(pid) or ("",))[0] == PROG_NAME
            proc.wait()
        left, seen_program = self.settle(kind, {proc.pid})
        left = [p.describe() for p in left]
        kind.processes += len(left)

        self.end_processes(proc)
        ran = ran_at_kill or seen_program or (log is not None and self.program_ran(log))
        if not ran:
            kind.before_exec += 1
        where = (f"{syscall} {when}={delay}us" if syscall else "no strace") + f", killed at {kill_at * 1000:.1f} ms"
        if log and pid:
            where += f", swclone's last call: {self.last_call(log, pid)}"
        if os.environ.get("FAULT_VERBOSE"):
            print(f"round {self.round}: {kind.name}: {where}; program ran: {ran}; left: {left}", flush=True)
        for p in left:
            self.details.append(f"{kind.name} ({where}): process left: {p}")
        bound_left = self.release(ns_file, ran)
        if bound_left and log and pid and self.at_exec(log, pid):
            # Nobody can tell that from a program killed at its start: the bind is what was asked for.
            kind.bound_at_exec += bound_left
            self.details.append(f"{kind.name} ({where}): {ns_file} still bound, swclone killed at its exec (not counted)")
        elif bound_left:
            self.details.append(f"{kind.name} ({where}): {ns_file} still bound, and the program never ran")
            kind.bound += bound_left
        extra = delta(mounts_before, mounts())
        if extra:
            self.details.append(f"{kind.name} ({where}): mounts changed: {extra}")
            kind.mounts += sum(abs(n) for n in extra.values())
        # Once every process of the launch is gone, a new cgroup with processes in it is another user's.
        for path in cgroup_dirs() - cgroups_before:
            if not (read(os.path.join(path, "cgroup.procs")) or b"").strip():
                self.new_cgroups.append((path, kind, where))
        if log:
            os.unlink(log)

    def run(self):
        mounts_start = mounts()
        self.start_fixtures()
        started = time.time()
        try:
            for kind in self.kinds:
                self.calibrate(kind)
            for i in range(self.kills):
                self.kill_round(self.kinds[i % len(self.kinds)])
        finally:
            self.stop_fixtures()
        seconds = time.time() - started
        # Once everything is gone, the host is as it was.
        mounts_end = delta(mounts_start, mounts())
        # Other users of the machine make and remove cgroups too: a directory that appeared during a
        # round counts if it is still there at the end, and stays a few seconds more.
        deadline = time.time() + 5
        while any(os.path.isdir(p) for p, _, _ in self.new_cgroups) and time.time() < deadline:
            time.sleep(0.1)
        for path, kind, where in self.new_cgroups:
            if os.path.isdir(path):
                kind.cgroups += 1
                self.details.append(f"{kind.name} ({where}): cgroup directory left: {path}")

        release = os.uname().release
        print(f"swclone faults: {self.kills} kills over {len(self.kinds)} kinds of launch in {seconds:.0f} s "
              f"(kernel {release}, {os.cpu_count()} CPUs, seed {self.seed})")
        width = max(len(k.name) for k in self.kinds)
        for k in self.kinds:
            print(f"  {k.name:<{width}}  kills: {k.kills:3d} ({k.before_exec:3d} before the program ran), "
                  f"leftover processes: {k.processes}, leftover mounts: {k.mounts}, bound files: {k.bound}, "
                  f"cgroups: {k.cgroups}" + (f" (killed at its exec: {k.bound_at_exec} bound, not counted)"
                                             if k.bound_at_exec else ""))
        for line in self.details:
            print("  " + line)
        if mounts_end:
            print(f"  after the run: mounts changed {mounts_end}")
        total = {f: sum(getattr(k, f) for k in self.kinds) for f in ("kills", "processes", "mounts", "bound", "cgroups")}
        print(f"kills: {total['kills']}, leftover processes: {total['processes']}, leftover mounts: {total['mounts']}, "
              f"bound files: {total['bound']}, cgroups: {total['cgroups']}")
        return 0 if total["processes"] + total["mounts"] + total["bound"] + total["cgroups"] == 0 \
            and not mounts_end else 1


def main():
    if len(sys.argv) < 2:
        fail("usage: faults.py SWCLONE [KILLS]")
    if os.geteuid() != 0:
        fail("needs root")
    for tool in ("strace", "setpriv", "sleep", "mount"):
        if not shutil.which(tool):
            fail(f"{tool} not found")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:    # PR_SET_CHILD_SUBREAPER
        fail("cannot become a child subreaper")
    # A mount namespace of our own whose mounts are shared among themselves, and not with the host's:
    # the launches' new mount namespaces are still its peers (a mount that would propagate back from
    # one shows here), and what other users of the machine mount meanwhile does not.
    if libc.unshare(0x00020000) != 0:   # CLONE_NEWNS
        fail(f"cannot make a mount namespace: {os.strerror(ctypes.get_errno())}")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    subprocess.run(["mount", "--make-rshared", "/"], check=True)
    kills = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(os.environ.get("FAULT_SEED") or random.SystemRandom().randint(1, 2**31))
    sys.exit(Run(sys.argv[1], kills, seed).run())


if __name__ == "__main__":
    main()
