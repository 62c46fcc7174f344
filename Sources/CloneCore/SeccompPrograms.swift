import CShim
import Glibc
import LaunchPlan
import LaunchSpec

/// The programs of a launch's seccomp steps, in their order, made before anything is set up (the
/// child may not allocate): --seccomp-default's built by libseccomp (Sources/CShim/seccomp_default.c),
/// only when asked; the caller's read from their descriptors to the end and closed, as bubblewrap
/// does. What the kernel could never load is a usage error, in bubblewrap's words where its tests
/// match them and in its order: each descriptor read and its size checked in turn, then the lengths.
func seccompPrograms(_ plan: LaunchPlan) throws -> [[UInt8]] {
    guard plan.spec.seccompDefault || !plan.spec.seccompDescriptors.isEmpty else { return [] }
    var programs: [[UInt8]] = []
    for case .seccomp(let filter) in plan.steps {
        switch filter {
        case .standard(let refusesAttach): programs.append(try defaultProgram(refusesAttach: refusesAttach))
        case .descriptor(let descriptor): programs.append(try read(descriptor))
        }
    }
    // The caller's come last. An index loop: zip's iterator type cost the runtime 0.35 M instructions to instantiate.
    let first = programs.count - plan.spec.seccompDescriptors.count
    for (i, descriptor) in plan.spec.seccompDescriptors.enumerated() {
        let program = programs[first + i]
        guard !program.isEmpty else { throw SwcloneError.usage("\(descriptor.option): the filter is empty (it has no instruction)") }
        guard program.count / 8 <= maxSeccompInstructions else {
            throw SwcloneError.usage(
                "\(descriptor.option): \(program.count / 8) instructions; the kernel loads at most \(maxSeccompInstructions) in one filter")
        }
    }
    return programs
}

/// The kernel's limit on one filter (BPF_MAXINSNS).
let maxSeccompInstructions = 4096

private func defaultProgram(refusesAttach: Bool) throws -> [UInt8] {
    var program: UnsafeMutableRawPointer?
    var length = 0
    guard sw_default_seccomp_program(refusesAttach, &program, &length) == 0, let program else {
        throw SwcloneError.setup("--seccomp-default: cannot build the filter with libseccomp: \(errnoText(errno))")
    }
    defer { free(program) }
    return Array(UnsafeRawBufferPointer(start: program, count: length))
}

private func read(_ descriptor: SeccompDescriptor) throws -> [UInt8] {
    let option = descriptor.option
    guard let bytes = readToEnd(descriptor.fd) else {
        let err = errno
        throw SwcloneError.usage(
            "\(option): cannot read the filter: \(errnoText(err))", bwrap: "Can't read seccomp data: \(String(cString: strerror(err)))")
    }
    close(descriptor.fd)
    guard bytes.count % 8 == 0 else {
        throw SwcloneError.usage(
            "\(option): \(bytes.count) bytes are not whole instructions (struct sock_filter, 8 bytes each)",
            bwrap: "Invalid seccomp data, must be multiple of 8")
    }
    return bytes
}
