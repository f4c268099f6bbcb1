// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for correlate's decoders (see Fuzz/README.md). A package of its own, so
// the main package's `swift build` / `swift test` never see it. Build (from the repository
// root; scripts/fuzz.sh does this):
//
//   swift build --package-path Fuzz --scratch-path .build-fuzz -c release -Xswiftc -g \
//       --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address
//
// (`--sanitize` twice instruments the C targets for both; but SwiftPM hands the Swift frontend
// one `-sanitize=` per `--sanitize` and it keeps only the last, so without the combined flag
// the Swift code gets no coverage instrumentation or no AddressSanitizer.)
//
// Each target is one file that defines `LLVMFuzzerTestOneInput` (`@_cdecl`); libFuzzer
// provides `main`.

/// Fuzz target name → the main package's products it imports.
let fuzzTargets: [(name: String, products: [String])] = [
    ("fuzz-otlp-traces-protobuf", ["CorrelateModel", "CorrelateDecode", "CorrelateOTLP", "CorrelateStore"]),
    ("fuzz-otlp-logs-protobuf", ["CorrelateModel", "CorrelateOTLP"]),
    ("fuzz-otlp-json", ["CorrelateJSON", "CorrelateModel", "CorrelateDecode", "CorrelateOTLP", "CorrelateStore"]),
    ("fuzz-jaeger", ["CorrelateJSON", "CorrelateModel", "CorrelateDecode", "CorrelateStore"]),
    ("fuzz-zipkin", ["CorrelateJSON", "CorrelateModel", "CorrelateDecode", "CorrelateStore"]),
    ("fuzz-alerts", ["CorrelateJSON", "CorrelateModel", "CorrelateDecode", "CorrelateExtract", "CorrelatePipeline"]),
    ("fuzz-log-lines", ["CorrelateExtract", "CorrelatePipeline", "CorrelateSinks"]),
    ("fuzz-rules", ["CorrelateExtract"]),
    ("fuzz-trace-analysis", ["CorrelateJSON", "CorrelateModel", "CorrelateDecode", "CorrelatePipeline"]),
]

let package = Package(
    name: "correlate-fuzz",
    platforms: [.macOS(.v14)],
    products: fuzzTargets.map { .executable(name: $0.name, targets: [$0.name]) },
    dependencies: [
        .package(name: "correlate", path: ".."),
    ],
    targets: fuzzTargets.map { target in
        .executableTarget(
            name: target.name,
            dependencies: target.products.map { .product(name: $0, package: "correlate") },
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
