import Foundation
import SigV4
import TestSupport
import Testing

/// Our signer against botocore's, on random requests (see ``RandomRequestGenerator`` for the domain where both
/// must agree). One `python3` process signs every case: the cases go in as JSON on stdin, the results come back
/// as JSON on stdout.
///
/// The seed is random for each run and printed with any failure; set `SIGV4_DIFFERENTIAL_SEED` to replay one,
/// and `SIGV4_DIFFERENTIAL_COUNT` to change the number of cases (default 600).
@Suite("SigV4 against botocore")
struct BotocoreDifferentialTests {
    static let script = SuiteFiles.repositoryRoot.appendingPathComponent("Tests/SigV4Tests/Fixtures/botocore_sigv4.py")

    @Test("random requests get the same signature from our signer and from botocore")
    func signaturesMatchBotocore() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["SIGV4_DIFFERENTIAL_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        let count = environment["SIGV4_DIFFERENTIAL_COUNT"].flatMap { Int($0) } ?? 600
        let replay = "seed \(seed) (replay with SIGV4_DIFFERENTIAL_SEED=\(seed))"

        var generator = RandomRequestGenerator(seed: seed)
        let cases = try (0..<count).map { try generator.next(id: $0) }
        let results = try await Self.botocore(cases.map(\.oracle), replay: replay)
        try #require(results.count == cases.count, "botocore answered \(results.count) of \(cases.count); \(replay)")

        var mismatches = 0
        for (differential, oracle) in zip(cases, results) {
            let ours = try differential.signer.sign(differential.request, date: differential.date)
            guard ours.signature != oracle.signature else { continue }
            mismatches += 1
            if mismatches <= 3 {
                Issue.record(
                    """
                    case \(oracle.id) differs from botocore; \(replay)
                    input: \(String(decoding: try JSONEncoder().encode(differential.oracle), as: UTF8.self))
                    ours:
                    \(ours.canonicalRequest)
                    botocore:
                    \(oracle.canonical_request)
                    """)
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(cases.count) signatures differ from botocore; \(replay)")
    }

    /// Runs the botocore script once over every case.
    static func botocore(_ cases: [OracleCase], replay: String) async throws -> [OracleResult] {
        struct Input: Encodable { let cases: [OracleCase] }
        struct Output: Decodable { let results: [OracleResult] }
        let input = try JSONEncoder().encode(Input(cases: cases))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let result = try await process.runToEnd(input: input)
        let output = result.stdout
        try #require(
            result.status == 0,
            """
            \(script.lastPathComponent) failed (status \(result.status)); needs python3 with botocore \
            (pip install botocore); \(replay):
            \(result.errors)
            """)
        return try JSONDecoder().decode(Output.self, from: output).results
    }
}
