import CorrelateModel
import Foundation

/// The benchmark's draws, from the one SplitMix64 (CorrelateModel): the file is the same on
/// every run and machine for a given seed.
extension SplitMix64 {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// Writes a mixed-format log file: JSON lines, journald export entries, logfmt and plain text
/// (Celery and Python logging), with a realistic share of trace ids, job ids, id-less lines,
/// zero ids and tracebacks.
struct LogGenerator {
    var random: SplitMix64
    var clock: Int64 = 1_795_595_546_000_000  // µs since the epoch
    private var out: [UInt8] = []
    private(set) var lines = 0
    private(set) var linesWithTraceID = 0

    init(seed: UInt64) {
        random = SplitMix64(state: seed)
        out.reserveCapacity(8 << 20)
    }

    static let messages = [
        "exporting report rpt-%d format=csv range=30d customer=cus-%d",
        "query returned %d rows in %d ms",
        "report rpt-%d written to s3://acme-reports/exports/rpt-%d.csv",
        "resizing image img-%d (webp) to 1280x720",
        "sending welcome email to user%d@example.com",
        "POST /api/v1/reports/rpt-%d/export accepted (job %d)",
        "slow query on reports db: 6.0s for report rpt-%d (%d rows)",
        "cache miss for key customer:%d:settings, loading from db in %d ms",
    ]
    static let services = ["export-api", "celery-worker", "billing", "image-resizer", "mailer"]
    static let levels = ["INFO", "INFO", "INFO", "INFO", "DEBUG", "WARNING", "ERROR"]

    mutating func write(bytes target: Int64, to handle: FileHandle) throws {
        var written: Int64 = 0
        while written < target {
            line()
            if out.count >= 4 << 20 {
                try handle.write(contentsOf: out)
                written += Int64(out.count)
                out.removeAll(keepingCapacity: true)
            }
        }
        if !out.isEmpty {
            try handle.write(contentsOf: out)
            out.removeAll()
        }
    }

    /// The next lines (at least `count`, whole lines), as bytes.
    mutating func chunk(lines count: Int) -> [UInt8] {
        let target = lines + count
        while lines < target { line() }
        defer { out.removeAll(keepingCapacity: true) }
        return out
    }

    private mutating func line() {
        clock += Int64(random.below(2000))
        let kind = random.below(100)
        let hasTrace = random.chance(45)
        if hasTrace { linesWithTraceID += 1 }
        switch kind {
        case 0..<25: json(hasTrace)
        case 25..<50: journald(hasTrace)
        case 50..<75: logfmt(hasTrace)
        default: plain(hasTrace)
        }
    }

    private mutating func hex(_ digits: Int) -> String {
        var text = ""
        while text.count < digits { text += String(format: "%016llx", random.next()) }
        return String(text.prefix(digits))
    }

    private mutating func uuid() -> String {
        let h = hex(32)
        let c = Array(h)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }

    private mutating func message() -> String {
        var text = LogGenerator.messages[random.below(LogGenerator.messages.count)]
        while let range = text.range(of: "%d") { text.replaceSubrange(range, with: String(random.below(99_999))) }
        return text
    }

    private func isoTime() -> String {
        String(Timestamp(nanoseconds: clock * 1_000).description.dropLast()) + "+00:00"
    }

