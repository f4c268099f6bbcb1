/// correlate's exit statuses (DESIGN.md): the one place they are defined.
enum ExitStatus: Int32 {
    /// Success.
    case success = 0
    /// Bad input stopped the command, or part of it (an input could not be read, a rule test
    /// failed).
    case badInput = 1
    /// Bad usage or configuration: an unknown flag, a rule that does not compile.
    case usage = 2
}
