import Foundation
import Testing

/// The completion scripts as a user has them: `swclone --generate-completion-script SHELL`
/// installed where the shell looks for it, swclone on PATH, an interactive shell on a
/// pseudo-terminal, TAB by TAB. After the TABs the line is run as `show WORDS...`, which
/// prints `[word]` for each word: what completion made of the line. `make test` installs
/// zsh, fish and bash-completion; elsewhere their tests are skipped, but not under CI=true.
@Suite(.noLeftoverProcesses, .timeLimit(.minutes(1)))
struct CompletionTests {
    /// One thing typed, the TABs pressed, and what completion must have made of it.
    struct Case {
        var typed: String
        var tabs = 1
        /// Typed right after the TABs.
        var after = ""
        /// The words of the completed line (a regular expression each), or nil for a listing.
        var line: [String]?
        /// What a listing shows, and what it must not.
        var shows: [String] = []
        var hides: [String] = []
    }

    /// What every shell completes the same way (zsh's `--root=` loses its `=` when the
    /// cursor moves on: as bash's and fish's `--root`, it is given the next word).
    static let cases: [Case] =
        [
            Case(typed: "swclone --roo", line: ["swclone", "--root"]),
            Case(typed: "swclone --wd /us", line: ["swclone", "--wd", "/usr/?"]),
            Case(typed: "swclone --propagation ", tabs: 2, shows: ["private", "shared", "slave", "unchanged"]),
            Case(typed: "swclone --setgroups a", line: ["swclone", "--setgroups", "allow"]),
            Case(typed: "swclone --map-users ", tabs: 2, shows: ["auto", "subids", "all"]),
            Case(typed: "swclone --kill-child=TE", line: ["swclone", "--kill-child=TERM"]),
            Case(typed: "swclone --cap-drop cap_net_ad", line: ["swclone", "--cap-drop", "cap_net_admin"]),
            Case(typed: "swclone --cap-add cap_chown,cap_ki", line: ["swclone", "--cap-add", "cap_chown,cap_kill"]),
            Case(typed: "swclone --setuid roo", line: ["swclone", "--setuid", "root"]),
            Case(typed: "swclone --map-group roo", line: ["swclone", "--map-group", "root"]),
            Case(typed: "swclone --whitelist-env PAT", line: ["swclone", "--whitelist-env", "PATH"]),
            Case(typed: "swclone --mount=/ru", line: ["swclone", "--mount=/run/?"]),
            Case(typed: "swclone --mount-proc=/pro", line: ["swclone", "--mount-proc=/proc/?"]),
            Case(typed: "swclone --into-cgroup /sys/fs/cgr", line: ["swclone", "--into-cgroup", "/sys/fs/cgroup/?"]),
            Case(typed: "swclone --generate-completion-script fi", line: ["swclone", "--generate-completion-script", "fish"]),
            // bubblewrap's options of several words: each word its own kind.
            Case(typed: "swclone --bind /usr /ru", line: ["swclone", "--bind", "/usr", "/run/?"]),
            Case(typed: "swclone --overlay /tmp /tmp /ru", line: ["swclone", "--overlay", "/tmp", "/tmp", "/run/?"]),
            Case(typed: "swclone --setenv PAT", line: ["swclone", "--setenv", "PATH"]),
            Case(typed: "swclone --tmpfs /tm", line: ["swclone", "--tmpfs", "/tmp/?"]),
            Case(typed: "swclone --ro-bind / / ech", line: ["swclone", "--ro-bind", "/", "/", "echo"]),
            // The program: `enter` only as the first word; commands, then the program's arguments.
            Case(typed: "swclone ente", line: ["swclone", "enter"]),
            Case(typed: "swclone -- ech", line: ["swclone", "--", "echo"]),
            Case(typed: "swclone --fork -p ech", line: ["swclone", "--fork", "-p", "echo"]),
            Case(typed: "swclone --fork ls /us", line: ["swclone", "--fork", "ls", "/usr/?"]),
            // swclone enter: its own options, not the launch ones.
            Case(typed: "swclone --p", tabs: 2, shows: ["--pid", "--propagation"], hides: ["--preserve-credentials"]),
            Case(typed: "swclone enter --p", tabs: 2, shows: ["--pid", "--preserve-credentials"], hides: ["--propagation"]),
            Case(typed: "swclone enter --ta", line: ["swclone", "enter", "--target"]),
            Case(typed: "swclone enter --hostn", line: ["swclone", "enter", "--hostn"]),
            Case(typed: "swclone enter --setuid fol", line: ["swclone", "enter", "--setuid", "follow"]),
            Case(typed: "swclone enter -m/ru", line: ["swclone", "enter", "-m/run/?"]),
            // A PID, the test's own, completes as a word of its own (nothing longer starts
            // with it: PIDs grow): a space follows.
            Case(typed: "swclone enter --target \(getpid())", after: "X", line: ["swclone", "enter", "--target", "\(getpid())", "X"]),
        ]

    @Test func bash() throws {
        try complete(
            shell: ["/bin/bash", "--norc", "--noprofile", "-i"], script: "swclone.bash",
            setUp: #"source "$DIR/swclone.bash"; show() { printf '[%s]' "$@"; echo; }"#,
            cases: Self.cases)
    }

