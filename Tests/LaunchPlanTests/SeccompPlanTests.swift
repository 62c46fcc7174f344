import LaunchPlan
import LaunchSpec
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Where the seccomp filters go: after every step that needs what they refuse,
/// just before exec, with no_new_privs before them.
extension LaunchPlanTests {
    static let allow = SeccompDescriptor(fd: 3, option: "--add-seccomp-fd 3")
    static let other = SeccompDescriptor(fd: 4, option: "--add-seccomp-fd 4")

    @Test func filtersComeLastWithNoNewPrivsBeforeThem() throws {
        var facts = Self.user.with(terminal: 0)
        facts.landlockABI = 3
        let p = try plan(as: facts) {
            $0.namespaces = [.user, .mount, .pid]
            $0.userNamespace = UserNamespaceSetup(
                uidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)], gidMap: [IDMapEntry(inner: 0, outer: 1000, count: 1)],
                denySetgroups: true)
            $0.view.operations = [
                ViewOperation(.bind(source: "/", access: .readOnly, optional: false), destination: "/", option: "--ro-bind / /")
            ]
            $0.view.landlock = true
            $0.uid = 5
            $0.capabilities = CapabilityRequest(drop: CapabilitySet([13]))
            $0.killChildSignal = SIGTERM
            $0.seccompDefault = true
            $0.seccompDescriptors = [Self.allow, Self.other]
        }
        // The default filter first, then the caller's in command-line order: last of all, after the
        // view's mounts, the identity, capabilities, Landlock, the re-armed death signal and the terminal.
        #expect(
            Array(p.steps.suffix(3)) == [
                .seccomp(.standard(refusesAttach: false)), .seccomp(.descriptor(Self.allow)), .seccomp(.descriptor(Self.other)),
            ])
        let before = Array(p.steps.dropLast(3))
        #expect(Array(before.suffix(2)) == [.parentDeath(signal: SIGTERM), .takeTerminal])
        for needed in [SetupStep.viewFinish, .noNewPrivileges] { #expect(before.contains(needed)) }
        #expect(before.contains { if case .landlock = $0 { true } else { false } })
        #expect(before.contains { if case .identity = $0 { true } else { false } })
        #expect(before.contains { if case .capabilities = $0 { true } else { false } })
    }

    /// Without CAP_SYS_ADMIN, no_new_privs is what lets a process load a filter; bubblewrap sets it always.
    @Test func filtersImplyNoNewPrivsOnce() throws {
        #expect(try plan { $0.seccompDefault = true }.steps == [.noNewPrivileges, .seccomp(.standard(refusesAttach: true))])
        #expect(
            try plan {
                $0.noNewPrivileges = true
                $0.seccompDescriptors = [Self.allow]
            }.steps == [.noNewPrivileges, .seccomp(.descriptor(Self.allow))])
        #expect(try plan { $0.namespaces = [.uts] }.steps.isEmpty)
    }

    /// In the caller's PID namespace a PID may name a process outside, so attaching is refused;
    /// in a PID namespace of the program's own, every PID is inside.
    @Test func attachingIsRefusedOnlyInTheCallersPIDNamespace() throws {
        #expect(try plan { $0.seccompDefault = true }.steps.last == .seccomp(.standard(refusesAttach: true)))
        #expect(
            try plan {
                $0.seccompDefault = true
                $0.namespaces = [.pid]
            }.steps.last == .seccomp(.standard(refusesAttach: false)))
    }

    /// A filter needs no child of its own: in place, swclone loads it before its own exec.
    @Test func filtersKeepTheWayTheProgramStarts() throws {
        #expect(try plan { $0.seccompDefault = true }.start == .inPlace)
        #expect(
            try plan {
                $0.seccompDefault = true
                $0.forkRequested = true
            }.start == .sharedMemory)
    }

    @Test func aFilterNamesItsOption() {
        #expect(SeccompFilter.standard(refusesAttach: true).option == "--seccomp-default")
        #expect(SeccompFilter.descriptor(Self.allow).option == "--add-seccomp-fd 3")
    }
}
