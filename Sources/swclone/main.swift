import SwcloneCLI

swcloneMain(CommandLine.arguments)
