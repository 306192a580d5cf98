import Foundation
import SigV4
import Testing

/// The newer SigV4 suite (`aws-signing-test-suite-v4`, from aws-c-auth). Each case is run twice: header signing
/// (`header-*.txt`) and query signing, i.e. presigning (`query-*.txt`). Each run checks the canonical request, the
/// string to sign, the signature and the whole signed request, byte for byte (header names compared without case:
/// the suite writes `x-amz-content-sha256`, we write `X-Amz-Content-Sha256`).
///
/// `context.json` switches map to options: `normalize` → ``Signer/Options/normalizePath``, `omit_session_token` →
/// ``Signer/Options/signSessionToken`` off, `sign_body` → ``Signer/Options/addContentSHA256Header`` (header
/// signing only; a presigned request signs the body hash without the header), `expiration_in_seconds` → `expires`.
/// Every case has both variants and all 76 runs are expressible: none is excluded (botocore itself must skip 20 of
/// them: it always normalises paths, cannot omit the token, and moves a presigned body into the query).
@Suite("SigV4 signing test suite v4 (aws-c-auth)")
struct SigningSuiteV4Tests {
    static let expectedCaseCount = 38

    /// The parts of `context.json` we use.
    struct Context: Decodable {
        struct Credentials: Decodable {
            let access_key_id: String
            let secret_access_key: String
            let token: String?
        }
        let credentials: Credentials
        let expiration_in_seconds: Int
        let normalize: Bool
        let region: String
        let service: String
        let sign_body: Bool
        let timestamp: String
        let omit_session_token: Bool?
    }

    enum Mode: String, CaseIterable, CustomTestStringConvertible {
        case header, query
        var testDescription: String { rawValue }
    }

    @Test("the suite folder is present and every one of its 38 cases is found")
    func suiteIsPresent() throws {
        let root = SuiteFiles.suiteDirectory.appendingPathComponent("aws-signing-test-suite-v4")
        #expect(
            FileManager.default.fileExists(atPath: root.path),
            "missing \(root.path): set NTH_SHARED_DIR to the shared folder")
        #expect(SuiteFiles.v4Cases().count == Self.expectedCaseCount, "\(SuiteFiles.v4Cases())")
    }

    @Test(
        "header and query signing match the suite at every stage",
        arguments: SuiteFiles.v4Cases(), Mode.allCases)
    func matchesSuite(name: String, mode: Mode) throws {
        let folder = SuiteFiles.suiteDirectory.appendingPathComponent("aws-signing-test-suite-v4/" + name)
        func file(_ name: String) throws -> String { try SuiteFiles.text(folder.appendingPathComponent(name)) }

        let context = try JSONDecoder().decode(
            Context.self, from: Data(try file("context.json").utf8))
        #expect(context.timestamp == "2015-08-30T12:36:00Z")
        let requestText = try file("request.txt")
        let raw = try RawRequest(parsing: requestText)
        let signer = Signer(
            credentials: Credentials(
                accessKeyID: context.credentials.access_key_id,
                secretAccessKey: context.credentials.secret_access_key,
                sessionToken: context.credentials.token),
            region: context.region,
            service: context.service,
            options: Signer.Options(
                normalizePath: context.normalize,
                signSessionToken: !(context.omit_session_token ?? false),
                addContentSHA256Header: context.sign_body && mode == .header)
        )
        let prefix = mode.rawValue + "-"
        // The request's own header lines, as written (continuation lines included), and its body.
        var lines = requestText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let blank = lines.firstIndex(of: "") ?? lines.endIndex
        let headerLines = lines[..<blank].joined(separator: "\n")
        let body = blank < lines.endIndex ? lines[(blank + 1)...].joined(separator: "\n") : ""

        switch mode {
        case .header:
            let result = try signer.sign(try raw.sigV4Request(), date: SuiteFiles.date)
            #expect(result.canonicalRequest == (try file(prefix + "canonical-request.txt")))
            #expect(result.stringToSign == (try file(prefix + "string-to-sign.txt")))
            #expect(result.signature == (try file(prefix + "signature.txt")))
            let added = result.headers.map { $0.name + ":" + $0.value }.joined(separator: "\n")
            let signedRequest = requestLine + "\n" + headerLines + "\n" + added + "\n\n" + body
            #expect(
                Self.lowercasingHeaderNames(signedRequest)
                    == Self.lowercasingHeaderNames(try file(prefix + "signed-request.txt")))
        case .query:
            let result = try signer.presign(
                try raw.sigV4Request(), date: SuiteFiles.date, expires: context.expiration_in_seconds)
            #expect(result.canonicalRequest == (try file(prefix + "canonical-request.txt")))
            #expect(result.stringToSign == (try file(prefix + "string-to-sign.txt")))
            #expect(result.signature == (try file(prefix + "signature.txt")))
            let signedLine = raw.method + " " + raw.path + "?" + result.query + " HTTP/1.1"
            let signedRequest = signedLine + "\n" + headerLines + "\n\n" + body
            #expect(signedRequest == (try file(prefix + "signed-request.txt")))
        }
    }

    /// `text` with the name of every header line (not the request line, continuation lines or the body) in lower
    /// case.
    static func lowercasingHeaderNames(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 1
        while index < lines.count, !lines[index].isEmpty {
            let line = lines[index]
            if let colon = line.firstIndex(of: ":"), line.first != " ", line.first != "\t" {
                lines[index] = line[..<colon].lowercased() + line[colon...]
            }
            index += 1
        }
        return lines.joined(separator: "\n")
    }
}
