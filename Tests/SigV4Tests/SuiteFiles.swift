import Foundation
import SigV4
import Testing

/// Where the official SigV4 suites live: `$NTH_SHARED_DIR/testdata/sigv4-testsuite`, with `NTH_SHARED_DIR`
/// defaulting to `<repo root>/../shared`. The files are not ours to commit; they are read in place.
enum SuiteFiles {
    /// The repository root, three levels above this file (`Tests/SigV4Tests/SuiteFiles.swift`).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared folder.
    static var sharedDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["NTH_SHARED_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.appendingPathComponent("../shared").standardizedFileURL
    }

    /// The suite folder.
    static var suiteDirectory: URL {
        sharedDirectory.appendingPathComponent("testdata/sigv4-testsuite")
    }

    /// The classic suite (`aws4_testsuite`): every folder holding a `.req` file, as paths relative to the suite,
    /// e.g. `get-vanilla` or `normalize-path/get-slash`. Empty when the folder is missing (a separate test fails
    /// then).
    static func classicCases() -> [String] {
        let root = suiteDirectory.appendingPathComponent("aws4_testsuite")
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var cases: [String] = []
        while let entry = walker.nextObject() as? String {
            if entry.hasSuffix(".req") {
                cases.append((entry as NSString).deletingLastPathComponent)
            }
        }
        return cases.sorted()
    }

    /// The newer suite (`aws-signing-test-suite-v4`): every folder holding a `context.json`.
    static func v4Cases() -> [String] {
        let root = suiteDirectory.appendingPathComponent("aws-signing-test-suite-v4")
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return entries.filter { entry in
            FileManager.default.fileExists(atPath: root.appendingPathComponent(entry + "/context.json").path)
        }.sorted()
    }

    /// The text of a file, byte for byte.
    static func text(_ url: URL) throws -> String {
        let data = try Data(contentsOf: url)
        return try #require(String(data: data, encoding: .utf8), "\(url.path) is not UTF-8")
    }

    /// The suite's fixed signing time, 2015-08-30T12:36:00Z.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)
}

/// A request parsed from the suites' `.req` / `request.txt` format.
///
/// The request line is split on its first space (method) and on its last ` HTTP/` (so a raw space in the path
/// survives, as in `get-space`); header lines are split on the first `:`; a line starting with a space or a tab
/// continues the previous header's value (obsolete line folding, `get-header-value-multiline`) and is joined with
/// a space; the body is whatever follows the first empty line.
struct RawRequest {
    var method: String
    var path: String
    var query: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(parsing text: String) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let methodEnd = try #require(requestLine.firstIndex(of: " "))
        let versionStart = try #require(requestLine.range(of: " HTTP/", options: .backwards))
        method = String(requestLine[..<methodEnd])
        let target = String(requestLine[requestLine.index(after: methodEnd)..<versionStart.lowerBound])
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        headers = []
        body = []
        while !lines.isEmpty {
            let line = lines.removeFirst()
            if line.isEmpty {
                body = Array(lines.joined(separator: "\n").utf8)
                break
            }
            if line.first == " " || line.first == "\t" {
                guard let last = headers.popLast() else { throw ParseError(line: line) }
                headers.append((name: last.name, value: last.value + " " + line))
                continue
            }
            let colon = try #require(line.firstIndex(of: ":"), "header line without a colon: \(line)")
            headers.append((name: String(line[..<colon]), value: String(line[line.index(after: colon)...])))
        }
    }

    struct ParseError: Error { let line: String }

    /// Removes every header named `name` (any case) and returns their values.
    mutating func removeHeaders(named name: String) -> [String] {
        let removed = headers.filter { $0.name.lowercased() == name }.map(\.value)
        headers.removeAll { $0.name.lowercased() == name }
        return removed
    }

    /// The request as the signer takes it.
    func sigV4Request() throws -> SigV4Request {
        SigV4Request(method: method, path: path, query: query, headers: headers, payload: try .body(body))
    }
}
