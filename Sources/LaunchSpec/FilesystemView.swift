/// What the program sees of the filesystem, as bubblewrap's options build it:
/// a new root that starts empty, the operations applied in command-line order.
public struct FilesystemView: Equatable, Sendable {
    public var operations: [ViewOperation] = []
    /// --disable-userns: the program cannot create further user namespaces.
    public var disableUserNamespaces = false
    /// --assert-userns-disabled: fail unless it already cannot.
    public var assertUserNamespacesDisabled = false
    /// --landlock: the same view enforced with Landlock too, or alone where no mount is possible.
    public var landlock = false

    public init() {}

    /// Whether a new root is built (and a mount namespace needed).
    public var buildsRoot: Bool { !operations.isEmpty }
}

/// One operation of the view, and the words that asked for it.
public struct ViewOperation: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// --bind, --ro-bind, --dev-bind and their -try forms: the host's `source`, recursively.
        case bind(source: String, access: BindAccess, optional: Bool)
        /// --bind-fd, --ro-bind-fd: an open directory or O_PATH descriptor.
        case bindDescriptor(fd: Int32, access: BindAccess)
        case remountReadOnly
        case tmpfs(mode: UInt32, size: UInt64?)
        case proc
        case dev
        case mqueue
        case dir(mode: UInt32)
        /// --symlink TARGET DEST.
        case symlink(target: String)
        case chmod(mode: UInt32)
        /// --file FD DEST: a new file with the descriptor's contents.
        case file(fd: Int32, mode: UInt32)
        /// --bind-data, --ro-bind-data: the same contents in a file of their own, bound on DEST.
        case bindData(fd: Int32, mode: UInt32, readOnly: Bool)
        /// --overlay, --tmp-overlay, --ro-overlay: `sources` bottom to top, as given.
        case overlay(sources: [String], upper: OverlayUpper)
    }

    public var kind: Kind
    /// Where in the new root, absolute and normalized ("/" is the root itself).
    public var destination: String
    /// "--ro-bind /usr /usr", for error lines.
    public var option: String
    /// The mode of missing parents made for it: 0755, less the group's or others' access where
    /// an explicit --perms denies them all of it (as bubblewrap, least astonishment).
    public var parentMode: UInt32

    public init(_ kind: Kind, destination: String, option: String, perms: UInt32? = nil) {
        self.kind = kind
        self.destination = destination
        self.option = option
        var parentMode: UInt32 = 0o755
        if let perms, perms & 0o070 == 0 { parentMode &= ~0o050 }
        if let perms, perms & 0o007 == 0 { parentMode &= ~0o005 }
        self.parentMode = parentMode
    }
}

/// What a bind lets the program do.
public enum BindAccess: Equatable, Sendable {
    case readWrite, readOnly
    /// --dev-bind: device files work.
    case devices
}

/// Where an overlay's writes go.
public enum OverlayUpper: Equatable, Sendable {
    /// --overlay RWSRC WORKDIR: kept in the host's RWSRC.
    case directory(String, work: String)
    /// --tmp-overlay: a tmpfs, thrown away at exit.
    case temporary
    /// --ro-overlay: none.
    case none
}

/// `text` as an absolute path without empty or "." components ("/" for none); nil where a ".."
/// is among them. Byte by byte: splitting and joining Strings would cost every launch with a
/// view the runtime's generic conformance lookups (a fifth of its instructions, measured).
public func normalizedPath(_ text: String) -> String? {
    let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
    var out: [UInt8] = [slash]
    out.reserveCapacity(text.utf8.count + 1)
    var start = 1
    // Ends the component out[start...]: drops ".", refuses "..", keeps the rest followed by "/".
    func endComponent(_ out: inout [UInt8], _ start: inout Int) -> Bool {
        let length = out.count - start
        if length == 1 && out[start] == dot {
            out.removeLast()
        } else if length == 2 && out[start] == dot && out[start + 1] == dot {
            return false
        } else if length > 0 {
            out.append(slash)
        }
        start = out.count
        return true
    }
    for byte in text.utf8 {
        if byte != slash {
            out.append(byte)
        } else if !endComponent(&out, &start) {
            return nil
        }
    }
    guard endComponent(&out, &start) else { return nil }
    if out.count > 1 { out.removeLast() }
    return String(decoding: out, as: UTF8.self)
}

/// Words joined by single spaces, in a plain loop (Array.joined is generic, which costs a launch
/// the runtime's conformance lookups).
public func spaced(_ words: [String]) -> String {
    var text = ""
    for word in words {
        if !text.isEmpty { text += " " }
        text += word
    }
    return text
}
