public import Foundation

/// Runs `body`, which blocks (a child process's exit, a pipe read to its end), on a thread of its own, and waits for
/// it without holding one of the cooperative pool's threads.
///
/// The pool has one thread per core, two on CI: two tests blocked in `waitUntilExit` while their child talks to a
/// server the tests run in-process (the fake apiserver, a scripted server) would stop the whole suite. Every blocking
/// wait in the tests goes through here, so the suite runs in parallel.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

extension Process {
    /// Waits for the process to exit and returns its termination status, checking every 10 ms without holding a
    /// thread. (Foundation's `waitUntilExit` spins a run loop on Linux: a thread blocked in it burns a core.)
    @discardableResult
    public func exited() async -> Int32 {
        while isRunning {
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                // Cancelled: still wait, without sleeping on the cancelled task.
                await offPool { [self] in waitUntilExit() }
            }
        }
        return terminationStatus
    }
}

extension FileHandle {
    /// Reads until the end of the file or pipe, off the cooperative pool.
    public func dataToEnd() async -> Data {
        await offPool { [self] in readDataToEndOfFile() }
    }

    /// Reads what is available (waiting for at least one byte, or the end: then empty), off the cooperative pool.
    public func availableDataOffPool() async -> Data {
        await offPool { [self] in availableData }
    }
}

extension Process {
    /// Reaps the process on a thread of its own once it exits, then runs `cleanup`: for a `defer` that has signalled
    /// the process and must not block the cooperative pool waiting for it.
    public func reapInBackground(then cleanup: @escaping @Sendable () -> Void = {}) {
        let process = self
        Task {
            await process.exited()
            cleanup()
        }
    }
}

/// What a finished child process left.
public struct ProcessResult: Sendable {
    /// Its termination status (the signal number when a signal ended it).
    public var status: Int32
    /// Everything it wrote to standard output.
    public var stdout: Data
    /// Everything it wrote to standard error.
    public var stderr: Data

    /// Standard output as UTF-8 text.
    public var output: String { String(decoding: stdout, as: UTF8.self) }
    /// Standard error as UTF-8 text.
    public var errors: String { String(decoding: stderr, as: UTF8.self) }
}

extension Process {
    /// Starts the process with pipes on its standard streams, writes `input` and closes its standard input, reads
    /// standard output and standard error concurrently (so neither can fill and stall the other) and waits for the
    /// exit, all off the cooperative pool.
    /// - Throws: What `run()` throws when the executable cannot be started.
    public func runToEnd(input: Data = Data()) async throws -> ProcessResult {
        let (stdin, stdout, stderr) = (Pipe(), Pipe(), Pipe())
        standardInput = stdin
        standardOutput = stdout
        standardError = stderr
        try run()
        async let output = stdout.fileHandleForReading.dataToEnd()
        async let errors = stderr.fileHandleForReading.dataToEnd()
        await offPool {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        let (stdoutData, stderrData) = await (output, errors)
        let status = await exited()
        return ProcessResult(status: status, stdout: stdoutData, stderr: stderrData)
    }
}

extension Process {
    /// Runs `body`; then, however it ended, closes `stdin` (the fixtures' way to stop: a child may inherit SIGTERM
    /// blocked from the thread that started it), sends SIGTERM, and waits for the exit, so the process is gone (its
    /// ports closed) when this returns; returns or rethrows what `body` did.
    public func terminated<T>(closing stdin: Pipe? = nil, after body: () async throws -> T) async throws -> T {
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        try? stdin?.fileHandleForWriting.close()
        if isRunning { terminate() }
        await exited()
        return try outcome.get()
    }
}
