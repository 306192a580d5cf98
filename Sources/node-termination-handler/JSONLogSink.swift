import ArgumentParser
import Controller
import Foundation
import Timestamps

/// Writes log lines as JSON objects, one per line, on standard error: `{"time":…,"level":…,"msg":…,…}`.
struct JSONLogSink: Sendable {
    typealias Level = ControllerLogger.Level

    let minimum: Level

    var logger: ControllerLogger {
        let minimum = self.minimum
        return ControllerLogger { level, message, metadata in
            guard level >= minimum else { return }
            var object: [String: String] = metadata
            object["time"] = RFC3339.format(Date(), fractionDigits: 3)
            object["level"] = "\(level)"
            object["msg"] = message
            FileHandle.standardError.write(FlatJSON.encode(object) + Data("\n".utf8))
        }
    }
}

extension ControllerLogger.Level {
    /// Parses `debug`, `info`, `warning` or `error`; `info` when unset.
    init(_ text: String?) throws {
        switch text?.lowercased() {
        case nil, "", "info": self = .info
        case "debug": self = .debug
        case "warning", "warn": self = .warning
        case "error": self = .error
        case let other?:
            throw ValidationError("NTH_LOG_LEVEL (or LOG_LEVEL) \(other) is not debug, info, warning or error")
        }
    }
}
