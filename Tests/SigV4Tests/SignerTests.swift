import Foundation
import SigV4
import Testing

/// The signer's public API: requests from URLs, the headers it adds, options, the key cache and its errors.
@Suite("SigV4 signer")
struct SignerTests {
    static let credentials = Credentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    @Test("a request built from a URL gets a Host header, with the port only when it is not the default")
    func requestFromURL() throws {
        let cases: [(String, String)] = [
            ("https://SQS.us-east-1.amazonaws.com/", "sqs.us-east-1.amazonaws.com"),
            ("https://sqs.us-east-1.amazonaws.com:443/", "sqs.us-east-1.amazonaws.com"),
            ("http://127.0.0.1:5077/123456789012/q", "127.0.0.1:5077"), ("http://localhost:80", "localhost"),
            ("http://[::1]:8080/", "[::1]:8080"),
        ]
        for (url, host) in cases {
            let request = try SigV4Request(method: "GET", url: try #require(URL(string: url)))
            #expect(request.headers.first?.name == "Host")
            #expect(request.headers.first?.value == host, "\(url)")
        }
        let request = try SigV4Request(
            method: "GET", url: try #require(URL(string: "https://h.example/a%20b/c?x=%2F&y")))
        #expect(request.path == "/a%20b/c")
        #expect(request.query == "x=%2F&y")
        #expect(throws: SigV4Error.self) {
            try SigV4Request(method: "GET", url: try #require(URL(string: "/relative/path")))
        }
    }

    @Test("sign adds the token, the date, the content hash when asked, and Authorization, in that order")
    func addedHeaders() throws {
        let signer = Signer(
            credentials: Credentials(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "token"),
            region: "eu-west-1", service: "sqs", options: Signer.Options(addContentSHA256Header: true))
        let request = SigV4Request(
            method: "POST", path: "/", headers: [(name: "Host", value: "sqs.eu-west-1.amazonaws.com")],
            payload: .unsigned)
        let signed = try signer.sign(request, date: Self.date)
        #expect(
            signed.headers.map(\.name) == [
                "X-Amz-Security-Token", "X-Amz-Date", "X-Amz-Content-Sha256", "Authorization",
            ])
        #expect(signed.headers.map(\.value).prefix(3) == ["token", "20150830T123600Z", "UNSIGNED-PAYLOAD"])
        #expect(signed.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(signed.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
        #expect(
            signed.authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/sqs/aws4_request, "))
    }

    @Test("the payload of a body is its SHA-256; an empty body has the empty hash")
    func payloadHash() throws {
        #expect(try SigV4Request.Payload.body([UInt8]()) == .empty)
        #expect(
            try SigV4Request.Payload.body(Array("Param1=value1".utf8))
                == .hash("9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"))
    }

    @Test("headers the signer sets, a missing host, a bad method or a bad payload hash are errors")
    func errors() throws {
        let signer = Signer(credentials: Self.credentials, region: "us-east-1", service: "sqs")
        let host = (name: "Host", value: "example.amazonaws.com")
        func sign(_ request: SigV4Request) throws(SigV4Error) { _ = try signer.sign(request, date: Self.date) }
        #expect(throws: SigV4Error(.reservedHeader, "x-amz-date")) {
            try sign(SigV4Request(method: "GET", path: "/", headers: [host, (name: "x-amz-date", value: "1")]))
        }
        #expect(throws: SigV4Error(.reservedHeader, "Authorization")) {
            try sign(SigV4Request(method: "GET", path: "/", headers: [host, (name: "Authorization", value: "x")]))
        }
        #expect(throws: SigV4Error(.missingHost, "")) { try sign(SigV4Request(method: "GET", path: "/", headers: [])) }
        #expect(throws: SigV4Error(.invalidMethod, "GE T")) {
            try sign(SigV4Request(method: "GE T", path: "/", headers: [host]))
        }
        #expect(throws: SigV4Error(.invalidPath, "relative")) {
            try sign(SigV4Request(method: "GET", path: "relative", headers: [host]))
        }
        #expect(throws: SigV4Error(.invalidPayloadHash, "")) {
            try sign(SigV4Request(method: "GET", path: "/", headers: [host], payload: .hash("")))
        }
        let presign = { (expires: Int, query: String) throws(SigV4Error) in
            _ = try signer.presign(
                SigV4Request(method: "GET", path: "/", query: query, headers: [host]), date: Self.date, expires: expires
            )
        }
        #expect(throws: SigV4Error(.invalidExpiry, "0")) { try presign(0, "") }
        #expect(throws: SigV4Error(.invalidExpiry, "604801")) { try presign(604_801, "") }
        #expect(throws: SigV4Error(.reservedQueryParameter, "X-Amz-Signature")) {
            try presign(60, "a=1&X-Amz-Signature=x")
        }
        #expect(SigV4Error(.reservedHeader, "X-Amz-Date").description.contains("X-Amz-Date"))
    }

    @Test("a session token header the caller set is an error only when the signer has a token")
    func tokenHeaderWithoutToken() throws {
        let signer = Signer(credentials: Self.credentials, region: "us-east-1", service: "sqs")
        let request = SigV4Request(
            method: "GET", path: "/",
            headers: [(name: "Host", value: "h"), (name: "X-Amz-Security-Token", value: "t")])
        #expect(try signer.sign(request, date: Self.date).signedHeaders == "host;x-amz-date;x-amz-security-token")
    }

    @Test("tasks signing at once get one signing key per date, equal to a fresh derivation")
    func signingKeyCache() async throws {
        let signer = Signer(credentials: Self.credentials, region: "us-east-1", service: "sqs")
        let day = try SigningDate(Self.date)
        let expected = try Signer.deriveSigningKey(
            secretAccessKey: Self.credentials.secretAccessKey, dateStamp: day.dateStamp, region: "us-east-1",
            service: "sqs")
        let keys = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for index in 0..<64 {
                let date = try SigningDate(Self.date.addingTimeInterval(Double(index % 2) * 86_400))
                group.addTask { try signer.signingKey(date: date) }
            }
            return try await group.reduce(into: Set<[UInt8]>()) { $0.insert($1) }
        }
        #expect(keys.count == 2)
        #expect(keys.contains(expected))
        #expect(try signer.signingKey(date: day) == expected)
    }

    @Test("credentials never print the secret or the token")
    func credentialsDescription() {
        let credentials = Credentials(accessKeyID: "AKID", secretAccessKey: "s3cr3t", sessionToken: "t0k3n")
        #expect(!credentials.description.contains("s3cr3t"))
        #expect(!credentials.description.contains("t0k3n"))
        #expect(credentials.description.contains("AKID"))
    }
}
