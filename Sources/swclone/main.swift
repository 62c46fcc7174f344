import CShim
import SwcloneCLI

// The arguments as the kernel gave them: the runtime's CommandLine reads /proc, which may not be ours.
sw_forget_runtime_root()
var arguments: [String] = []
if let argv = sw_start_argv() {
    for i in 0..<Int(sw_start_argc()) { arguments.append(argv[i].map { String(cString: $0) } ?? "") }
}
swcloneMain(arguments)
