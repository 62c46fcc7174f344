import LaunchPlan
import LaunchSpec

#if canImport(Glibc)
import Glibc
#endif

/// `swclone --check`'s answer: one item per thing the host may refuse, in a
/// fixed order, each saying what was seen and, when it is missing, the fix.
/// Pure: made from HostObservations.
public struct HostReport: Sendable {
    public struct Item: Sendable {
        /// The JSON key, and the text's label.
        public var name: String
        public var ok: Bool
        public var detail: String
        public var fix: String?
        /// The item's own JSON fields, after "ok", "detail" and "fix".
        public var fields: [JSONField]
    }

    public var observations: HostObservations
    public var namespaces: [Item]
    public var items: [Item]

    public init(_ o: HostObservations) {
        observations = o
        namespaces = Namespace.allCases.map { Self.namespaceItem($0, o) }
        items = [
            Self.unprivilegedUserNamespaces(o), Self.subordinateIDs(o), Self.clone3(o), Self.cgroup(o), Self.landlock(o),
            Self.seccomp(o),
        ]
    }

    // MARK: the items

    static func namespaceItem(_ ns: Namespace, _ o: HostObservations) -> Item {
        let name = ns.rawValue
        guard let probe = o.namespaces[ns] else {
            return Item(
                name: name, ok: false, detail: "this kernel has no \(name) namespaces (no /proc/self/ns/\(ns.procName))",
                fix: "a kernel built with them (CONFIG_\(ns == .mount ? "" : ns.procName.uppercased() + "_")NS)",
                fields: [("direct", .bool(false)), ("in-user-namespace", .bool(false)), ("errno", .null)])
        }
        if probe.direct.succeeded {
            return Item(
                name: name, ok: true, detail: "yes", fix: nil,
                fields: [("direct", .bool(true)), ("in-user-namespace", .null), ("errno", .null)])
        }
        let privileged = o.uid == 0 || o.settings.privileged
        let directWhy =
            probe.direct.err == EPERM && !privileged
            ? "alone it needs CAP_SYS_ADMIN (EPERM)" : "alone: \(describe(probe.direct))"
        if let inside = probe.inUserNamespace, inside.succeeded {
            return Item(
                name: name, ok: true, detail: "yes, owned by a new user namespace (-r or -U); \(directWhy)", fix: nil,
                fields: [("direct", .bool(false)), ("in-user-namespace", .bool(true)), ("errno", .string(errnoSymbol(probe.direct.err)))])
        }
        let failed = probe.inUserNamespace ?? probe.direct
        var settings = o.settings
        settings.privileged = privileged
        let namespaces: Set<Namespace> = probe.inUserNamespace == nil ? [ns] : (failed.stage == .inner ? [ns] : [.user])
        let fix = cause(failed, namespaces: namespaces, settings: settings)
        var detail = "no: \(describe(failed))"
        if probe.inUserNamespace != nil { detail = "no: \(directWhy); in a new user namespace, \(describe(failed))" }
        return Item(
            name: name, ok: false, detail: detail, fix: fix,
            fields: [
                ("direct", .bool(false)), ("in-user-namespace", probe.inUserNamespace == nil ? .null : .bool(false)),
                ("errno", .string(errnoSymbol(failed.err))),
            ])
    }

    static func unprivilegedUserNamespaces(_ o: HostObservations) -> Item {
        let s = o.settings
        func value(_ v: Int?) -> JSONValue { v.map { .int(Int64($0)) } ?? .null }
        let sysctls: [(String, Int?)] = [
            ("kernel.unprivileged_userns_clone", s.unprivilegedUsernsClone),
            ("user.max_user_namespaces", s.maxNamespaces[.user]),
            ("kernel.apparmor_restrict_unprivileged_userns", s.apparmorRestrictsUserns),
        ]
        let read = sysctls.compactMap { name, v in v.map { "\(name) = \($0)" } }.joined(separator: ", ")
        let who = o.uid == o.unprivilegedUID ? "" : " (tried as UID \(o.unprivilegedUID))"
        let probe = o.unprivilegedUserNamespace
        var unprivileged = s
        unprivileged.privileged = false
        let settingsRefuse = [unprivileged.namespaceCreationCause(EPERM, namespaces: [.user]), unprivileged.userNamespaceStepCause(EPERM)]
            .compactMap { $0 }.first { !$0.contains("seccomp") }
        let values = read.isEmpty ? "" : "; \(read)"
        let ok: Bool, detail: String, fix: String?
        if probe.stage == .identity {
            // No unprivileged user to try as (UID 65534 unmapped in this user namespace): the settings decide.
            ok = settingsRefuse == nil && s.maxNamespaces[.user] != 0
            detail = "not tried (\(describe(probe))); the settings \(ok ? "allow" : "refuse") it\(values)"
            fix = ok ? nil : settingsRefuse ?? unprivileged.namespaceCreationCause(ENOSPC, namespaces: [.user])
        } else {
            ok = probe.succeeded
            detail = (ok ? "yes, with -r\(who)" : "no\(who): \(describe(probe))") + values
            fix = ok ? nil : cause(probe, namespaces: [.user], settings: unprivileged)
        }
        return Item(
            name: "unprivileged-user-namespaces", ok: ok, detail: detail, fix: fix,
            fields: sysctls.map { ($0.0, value($0.1)) } + [("errno", probe.succeeded ? .null : .string(errnoSymbol(probe.err)))])
    }

