import CorrelateDecode
import CorrelateModel

/// Per-stream memory of the record assembler: the continuation context and the ids of the
/// stream's current record, which a continuation line that cannot join it (after an idle flush,
/// or interleaved with another journald writer) carries on.
struct StreamState {
    var context = StreamContext()
    var traceID: TraceID?
    var spanID: SpanID?
    var jobID: [UInt8] = []
    var hasJobID = false
    var ruleIndex: Int?
    var service: [UInt8] = []

    var isLinked: Bool { traceID != nil || hasJobID }

    mutating func carry(_ extraction: Extraction, jobID job: UnsafeBufferPointer<UInt8>?, service: UnsafeBufferPointer<UInt8>?) {
        traceID = extraction.traceID
        spanID = extraction.spanID
        ruleIndex = extraction.ruleIndex
        jobID.removeAll(keepingCapacity: true)
        hasJobID = job != nil
        if let job { jobID.append(contentsOf: job) }
        self.service.removeAll(keepingCapacity: true)
        if let service { self.service.append(contentsOf: service) }
    }
}

import CorrelateExtract
