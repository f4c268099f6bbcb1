// swift-tools-version:6.0
import PackageDescription

// Dependency direction (arrows point to what is imported), see docs/ARCHITECTURE.md:
//   correlate ─▶ CorrelatePipeline ─▶ { CorrelateSources, CorrelateDecode, CorrelateExtract,
//                                       CorrelateRender, CorrelateStore, CorrelateEngine }
//                                     ─▶ CorrelateModel
//   CorrelateExtract ─▶ CorrelateMatcher ─▶ CPCRE2
//   CorrelateStore ─▶ CSQLite
//   CorrelateClickHouse ─▶ { AsyncHTTPClient, CZlib } (the store on ClickHouse)
//   CorrelateSinks ─▶ AsyncHTTPClient (webhooks)
//   CorrelateSources ─▶ CZlib, CZstd (inputs decompressed as they are read)
//   correlate ─▶ CorrelateServer ─▶ { CorrelatePipeline, CorrelateOTLP, CorrelateSources, Hummingbird }
// Release builds of the hot-path targets skip Swift's run-time exclusivity checks (they cost a
// thread-local access-set lookup per access to a class's stored properties, on every line);
// debug builds and the tests keep them.
// Every target: an `import` is internal unless written `public import`, so a module's public
// interface names only what it declares it re-exposes, and the graph above is what holds.
let imports: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]
let hotPath: [SwiftSetting] = imports + [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "correlate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "correlate", targets: ["correlate"]),
        .library(name: "CorrelatePipeline", targets: ["CorrelatePipeline"]),
        // For the fuzz targets (Fuzz/Package.swift), which import these modules directly.
        .library(name: "CorrelateModel", targets: ["CorrelateModel"]),
        .library(name: "CorrelateDecode", targets: ["CorrelateDecode"]),
        .library(name: "CorrelateOTLP", targets: ["CorrelateOTLP"]),
        .library(name: "CorrelateExtract", targets: ["CorrelateExtract"]),
        .library(name: "CorrelateStore", targets: ["CorrelateStore"]),
        .library(name: "CorrelateJSON", targets: ["CorrelateJSON"]),
        .library(name: "CorrelateSinks", targets: ["CorrelateSinks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        // Already in Hummingbird's graph; named to use their types (ByteBuffer, Logger, HTTPField,
        // HTTPRequestPart).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        // The ClickHouse store's HTTP client (already in Hummingbird's test graph).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
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
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        .target(name: "CorrelateMatcher", dependencies: ["CPCRE2"], swiftSettings: hotPath),
        // The one JSON reader (JSONDocument), writer (JSONWriter), string escaping and base64.
        // JSON strings scanned sixteen bytes at a time (SSE2), inline in the JSON readers and
        // the writer.
        .target(name: "CByteScan"),
        .target(name: "CorrelateJSON", dependencies: ["CByteScan"], swiftSettings: hotPath),
        .target(name: "CorrelateModel", dependencies: ["CorrelateJSON"], swiftSettings: imports),
        // Inputs: files and standard input, gzip and zstd decompressed as they are read (the one
        // target that imports zlib and libzstd), lines, chunks, followed files, directories.
        .target(name: "CorrelateSources", dependencies: ["CorrelateModel", "CZlib", "CZstd"], swiftSettings: hotPath),
        .target(name: "CorrelateDecode", dependencies: ["CorrelateModel", "CorrelateJSON", "CByteScan"], swiftSettings: hotPath),
        // The literal prefilter's vectorised pair scan (AVX2, chosen at run time).
        .target(name: "CPairScan"),
        .target(
            name: "CorrelateExtract",
            dependencies: ["CorrelateModel", "CorrelateJSON", "CorrelateMatcher", "CPairScan", "Yams"],
            swiftSettings: hotPath
        ),
        .target(name: "CorrelateRender", dependencies: ["CorrelateModel", "CorrelateJSON"], swiftSettings: hotPath),
        .target(name: "CorrelateStore", dependencies: ["CorrelateModel", "CorrelateJSON", "CSQLite"], swiftSettings: imports),
        // The store on ClickHouse: the OpenTelemetry Collector's tables over ClickHouse's HTTP
        // interface (AsyncHTTPClient); request bodies gzipped with zlib.
        .target(
            name: "CorrelateClickHouse",
            dependencies: [
                "CorrelateModel", "CorrelateJSON", "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: imports
        ),
        // OTLP protobuf: code generated by scripts/generate-protos.sh from proto/, and its decoders.
        .target(
            name: "CorrelateOTLP",
            dependencies: [
                "CorrelateModel", "CorrelateJSON", "CorrelateDecode",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: imports
        ),
        .target(name: "CorrelateEngine", dependencies: ["CorrelateModel"], swiftSettings: imports),
        // Where bundles and records go: stdout, atomic files, a directory, a webhook with retries
        // (AsyncHTTPClient, as the ClickHouse store: Foundation's URLSession would load libcurl
        // and some thirty libraries into every run of the command line).
        .target(
            name: "CorrelateSinks",
            dependencies: [
                "CorrelateModel", "CorrelateRender",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: imports
        ),
        .target(
            name: "CorrelatePipeline",
            dependencies: [
                "CorrelateModel", "CorrelateJSON", "CorrelateSources", "CorrelateDecode", "CorrelateExtract", "CorrelateMatcher",
                "CorrelateRender", "CorrelateStore", "CorrelateClickHouse", "CorrelateEngine", "CorrelateOTLP", "CorrelateSinks",
                "Yams",  // the configuration file (correlate.yaml)
            ],
            swiftSettings: hotPath
        ),
        // correlate serve: OTLP/HTTP and alert webhooks into the store (Hummingbird 2).
        .target(
            name: "CorrelateServer",
            dependencies: [
                "CorrelatePipeline", "CorrelateOTLP", "CorrelateSources",
                "CorrelateModel", "CorrelateJSON", "CorrelateDecode", "CorrelateExtract", "CorrelateRender",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: imports
        ),
        .executableTarget(
            name: "correlate",
            dependencies: [
                // Every module it imports, declared.
                "CorrelatePipeline", "CorrelateServer", "CorrelateModel", "CorrelateDecode", "CorrelateEngine",
                "CorrelateExtract", "CorrelateRender", "CorrelateSources", "CorrelateStore", "CorrelateClickHouse", "CorrelateSinks", "CorrelateJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: imports
        ),
        .executableTarget(
            name: "correlate-bench",
            dependencies: ["CorrelateModel", "CorrelateJSON", "CorrelateDecode", "CorrelateOTLP", "CorrelateStore"],
            swiftSettings: imports
        ),
        // StoreKind makes each kind of store, so the tests that must hold for every store run on each.
        .target(
            name: "CorrelateTestSupport", dependencies: ["CorrelateModel", "CorrelateJSON", "CorrelateStore", "CorrelateClickHouse"],
            path: "Tests/CorrelateTestSupport", swiftSettings: imports
        ),
        .testTarget(name: "CorrelateMatcherTests", dependencies: ["CorrelateMatcher"], swiftSettings: imports),
        .testTarget(name: "CorrelateModelTests", dependencies: ["CorrelateModel"], swiftSettings: imports),
        .testTarget(
            name: "CorrelateDecodeTests",
            dependencies: ["CorrelateDecode", "CorrelateJSON", "CorrelateTestSupport"],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelateExtractTests",
            dependencies: ["CorrelateExtract", "CorrelateMatcher", "CPairScan", "CorrelateTestSupport"],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelateOTLPTests",
            dependencies: ["CorrelateOTLP", "CorrelateJSON", "CorrelateDecode", "CorrelateTestSupport"],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelateStoreTests",
            dependencies: ["CorrelateStore", "CorrelateClickHouse", "CorrelateTestSupport"],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelateEngineTests",
            dependencies: ["CorrelateEngine", "CorrelateTestSupport"],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelateRenderTests",
            dependencies: ["CorrelateRender", "CorrelateTestSupport"],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelatePipelineTests",
            dependencies: ["CorrelatePipeline", "CorrelateEngine", "CorrelateDecode", "CorrelateJSON", "CorrelateOTLP", "CorrelateSinks", "CorrelateTestSupport",
                           "CorrelateClickHouse"],
            exclude: ["Snapshots"],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelateSourcesTests",
            dependencies: ["CorrelateSources", "CorrelateTestSupport"],
            swiftSettings: imports
        ),
        .testTarget(name: "CorrelateJSONTests", dependencies: ["CorrelateJSON"], swiftSettings: imports),
        .testTarget(
            name: "CorrelateSinksTests",
            dependencies: [
                "CorrelateSinks", "CorrelateModel", "CorrelateJSON", "CorrelateTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelateServerTests",
            dependencies: [
                "CorrelateServer", "CorrelatePipeline", "CorrelateExtract", "CorrelateModel", "CorrelateStore",
                "CorrelateTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: imports
        ),
        .testTarget(
            name: "CorrelateCLITests",
            dependencies: [
                "correlate", "CorrelateStore", "CorrelateClickHouse", "CorrelateJSON", "CSQLite", "CorrelateTestSupport",
                // The command line's own parts, tested without the binary: colour, times, configuration.
                "CorrelateModel", "CorrelateSinks", "CorrelatePipeline",
            ],
            exclude: ["Snapshots"],
            swiftSettings: imports
        ),
    ]
)
