// swift-tools-version:6.0
import PackageDescription

// Dependency direction (arrows point to what is imported), see docs/ARCHITECTURE.md:
//   correlate ─▶ CorrelatePipeline ─▶ { CorrelateSources, CorrelateDecode, CorrelateExtract,
//                                       CorrelateRender, CorrelateStore, CorrelateEngine }
//                                     ─▶ CorrelateModel
//   CorrelateExtract ─▶ CorrelateMatcher ─▶ CPCRE2
//   CorrelateStore ─▶ CSQLite
// Release builds of the hot-path targets skip Swift's run-time exclusivity checks (they cost a
// thread-local access-set lookup per access to a class's stored properties, on every line);
// debug builds and the tests keep them.
let hotPath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "correlate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "correlate", targets: ["correlate"]),
        .library(name: "CorrelatePipeline", targets: ["CorrelatePipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"]), .brew(["pcre2"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .target(name: "CorrelateMatcher", dependencies: ["CPCRE2"], swiftSettings: hotPath),
        .target(name: "CorrelateModel"),
        .target(name: "CorrelateSources", dependencies: ["CorrelateModel"], swiftSettings: hotPath),
        .target(name: "CorrelateDecode", dependencies: ["CorrelateModel"], swiftSettings: hotPath),
        .target(
            name: "CorrelateExtract",
            dependencies: ["CorrelateModel", "CorrelateMatcher", "Yams"],
            swiftSettings: hotPath
        ),
        .target(name: "CorrelateRender", dependencies: ["CorrelateModel"], swiftSettings: hotPath),
        .target(name: "CorrelateStore", dependencies: ["CorrelateModel", "CSQLite"]),
        .target(name: "CorrelateEngine", dependencies: ["CorrelateModel"]),
        .target(
            name: "CorrelatePipeline",
            dependencies: [
                "CorrelateModel", "CorrelateSources", "CorrelateDecode", "CorrelateExtract",
                "CorrelateRender", "CorrelateStore", "CorrelateEngine",
            ],
            swiftSettings: hotPath
        ),
        .executableTarget(
            name: "correlate",
            dependencies: [
                "CorrelatePipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "correlate-bench",
            dependencies: ["CorrelateModel"]
        ),
        .target(name: "CorrelateTestSupport", path: "Tests/CorrelateTestSupport"),
        .testTarget(name: "CorrelateMatcherTests", dependencies: ["CorrelateMatcher"]),
        .testTarget(name: "CorrelateModelTests", dependencies: ["CorrelateModel"]),
        .testTarget(
            name: "CorrelateDecodeTests",
            dependencies: ["CorrelateDecode", "CorrelateSources", "CorrelateTestSupport"]
        ),
        .testTarget(
            name: "CorrelateExtractTests",
            dependencies: ["CorrelateExtract", "CorrelateTestSupport"]
        ),
        .testTarget(
            name: "CorrelateStoreTests",
            dependencies: ["CorrelateStore", "CorrelateTestSupport"]
        ),
        .testTarget(
            name: "CorrelateEngineTests",
            dependencies: ["CorrelateEngine", "CorrelateTestSupport"]
        ),
        .testTarget(
            name: "CorrelatePipelineTests",
            dependencies: ["CorrelatePipeline", "CorrelateTestSupport"]
        ),
        .testTarget(
            name: "CorrelateCLITests",
            dependencies: ["correlate", "CorrelateTestSupport"]
        ),
    ]
)
