import LaunchSpec

#if canImport(Glibc)
import Glibc
#endif

/// The decisions a filesystem view brings: whether mounts are possible at
/// all (else --landlock alone), the steps that build the new root, and the
/// Landlock rules.
struct ViewPlan {
    /// No mount is possible here (no CAP_SYS_ADMIN, no user namespace allowed): Landlock alone enforces the grants.
    let landlockAlone: Bool
    let buildsRoot: Bool
    /// A user namespace the view needs that the command line did not ask for, or --user's
    /// without a map option: bubblewrap's, with the caller's own IDs mapped.
    let impliedUserNamespace: UserNamespaceSetup?
    let landlock: LandlockRules?

    /// Where the new root's tmpfs goes while it is built, as bubblewrap: /tmp of the old root.
    static let scratch = "/tmp"

    init(_ spec: LaunchSpec, facts: ProcessFacts) throws {
        let view = spec.view
        let mayMount = facts.effective.contains(.sysAdmin) || facts.userNamespacesAllowed
        landlockAlone = view.landlock && !mayMount
        // bubblewrap always builds a new root, even an empty one.
        buildsRoot = (view.buildsRoot || spec.bwrap.defaults) && !landlockAlone
        // An unprivileged caller gets a user namespace, as with bubblewrap (and --unshare-user-try
        // anyone, where the host allows it); --disable-userns needs one in any case.
        let wanted =
            buildsRoot && !facts.effective.contains(.sysAdmin) || view.disableUserNamespaces
            || (spec.bwrap.userTry && facts.userNamespacesAllowed)
        // --user without a map option gets the same map: nothing can be made in the new root with no ID mapped (EOVERFLOW).
        let unmapped = buildsRoot && spec.namespaces.contains(.user)
        if (wanted || unmapped) && spec.userNamespace == nil && spec.bwrap.userNamespaceFD == nil {
            impliedUserNamespace = UserNamespaceSetup(
                uidMap: [IDMapEntry(inner: facts.uid, outer: facts.uid, count: 1)],
                gidMap: [IDMapEntry(inner: facts.gid, outer: facts.gid, count: 1)], denySetgroups: true)
        } else {
            impliedUserNamespace = nil
        }
        guard view.landlock else {
            landlock = nil
            return
        }
        guard let abi = facts.landlockABI, abi >= 1 else {
            throw SwcloneError.setup("--landlock: this kernel offers no Landlock (it needs Linux 5.13 with the landlock LSM enabled)")
        }
        let all = LandlockRights.handled(abi: abi)
        var rules: [LandlockRules.Rule] = []
        for operation in view.operations {
            if landlockAlone {
                guard case .bind(let source, let access, _) = operation.kind,
                    ViewPlan.sameFile(source, operation.destination)
                else {
                    throw SwcloneError.setup(
                        "\(operation.option): no mount is possible here (no CAP_SYS_ADMIN, and user namespaces are not allowed), "
                            + "and Landlock alone can only grant a path where it is, as --bind, --ro-bind or --dev-bind X X do")
                }
                rules.append(.init(path: operation.destination, access: access == .readOnly ? .readOnly : all))
                continue
            }
            let access: LandlockRights? =
                switch operation.kind {
                case .bind(_, let access, _), .bindDescriptor(_, let access): access == .readOnly ? .readOnly : all
                case .bindData(_, _, let readOnly): readOnly ? .readOnly : all
                case .tmpfs, .dev, .mqueue, .file: all
                case .proc: LandlockRights.readOnly.union(.writeFile)
                case .overlay(_, let upper): upper == .none ? .readOnly : all
                case .remountReadOnly, .dir, .symlink, .chmod: nil
                }
            if let access { rules.append(.init(path: operation.destination, access: access.intersection(all))) }
        }
        landlock = LandlockRules(handled: all, rules: rules)
    }

    /// The steps that build the new root, in command-line order.
    func steps(_ spec: LaunchSpec, newPIDNamespace: Bool) -> [SetupStep] {
        guard buildsRoot else { return [] }
        var steps: [SetupStep] = [.viewBegin(scratch: Self.scratch)]
        for operation in spec.view.operations { steps.append(.view(operation, newInstance: newPIDNamespace)) }
        steps.append(.viewFinish)
        // As bubblewrap: locks taken in the view, held by the reaper while the sandbox runs.
        for file in spec.bwrap.lockFiles { steps.append(.lockFile(file)) }
        return steps
    }

    /// The same path, as written (Landlock alone grants what exists where it is).
    static func sameFile(_ source: String, _ destination: String) -> Bool {
        normalizedPath(source) == destination
    }
}

extension CapabilitySet {
    static let sysAdmin = CapabilitySet([21])
}
