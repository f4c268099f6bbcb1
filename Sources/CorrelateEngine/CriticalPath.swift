import CorrelateModel

/// The critical path of a trace and each span's self time on it.
///
/// Walking back from the end of the root's subtree (which, across a queue, ends when the job
/// ends, not when the request does), each span hands the time of its last-finishing child to
/// that child, then the time of the child that finished before it, and so on; the time no child
/// covers is the span's own. Time after a producer span ended and before its consumer started
/// is the queue wait of that hop, not the producer's.
struct CriticalPath {
    let tree: SpanTree
    /// Consumer span id → its hop, for hops whose consumer is a child of the producer.
    let hopByConsumer: [SpanID: QueueHop]
    private var effectiveEnd: [SpanID: Int64] = [:]
    private(set) var onPath: Set<SpanID> = []
    /// Nanoseconds of each span's own time on the path.
    private(set) var selfTime: [SpanID: Int64] = [:]
    /// Queue wait on the path (ms) by consumer span.
    private(set) var waitOnPath: [SpanID: Double] = [:]

    init(tree: SpanTree, hops: [QueueHop]) {
        self.tree = tree
        var byConsumer: [SpanID: QueueHop] = [:]
        for hop in hops where hop.consumerTrace == hop.producerTrace { byConsumer[hop.consumer] = hop }
        self.hopByConsumer = byConsumer
    }

    mutating func walk() {
        for root in tree.roots { _ = computeEnd(root, depth: 0) }
        // The path starts at the root whose subtree ends last.
        guard let root = tree.roots.max(by: { (effectiveEnd[$0] ?? 0) < (effectiveEnd[$1] ?? 0) }) else { return }
        visit(root, until: effectiveEnd[root] ?? 0, depth: 0)
    }

    private mutating func computeEnd(_ id: SpanID, depth: Int) -> Int64 {
        if let known = effectiveEnd[id] { return known }
        guard let span = tree.byID[id], depth < 10_000 else { return 0 }
        var end = span.end.nanoseconds
        for child in tree.children[id] ?? [] { end = max(end, computeEnd(child, depth: depth + 1)) }
        effectiveEnd[id] = end
        return end
    }

    private mutating func visit(_ id: SpanID, until limit: Int64, depth: Int) {
        guard let span = tree.byID[id], depth < 10_000, onPath.insert(id).inserted else { return }
        var cursor = min(limit, effectiveEnd[id] ?? span.end.nanoseconds)
        var following: SpanID? = nil  // the child that starts at `cursor`
        let kids = (tree.children[id] ?? []).sorted { (effectiveEnd[$0] ?? 0) > (effectiveEnd[$1] ?? 0) }
        for child in kids {
            guard let childSpan = tree.byID[child], childSpan.start.nanoseconds < cursor else { continue }
            let childEnd = min(effectiveEnd[child] ?? childSpan.end.nanoseconds, cursor)
            account(span, from: childEnd, to: cursor, following: following)
            visit(child, until: childEnd, depth: depth + 1)
            cursor = max(childSpan.start.nanoseconds, span.start.nanoseconds)
            following = child
        }
        account(span, from: span.start.nanoseconds, to: cursor, following: following)
    }

    /// Gives the gap `from..<to` of `span`: its own time within the span, the queue wait of
    /// the hop to `following` after the span ended.
    private mutating func account(_ span: Span, from: Int64, to: Int64, following: SpanID?) {
        guard to > from else { return }
        let own = max(0, min(to, span.end.nanoseconds) - max(from, span.start.nanoseconds))
        selfTime[span.spanID, default: 0] += own
        let after = max(0, to - max(from, span.end.nanoseconds))
        if after > 0, let following, hopByConsumer[following]?.producer == span.spanID {
            waitOnPath[following, default: 0] += Double(after) / 1_000_000
        }
    }

    /// Puts the wait of a hop from another trace before this trace's consumer span on the path:
    /// the job started when its producer ended, not when its consumer did. The consumer must
    /// start the trace: a root, or under consumer spans only (a receive span and its process
    /// span). With several producers (a batch receive) the longest wait counts: the oldest
    /// message.
    mutating func addWaitBeforeRoot(_ hop: QueueHop) {
        guard onPath.contains(hop.consumer), hop.waitMilliseconds > 0 else { return }
        var current = tree.byID[hop.consumer]
        var steps = 0
        while let span = current, let parent = span.parentSpanID, let above = tree.byID[parent], steps < 10_000 {
            guard above.kind == .consumer else { return }
            current = above
            steps += 1
        }
        waitOnPath[hop.consumer] = max(waitOnPath[hop.consumer] ?? 0, hop.waitMilliseconds)
    }

    /// The span with the most own time on the path, or the queue wait when that is more.
    func culprit(_ tree: SpanTree) -> Culprit? {
        var best: Culprit?
        for id in onPath {
            guard let span = tree.byID[id] else { continue }
            let time = Double(selfTime[id] ?? 0) / 1_000_000
            if best == nil || time > best!.selfTimeMilliseconds
                || (time == best!.selfTimeMilliseconds && id < best!.spanID)
            {
                best = Culprit(kind: .span, spanID: id, name: span.name, selfTimeMilliseconds: time)
            }
        }
        for (consumer, wait) in waitOnPath where wait > (best?.selfTimeMilliseconds ?? 0) {
            let name = tree.byID[consumer]?.name ?? "consumer"
            best = Culprit(kind: .queueWait, spanID: consumer, name: "queue wait before \(name)", selfTimeMilliseconds: wait)
        }
        return best
    }
}
