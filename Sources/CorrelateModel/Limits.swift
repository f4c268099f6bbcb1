/// The limits the store protocol takes (``EventStore``): a negative limit is no limit, and a
/// limit scaled into a budget or a page never overflows.
extension Collection {
    /// The first `limit` elements; all of them when `limit` is negative.
    public func prefix(limit: Int) -> SubSequence {
        limit < 0 ? self[...] : prefix(limit)
    }
}

extension Int {
    /// `self × factor`, held at `Int.max` (or `.min`) instead of overflowing: a `--limit` near
    /// the end of the integers scaled into a page or a budget.
    public func saturatingMultiplied(by factor: Int) -> Int {
        let (product, overflow) = multipliedReportingOverflow(by: factor)
        return overflow ? ((self < 0) != (factor < 0) ? .min : .max) : product
    }
}
