import Foundation
import Testing

/// Seccomp filters against the kernel: what --seccomp-default refuses, from
/// inside, each call compared with the same call without the filter; the
/// TIOCSTI block on a real pseudo-terminal; compiled filters given with
/// --seccomp and --add-seccomp-fd; bad input. As root and as an unprivileged user.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct SeccompTests {
    static let callers: [String?] = [nil, "65534"]

    /// A directory of the test's own (any user may use it), with the helper built in it, removed afterwards.
    struct Workspace: ~Copyable {
        let dir: String
        var helper: String { dir + "/try-syscall" }

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-seccomp-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            chmod(dir, 0o777)
            try writeFile(dir + "/try-syscall.c", Data(SeccompTests.helperSource.utf8))
            let built = try runProgram("/usr/bin/env", ["cc", "-O", "-o", helper, dir + "/try-syscall.c"])
            guard built.status == 0 else {
                try? FileManager.default.removeItem(atPath: dir)
                throw POSIXError(.ENOEXEC, userInfo: [NSLocalizedDescriptionKey: "cc: \(built.stderr)"])
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        /// A file of the workspace holding `bytes`.
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            try writeFile(dir + "/" + name, Data(bytes))
            return dir + "/" + name
        }
    }

    /// Each call with arguments that make it fail harmlessly when it is allowed (a bad pointer,
    /// descriptor or flag: nothing is mounted, attached or loaded, filter or not), printed as
    /// "call ERRNO" ("call ok" for success). `tty_*` use standard input, a terminal.
    static let helperSource = #"""
        #define _GNU_SOURCE
        #include <errno.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/ioctl.h>
        #include <sys/ptrace.h>
        #include <sys/syscall.h>
        #include <unistd.h>
        #define BAD 1L
        int main(int argc, char **argv) {
            for (int i = 1; i < argc; i++) {
                const char *c = argv[i];
                long rc = -2;
                char x = 'x';
                if (!strcmp(c, "keyctl")) rc = syscall(SYS_keyctl, 0x7fffffff, 0, 0, 0, 0);
                else if (!strcmp(c, "add_key")) rc = syscall(SYS_add_key, BAD, BAD, BAD, 0, 0);
                else if (!strcmp(c, "request_key")) rc = syscall(SYS_request_key, BAD, BAD, BAD, 0);
                else if (!strcmp(c, "bpf")) rc = syscall(SYS_bpf, 0, 0, 0);
                else if (!strcmp(c, "perf_event_open")) rc = syscall(SYS_perf_event_open, BAD, 0, -1, -1, 0);
                else if (!strcmp(c, "userfaultfd")) rc = syscall(SYS_userfaultfd, 0x7fff0000);
                else if (!strcmp(c, "init_module")) rc = syscall(SYS_init_module, BAD, 0, BAD);
                else if (!strcmp(c, "finit_module")) rc = syscall(SYS_finit_module, -1, BAD, 0);
                else if (!strcmp(c, "delete_module")) rc = syscall(SYS_delete_module, BAD, 0);
                else if (!strcmp(c, "kexec_load")) rc = syscall(SYS_kexec_load, 0, 0, 0, 0x7fff0000);
                else if (!strcmp(c, "kexec_file_load")) rc = syscall(SYS_kexec_file_load, -1, -1, 0, 0, 0x7fff0000);
                else if (!strcmp(c, "mount")) rc = syscall(SYS_mount, BAD, BAD, BAD, 0, 0);
                else if (!strcmp(c, "umount2")) rc = syscall(SYS_umount2, BAD, 0);
                else if (!strcmp(c, "pivot_root")) rc = syscall(SYS_pivot_root, BAD, BAD);
                else if (!strcmp(c, "fsopen")) rc = syscall(SYS_fsopen, BAD, 0);
                else if (!strcmp(c, "fsconfig")) rc = syscall(SYS_fsconfig, -1, 0, 0, 0, 0);
                else if (!strcmp(c, "fsmount")) rc = syscall(SYS_fsmount, -1, 0, 0);
                else if (!strcmp(c, "fspick")) rc = syscall(SYS_fspick, -1, BAD, 0);
                else if (!strcmp(c, "move_mount")) rc = syscall(SYS_move_mount, -1, BAD, -1, BAD, 0);
                else if (!strcmp(c, "open_tree")) rc = syscall(SYS_open_tree, -1, BAD, 0);
                else if (!strcmp(c, "mount_setattr")) rc = syscall(SYS_mount_setattr, -1, BAD, 0, 0, 0);
                else if (!strcmp(c, "open_tree_attr")) rc = syscall(467, -1, BAD, 0, BAD, 0);
                else if (!strcmp(c, "ptrace_attach")) rc = syscall(SYS_ptrace, PTRACE_ATTACH, 0, 0, 0);
                else if (!strcmp(c, "ptrace_seize")) rc = syscall(SYS_ptrace, PTRACE_SEIZE, 0, 0, 0);
                else if (!strcmp(c, "process_vm_readv")) rc = syscall(SYS_process_vm_readv, 0, BAD, 1, BAD, 1, 0);
                else if (!strcmp(c, "process_vm_writev")) rc = syscall(SYS_process_vm_writev, 0, BAD, 1, BAD, 1, 0);
                else if (!strcmp(c, "pidfd_getfd")) rc = syscall(SYS_pidfd_getfd, -1, 0, 0);
                else if (!strcmp(c, "tiocsti")) rc = syscall(SYS_ioctl, -1, TIOCSTI, &x);
                else if (!strcmp(c, "tiocsti_high")) rc = syscall(SYS_ioctl, -1, (unsigned long)TIOCSTI | (1UL << 32), &x);
                else if (!strcmp(c, "tioclinux")) rc = syscall(SYS_ioctl, -1, TIOCLINUX, &x);
                else if (!strcmp(c, "tty_tiocsti")) rc = ioctl(0, TIOCSTI, &x);
                else if (!strcmp(c, "tty_tiocsti_high")) rc = syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), &x);
                else if (!strcmp(c, "tty_tioclinux")) rc = syscall(SYS_ioctl, 0, TIOCLINUX, &x);
        #ifdef __x86_64__
                else if (!strcmp(c, "i386_keyctl")) {
                    __asm__ volatile("int $0x80" : "=a"(rc) : "a"(288), "b"(0x7fffffff) : "memory");
                    if (rc < 0) {
                        errno = (int)-rc;
                        rc = -1;
                    }
                } else if (!strcmp(c, "x32_keyctl")) rc = syscall(0x40000000 | 250, 0x7fffffff, 0, 0, 0, 0);
        #endif
                printf("%s %s\n", c, rc == -1 ? strerrorname_np(errno) : rc == -2 ? "unknown" : "ok");
            }
            return 0;
        }
        """#

    static let keyrings = ["keyctl", "add_key", "request_key"]
    static let kernelInterfaces = ["bpf", "perf_event_open", "userfaultfd"]
    static let modulesAndKexec = ["init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load"]
    static let mounts = [
        "mount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
        "open_tree_attr",
    ]
    static let ioctls = ["tiocsti", "tiocsti_high", "tioclinux"]
    static let reachingOut = ["ptrace_attach", "ptrace_seize", "process_vm_readv", "process_vm_writev", "pidfd_getfd"]
    #if arch(x86_64)
    /// The same refusal through the i386 (int $0x80) and x32 system call ABIs.
    static let otherABIs = ["i386_keyctl", "x32_keyctl"]
    #else
    static let otherABIs: [String] = []
    #endif
    static let refused = keyrings + kernelInterfaces + modulesAndKexec + mounts + ioctls + reachingOut + otherABIs

    /// "call ERRNO" lines as a dictionary.
    func results(_ run: Run) -> [String: String] {
        var results: [String: String] = [:]
        for line in run.lines {
            let words = line.split(separator: " ")
            if words.count == 2 { results[String(words[0])] = String(words[1]) }
        }
        return results
    }

    /// Where the helper runs: a mount namespace always, so that no call could touch the host's mounts
    /// even if it were allowed with valid arguments; for the unprivileged caller, root in a user
    /// namespace, which may mount there: that is where refusing mounts matters.
    func sandbox(_ user: String?) -> [String] {
        user == nil ? ["--mount", "--ipc"] : ["--user", "--map-root-user", "--mount", "--ipc"]
    }

    @Test(arguments: callers)
    func everyRefusedCallFailsWithEPERM(user: String?) throws {
        let w = try Workspace()
        let without = try Swclone.run(sandbox(user) + ["--", w.helper] + Self.refused, asUser: user)
        let with = try Swclone.run(sandbox(user) + ["--seccomp-default", "--", w.helper] + Self.refused, asUser: user)
        #expect(without.status == 0 && with.status == 0, "\(without.stderr) \(with.stderr)")
        let allowed = results(without), refused = results(with)
        for call in Self.refused {
            #expect(refused[call] == "EPERM", "\(call) under --seccomp-default: \(refused[call] ?? "no line")")
        }
        // The filter, not a lack of privilege, is what refuses: without it, these fail otherwise.
        let reachable =
            user == nil ? Self.refused : Self.keyrings + Self.mounts + Self.ioctls + Self.reachingOut + Self.otherABIs
        for call in reachable {
            #expect(allowed[call] != nil && allowed[call] != "EPERM", "\(call) without a filter: \(allowed[call] ?? "no line")")
        }
    }

    /// In a PID namespace of the program's own every PID is inside: ptrace and its kin are left alone.
    @Test(arguments: callers)
    func ptraceIsLeftAloneInAPIDNamespaceOfItsOwn(user: String?) throws {
        let w = try Workspace()
        let r = try Swclone.run(
            sandbox(user) + ["--pid", "--fork", "--seccomp-default", "--", w.helper] + Self.reachingOut + ["keyctl"], asUser: user)
        #expect(r.status == 0, "\(r.stderr)")
        let results = results(r)
        for call in Self.reachingOut { #expect(results[call] != nil && results[call] != "EPERM", "\(call): \(results[call] ?? "no line")") }
        #expect(results["keyctl"] == "EPERM")
    }

    /// `strace -p` takes hold of a running process (PTRACE_SEIZE, then PTRACE_ATTACH): refused for a
    /// process outside the sandbox (that one could be traced without the filter: same user),
    /// allowed for one inside a PID namespace of the program's own. `strace COMMAND` starts its
    /// program under PTRACE_TRACEME, which works everywhere.
    @Test(arguments: callers)
    func straceAttachesOnlyInsideAPIDNamespaceOfItsOwn(user: String?) throws {
        let sandbox = sandbox(user).joined(separator: " ")
        let outside = try shell(
            "sleep 20 & pid=$!; '\(Swclone.path)' \(sandbox) --seccomp-default -- strace -o /dev/null -p $pid; echo rc=$?; kill $pid",
            asUser: user)
        #expect(outside.lines == ["rc=1"] && outside.stderr.contains("Operation not permitted"), "\(outside.stdout) \(outside.stderr)")
        let inside = try Swclone.run(
            self.sandbox(user) + ["--pid", "--fork", "--seccomp-default", "--", "sh", "-c", "sleep 1 & exec strace -o /dev/null -p $!"],
            asUser: user)
        #expect(inside.status == 0, "\(inside.stderr)")
        let start = try Swclone.run(self.sandbox(user) + ["--seccomp-default", "--", "strace", "-o", "/dev/null", "true"], asUser: user)
        #expect(start.status == 0, "\(start.stderr)")
    }

    /// A shell script run as `user` (setpriv, as `Swclone.run` does), or as root.
    func shell(_ script: String, asUser user: String?) throws -> Run {
        let setpriv = user.map { ["/usr/bin/setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups", "--inh-caps=-all"] } ?? []
        let command = setpriv + ["/bin/sh", "-c", script]
        return try runProgram(command[0], Array(command.dropFirst()))
    }

    /// A shell, ls, a compiler and the program it built run under the filter, inside a view too;
    /// the kernel shows the filter and no_new_privs.
    @Test(arguments: callers)
    func ordinaryWorkRunsUnderTheFilter(user: String?) throws {
        let w = try Workspace()
        let script = """
            ls / >/dev/null && echo listed
            printf 'int main(void) { return 42; }\\n' > \(w.dir)/p.c && cc -o \(w.dir)/p \(w.dir)/p.c && { \(w.dir)/p; echo built $?; }
            grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status | tr -d '\\t'
            """
        let plain = try Swclone.run(["--seccomp-default", "--", "sh", "-c", script], asUser: user)
        #expect(plain.lines == ["listed", "built 42", "NoNewPrivs:1", "Seccomp:2"], "\(plain.stdout) \(plain.stderr)")
        let view = try Swclone.run(
            [
                "--pid", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--bind", w.dir, w.dir,
                "--seccomp-default", "--", "sh", "-c", script,
            ], asUser: user)
        #expect(view.lines == ["listed", "built 42", "NoNewPrivs:1", "Seccomp:2"], "\(view.stdout) \(view.stderr)")
    }

    /// The init that --init puts at PID 1 is filtered too: the program could trace it otherwise.
    @Test func theInitIsFilteredToo() throws {
        let r = try Swclone.run([
            "--pid", "--mount", "--mount-proc", "--init", "--seccomp-default", "--", "sh", "-c",
            "grep -h '^Seccomp:' /proc/1/status /proc/self/status | tr -d '\\t'; echo pid=$$",
        ])
        #expect(r.lines == ["Seccomp:2", "Seccomp:2", "pid=2"], "\(r.stdout) \(r.stderr)")
    }

    // MARK: a real terminal

    /// Runs `argv` as the session leader of a new pseudo-terminal (python3's pty module): its
    /// standard input is the terminal, its controlling one. Returns what the terminal showed.
    func onTerminal(_ argv: [String]) throws -> String {
        let driver = """
            import os, pty, sys
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            out = b""
            while True:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                out += data
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors="replace").replace("\\r", "") + "STATUS %d\\n" % os.waitstatus_to_exitcode(status))
            """
        return try runProgram("/usr/bin/env", ["python3", "-c", driver] + argv, timeout: 30).stdout
    }

    static let terminalCalls = ["tty_tiocsti", "tty_tiocsti_high", "tty_tioclinux"]

    /// TIOCSTI pushes input into the caller's terminal: refused under the filter, also with the
    /// request's upper 32 bits set (which the kernel ignores: bubblewrap's CVE-2017-5226), in place
    /// and from a child that took the terminal's foreground. Without the filter, root's works.
    @Test(arguments: callers)
    func tiocstiIsRefusedOnARealTerminal(user: String?) throws {
        let w = try Workspace()
        let setpriv = user.map { ["/usr/bin/setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups", "--inh-caps=-all"] } ?? []
        for options in [["--seccomp-default"], sandbox(user) + ["--pid", "--fork", "--seccomp-default"]] {
            let t = try onTerminal(setpriv + [Swclone.path] + options + ["--", w.helper] + Self.terminalCalls)
            for call in Self.terminalCalls {
                #expect(t.contains("\(call) EPERM"), "\(options): \(t)")
            }
            #expect(t.hasSuffix("STATUS 0\n"), "\(t)")
        }
        if user == nil {
            let t = try onTerminal([Swclone.path, "--", w.helper] + Self.terminalCalls)
            #expect(t.contains("tty_tiocsti ok") && t.contains("tty_tiocsti_high ok"), "\(t)")
            #expect(!t.contains("tty_tioclinux EPERM") && t.contains("tty_tioclinux "), "\(t)")
        }
    }

    // MARK: compiled filters

    /// A classic-BPF filter for this architecture: each system call of `refuse` fails with its errno,
    /// anything else is allowed (what libseccomp would export, written by hand).
    static func program(_ refuse: [(call: UInt32, errno: Int32)]) -> [UInt8] {
        #if arch(x86_64)
        let arch: UInt32 = 0xC000_003E
        #elseif arch(arm64)
        let arch: UInt32 = 0xC000_00B7
        #endif
        func instruction(_ code: UInt16, _ jt: UInt8, _ jf: UInt8, _ k: UInt32) -> [UInt8] {
            [UInt8(code & 0xff), UInt8(code >> 8), jt, jf] + (0..<4).map { UInt8(k >> (8 * $0) & 0xff) }
        }
        let load = UInt16(0x20), jumpIfEqual = UInt16(0x15), ret = UInt16(0x06)
        let allow: UInt32 = 0x7fff_0000, errno: UInt32 = 0x0005_0000
        // ld arch; jeq ARCH else allow; ld nr; per call: jeq NR else next, ret ERRNO; ret ALLOW.
        var code = instruction(load, 0, 0, 4) + instruction(jumpIfEqual, 0, UInt8(2 * refuse.count + 1), arch) + instruction(load, 0, 0, 0)
        for rule in refuse {
            code += instruction(jumpIfEqual, 0, 1, rule.call) + instruction(ret, 0, 0, errno | UInt32(rule.errno))
        }
        return code + instruction(ret, 0, 0, allow)
    }

    #if arch(x86_64)
    static let keyctl: UInt32 = 250, addKey: UInt32 = 248
    #elseif arch(arm64)
    static let keyctl: UInt32 = 219, addKey: UInt32 = 217
    #endif

    /// `swclone args...` with files open on descriptors (`3<file`), as the caller hands them over,
    /// and `closed` descriptors surely closed (the test runner may have left some open).
    func runWithFiles(_ args: [String], files: [Int32: String], closed: [Int32] = [], asUser user: String?) throws -> Run {
        let redirections =
            files.sorted { $0.key < $1.key }.map { "\($0.key)<\($0.value)" } + closed.map { "\($0)<&-" }
        var command = [Swclone.path] + args
        if let user { command = ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--inh-caps=-all"] + command }
        return try runProgram("/bin/sh", ["-c", "exec \"$@\" " + redirections.joined(separator: " "), "sh"] + command)
    }

    @Test(arguments: callers)
    func seccompBlocksWhatItsFilterSays(user: String?) throws {
        let w = try Workspace()
        let filter = try w.file("keyctl.bpf", Self.program([(Self.keyctl, ECONNREFUSED)]))
        let r = try runWithFiles(["--seccomp", "3", "--", w.helper, "keyctl", "add_key"], files: [3: filter], asUser: user)
        #expect(r.lines == ["keyctl ECONNREFUSED", "add_key EFAULT"], "\(r.stdout) \(r.stderr)")
    }

    /// Every --add-seccomp-fd filter is loaded; where two refuse the same call, the one loaded last
    /// gives its errno (the kernel's rule), as with --seccomp-default and a caller's filter.
    @Test(arguments: callers)
    func addSeccompFDLoadsEveryFilterInOrder(user: String?) throws {
        let w = try Workspace()
        let keyctl = try w.file("keyctl.bpf", Self.program([(Self.keyctl, ECONNREFUSED)]))
        let addKey = try w.file("add_key.bpf", Self.program([(Self.addKey, EHOSTUNREACH)]))
        let both = try runWithFiles(
            ["--add-seccomp-fd", "3", "--add-seccomp-fd", "4", "--", w.helper, "keyctl", "add_key", "request_key"],
            files: [3: keyctl, 4: addKey], asUser: user)
        #expect(both.lines == ["keyctl ECONNREFUSED", "add_key EHOSTUNREACH", "request_key EFAULT"], "\(both.stdout) \(both.stderr)")
        let again = try w.file("keyctl-again.bpf", Self.program([(Self.keyctl, EHOSTUNREACH)]))
        let tie = try runWithFiles(
            ["--add-seccomp-fd", "3", "--add-seccomp-fd", "4", "--", w.helper, "keyctl"], files: [3: keyctl, 4: again], asUser: user)
        #expect(tie.lines == ["keyctl EHOSTUNREACH"], "\(tie.stdout) \(tie.stderr)")
        let withDefault = try runWithFiles(
            sandbox(user) + ["--seccomp-default", "--seccomp", "3", "--", w.helper, "keyctl", "add_key", "mount"], files: [3: keyctl],
            asUser: user)
        #expect(
            withDefault.lines == ["keyctl ECONNREFUSED", "add_key EPERM", "mount EPERM"], "\(withDefault.stdout) \(withDefault.stderr)")
    }

    // MARK: bad input

    @Test(arguments: callers)
    func badFiltersAreOneErrorLine(user: String?) throws {
        let w = try Workspace()
        let empty = try w.file("empty.bpf", [])
        let truncated = try w.file("truncated.bpf", Array(Self.program([]).dropLast(3)))
        // A load with no return: the kernel's checker refuses it.
        let invalid = try w.file("invalid.bpf", [0x20, 0, 0, 0, 0, 0, 0, 0])
        let allow = try w.file("allow.bpf", Self.program([]))
        func run(_ args: [String], _ files: [Int32: String] = [:]) throws -> Run {
            try runWithFiles(args + ["--", "true"], files: files, closed: [9], asUser: user)
        }
        expectOneErrorLine(
            try run(["--seccomp", "9"]), status: 64, containing: "--seccomp 9: descriptor 9 is not open: Bad file descriptor (EBADF)")
        expectOneErrorLine(
            try run(["--add-seccomp-fd", "x"]), status: 64, containing: "--add-seccomp-fd x: 'x' is not a file descriptor number")
        expectOneErrorLine(try run(["--seccomp", "3"], [3: empty]), status: 64, containing: "--seccomp 3: the filter is empty")
        expectOneErrorLine(
            try run(["--add-seccomp-fd", "3"], [3: truncated]), status: 64,
            containing: "--add-seccomp-fd 3: \(Self.program([]).count - 3) bytes are not whole instructions")
        expectOneErrorLine(
            try run(["--seccomp", "3", "--add-seccomp-fd", "4"], [3: allow, 4: allow]), status: 64,
            containing: "--add-seccomp-fd cannot be combined with --seccomp")
        for options in [
            ["--seccomp", "3"], sandbox(user) + ["--pid", "--fork", "--seccomp", "3"],
            sandbox(user) + ["--pid", "--init", "--seccomp", "3"],
        ] {
            expectOneErrorLine(
                try run(options, [3: invalid]), status: 125,
                containing: "--seccomp 3: cannot load the seccomp filter: Invalid argument (EINVAL)")
        }
    }
}
