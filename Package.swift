// swift-tools-version:6.0
// swclone: command line -> launch spec -> launch plan -> clone core -> C shim (+ libcap, libseccomp).
import PackageDescription

let package = Package(
    name: "swclone",
    products: [.executable(name: "swclone", targets: ["swclone"])],
    dependencies: [
        // --help only: a launch never enters it (see OptionTable.swift).
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2")
    ],
    targets: [
        .executableTarget(name: "swclone", dependencies: ["SwcloneCLI", "CShim"]),
        // The command line: one option table, its scanner, and the spec each option group builds.
        .target(
            name: "SwcloneCLI",
            dependencies: [
                "LaunchSpec", "CloneCore", "CShim", "HostCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Plain, validated values describing one launch; no system calls but look-ups.
        .target(name: "LaunchSpec", dependencies: ["CLibcap", "CShim"]),
        // Every decision about a launch, made once from the spec and facts read about the process. Pure.
        .target(name: "LaunchPlan", dependencies: ["LaunchSpec"]),
        // The parent side: reads the facts, carries the plan out (clone3, ID maps, supervision).
        .target(name: "CloneCore", dependencies: ["LaunchPlan", "LaunchSpec", "CShim"]),
        // swclone --check: what this host lets the caller do, and the fix for what it does not.
        .target(name: "HostCheck", dependencies: ["CloneCore", "LaunchPlan", "LaunchSpec", "CShim"]),
        // Raw system calls and the child's set-up path, in C (+ libseccomp for --seccomp-default's filter).
        .target(name: "CShim", dependencies: ["CLibseccomp"]),
        .systemLibrary(name: "CLibcap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CLibseccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .testTarget(name: "CommandLineTests", dependencies: ["SwcloneCLI", "LaunchSpec"]),
        .testTarget(name: "LaunchPlanTests", dependencies: ["LaunchPlan", "LaunchSpec"]),
        .testTarget(name: "HostCheckTests", dependencies: ["HostCheck", "LaunchPlan", "LaunchSpec"]),
        .testTarget(name: "CloneCoreTests", dependencies: ["CloneCore", "LaunchPlan", "LaunchSpec", "CShim"]),
        .testTarget(name: "IntegrationTests", dependencies: ["swclone"]),
        // Runs a program under a seccomp filter that refuses clone3 (the fallback tests); built beside swclone.
        .executableTarget(name: "refuse-clone3", path: "Tests/Helpers/refuse-clone3"),
    ]
)

// `make fuzz` only (SWCLONE_FUZZ=1, with -sanitize=fuzzer): a libFuzzer target over the command
// line, spec and plan layers. Any other build leaves it out: libFuzzer supplies its main.
if Context.environment["SWCLONE_FUZZ"] != nil {
    package.products.append(.executable(name: "swclone-fuzz", targets: ["SwcloneFuzz"]))
    package.targets.append(
        .executableTarget(
            name: "SwcloneFuzz", dependencies: ["SwcloneCLI", "LaunchPlan", "LaunchSpec"], path: "Tests/Fuzz/Target",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