    /// As Debian users have it: bash-completion loads the script on the first TAB from its
    /// completions directory (/usr/share/bash-completion/completions), and the program's
    /// arguments get the program's own completion (ls's long options).
    @Test(.enabled(if: installed("/usr/share/bash-completion/bash_completion"), "needs bash-completion (make test installs it)"))
    func bashCompletionPackage() throws {
        try complete(
            shell: ["/bin/bash", "--norc", "--noprofile", "-i"], script: "bash/completions/swclone",
            setUp:
                #"BASH_COMPLETION_USER_DIR="$DIR/bash"; source /usr/share/bash-completion/bash_completion; show() { printf '[%s]' "$@"; echo; }"#,
            cases: Self.cases + [
                Case(typed: "swclone -- ls --almost-a", line: ["swclone", "--", "ls", "--almost-all"]),
                Case(typed: "swclone --fork ls --almost-a", line: ["swclone", "--fork", "ls", "--almost-all"]),
            ])
    }

    /// From $fpath, as zsh's compinit finds `_swclone` (Debian: /usr/share/zsh/vendor-completions).
    @Test(.enabled(if: installed("/usr/bin/zsh"), "needs zsh (make test installs it)"))
    func zsh() throws {
        try complete(
            shell: ["/usr/bin/zsh", "-f", "-i"], script: "zsh/_swclone",
            setUp:
                #"PROMPT_EOL_MARK=; fpath=("$DIR/zsh" $fpath); autoload -Uz compinit; compinit -u -D; show() { printf '[%s]' "$@"; echo; }"#,
            cases: Self.cases)
    }

    /// From $fish_complete_path, as fish finds swclone.fish (Debian: /usr/share/fish/vendor_completions.d).
    @Test(.enabled(if: installed("/usr/bin/fish"), "needs fish (make test installs it)"))
    func fish() throws {
        try complete(
            shell: ["/usr/bin/fish", "--no-config", "--private", "-C", "function fish_prompt; printf 'PROMPT$ '; end", "-i"],
            script: "fish/swclone.fish",
            setUp: #"set -p fish_complete_path $DIR/fish; function show; printf '[%s]' $argv; echo; end"#,
            cases: Self.cases, terminal: "xterm")
    }

    /// Skipped where `path` is missing, but not under CI=true.
    static func installed(_ path: String) -> Bool {
        Privilege.inCI || FileManager.default.fileExists(atPath: path)
    }

    /// Types each case in `shell` (completion `script` from swclone, `setUp` typed first,
    /// $DIR its directory) and checks what completion made of it. `terminal`: fish draws
    /// its listings only on a terminal that can move the cursor.
    func complete(shell: [String], script: String, setUp: String, cases: [Case], terminal: String = "dumb") throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swclone-completion-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for sub in ["bin", "home", "zsh", "fish", "bash/completions"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        // fish keeps its universal-variable notifier in $XDG_RUNTIME_DIR (0700), else in /tmp/fish.USER.
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("run"), withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/bin/swclone", withDestinationPath: Swclone.path)
        let shellName = URL(fileURLWithPath: shell[0]).lastPathComponent
        let generated = try Swclone.run(["--generate-completion-script", shellName])
        #expect(generated.status == 0 && generated.stderr.isEmpty, "\(generated.stderr)")
        try writeFile(dir.path + "/" + script, Data(generated.stdout.utf8))

        var steps: [PseudoTerminal.Step] = [.expect(#"PROMPT\$ "#), .send(setUp + "\n")]
        for (i, c) in cases.enumerated() {
            steps.append(.send(c.typed))
            // The shell reads what is typed in order; a listing is given time to be drawn.
            for _ in 0..<c.tabs { steps += [.send("\t")] + (c.line == nil ? [.pause(0.3)] : []) }
            // The line as completion left it, run as `show ...` (Ctrl-A: to its start), or a
            // listing cleared (Ctrl-U); then a mark ends the case's part of the transcript.
            steps.append(.send(c.line == nil ? "\u{15}" : "\(c.after)\u{01}show \n"))
            steps += [.send("show MARK\(i)\n"), .expect(#"\[MARK\#(i)\]"#)]
        }
        steps.append(.send("exit\n"))
        let (transcript, status) = try PseudoTerminal.run(
            shell, steps,
            environment: [
                "PATH": dir.path + "/bin:/usr/bin:/bin", "HOME": dir.path + "/home", "DIR": dir.path, "TERM": terminal,
                "XDG_RUNTIME_DIR": dir.path + "/run",
            ])
        #expect(status == 0 && !transcript.contains("TIMEOUT"), "\(transcript)")

        // Each case's part of the transcript, without the terminal's escape sequences and
        // carriage returns.
        let text = String(String.UnicodeScalarView(transcript.unicodeScalars.filter { $0 != "\r" }))
            .replacing(/\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[()][0-9A-Z])/, with: "")
        var rest = Substring(text)
        for (i, c) in cases.enumerated() {
            guard let end = rest.firstRange(of: "[MARK\(i)]") else {
                Issue.record("no mark after '\(c.typed)': \(text)")
                return
            }
            let part = rest[..<end.lowerBound]
            rest = rest[end.upperBound...]
            if let words = c.line {
                let line = try Regex("\n\\[" + words.joined(separator: "\\]\\[") + "\\]\n")
                #expect(part.contains(line), "'\(c.typed)' + TAB: \(part)")
            }
            for word in c.shows { #expect(part.contains(word), "'\(c.typed)' + TAB TAB lacks \(word): \(part)") }
            for word in c.hides { #expect(!part.contains(word), "'\(c.typed)' + TAB TAB shows \(word): \(part)") }
        }
    }
}
