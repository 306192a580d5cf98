import Foundation
import SigV4
import Testing

/// The classic AWS SigV4 test suite (`aws4_testsuite`, from botocore): every case is header signing, checked
/// stage by stage against its `.creq` (canonical request), `.sts` (string to sign) and `.authz` (Authorization).
///
/// The `.req` files carry `X-Amz-Date` (and `post-sts-header-before` the session token) already: those headers
/// are removed (after checking their values) and the signer adds its own. Session tokens come from the `.sreq`.
/// The suite has no per-case switches; `post-sts-header-after` is, by its readme, the one case whose token is
/// added after signing, so it runs with ``Signer/Options/signSessionToken`` off. All 34 cases are header signing
/// (the classic suite has no presigned variants) and none is excluded.
@Suite("Classic SigV4 test suite (aws4_testsuite)")
struct ClassicSuiteTests {
    static let expectedCaseCount = 34
    static let tokenAddedAfterSigning: Set<String> = ["post-sts-token/post-sts-header-after"]

    @Test("the suite folder is present and every one of its 34 cases is found")
    func suiteIsPresent() throws {
        let root = SuiteFiles.suiteDirectory.appendingPathComponent("aws4_testsuite")
        #expect(
            FileManager.default.fileExists(atPath: root.path),
            "missing \(root.path): set NTH_SHARED_DIR to the shared folder")
        #expect(SuiteFiles.classicCases().count == Self.expectedCaseCount, "\(SuiteFiles.classicCases())")
    }

    @Test("canonical request, string to sign and Authorization match the suite", arguments: SuiteFiles.classicCases())
    func matchesSuite(name: String) throws {
        let folder = SuiteFiles.suiteDirectory.appendingPathComponent("aws4_testsuite/" + name)
        let base = folder.appendingPathComponent((name as NSString).lastPathComponent).path
        func file(_ suffix: String) throws -> String { try SuiteFiles.text(URL(fileURLWithPath: base + suffix)) }

        var raw = try RawRequest(parsing: try file(".req"))
        #expect(raw.removeHeaders(named: "x-amz-date") == ["20150830T123600Z"])
        let tokenInRequest = raw.removeHeaders(named: "x-amz-security-token")
        let signed = try RawRequest(parsing: try file(".sreq"))
        let token = signed.headers.first { $0.name.lowercased() == "x-amz-security-token" }?.value
        if let inRequest = tokenInRequest.first {
            #expect(inRequest == token)
        }

        let signer = Signer(
            credentials: Credentials(
                accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                sessionToken: token),
            region: "us-east-1",
            service: "service",
            options: Signer.Options(signSessionToken: !Self.tokenAddedAfterSigning.contains(name))
        )
        let result = try signer.sign(try raw.sigV4Request(), date: SuiteFiles.date)
        #expect(result.canonicalRequest == (try file(".creq")))
        #expect(result.stringToSign == (try file(".sts")))
        #expect(result.authorization == (try file(".authz")))
        let addedToken = result.headers.first { $0.name == "X-Amz-Security-Token" }?.value
        #expect(addedToken == token)
    }
}
