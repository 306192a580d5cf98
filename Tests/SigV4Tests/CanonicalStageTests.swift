import Foundation
import SigV4
import Testing

/// Each public stage of the signer on its own, with hand-written expectations.
@Suite("SigV4 canonical stages")
struct CanonicalStageTests {
    @Test(
        "canonical URI normalises, then double-encodes, every path but S3's",
        arguments: [
            ("", "/"), ("/", "/"), ("//", "/"), ("/./", "/"), ("/example/..", "/"), ("/a/./b/../c/", "/a/c/"),
            ("/a//b//", "/a/b/"), ("/example space/", "/example%20space/"), ("/ሴ", "/%E1%88%B4"),
            ("/a%20b", "/a%2520b"), ("/$delete", "/%24delete"), ("/-._~", "/-._~"), ("/a/.", "/a"),
            ("/../..", "/"),
        ])
    func canonicalURINormalized(path: String, expected: String) {
        #expect(Signer.canonicalURI(path: path, normalize: true, doubleEncode: true) == expected)
    }

    @Test(
        "canonical URI for S3 keeps dots, slashes and existing escapes, encoding only the rest",
        arguments: [
            ("//example//", "//example//"), ("/example/..", "/example/.."), ("/a%2fb", "/a%2Fb"),
            ("/a%20b c", "/a%20b%20c"), ("/100%", "/100%25"), ("/%zz", "/%25zz"), ("/ሴ", "/%E1%88%B4"),
        ])
    func canonicalURIForS3(path: String, expected: String) {
        #expect(Signer.canonicalURI(path: path, normalize: false, doubleEncode: false) == expected)
    }

    @Test(
        "canonical query decodes, re-encodes and sorts by key then value",
        arguments: [
            ("", ""), ("c+d", "c%2Bd="), ("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2"),
            ("b=2&a=1&&", "a=1&b=2"), ("=v&a", "=v&a="), ("k=%zz", "k=%25zz"), ("k=%ff", "k=%FF"),
            ("k=a%20b+c", "k=a%20b%2Bc"), ("ሴ=bar&Param=1", "%E1%88%B4=bar&Param=1"), ("k=a=b", "k=a%3Db"),
            ("k=%2f/", "k=%2F%2F"),
        ])
    func canonicalQuery(query: String, expected: String) {
        #expect(Signer.canonicalQueryString(query) == expected)
    }

    @Test("canonical query of decoded parameters escapes everything but unreserved characters")
    func canonicalQueryOfParameters() {
        let query = Signer.canonicalQueryString(parameters: [
            (name: "X-Amz-Credential", value: "AKID/20150830/us-east-1/sqs/aws4_request"), (name: "a b", value: "&="),
        ])
        #expect(query == "X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fsqs%2Faws4_request&a%20b=%26%3D")
    }

    @Test("canonical headers lower-case, trim, fold, join repeats in order, sort, and skip unsigned names")
    func canonicalHeaders() throws {
        let headers = try Signer.canonicalHeaders([
            (name: "Host", value: "example.amazonaws.com"),
            (name: "My-Header1", value: "  b \t  c  "),
            (name: "User-Agent", value: "curl"),
            (name: "my-header1", value: "a"),
            (name: "X-Empty", value: "   "),
            (name: "Expect", value: "100-continue"),
        ])
        #expect(headers.canonical == "host:example.amazonaws.com\nmy-header1:b c,a\nx-empty:\n")
        #expect(headers.signedHeaders == "host;my-header1;x-empty")
    }

    @Test("header names must be tokens and values must not contain CR, LF or NUL")
    func invalidHeaders() {
        #expect(throws: SigV4Error(.invalidHeaderName, "Bad Name")) {
            try Signer.canonicalHeaders([(name: "Bad Name", value: "v")])
        }
        #expect(throws: SigV4Error(.invalidHeaderName, "")) { try Signer.canonicalHeaders([(name: "", value: "v")]) }
        #expect(throws: SigV4Error(.invalidHeaderValue, "X-Injected")) {
            try Signer.canonicalHeaders([(name: "X-Injected", value: "a\r\nAuthorization: x")])
        }
    }

    @Test(
        "signing dates are UTC, truncated to the second, across leap days and before 1970",
        arguments: [
            (0.0, "19700101T000000Z"), (1_440_938_160.999, "20150830T123600Z"), (1_709_164_799, "20240228T235959Z"),
            (1_709_164_800, "20240229T000000Z"), (951_825_600, "20000229T120000Z"), (-1, "19691231T235959Z"),
            (4_102_444_800, "21000101T000000Z"),
        ])
    func signingDate(seconds: Double, expected: String) throws {
        let date = try SigningDate(Date(timeIntervalSince1970: seconds))
        #expect(date.amzDate == expected)
        #expect(date.dateStamp == String(expected.prefix(8)))
    }

    @Test("a date past the year 9999 is an error")
    func signingDateOutOfRange() {
        #expect(throws: SigV4Error.self) { try SigningDate(Date(timeIntervalSince1970: 253_402_300_800)) }
    }

    @Test("the signing key matches AWS's documented derivation example")
    func signingKeyDerivation() throws {
        let key = try Signer.deriveSigningKey(
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", dateStamp: "20120215", region: "us-east-1",
            service: "iam")
        #expect(
            key.map { String(format: "%02x", $0) }.joined()
                == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test("string to sign and signature of get-vanilla, stage by stage")
    func stringToSignAndSignature() throws {
        let signer = Signer(
            credentials: Credentials(
                accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "service")
        let date = try SigningDate(Date(timeIntervalSince1970: 1_440_938_160))
        let headers = try Signer.canonicalHeaders([
            (name: "Host", value: "example.amazonaws.com"), (name: "X-Amz-Date", value: date.amzDate),
        ])
        let canonical = Signer.canonicalRequest(
            method: "GET", canonicalURI: "/", canonicalQuery: "", headers: headers,
            payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let stringToSign = try signer.stringToSign(canonicalRequest: canonical, date: date)
        #expect(
            stringToSign.hasSuffix(
                "\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
            ))
        let signature = try signer.signature(stringToSign: stringToSign, date: date)
        #expect(signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(
            signer.authorization(signedHeaders: headers.signedHeaders, signature: signature, date: date)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=" + signature)
    }
}