    private func pythonTime() -> String {
        let iso = isoTime()
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8)) + "," + String(iso.dropFirst(20).prefix(3))
    }

    private mutating func append(_ text: String) {
        out.append(contentsOf: text.utf8)
        out.append(0x0A)
        lines += 1
    }

    private mutating func json(_ hasTrace: Bool) {
        let level = LogGenerator.levels[random.below(LogGenerator.levels.count)]
        let service = LogGenerator.services[random.below(LogGenerator.services.count)]
        let ids = hasTrace
            ? "\"trace_id\": \"\(hex(32))\", \"span_id\": \"\(hex(16))\""
            : "\"trace_id\": \"0\", \"span_id\": \"0\""
        let task = random.chance(20) ? ", \"task_id\": \"\(uuid())\", \"task_name\": \"jobs.tasks.export_report\"" : ""
        append("{\"level\": \"\(level)\", \"logger\": \"jobs.tasks\", \"message\": \"\(message())\", \(ids), \"service\": \"\(service)\", \"trace_sampled\": \(hasTrace)\(task), \"timestamp\": \"\(isoTime())\"}")
    }

    private mutating func otelText(_ hasTrace: Bool, service: String) -> String {
        let level = LogGenerator.levels[random.below(LogGenerator.levels.count)]
        let ids = hasTrace ? "trace_id=\(hex(32)) span_id=\(hex(16))" : "trace_id=0 span_id=0"
        return "\(pythonTime()) \(level) [jobs.tasks] [tasks.py:\(random.below(200))] [\(ids) resource.service.name=\(service) trace_sampled=\(hasTrace ? "True" : "False")] - \(message())"
    }

    private mutating func journald(_ hasTrace: Bool) {
        let service = LogGenerator.services[random.below(LogGenerator.services.count)]
        let text = otelText(hasTrace, service: service).replacingOccurrences(of: "\"", with: "\\\"")
        append("{\"__CURSOR\":\"s=b9e3ffc4a5ac170598256a5146200daf;i=\(String(clock, radix: 16));b=87d6c713a8238f5ea070ea20baaf12c0;m=4bb4457cc0;t=\(String(clock, radix: 16));x=7ff54d67aaef88f2\",\"__REALTIME_TIMESTAMP\":\"\(clock)\",\"__MONOTONIC_TIMESTAMP\":\"325147000000\",\"_BOOT_ID\":\"87d6c713a8238f5ea070ea20baaf12c0\",\"_TRANSPORT\":\"stdout\",\"PRIORITY\":\"6\",\"SYSLOG_FACILITY\":\"3\",\"SYSLOG_IDENTIFIER\":\"celery\",\"_PID\":\"25779\",\"_UID\":\"998\",\"_GID\":\"998\",\"_COMM\":\"celery\",\"_EXE\":\"/usr/bin/python3.11\",\"_SYSTEMD_CGROUP\":\"/system.slice/\(service).service\",\"_SYSTEMD_UNIT\":\"\(service).service\",\"_SYSTEMD_SLICE\":\"system.slice\",\"_MACHINE_ID\":\"914a81337e724672705d30d6cc5b6023\",\"_HOSTNAME\":\"worker-1\",\"MESSAGE\":\"\(text)\"}")
    }

    private mutating func logfmt(_ hasTrace: Bool) {
        let level = ["info", "info", "info", "debug", "warn", "error"][random.below(6)]
        let service = LogGenerator.services[random.below(LogGenerator.services.count)]
        let ids = hasTrace ? " trace_id=\(hex(32)) span_id=\(hex(16))" : ""
        append("ts=\(isoTime()) level=\(level) service=\(service) msg=\"\(message())\"\(ids) duration_ms=\(random.below(5000))")
    }

    private mutating func plain(_ hasTrace: Bool) {
        if hasTrace {
            append(otelText(true, service: LogGenerator.services[random.below(LogGenerator.services.count)]))
            if random.chance(2) {
                append("Traceback (most recent call last):")
                append("  File \"/srv/app/jobs/tasks.py\", line 88, in resize_image")
                append("    raise UnsupportedImageFormat(f\"cannot decode {image_id}\")")
                append("jobs.tasks.UnsupportedImageFormat: cannot decode img-\(random.below(99999)).heic")
            }
            return
        }
        let time = pythonTime()
        if random.chance(40) {
            append("[\(time): INFO/ForkPoolWorker-\(random.below(4) + 1)] Task jobs.tasks.export_report[\(uuid())] succeeded in 0.\(random.below(999_999))s: {'rows': \(random.below(99999))}")
        } else {
            append("[\(time): INFO/MainProcess] \(message())")
        }
    }
}
