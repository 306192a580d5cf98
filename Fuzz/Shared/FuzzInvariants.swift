import Foundation

// Compiled into every fuzz target (scripts/fuzz adds Fuzz/Shared to each link).

/// Stops the fuzzer with `message` on standard error (libFuzzer then writes the input to fuzz-artifacts/):
/// `precondition` drops its message in an optimised build.
func require(_ condition: Bool, _ message: @autoclosure () -> String = "invariant failed") {
    guard !condition else { return }
    requireFailure(message())
}

/// Stops the fuzzer with `message` on standard error; the input is kept as a crash.
func requireFailure(_ message: String) -> Never {
    FileHandle.standardError.write(Data("invariant failed: \(message)\n".utf8))
    abort()
}
