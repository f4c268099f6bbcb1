import CorrelateModel

/// A trace's spans as a tree: children by start time, spans whose parent is missing as roots.
struct SpanTree {
    var byID: [SpanID: Span] = [:]
    var children: [SpanID: [SpanID]] = [:]
    var roots: [SpanID] = []
    var missingParent: Set<SpanID> = []
    /// Tree order (depth-first, children by start time), with depth.
    var ordered: [AnalyzedSpan] = []
    var start = Timestamp(nanoseconds: 0)
    var end = Timestamp(nanoseconds: 0)

    init(_ spans: [Span]) {
        for span in spans where byID[span.spanID] == nil { byID[span.spanID] = span }
        for span in byID.values {
            if let parent = span.parentSpanID, byID[parent] != nil, parent != span.spanID {
                children[parent, default: []].append(span.spanID)
            } else {
                if span.parentSpanID != nil { missingParent.insert(span.spanID) }
                roots.append(span.spanID)
            }
        }
        let byStart: (SpanID, SpanID) -> Bool = { [byID] a, b in
            let x = byID[a]!, y = byID[b]!
            return x.start != y.start ? x.start < y.start : x.spanID < y.spanID
        }
        roots.sort(by: byStart)
        for key in children.keys { children[key]!.sort(by: byStart) }
        start = byID.values.map(\.start).min() ?? Timestamp(nanoseconds: 0)
        end = byID.values.map(\.end).max() ?? start
        // Depth-first, guarding against parent cycles in damaged data.
        var visited: Set<SpanID> = []
        func visit(_ id: SpanID, _ depth: Int) {
            guard visited.insert(id).inserted, let span = byID[id] else { return }
            ordered.append(AnalyzedSpan(span: span, depth: depth, missingParent: missingParent.contains(id),
                                        selfTimeMilliseconds: 0, onCriticalPath: false))
            for child in children[id] ?? [] { visit(child, depth + 1) }
        }
        for root in roots { visit(root, 0) }
        // Spans in a parent cycle are reachable from no root: show them as roots too.
        for id in byID.keys.sorted(by: byStart) where !visited.contains(id) {
            roots.append(id)
            visit(id, 0)
        }
    }

    /// The span and every span under it (each once, also in a parent cycle).
    func subtree(of id: SpanID) -> [SpanID] {
        var found: [SpanID] = []
        var seen: Set<SpanID> = []
        var stack = [id]
        while let next = stack.popLast() {
            guard seen.insert(next).inserted else { continue }
            found.append(next)
            stack += children[next] ?? []
        }
        return found
    }

    mutating func apply(_ path: CriticalPath) {
        for index in ordered.indices {
            let id = ordered[index].span.spanID
            ordered[index].onCriticalPath = path.onPath.contains(id)
            ordered[index].selfTimeMilliseconds = Double(path.selfTime[id] ?? 0) / 1_000_000
        }
    }
}
