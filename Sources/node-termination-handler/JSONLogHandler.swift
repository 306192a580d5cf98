import ArgumentParser
import Controller
import Foundation
import Logging
import Timestamps

/// swift-log's handler for the controller: one JSON object a line on standard error,
/// `{"time":…,"level":…,"msg":…,…}`, with the metadata's keys beside those three (`instance.id`, `node.name`,
/// `event.kind`, `sqs.message.id`, `error`, …: the field names the controller has always written).
///
/// Metadata values are written as strings; a list or a nested dictionary as its description. `msg`, `level` and
/// `time` win over metadata of the same name.
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    /// Where each line goes: standard error, unless a test reads them.
    var write: @Sendable (Data) -> Void = { FileHandle.standardError.write($0) }

    /// A logger that writes through this handler at `minimum` and above.
    static func logger(
        label: String, minimum: Logger.Level,
        write: @escaping @Sendable (Data) -> Void = { FileHandle.standardError.write($0) }
    ) -> Logger {
        Logger(label: label) { _ in JSONLogHandler(logLevel: minimum, write: write) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var object = merged.mapValues(\.description)
        object["time"] = RFC3339.format(Date(), fractionDigits: 3)
        object["level"] = event.level.rawValue
        object["msg"] = event.message.description
        write(FlatJSON.encode(object) + Data("\n".utf8))
    }
}

extension Logger.Level {
    /// Parses `NTH_LOG_LEVEL` (or `LOG_LEVEL`): `debug`, `info`, `warning` (`warn`) or `error`; `info` when unset.
    /// - Throws: `ValidationError` naming the variable and the levels it takes.
    init(setting text: String?) throws {
        guard let text, !text.isEmpty else {
            self = .info
            return
        }
        guard let level = Logger.Level(name: text) else {
            throw ValidationError("NTH_LOG_LEVEL (or LOG_LEVEL) \(text) is not debug, info, warning or error")
        }
        self = level
    }
}
