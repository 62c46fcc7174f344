import Foundation
import Testing

/// `swclone --version`: what a bug report needs, true of the binary that prints it.
@Suite(.noLeftoverProcesses, .timeLimit(.minutes(1)))
struct VersionTests {
    @Test(arguments: [["--version"], ["-V"], ["enter", "--version"]])
    func versionSaysWhatABugReportNeeds(args: [String]) throws {
        let r = try Swclone.run(args)
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let lines = r.lines
        #expect(lines.first?.hasPrefix("swclone ") == true, "\(r.stdout)")
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(colon, offsetBy: 2)...])
        }
        #expect(Set(fields.keys) == ["commit", "build", "libcap", "swift", "kernel"], "\(r.stdout)")
        // The build is static exactly when the binary names no program interpreter.
        let isStatic = try !hasInterpreter(Swclone.path)
        #expect(fields["build"]?.contains("static executable") == isStatic, "\(r.stdout)")
        #expect(fields["libcap"]?.hasPrefix(try libcapHeaderVersion()) == true, "\(r.stdout)")
        var system = utsname()
        uname(&system)
        let release = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(fields["kernel"]?.contains(release) == true, "\(r.stdout)")
    }

    /// Whether an ELF64 file has a PT_INTERP program header (it is linked dynamically).
    func hasInterpreter(_ path: String) throws -> Bool {
        let elf = try Data(contentsOf: URL(fileURLWithPath: path).resolvingSymlinksInPath())
        func integer<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            elf[offset..<offset + MemoryLayout<T>.size].reversed().reduce(0) { $0 << 8 | T($1) }
        }
        let table = Int(integer(0x20, UInt64.self)), size = Int(integer(0x36, UInt16.self))
        return (0..<Int(integer(0x38, UInt16.self))).contains { integer(table + $0 * size, UInt32.self) == 3 }
    }

    /// LIBCAP_MAJOR.LIBCAP_MINOR of the header swclone was built with.
    func libcapHeaderVersion() throws -> String {
        let header = try String(contentsOfFile: "/usr/include/sys/capability.h", encoding: .utf8)
        func value(_ name: String) -> String {
            header.split(separator: "\n").first { $0.hasPrefix("#define \(name) ") }?.split(separator: " ").last.map(String.init) ?? "?"
        }
        return value("LIBCAP_MAJOR") + "." + value("LIBCAP_MINOR")
    }
}
