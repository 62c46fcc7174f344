import Glibc
import LaunchPlan
import LaunchSpec

extension CgroupFacts {
    /// Where a transient cgroup can go: every cgroup mount from
    /// /proc/self/mountinfo (never an assumed path), swclone's own cgroup in
    /// each hierarchy from /proc/self/cgroup, and for cgroup v2 which
    /// controllers the parent has and gives its children (when `controllers`:
    /// a limit is asked for). `parents`: --cgroup-parent directories, each
    /// standing for its own hierarchy.
    static func read(parents: [String], controllers: Bool) throws -> CgroupFacts {
        let mounts = MountInfoLine.all(types: ["cgroup2", "cgroup"])
        guard let text = readFileBytes("/proc/self/cgroup") else {
            throw SwcloneError.setup("cannot read /proc/self/cgroup to find swclone's cgroup: \(errnoText(errno))")
        }
        // "ID:CONTROLLERS:PATH"; cgroup v2 is "0::PATH". Two arrays of plain types, not one of
        // tuples: an array of a type of swclone's own costs the runtime an instantiation.
        var ownV2: String?
        var ownV1Controllers: [UInt8] = [], ownV1Paths: [String] = []
        var start = 0
        while start < text.count {
            let end = text[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.count
            let line = text[start..<end]
            start = end + 1
            guard let first = line.firstIndex(of: UInt8(ascii: ":")),
                let second = line[(first + 1)...].firstIndex(of: UInt8(ascii: ":"))
            else { continue }
            let path = String(decoding: line[(second + 1)...], as: UTF8.self)
            if second == first + 1 {
                if line[..<first].elementsEqual("0".utf8) { ownV2 = path }
            } else {
                ownV1Controllers.append(controllerSet(line[(first + 1)..<second]).rawValue)
                ownV1Paths.append(path)
            }
        }

        var facts = CgroupFacts(v2: nil)
        // The last cgroup2 mount is the one its path reaches when several are stacked.
        if let mount = mounts.last(where: { $0.fsType == "cgroup2" }), let path = ownV2,
            let dir = mountedCgroupDirectory(path, in: mount)
        {
            facts.v2 = version2(dir, fromOption: false, controllers: controllers)
        }
        var seen: [String] = []
        for mount in mounts where mount.fsType == "cgroup" && !seen.contains(mount.device) {
            seen.append(mount.device)
            let controllers = controllerSet(Array(mount.superOptions.utf8)[...])
            guard !controllers.isEmpty, let own = ownV1Controllers.firstIndex(of: controllers.rawValue),
                let dir = mountedCgroupDirectory(ownV1Paths[own], in: mount)
            else { continue }
            // Whether swclone may write there is for mkdir to say: only cgroup v2's decides anything.
            facts.v1.append(CgroupHierarchy(version2: false, parent: dir, controllers: controllers))
        }
        for dir in parents { try facts.useParent(dir, mounts: mounts, controllers: controllers) }
        return facts
    }

    /// --cgroup-parent DIR replaces swclone's own cgroup in DIR's hierarchy,
    /// found by the device of the filesystem DIR is on.
    private mutating func useParent(_ dir: String, mounts: [MountInfoLine], controllers readControllers: Bool) throws {
        var st = stat()
        guard stat(dir, &st) == 0 else { throw SwcloneError.setup("--cgroup-parent \(dir): \(errnoText(errno))") }
        let device = deviceNumbers(UInt64(st.st_dev))
        guard st.st_mode & S_IFMT == S_IFDIR, let mount = mounts.last(where: { $0.device == device }) else {
            let mountPoints = mounts.map(\.mountPoint).joined(separator: ", ")
            throw SwcloneError.setup(
                "--cgroup-parent \(dir): not a cgroup directory (cgroup filesystems are mounted at \(mountPoints.isEmpty ? "no place" : mountPoints))"
            )
        }
        if mount.fsType == "cgroup2" {
            if v2?.fromOption == true { throw Self.twice(v2!.parent, dir) }
            v2 = Self.version2(dir, fromOption: true, controllers: readControllers)
            return
        }
        let controllers = controllerSet(Array(mount.superOptions.utf8)[...])
        let hierarchy = CgroupHierarchy(version2: false, parent: dir, fromOption: true, controllers: controllers, writable: true)
        if let i = v1.firstIndex(where: { $0.controllers == controllers }) {
            if v1[i].fromOption { throw Self.twice(v1[i].parent, dir) }
            v1[i] = hierarchy
        } else {
            v1.append(hierarchy)
        }
    }

    private static func twice(_ first: String, _ second: String) -> SwcloneError {
        .usage("--cgroup-parent \(first) and --cgroup-parent \(second) are in the same cgroup hierarchy: give one")
    }

    /// `controllers`: read what the parent has and gives; a cgroup without limits needs neither.
    private static func version2(_ dir: String, fromOption: Bool, controllers: Bool) -> CgroupHierarchy {
        guard controllers else {
            return CgroupHierarchy(version2: true, parent: dir, fromOption: fromOption, controllers: [], writable: writable(dir))
        }
        return CgroupHierarchy(
            version2: true, parent: dir, fromOption: fromOption, controllers: controllerList(dir + "/cgroup.controllers"),
            enabled: controllerList(dir + "/cgroup.subtree_control"), writable: writable(dir))
    }

    private static func controllerList(_ path: String) -> Controllers {
        guard let bytes = readFileBytes(path) else { return [] }
        return controllerSet(bytes[...])
    }

    /// The kernel's own answer for creating a directory there.
    private static func writable(_ dir: String) -> Bool { access(dir, W_OK | X_OK) == 0 }
}

/// "major:minor" of a dev_t, as mountinfo writes it (glibc's gnu_dev_major and gnu_dev_minor).
func deviceNumbers(_ dev: UInt64) -> String {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
    let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
    return "\(major):\(minor)"
}

/// The controllers swclone limits among the words of `list`, separated by
/// spaces, commas or newlines: cgroup.controllers, a v1 mount's options
/// ("rw,cpu,cpuacct"), the middle field of /proc/self/cgroup.
func controllerSet(_ list: ArraySlice<UInt8>) -> Controllers {
    var set: Controllers = []
    var start = list.startIndex
    for i in list.startIndex...list.endIndex
    where i == list.endIndex || list[i] == UInt8(ascii: " ") || list[i] == UInt8(ascii: ",") || list[i] == UInt8(ascii: "\n") {
        let word = list[start..<i]
        if word.elementsEqual("memory".utf8) {
            set.insert(.memory)
        } else if word.elementsEqual("pids".utf8) {
            set.insert(.pids)
        } else if word.elementsEqual("cpu".utf8) {
            set.insert(.cpu)
        }
        start = i + 1
    }
    return set
}
