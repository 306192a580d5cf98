import Foundation
import Testing
import Timestamps

@testable import Interruption

/// The shared event fixtures: `$NTH_SHARED_DIR/testdata/events`, with `NTH_SHARED_DIR` defaulting to the `shared`
/// directory beside the repository. Missing fixtures fail the tests; they are never copied into the repository.
enum Fixtures {
    static var sharedDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["NTH_SHARED_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        // #filePath is <repo>/Tests/InterruptionTests/Fixtures.swift.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    }

    static var eventsDirectory: URL {
        sharedDirectory.appendingPathComponent("testdata/events", isDirectory: true)
    }

    /// The body of one fixture, failing the test when it cannot be read.
    static func body(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let url = eventsDirectory.appendingPathComponent(name)
        let data = try #require(
            try? Data(contentsOf: url), "fixture \(url.path) is missing; set NTH_SHARED_DIR",
            sourceLocation: sourceLocation)
        return try #require(String(data: data, encoding: .utf8), sourceLocation: sourceLocation)
    }

    /// Every `.json` fixture in the directory.
    static func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: eventsDirectory.path).filter { $0.hasSuffix(".json") }
            .sorted()
    }

    /// The fixture body as a mutable JSON object, to build variants.
    static func object(_ name: String) throws -> [String: Any] {
        let data = Data(try body(name).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Serializes a variant back to a body.
    static func encode(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// An RFC 3339 time (the parser is checked against Foundation's in TimestampsTests).
func date(_ text: String) throws -> Date {
    try #require(RFC3339.parse(text), "bad test date \(text)")
}

func instance(_ text: String) throws -> InstanceID {
    try #require(InstanceID(text))
}

let decoder = MessageDecoder()