    static func subordinateIDs(_ o: HostObservations) -> Item {
        let ids = o.subordinateIDs
        let who = o.userName ?? String(o.uid)
        var seen: [String] = [], fixes: [String] = [], missing: [String] = []
        var fields: [JSONField] = [("user", o.userName.map { .string($0) } ?? .null)]
        for (file, result, option) in [("/etc/subuid", ids.subuid, "--add-subuids"), ("/etc/subgid", ids.subgid, "--add-subgids")] {
            let key = String(file.dropFirst(5))
            switch result {
            case .success(let block?):
                seen.append("\(file) \(block.start)-\(UInt64(block.start) + UInt64(block.count) - 1) (\(block.count) IDs)")
                fields.append((key, .object([("start", .int(Int64(block.start))), ("count", .int(Int64(block.count)))])))
            case .success(nil):
                seen.append("no block in \(file)")
                missing.append(option)
                fields.append((key, .null))
            case .failure(let error):
                seen.append("\(file) unreadable (\(errnoSymbol(error.code)))")
                fixes.append("make \(file) readable (mode 644)")
                fields.append((key, .null))
            }
        }
        if !missing.isEmpty {
            let options = missing.map { "\($0) FIRST-LAST" }.joined(separator: " ")
            fixes.insert("as root: usermod \(options) \(who), with \(missing.count == 1 ? "a range" : "ranges") no other entry has", at: 0)
        }
        let privileged = o.uid == 0 || o.settings.privileged
        for (name, helper) in [("newuidmap", ids.newuidmap), ("newgidmap", ids.newgidmap)] {
            fields.append((name, helper.map { .string($0.path) } ?? .null))
            guard let helper else {
                seen.append("no \(name)")
                if !privileged { fixes.append("install \(name) (Debian and Ubuntu: apt install uidmap; Fedora: shadow-utils)") }
                continue
            }
            seen.append(helper.privileged ? helper.path : "\(helper.path) (neither set-user-ID root nor with file capabilities)")
            if !helper.privileged && !privileged { fixes.append("as root: chmod u+s \(helper.path)") }
        }
        var detail = seen.joined(separator: ", ")
        if privileged { detail += "; a privileged caller writes any map itself and needs no helper" }
        return Item(
            name: "subordinate-ids", ok: fixes.isEmpty, detail: detail,
            fix: fixes.isEmpty ? nil : fixes.joined(separator: "; ") + " (for --map-auto, --map-subids and ranges)",
            fields: fields)
    }

    static func clone3(_ o: HostObservations) -> Item {
        let err = o.clone3Refusal
        guard err != 0 else { return Item(name: "clone3", ok: true, detail: "yes", fix: nil, fields: [("errno", .null)]) }
        return Item(
            name: "clone3", ok: false,
            detail: "refused (\(errnoSymbol(err))): \(o.settings.clone3RefusalReason(err)); launches fall back to clone(2), "
                + "but --set-tid, --into-cgroup, --join-cgroup and a transient cgroup v2 (the limits; --timeout and "
                + "--kill-tree without --pid) need clone3",
            fix: o.settings.clone3Fix, fields: [("errno", .string(errnoSymbol(err)))])
    }

