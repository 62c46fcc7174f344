import Foundation
import Testing

extension BubblewrapTests {
    /// bubblewrap's supervision and descriptor options, driven by a shell that holds the other end of
    /// each descriptor and checks from outside what the sandbox does (see `bwrapScript`).
    struct Descriptors {
        static let callers: [String?] = [nil, "65534"]

        /// Writes $D/probe.py, which prints "held" when another process holds a lock on its file, else "free".
        static let lockProbe = #"""
            cat > probe.py <<'EOF'
            import fcntl, sys
            with open(sys.argv[1], "a") as f:
                try:
                    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    print("free")
                except OSError:
                    print("held")
            EOF
            touch lock

            """#

        /// The first JSON object of an --info-fd or --json-status-fd text.
        func object(_ text: String) throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        }

        /// --die-with-parent: killing swclone's parent ends swclone, the sandbox and --lock-file's lock.
        @Test(arguments: callers, [[], ["--unshare-pid"]])
        func dieWithParent(user: String?, options: [String]) throws {
            let r = try bwrapScript(
                Self.lockProbe + #"""
                    cat > wrapper.sh <<'EOF'
                    "$SW" --ro-bind / / --bind "$D" "$D" --die-with-parent --lock-file "$D/lock" \#(options.joined(separator: " ")) -- \
                      sh -c 'read -r p rest </proc/self/stat; echo $p > "$D/pid.new"; mv "$D/pid.new" "$D/pid"; exec sleep 30' &
                    echo $! > "$D/swpid"
                    wait
                    EOF
                    sh wrapper.sh & w=$!
                    waitfor '[ -s pid ] && [ -s swpid ]' || exit 1
                    python3 probe.py lock
                    kill -KILL $w; wait $w 2>/dev/null
                    alive() { local s; s=$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
                    for f in swpid pid; do
                      p=$(cat $f); waitfor "! alive $p" >/dev/null
                      if alive $p; then echo "$f alive"; kill -KILL $p; else echo "$f gone"; fi
                    done
                    python3 probe.py lock
                    """#, asUser: user)
            #expect(r.lines == ["held", "swpid gone", "pid gone", "free"], "\(r.stdout) \(r.stderr)")
        }

        /// A failed --die-with-parent names it, in swclone (the signal of its own) and in the child
        /// (before the exec: --json-status-fd then reports no exit code, as bubblewrap's test 33 asks).
        /// strace counts the calls of each process; swclone's own prctl is found in a trace first
        /// (libcap reads the bounding set with prctl before it), the child's is its first.
        @Test func dieWithParentFailureIsNamed() throws {
            let r = try bwrapScript(
                #"""
                strace -o trace -f -e trace=prctl "$BWRAP" --bind / / --die-with-parent true
                own=$(awk 'NR == 1 { first = $1 } $1 == first { n++ } $1 == first && /PR_SET_PDEATHSIG/ { print n; exit }' trace)
                for when in "$own" 1; do
                  strace -o /dev/null -f -e trace=prctl -e fault=prctl:when=$when                     "$BWRAP" --bind / / --die-with-parent --json-status-fd 3 true 3>status.json
                  echo "$? $(grep -c exit-code status.json)"
                done
                """#)
            #expect(r.lines == ["1 0", "1 0"], "\(r.stdout)")
            #expect(
                r.stderr.split(separator: "\n") == [
                    "bwrap: --die-with-parent: cannot set the parent-death signal: Function not implemented (ENOSYS)",
                    "bwrap: --die-with-parent: Function not implemented (ENOSYS)",
                ], "\(r.stderr)")
        }

        /// --lock-file: a lock others see while the sandbox runs, released when it ends.
        @Test(arguments: callers)
        func lockFile(user: String?) throws {
            let r = try bwrapScript(
                Self.lockProbe + #"""
                    "$SW" --ro-bind / / --bind "$D" "$D" --lock-file "$D/lock" -- python3 "$D/probe.py" "$D/lock"
                    python3 probe.py lock
                    """#, asUser: user)
            #expect(r.lines == ["held", "free"], "\(r.stdout) \(r.stderr)")
        }

        /// --sync-fd: its other end reads end-of-file only once the sandbox has ended; the program does not get it.
        @Test(arguments: callers)
        func syncFD(user: String?) throws {
            let r = try bwrapScript(
                #"""
                { "$SW" --ro-bind / / --bind "$D" "$D" --sync-fd 3 -- \
                    sh -c '[ -e /proc/$$/fd/3 ] && echo "fd 3 open" >> "$D/log"; sleep 0.3; echo program >> "$D/log"' \
                    3>&1 >/dev/null | { cat; echo "end of file" >> log; }; }
                cat log
                """#, asUser: user)
            #expect(r.lines == ["program", "end of file"], "\(r.stdout) \(r.stderr)")
        }

        /// --block-fd: the program starts only once a byte is written.
        @Test(arguments: callers)
        func blockFD(user: String?) throws {
            let r = try bwrapScript(
                #"""
                mkfifo block
                "$SW" --ro-bind / / --info-fd 4 --block-fd 3 -- echo started >out 3<>block 4>info & p=$!
                waitfor 'grep -q "^}" info' || exit 1
                sleep 0.3; if [ -s out ]; then echo "ran early"; else echo waiting; fi
                echo x > block; wait $p; echo "status $?"; cat out
                """#, asUser: user)
            #expect(r.lines == ["waiting", "status 0", "started"], "\(r.stdout) \(r.stderr)")
        }

        /// --info-fd: bubblewrap's layout, a key a line; child-pid is the sandbox's PID seen from the host (the
        /// program, or its reaper with --unshare-pid), and the inodes are the program's namespaces.
        @Test(arguments: callers, [[], ["--unshare-pid"]])
        func infoFD(user: String?, options: [String]) throws {
            let r = try bwrapScript(
                #"""
                "$SW" --ro-bind / / --unshare-net \#(options.joined(separator: " ")) --info-fd 3 -- \
                  sh -c 'read -r p comm state pp rest </proc/self/stat; echo "$p $pp"; readlink /proc/self/ns/net /proc/self/ns/mnt' 3>info
                echo "status $?"; cat info
                """#, asUser: user)
            #expect(r.lines.count > 5 && r.lines[3] == "status 0", "\(r.stdout) \(r.stderr)")
            guard r.lines.count > 5 else { return }
            let ids = r.lines[0].split(separator: " ").map { Int($0) }
            let info = Array(r.lines[4...])
            let json = try object(info.joined(separator: "\n"))
            #expect(json["child-pid"] as? Int == (options.isEmpty ? ids[0] : ids[1]), "\(r.stdout)")
            #expect(
                json["net-namespace"] as? Int == namespaceInode(r.lines[1]) && json["mnt-namespace"] as? Int == namespaceInode(r.lines[2]))
            #expect(info.first == "{" && info.last == "}" && info.count == json.count + 2, "\(info)")
            #expect(info.dropFirst().dropLast().allSatisfy { $0.hasPrefix("    \"") }, "\(info)")
        }

        /// --info-fd with --unshare-all: bwrap's keys (swclone adds user-namespace), in bwrap's layout.
        @Test(arguments: callers)
        func infoAsBubblewrap(user: String?) throws {
            let script = #""$B" --ro-bind / / --unshare-all --info-fd 3 -- true 3>info; cat info"#
            let ours = try bwrapScript("B=$SW\n" + script, asUser: user)
            let bwrap = try bwrapScript("B=/usr/bin/bwrap\n" + script, asUser: user)
            let ourKeys = Set(try object(ours.stdout).keys), bwrapKeys = Set(try object(bwrap.stdout).keys)
            #expect(
                bwrapKeys.isSubset(of: ourKeys) && ourKeys.subtracting(bwrapKeys).isSubset(of: ["user-namespace"]),
                "\(ours.stdout) vs \(bwrap.stdout)")
            #expect(ours.lines.count == ourKeys.count + 2 && bwrap.lines.count == bwrapKeys.count + 2)
        }

        /// --json-status-fd: the child's PID and namespaces once it runs, then its exit code.
        @Test(arguments: callers)
        func jsonStatusFD(user: String?) throws {
            let r = try bwrapScript(
                #"""
                "$SW" --ro-bind / / --unshare-net --json-status-fd 3 -- sh -c 'echo $$; readlink /proc/self/ns/net; exit 3' 3>status
                echo "status $?"; cat status
                """#, asUser: user)
            #expect(r.lines.count == 5 && r.lines[2] == "status 3", "\(r.stdout) \(r.stderr)")
            guard r.lines.count == 5 else { return }
            let started = try object(r.lines[3]), ended = try object(r.lines[4])
            #expect(started["child-pid"] as? Int == Int(r.lines[0]) && started["net-namespace"] as? Int == namespaceInode(r.lines[1]))
            #expect(ended["exit-code"] as? Int == 3, "\(r.lines[4])")
        }

        /// --userns-block-fd: the sandbox waits, unmapped, while the reader of --info-fd writes its maps.
        @Test(arguments: callers)
        func userNamespaceBlockFD(user: String?) throws {
            let r = try bwrapScript(
                #"""
                mkfifo block
                "$SW" --ro-bind / / --unshare-user --info-fd 3 --userns-block-fd 4 -- \
                  sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map' 3>info 4<>block >out & p=$!
                waitfor 'grep -q "^}" info' || exit 1
                c=$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' info)
                sleep 0.2; if [ -z "$(cat /proc/$c/uid_map)" ] && [ ! -s out ]; then echo unmapped; fi
                echo deny > /proc/$c/setgroups; echo "0 $(id -u) 1" > /proc/$c/uid_map; echo "0 $(id -g) 1" > /proc/$c/gid_map
                echo x > block; wait $p; echo "status $?"; cat out
                """#, asUser: user)
            let outer = user ?? "0"
            #expect(r.lines.map(mapLine) == ["unmapped", "status 0", "0", "0", "0 \(outer) 1", "0 \(outer) 1"], "\(r.stdout) \(r.stderr)")
        }

        /// Starts a sandbox with new user and PID namespaces, prints their links, then runs `second` with
        /// descriptors 5 and 6 open on them, then ends the first sandbox.
        func insideAnotherSandbox(_ second: String, asUser user: String?) throws -> Run {
            try bwrapScript(
                #"""
                mkfifo done
                "$SW" --ro-bind / / --bind "$D" "$D" --unshare-user --unshare-pid --info-fd 3 -- \
                  sh -c 'readlink /proc/self/ns/user /proc/self/ns/pid > "$D/first.new"; mv "$D/first.new" "$D/first"; read x < "$D/done"' \
                  3>info & p=$!
                waitfor '[ -s first ] && grep -q "^}" info' || exit 1
                c=$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' info)
                cat first
                \#(second) 5</proc/$c/ns/user 6</proc/$c/ns/pid
                echo x > done; wait $p
                """#, asUser: user)
        }

        /// --userns and --pidns: a sandbox made inside another sandbox's user and PID namespaces.
        @Test(arguments: callers)
        func existingNamespaces(user: String?) throws {
            let r = try insideAnotherSandbox(
                #""$SW" --ro-bind / / --userns 5 --pidns 6 -- sh -c 'readlink /proc/self/ns/user /proc/self/ns/pid; grep NSpid /proc/self/status'"#,
                asUser: user)
            #expect(r.lines.count == 5, "\(r.stdout) \(r.stderr)")
            guard r.lines.count == 5 else { return }
            #expect(r.lines[2] == r.lines[0] && r.lines[3] == r.lines[1], "\(r.stdout)")
            #expect(r.lines[4].split(separator: "\t").count == 3, "the host's PID and the namespace's: \(r.lines[4])")
        }

        /// --pidns with --unshare-pid: a new PID namespace nested in the given one (one more level in NSpid), as bwrap.
        @Test(arguments: callers)
        func nestedPIDNamespace(user: String?) throws {
            let r = try insideAnotherSandbox(
                #""$SW" --ro-bind / / --userns 5 --pidns 6 --unshare-pid -- sh -c 'readlink /proc/self/ns/pid; grep NSpid /proc/self/status'"#,
                asUser: user)
            #expect(r.lines.count == 4, "\(r.stdout) \(r.stderr)")
            guard r.lines.count == 4 else { return }
            #expect(r.lines[2] != r.lines[1] && r.lines[3].split(separator: "\t").count == 4, "\(r.stdout)")
        }

        /// --userns2: the program ends in the user namespace given, a child of the one the sandbox was made in.
        @Test(arguments: callers)
        func switchUserNamespace(user: String?) throws {
            let r = try bwrapScript(
                #"""
                mkfifo done
                cat > inner.sh <<'EOF'
                read -r p rest </proc/self/stat; echo $p > "$D/inner.new"; mv "$D/inner.new" "$D/inner"; read x < "$D/done"
                EOF
                "$SW" --ro-bind / / --bind "$D" "$D" --unshare-user --unshare-pid --info-fd 3 -- unshare --user sh "$D/inner.sh" 3>info & p=$!
                waitfor '[ -s inner ] && grep -q "^}" info' || exit 1
                c=$(sed -n 's/.*"child-pid": \([0-9]*\).*/\1/p' info); i=$(cat inner)
                readlink /proc/$c/ns/user /proc/$i/ns/user
                "$SW" --ro-bind / / --userns 5 --userns2 6 -- readlink /proc/self/ns/user 5</proc/$c/ns/user 6</proc/$i/ns/user
                echo x > done; wait $p
                """#, asUser: user)
            #expect(r.lines.count == 3 && r.lines[2] == r.lines[1] && r.lines[1] != r.lines[0], "\(r.stdout) \(r.stderr)")
        }
    }
}
