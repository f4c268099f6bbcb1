import Foundation
import CorrelateDecode
import CorrelateExtract
import CorrelatePipeline
import CorrelateTestSupport
import CorrelateSinks

/// Runs the extract pipeline in-process and returns its NDJSON records parsed, with the summary.
func runExtract(
    _ inputs: [String], onlyLinked: Bool = false, format: LogFormat = .auto,
    maxLineBytes: Int = 1 << 20, directory: String? = nil, threads: Int = 1, chunkBytes: Int = 4 << 20,
    maxRecordBytes: Int = 16 << 20, maxContinuationLines: Int = 1000
) throws -> (records: [[String: Any]], summary: ExtractSummary, raw: Data) {
    let rules = try RuleLoader.load(RuleLoader.shippedSources()).ruleSet
    let folder = try Fixtures.temporaryDirectory()
    let outputPath = folder.appendingPathComponent("out.ndjson").path
    let fd = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0)
    // Inputs are named relative to `directory`; records name them the same way. (Tests run in
    // parallel, so the process's working directory is not changed.)
    let prefix = directory.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? ""
    let inputs = inputs.map { $0 == "-" || $0.hasPrefix("/") ? $0 : prefix + $0 }
    var configuration = ExtractConfiguration(
        inputs: inputs, inputFormat: format, onlyLinked: onlyLinked, maxLineBytes: maxLineBytes,
        maxContinuationLines: maxContinuationLines, threads: threads, chunkBytes: chunkBytes)
    configuration.maxRecordBytes = maxRecordBytes
    let pipeline = ExtractPipeline(ruleSet: rules, configuration: configuration, output: ByteOutput(descriptor: fd))
    let summary = try pipeline.run()
    close(fd)
    let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
    var records: [[String: Any]] = []
    for line in data.split(separator: UInt8(ascii: "\n")) {
        var object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
        if var source = object["source"] as? [String: Any], let file = source["file"] as? String,
            !prefix.isEmpty, file.hasPrefix(prefix)
        {
            source["file"] = String(file.dropFirst(prefix.count))
            object["source"] = source
        }
        records.append(object)
    }
    return (records, summary, data)
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    var sourceFile: String { (self["source"] as! [String: Any])["file"] as! String }
    var sourceLine: Int { (self["source"] as! [String: Any])["line"] as! Int }
    var sourceLines: Int { (self["source"] as! [String: Any])["lines"] as! Int }
}
