/// A compiled seccomp filter on the caller's descriptor, as bubblewrap's --seccomp and
/// --add-seccomp-fd take it: classic BPF, an array of `struct sock_filter` (8 bytes an
/// instruction). Read when launching, before anything is set up (CloneCore's SeccompPrograms.swift).
public struct SeccompDescriptor: Equatable, Sendable {
    public var fd: Int32
    /// The option that gave it (`--add-seccomp-fd 5`), for error lines.
    public var option: String

    public init(fd: Int32, option: String) {
        self.fd = fd
        self.option = option
    }
}
