/// The paths execvp(3) would try for `program`, resolved in the parent so the
/// child only calls execve. A name with a slash is used as it is.
public func executableCandidates(for program: String, searchPath: String?) -> [String] {
    if program.contains("/") { return [program] }
    let path = searchPath ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":", omittingEmptySubsequences: false).map { dir in
        dir.isEmpty ? program : (dir.hasSuffix("/") ? "\(dir)\(program)" : "\(dir)/\(program)")
    }
}
