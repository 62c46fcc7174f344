import CShim
import Glibc
import LaunchSpec

let swcloneVersion = "swclone 0.1.0"

/// --version: the version, then what a bug report needs to say about the build and the
/// system, one `name: value` a line. Read at run time where the build cannot know it.
func versionText() -> String {
    #if DEBUG
    let configuration = "debug"
    #else
    let configuration = "release"
    #endif
    let isStatic = sw_is_static() != 0
    let linking =
        isStatic
        ? "static executable (user and group names: /etc/passwd and /etc/group, then getent)" : "dynamically linked"
    var system = utsname()
    uname(&system)
    return """
        \(swcloneVersion)
        commit: \(String(cString: sw_build_commit()))
        build: \(configuration), \(linking)
        libcap: \(libcapVersion)\(isStatic ? " (linked in)" : " (headers; the shared library may differ)")
        swift: \(String(cString: sw_build_swift()))
        kernel: \(utsField(&system.sysname)) \(utsField(&system.release)) \(utsField(&system.machine))

        """
}

/// One of utsname's fixed-size, NUL-terminated fields.
private func utsField<T>(_ field: inout T) -> String {
    withUnsafeBytes(of: &field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}
