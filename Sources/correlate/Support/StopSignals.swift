#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM, the signals that stop `run --follow` and `serve` gracefully.
enum StopSignals {
    /// Unblocks both in this thread (and the threads it starts): a parent may have started us
    /// with them blocked, as Foundation's `Process` does, and then they would never arrive.
    static func unblock() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}
