import Foundation
import Testing

/// User and group names from a name service other than /etc/passwd and
/// /etc/group: systemd's userdb drop-in records, which nss-systemd serves
/// (Debian's nsswitch.conf lists "files systemd"), stand in for LDAP or SSSD.
/// The static build reads only the files and asks getent(1) for the rest.
/// The records live on a tmpfs over /run in a private mount namespace.
@Suite(.needsRoot, .noLeftoverProcesses, .timeLimit(.minutes(1)))
struct NameServiceTests {
    static let records = """
        mount -t tmpfs swclone-userdb /run && mkdir /run/userdb || exit 99
        echo '{"userName":"swclone-ldapish","uid":53123,"gid":53124}' >/run/userdb/swclone-ldapish.user
        ln -s swclone-ldapish.user /run/userdb/53123.user
        echo '{"groupName":"swclone-ldapish-g","gid":53124}' >/run/userdb/swclone-ldapish-g.group
        getent passwd swclone-ldapish >/dev/null || exit 98
        """

    func withRecords(_ args: [String]) throws -> Run {
        try runProgram(
            "/usr/bin/unshare",
            ["--mount", "--propagation", "private", "/bin/sh", "-c", Self.records + "\nexec \"$@\"", "sh", Swclone.path] + args)
    }

    @Test func namesFromAnotherNameService() throws {
        guard grepNsswitch() else { return }
        let r = try withRecords(["--setuid", "swclone-ldapish", "--setgid", "swclone-ldapish-g", "--", "sh", "-c", "id -u; id -g"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines == ["53123", "53124"])
        let mapped = try withRecords(["--map-user=swclone-ldapish", "--map-group=swclone-ldapish-g", "--", "sh", "-c", "id -u; id -g"])
        #expect(mapped.lines == ["53123", "53124"], "\(mapped.stderr)")
        let missing = try withRecords(["--setuid", "swclone-nobody-has-this", "true"])
        expectOneErrorLine(missing, status: 64, containing: "--setuid: no such user 'swclone-nobody-has-this'")
    }

    /// The caller's own name (which /etc/subuid lines may give) is found the same way.
    @Test func theCallersOwnName() throws {
        guard grepNsswitch() else { return }
        let r = try runProgram(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c", Self.records + "\nexec \"$@\"", "sh", "/usr/bin/setpriv",
                "--reuid=53123", "--regid=53124", "--clear-groups", "--inh-caps=-all", Swclone.path, "--check", "--json",
            ])
        #expect(r.stdout.contains(#""user": "swclone-ldapish""#), "\(r.stdout.prefix(300)) \(r.stderr)")
    }

    /// The test needs nss-systemd in nsswitch.conf (Debian's default).
    func grepNsswitch() -> Bool {
        let conf = (try? String(contentsOfFile: "/etc/nsswitch.conf", encoding: .utf8)) ?? ""
        let served = conf.split(separator: "\n").contains { $0.hasPrefix("passwd:") && $0.contains("systemd") }
        if !served { Issue.record("/etc/nsswitch.conf has no systemd for passwd: this test cannot make a non-files user") }
        return served
    }
}
