public import Logging

extension Logger {
    /// A logger that drops everything: the default where a caller passes none (tests, benchmarks).
    public static var disabled: Logger { Logger(label: "disabled") { _ in SwiftLogNoOpLogHandler() } }
}

extension Logger.Level {
    /// `debug`, `info`, `warning` (or `warn`), `error`, in any case; `nil` for anything else.
    ///
    /// The four levels NTH's `LOG_LEVEL` knows; swift-log's others (`trace`, `notice`, `critical`) are not
    /// settings.
    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }
}

extension Logger {
    /// This logger with `metadata` on every line it writes (a job's instance id, a lease's name).
    public func with(_ metadata: Metadata) -> Logger {
        var logger = self
        for (key, value) in metadata { logger[metadataKey: key] = value }
        return logger
    }
}

extension Logger.Metadata {
    /// Metadata from the domain's plain strings (`InterruptionEvent.logMetadata`, which knows nothing of swift-log).
    public init(strings: [String: String]) {
        self = strings.mapValues { .string($0) }
    }
}
