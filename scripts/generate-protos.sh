#!/usr/bin/env bash
# Regenerates Sources/CorrelateOTLP/Generated/*.pb.swift from the .proto files in proto/.
#
# Uses Debian's protoc and the protoc-gen-swift of the swift-protobuf version Package.swift
# resolves (built once into .build-protoc-gen-swift/). The generated files are committed, so
# building correlate never needs protoc; run this only after changing a .proto file.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null; then
  echo "protoc missing: installing Debian's protobuf-compiler" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq protobuf-compiler; else sudo apt-get install -y -qq protobuf-compiler; fi
fi

swift package resolve
plugin_build=.build-protoc-gen-swift
swift build -c release --package-path .build/checkouts/swift-protobuf --product protoc-gen-swift \
  --scratch-path "$plugin_build"
plugin="$plugin_build/release/protoc-gen-swift"

out=Sources/CorrelateOTLP/Generated
rm -f "$out"/*.pb.swift
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_out="$out" --swift_opt=FileNaming=PathToUnderscores --swift_opt=Visibility=Internal \
  --proto_path=proto $(cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)
echo "generated $(ls "$out" | wc -l) files in $out with $(protoc --version) and protoc-gen-swift $("$plugin" --version)"
