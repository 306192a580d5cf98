import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A process the bench started (a fake, the controller): stdout and stderr go to files of the work directory.
final class ChildProcess: Sendable {
    /// What the bench calls it in messages.
    let name: String
    /// Where its stdout goes.
    let stdoutPath: String
    /// Where its stderr goes.
    let stderrPath: String
    private let process: Process

    /// Starts `executable` with exactly `environment`.
    init(
        name: String, executable: String, arguments: [String], environment: [String: String], directory: URL
    ) throws {
        self.name = name
        stdoutPath = directory.appendingPathComponent("\(name).out").path
        stderrPath = directory.appendingPathComponent("\(name).err").path
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        do {
            try process.run()
        } catch {
            throw BenchError("could not start \(name) (\(executable)): \(error)")
        }
    }

    /// The process id.
    var pid: Int32 { process.processIdentifier }

    /// Whether it still runs.
    var isRunning: Bool { process.isRunning }

    /// The first line printed on stdout (the fakes print their URL there once they listen).
    func firstLine(within limit: Duration) async throws -> String {
        try await poll(within: limit, what: "print its URL") {
            guard let text = try? String(contentsOfFile: stdoutPath, encoding: .utf8),
                let newline = text.firstIndex(of: "\n")
            else { return nil }
            return String(text[..<newline])
        }
    }

    /// Waits until stderr (the controller's JSON log) contains `text`; returns when it was seen.
    func awaitLog(containing text: String, within limit: Duration) async throws -> Date {
        try await poll(within: limit, what: "log \"\(text)\"") {
            guard let log = try? String(contentsOfFile: stderrPath, encoding: .utf8), log.contains(text) else {
                return nil
            }
            return Date()
        }
    }

    /// Checks `found` every 20 ms until it returns a value, the process exits, or `limit` passes.
    private func poll<T>(within limit: Duration, what: String, _ found: () -> T?) async throws -> T {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while clock.now < end {
            if let value = found() { return value }
            guard process.isRunning else {
                throw BenchError(
                    "\(name) exited (status \(process.terminationStatus)) before it did \(what): \(errorTail())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("\(name) did not \(what) within \(limit): \(errorTail())")
    }

    /// The end of its stderr, for error messages.
    func errorTail(_ characters: Int = 1500) -> String {
        let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return String(text.suffix(characters))
    }

    /// SIGTERM, then SIGKILL if it is still running after 10 s.
    func stop() async {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        for _ in 0..<200 {
            if !process.isRunning { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        kill(pid, SIGKILL)
    }
}

/// What /proc says about a process.
enum ProcessFigures {
    /// User plus system CPU seconds (utime + stime of /proc/PID/stat).
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // After "pid (comm)": field 3 (state) is index 0, utime (14) index 11, stime (15) index 12.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `kB` line of /proc/PID/status (`VmHWM`, `VmRSS`), in MiB.
    static func statusMiB(_ pid: Int32, _ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }

    /// This process's own CPU seconds (user + system).
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// A TCP port on 127.0.0.1 that is free now (bound, read, closed).
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socketFD, pointer, length) == 0 && getsockname(socketFD, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError("could not bind a port on 127.0.0.1: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A failure of the bench itself (not a missed target), with what to look at.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