    static func cgroup(_ o: HostObservations) -> Item {
        let c = o.cgroup
        func list(_ names: [String]) -> JSONValue { .array(names.map { .string($0) }) }
        let v1 = c.v1Controllers.isEmpty ? "" : "; in cgroup v1 hierarchies (a hybrid host): \(c.v1Controllers.joined(separator: ", "))"
        let fields: [JSONField] = [
            ("mount", c.mountPoint.map { .string($0) } ?? .null), ("cgroup", c.cgroup.map { .string($0) } ?? .null),
            ("directory", c.directory.map { .string($0) } ?? .null), ("writable", .bool(c.writable)),
            ("controllers", list(c.controllers)), ("delegated", list(delegated(c))), ("v1-controllers", list(c.v1Controllers)),
        ]
        guard let mount = c.mountPoint else {
            return Item(
                name: "cgroup", ok: false, detail: "no cgroup2 filesystem is mounted\(v1)",
                fix: "mount cgroup2 (systemd: boot with systemd.unified_cgroup_hierarchy=1)", fields: fields)
        }
        guard let directory = c.directory, let own = c.cgroup else {
            return Item(
                name: "cgroup", ok: false, detail: "cgroup v2 at \(mount), but swclone's cgroup is outside it\(v1)",
                fix: "run swclone where its cgroup v2 is visible (a cgroup namespace or a mount of its own)", fields: fields)
        }
        let controllers = c.controllers.isEmpty ? "none" : c.controllers.joined(separator: ", ")
        let given = delegated(c)
        let below = given.isEmpty ? "none" : given.joined(separator: ", ")
        let detail =
            "v2 at \(mount); swclone's cgroup \(own) (\(directory)) \(c.writable ? "may" : "may not") have cgroups made "
            + "below it; controllers there: \(controllers); given to a cgroup made below it: \(below)\(v1)"
        let fix =
            c.writable
            ? nil
            : "start swclone in a cgroup delegated to you: systemd-run --user --scope -p Delegate=yes swclone ..., or as root"
        return Item(name: "cgroup", ok: c.writable, detail: detail, fix: fix, fields: fields)
    }

    /// What a cgroup made below the caller's gets: the root cgroup can enable any of its
    /// controllers for children; any other, already holding processes, only what is enabled.
    static func delegated(_ c: CgroupObservation) -> [String] {
        c.cgroup == "/" && c.writable ? c.controllers : c.subtreeControl
    }

    static func landlock(_ o: HostObservations) -> Item {
        switch o.landlock {
        case .success(let abi):
            return Item(name: "landlock", ok: true, detail: "ABI \(abi)", fix: nil, fields: [("abi", .int(Int64(abi))), ("errno", .null)])
        case .failure(let error):
            let disabled = error.code == EOPNOTSUPP
            return Item(
                name: "landlock", ok: false,
                detail: disabled ? "built in but disabled (EOPNOTSUPP)" : "not in this kernel (\(errnoSymbol(error.code)))",
                fix: disabled
                    ? "add landlock to the kernel's lsm= boot parameter"
                    : "Linux 5.13 or later built with CONFIG_SECURITY_LANDLOCK",
                fields: [("abi", .null), ("errno", .string(errnoSymbol(error.code)))])
        }
    }

    static func seccomp(_ o: HostObservations) -> Item {
        let s = o.seccomp
        let fields: [JSONField] = [
            ("mode", s.mode.map { .int(Int64($0)) } ?? .null), ("filters", s.filters.map { .int(Int64($0)) } ?? .null),
            ("actions", s.actions.map { .array($0.map { .string($0) }) } ?? .null),
        ]
        guard s.actions != nil else {
            return Item(
                name: "seccomp", ok: false, detail: "this kernel has no seccomp filters",
                fix: "a kernel built with CONFIG_SECCOMP_FILTER", fields: fields)
        }
        let on: String
        switch s.mode {
        case 2?:
            on =
                "\(s.filters.map(String.init) ?? "some") filter\(s.filters == 1 ? " is" : "s are") already on swclone (a container's profile?)"
        case 1?: on = "swclone runs in strict mode"
        default: on = "no filter on swclone"
        }
        return Item(name: "seccomp", ok: true, detail: "filters available; \(on)", fix: nil, fields: fields)
    }

    // MARK: words

    /// "unshare: Operation not permitted (EPERM)", for a probe that failed.
    static func describe(_ p: ProbeOutcome) -> String {
        let step: String
        switch p.stage {
        case .none: return "yes"
        case .identity: step = "becoming the probe's user"
        case .unshare: step = "unshare"
        case .setgroups: step = "writing setgroups"
        case .uidMap: step = "writing uid_map"
        case .gidMap: step = "writing gid_map"
        case .inner: step = "a namespace inside it"
        }
        return "\(step): \(errnoText(p.err))"
    }

    static func cause(_ p: ProbeOutcome, namespaces: Set<Namespace>, settings: HostSettings) -> String? {
        switch p.stage {
        case .unshare: return settings.namespaceCreationCause(p.err, namespaces: namespaces)
        case .setgroups, .uidMap, .gidMap, .inner:
            return settings.userNamespaceStepCause(p.err) ?? settings.namespaceCreationCause(p.err, namespaces: namespaces)
        case .none, .identity: return nil
        }
    }

    public var allOK: Bool { (namespaces + items).allSatisfy(\.ok) }
}

/// "EPERM", or "errno N" for a number glibc has no name for.
func errnoSymbol(_ code: Int32) -> String {
    let name = errnoName(code)
    return String(name.dropFirst().dropLast())
}
