/// The paths execvp(3) would try for `program`, resolved in the parent so the
/// child only calls execve. A name with a slash is used as it is.
public func executableCandidates(for program: String, searchPath: String?) -> [String] {
    if program.contains("/") { return [program] }
    let path = searchPath ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":", omittingEmptySubsequences: false).map { dir in
        dir.isEmpty ? program : (dir.hasSuffix("/") ? "\(dir)\(program)" : "\(dir)/\(program)")
    }
}

/// With no program, util-linux's exec_shell: SHELL (or /bin/sh) run as a login
/// shell, argv[0] "-NAME" of its last path component, and no PATH search: a
/// relative SHELL is relative to the working directory the program gets.
public func loginShell(_ shell: String) -> (argv: [String], candidates: [String]) {
    let name = shell.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? shell
    return (["-" + name], [shell])
}
