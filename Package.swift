// swift-tools-version:6.0
// swclone: command line -> launch spec -> clone core -> C shim (+ libcap).
import PackageDescription

let package = Package(
    name: "swclone",
    products: [.executable(name: "swclone", targets: ["swclone"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // startup.order: the release link's layout (Makefile, `make startup-order`).
        .executableTarget(name: "swclone", dependencies: ["SwcloneCLI"], exclude: ["startup.order"]),
        // The command line: swift-argument-parser commands that build a LaunchSpec.
        .target(name: "SwcloneCLI", dependencies: [
            "LaunchSpec", "CloneCore", "CShim",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Plain, validated values describing one launch; no system calls but look-ups.
        .target(name: "LaunchSpec", dependencies: ["CLibcap"]),
        // Parent side of a launch: clone3, ID maps, supervision.
        .target(name: "CloneCore", dependencies: [
            "LaunchSpec", "CShim", "CLibcap",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // Raw system calls and the child's set-up path, in C.
        .target(name: "CShim"),
        .systemLibrary(name: "CLibcap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .testTarget(name: "LaunchSpecTests", dependencies: ["SwcloneCLI", "LaunchSpec", "CloneCore"]),
        .testTarget(name: "IntegrationTests", dependencies: ["swclone"]),
    ]
)
