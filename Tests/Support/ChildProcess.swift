public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A Python fixture server run as a child process: started with a pipe on stdin (closing it stops the server),
/// stdout read for the one JSON "ready" line, stderr kept in a file for failure messages.
///
/// `@unchecked Sendable`: every property is set in `init` and only read afterwards, except `process`, whose
/// methods are thread-safe.
public final class ChildProcess: @unchecked Sendable {
    /// The child.
    public let process = Process()
    /// Its standard input; closing it asks the fixture to exit.
    public let stdin = Pipe()
    /// Its standard output, where the ready line appears.
    public let stdout = Pipe()
    /// The file its standard error goes to.
    public let stderrPath: URL

    /// Starts `python3 -u SCRIPT ARGUMENTS…` with `environment` added to this process's environment.
    public init(python script: URL, arguments: [String] = [], environment: [String: String] = [:]) throws {
        stderrPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nth-fixture-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderrPath.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", script.path] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderrPath)
        try process.run()
    }

    /// The first line the server prints, within `timeout`; throws with the server's stderr if the server exits or
    /// stays silent. Polls without blocking, so that the cooperative thread pool stays free.
    public func readyLine(timeout: Duration = .seconds(60)) async throws -> Data {
        let fd = stdout.fileHandleForReading.fileDescriptor
        let deadline = ContinuousClock.now + timeout
        var line = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !line.contains(UInt8(ascii: "\n")) {
            guard ContinuousClock.now < deadline else {
                throw FixtureError("the fixture printed nothing within \(timeout); stderr: \(stderrTail())")
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else {
                throw FixtureError("the fixture exited before it was ready; stderr: \(stderrTail())")
            }
            line.append(contentsOf: buffer[0..<count])
        }
        return line
    }

    /// The end of the server's stderr, for failure messages.
    public func stderrTail() -> String {
        let text = (try? String(contentsOf: stderrPath, encoding: .utf8)) ?? ""
        return String(text.suffix(3000))
    }

    /// Closes stdin (the server exits) and terminates the process; a thread of its own reaps it and removes the
    /// stderr file, so that a `defer` can stop a fixture without blocking the cooperative pool.
    public func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        let stderrPath = stderrPath
        process.reapInBackground { try? FileManager.default.removeItem(at: stderrPath) }
    }
}

/// A fixture that did not start or answer as expected.
public struct FixtureError: Error, CustomStringConvertible {
    /// What went wrong, with the fixture's stderr where there is one.
    public let description: String

    /// Creates the error.
    public init(_ description: String) { self.description = description }
}
