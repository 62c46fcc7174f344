/// A compiled seccomp filter as bubblewrap's --seccomp and --add-seccomp-fd take it:
/// classic BPF, an array of `struct sock_filter` (8 bytes an instruction), read
/// from the caller's descriptor while the command line is read.
public struct SeccompProgram: Equatable, Sendable {
    public var instructions: [UInt8]
    /// The option that gave it (`--add-seccomp-fd 5`), for error lines.
    public var option: String

    public init(instructions: [UInt8], option: String) {
        self.instructions = instructions
        self.option = option
    }

    /// The kernel's limit on one program (BPF_MAXINSNS).
    public static let maxInstructions = 4096
}
