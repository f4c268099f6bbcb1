public import CorrelateExtract
import CorrelateModel

/// Which rule folders are in force: the shipped rules (unless left out), then the
/// configuration file's, then `$CORRELATE_RULES`, then the `--rules` folders, later ones
/// overriding earlier ones by name.
public struct RuleSelection: Sendable {
    public var directories: [String]
    public var includeShipped: Bool
    public var includeEnvironment: Bool
    /// The configuration file's `rules:` folders.
    public var configured: [String]

    public init(directories: [String] = [], includeShipped: Bool = true, includeEnvironment: Bool = true, configured: [String] = []) {
        self.directories = directories
        self.includeShipped = includeShipped
        self.includeEnvironment = includeEnvironment
        self.configured = configured
    }

    /// Reads, checks and combines the selected rules.
    /// - Throws: ``RuleLoadError`` listing every problem found.
    public func load() throws(RuleLoadError) -> LoadedRules {
        try RuleLoader.load(try sources())
    }

    /// The alert mappings in force (`alerts.yaml`; the last folder's wins).
    /// The alert rules (`alerts.yaml`), and their `job_id_attributes` put into effect for the
    /// spans read from now on (``Span/jobIDAttributes``).
    public func loadAlertRules() throws(RuleLoadError) -> AlertRules {
        let rules = try AlertRules.load(try sources())
        Span.jobIDAttributes = rules.jobIDAttributes
        return rules
    }

    /// Starts reading the alert rules on another thread (``loadAlertRules()``), so that a
    /// command can open its store meanwhile; ``AlertRulesLoading/wait()`` gives them.
    public func loadAlertRulesInBackground() -> AlertRulesLoading {
        AlertRulesLoading(self)
    }

    /// The rule files of the selection, in order.
    public func sources() throws(RuleLoadError) -> [RuleSource] {
        var sources: [RuleSource] = includeShipped ? RuleLoader.shippedSources() : []
        let folders = configured + (includeEnvironment ? RuleLoader.environmentDirectories() : []) + directories
        for folder in folders {
            sources += try RuleLoader.sources(inDirectory: folder)
        }
        return sources
    }
}

/// The alert rules of a ``RuleSelection``, being read on another thread.
public struct AlertRulesLoading: Sendable {
    private let loading: Background<AlertRules, RuleLoadError>

    init(_ selection: RuleSelection) {
        loading = Background { () throws(RuleLoadError) in try AlertRules.load(try selection.sources()) }
    }

    /// What `body` returns; when it throws, a problem with the rules is thrown instead, if
    /// there is one, so that bad rules are said first as when they are read before anything.
    public func ahead<T>(of body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            _ = try wait()
            throw error
        }
    }

    /// The rules, once read, with their `job_id_attributes` put into effect for the spans read
    /// from now on (as ``RuleSelection/loadAlertRules()`` does); may be called more than once.
    /// - Throws: ``RuleLoadError`` listing every problem found.
    public func wait() throws(RuleLoadError) -> AlertRules {
        let rules = try loading.value()
        Span.jobIDAttributes = rules.jobIDAttributes
        return rules
    }
}
