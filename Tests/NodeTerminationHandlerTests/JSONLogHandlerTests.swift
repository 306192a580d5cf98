import Controller
import Foundation
import Locking
import Logging
import Testing

@testable import node_termination_handler

@Suite("The JSON log handler: one object a line, with the field names the controller has always written")
struct JSONLogHandlerTests {
    /// A logger at `minimum` whose lines are kept, decoded.
    static func logger(_ minimum: Logger.Level) -> (Logger, @Sendable () throws -> [[String: String]]) {
        let written = Lock<[Data]>([])
        let logger = JSONLogHandler.logger(label: "test", minimum: minimum) { data in
            written.withLock { $0.append(data) }
        }
        return (
            logger,
            {
                try written.withLock { $0 }.map { data in
                    #expect(data.last == UInt8(ascii: "\n"), "one line each")
                    return try JSONDecoder().decode([String: String].self, from: data)
                }
            }
        )
    }

    @Test("a line has time, level and msg beside the metadata, the scoped logger's and the call's")
    func fields() throws {
        let (base, lines) = Self.logger(.info)
        let logger = base.with(["instance.id": "i-0123456789abcdef0", "event.kind": "spot-interruption"])
        logger.warning("node cordoned", metadata: ["node.name": "ip-10-0-0-1", "event.kind": "rebalance"])
        let line = try #require(try lines().first)
        #expect(line["msg"] == "node cordoned")
        #expect(line["level"] == "warning")
        #expect(line["instance.id"] == "i-0123456789abcdef0")
        #expect(line["node.name"] == "ip-10-0-0-1")
        #expect(line["event.kind"] == "rebalance", "the call's metadata wins over the scope's")
        let time = try #require(line["time"])
        #expect(
            time.hasSuffix("Z") && time.count == "2026-12-06T15:27:13.506Z".count, "RFC 3339, milliseconds: \(time)")
        #expect(line.count == 6)
    }

    @Test("lines below the level are not written; msg and level cannot be overwritten by metadata")
    func levelsAndReservedKeys() throws {
        let (logger, lines) = Self.logger(.warning)
        logger.info("dropped")
        logger.debug("dropped too")
        logger.error("kept", metadata: ["msg": "forged", "level": "debug", "list": ["a", "b"]])
        let written = try lines()
        #expect(written.count == 1)
        #expect(written.first?["msg"] == "kept")
        #expect(written.first?["level"] == "error")
        #expect(written.first?["list"] == #"["a", "b"]"#, "a list is written as its description")
    }

    @Test("NTH_LOG_LEVEL and LOG_LEVEL take debug, info, warning (warn) and error, in any case")
    func levelSetting() throws {
        #expect(try Logger.Level(setting: "") == .info)
        #expect(try Logger.Level(setting: "Error") == .error)
        #expect(Logger.Level(name: "notice") == nil, "swift-log's other levels are not settings")
        let error = #expect(throws: (any Error).self) { try Logger.Level(setting: "verbose") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("NTH_LOG_LEVEL"))
    }
}
