import Foundation
import Glibc
import LaunchSpec
import Testing

@testable import CloneCore

/// The hand-written JSON encoder and the words for clone3's cgroup errors.
struct JSONAndCgroupMessageTests {
    func text(_ line: JSONLine) -> String { String(decoding: line.line, as: UTF8.self) }

    @Test func bubblewrapLayout() {
        var line = JSONLine()
        line.add("child-pid", Int32(42))
        line.add("pid-namespace", UInt64(4_026_532_181))
        #expect(text(line) == "{ \"child-pid\": 42, \"pid-namespace\": 4026532181 }\n")
    }

    /// --info-fd's layout, a key a line: bubblewrap's readers pick "child-pid" with grep.
    @Test func infoLayout() throws {
        var line = JSONLine(indented: true)
        line.add("child-pid", Int32(42))
        line.add("pid-namespace", UInt64(4_026_532_181))
        #expect(text(line) == "{\n    \"child-pid\": 42,\n    \"pid-namespace\": 4026532181\n}\n")
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.line)) as? [String: Int])
        #expect(object == ["child-pid": 42, "pid-namespace": 4_026_532_181])
    }

    @Test func keysAreEscapedAndParse() throws {
        var line = JSONLine()
        let key = "q\"b\\n\nt\tc\u{1}é"
        line.add(key, -7)
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.line)) as? [String: Int])
        #expect(object == [key: -7])
    }

    @Test(arguments: [
        (EBUSY, "controllers enabled for its children"), (ENOENT, "removed"), (ENODEV, "removed"),
        (EACCES, "no permission"), (EBADF, "not a cgroup v2 directory"), (EOPNOTSUPP, "cgroup.type"),
    ])
    func cgroupErrorsNameTheDirectoryAndTheCause(err: Int32, fragment: String) throws {
        let failure = try #require(CgroupDirectory.cloneFailure(err, path: "/cg/x"))
        #expect(failure.status == ExitStatus.setupFailed)
        #expect(failure.message.hasPrefix("--into-cgroup /cg/x: ") && failure.message.contains(fragment), "\(failure.message)")
    }

    @Test func otherErrorsAreNotTheCgroups() {
        #expect(CgroupDirectory.cloneFailure(ENOSPC, path: "/cg/x") == nil)
    }

    @Test func mountinfoEscapes() {
        #expect(unescapeMountField(Array(#"/sys/fs/cgroup/my\040dir\134x"#.utf8)[...]) == #"/sys/fs/cgroup/my dir\x"#)
    }
}
