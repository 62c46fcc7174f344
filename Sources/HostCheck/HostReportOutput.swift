/// A JSON value, written by hand in a fixed key order (no Foundation).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object([JSONField])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.rendered(indent: nil) == b.rendered(indent: nil) }

    /// Two spaces per level; `indent` nil: one line.
    func rendered(indent: Int?) -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .string(let s): return quoted(s)
        case .array(let values):
            guard !values.isEmpty else { return "[]" }
            let inner = values.map { $0.rendered(indent: nil) }
            return "[" + inner.joined(separator: ", ") + "]"
        case .object(let fields):
            guard !fields.isEmpty else { return "{}" }
            guard let indent else {
                return "{" + fields.map { "\(quoted($0.0)): \($0.1.rendered(indent: nil))" }.joined(separator: ", ") + "}"
            }
            let pad = String(repeating: " ", count: indent + 2)
            let lines = fields.map { "\(pad)\(quoted($0.0)): \($0.1.rendered(indent: indent + 2))" }
            return "{\n" + lines.joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "}"
        }
    }
}

public typealias JSONField = (String, JSONValue)

/// A JSON string (RFC 8259): quotes, backslashes and control characters escaped.
func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

extension HostReport {
    /// The version of the JSON layout below; it changes only when a key changes meaning or goes away.
    public static let jsonVersion: Int64 = 1

    /// The report for scripts (documented in swclone(1), HOST CHECK).
    public var json: String {
        let o = observations
        func item(_ i: Item) -> JSONValue {
            .object([("ok", .bool(i.ok)), ("detail", .string(i.detail)), ("fix", i.fix.map { .string($0) } ?? .null)] + i.fields)
        }
        let top: [JSONField] =
            [
                ("version", .int(Self.jsonVersion)), ("kernel", .string(o.kernelRelease)), ("uid", .int(Int64(o.uid))),
                ("gid", .int(Int64(o.gid))), ("user", o.userName.map { .string($0) } ?? .null),
                ("privileged", .bool(o.uid == 0 || o.settings.privileged)), ("ok", .bool(allOK)),
                ("namespaces", .object(namespaces.map { ($0.name, item($0)) })),
            ] + items.map { ($0.name, item($0)) }
        return JSONValue.object(top).rendered(indent: 0) + "\n"
    }

    /// The report for people: a line per item, its fix under it.
    public var text: String {
        let o = observations
        let who = o.userName.map { "\($0) (UID \(o.uid), GID \(o.gid))" } ?? "UID \(o.uid), GID \(o.gid)"
        var lines = ["swclone --check: what this host (Linux \(o.kernelRelease)) lets \(who) do"]
        func add(_ label: String, _ i: Item) {
            let padded = label + String(repeating: " ", count: max(1, 30 - label.count))
            lines.append("\(i.ok ? "ok " : "NO ") \(padded)\(i.detail)")
            if let fix = i.fix { lines.append("    \(String(repeating: " ", count: 30))fix: \(fix)") }
        }
        for i in namespaces { add("\(i.name) namespace", i) }
        let labels = [
            "unprivileged-user-namespaces": "unprivileged user namespaces", "subordinate-ids": "subordinate IDs",
            "clone3": "clone3", "cgroup": "cgroup v2", "landlock": "Landlock", "seccomp": "seccomp",
        ]
        for i in items { add(labels[i.name] ?? i.name, i) }
        return lines.joined(separator: "\n") + "\n"
    }
}
