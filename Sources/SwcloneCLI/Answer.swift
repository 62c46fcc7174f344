/// The command line asked for information rather than a launch (e.g.
/// `--cap-drop help`): `swcloneMain` writes `text` to standard output and exits 0.
struct Answer: Error {
    var text: String
}
