import Dispatch

/// A value computed on another thread, started at once and waited for with ``value()``: a
/// command's independent steps on the machine's second core (the alert rules read while the
/// store opens; a bundle's queue figures while its candidate traces are analysed, each on a
/// store handle of its own).
///
/// The work may capture what is not `Sendable` (a store handle): the caller hands it over and
/// does not touch it again until ``value()`` returned.
public final class Background<Value, Failure: Error>: @unchecked Sendable {
    // Written once by the working thread before `done` is signalled; read after a wait on it.
    private var result: Result<Value, Failure>?
    private let done = DispatchSemaphore(value: 0)

    public init(_ work: @escaping () throws(Failure) -> Value) {
        let handedOver = HandedOver(work)
        DispatchQueue.global().async { [self] in
            result = Result { () throws(Failure) -> Value in try handedOver.work() }
            done.signal()
        }
    }

    /// The value, once computed (this thread waits); may be asked more than once.
    /// - Throws: what the work threw.
    public func value() throws(Failure) -> Value {
        done.wait()
        done.signal()
        return try result!.get()
    }

    private final class HandedOver: @unchecked Sendable {
        let work: () throws(Failure) -> Value
        init(_ work: @escaping () throws(Failure) -> Value) { self.work = work }
    }
}
