import FakeSQS
import Foundation
import SigV4
import Testing

@Suite("SigV4Verifier: AWS's checks and error codes")
struct SigV4VerifierTests {
    let verifier = SigV4Verifier(secrets: ["AKIDEXAMPLE": "secret"], region: "us-east-1")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let body = Data(#"{"QueueUrl":"http://127.0.0.1:1/123456789012/q"}"#.utf8)

    /// A request signed by the SigV4 module's signer, as the controller signs it.
    private func signed(
        key: String = "AKIDEXAMPLE", secret: String = "secret", region: String = "us-east-1", at date: Date? = nil
    ) throws -> [(name: String, value: String)] {
        let headers: [(name: String, value: String)] = [
            (name: "Host", value: "127.0.0.1:1"), (name: "Content-Type", value: "application/x-amz-json-1.0"),
            (name: "X-Amz-Target", value: "AmazonSQS.ReceiveMessage"),
        ]
        let signer = Signer(
            credentials: Credentials(accessKeyID: key, secretAccessKey: secret), region: region, service: "sqs")
        let result = try signer.sign(
            SigV4Request(method: "POST", path: "/", headers: headers, payload: try .body(body)), date: date ?? now)
        return headers + result.headers + [(name: "User-Agent", value: "not signed")]
    }

    private func verify(_ headers: [(name: String, value: String)], body: Data? = nil) throws(SQSFault) -> String {
        try verifier.verify(method: "POST", path: "/", query: "", headers: headers, body: body ?? self.body, now: now)
    }

    @Test("A request signed with a known key passes and names the key")
    func valid() throws {
        #expect(try verify(try signed()) == "AKIDEXAMPLE")
    }

    @Test("A body changed after signing, or a wrong secret, is SignatureDoesNotMatch")
    func mismatch() throws {
        let headers = try signed()
        #expect(throws: SQSFault.signatureDoesNotMatch) { try verify(headers, body: Data("{}".utf8)) }
        #expect(throws: SQSFault.signatureDoesNotMatch) { try verify(try signed(secret: "wrong")) }
        let tampered = headers.map {
            $0.name == "X-Amz-Target" ? (name: $0.name, value: "AmazonSQS.PurgeQueue") : $0
        }
        #expect(throws: SQSFault.signatureDoesNotMatch) { try verify(tampered) }
    }

    @Test("An unknown access key is InvalidClientTokenId; no Authorization is MissingAuthenticationToken")
    func unknownKey() throws {
        #expect(throws: SQSFault.invalidClientTokenID) { try verify(try signed(key: "AKIDUNKNOWN")) }
        #expect(throws: SQSFault.missingAuthenticationToken) { try verify([(name: "Host", value: "127.0.0.1:1")]) }
    }

    @Test("A time more than 15 minutes off is SignatureDoesNotMatch with AWS's expired or not-yet-current message")
    func skew() throws {
        let old = try signed(at: now.addingTimeInterval(-16 * 60))
        let error = try #require(throws: SQSFault.self) { try verify(old) }
        #expect(error.queryCode == "SignatureDoesNotMatch")
        #expect(
            error.message
                == "Signature expired: 20270115T074400Z is now earlier than 20270115T074500Z (20270115T080000Z - 15 min.)"
        )
        let future = try #require(throws: SQSFault.self) { try verify(try signed(at: now.addingTimeInterval(16 * 60))) }
        #expect(
            future.message.hasPrefix("Signature not yet current: 20270115T081600Z is still later than 20270115T081500Z")
        )
        #expect(try verify(try signed(at: now.addingTimeInterval(14 * 60))) == "AKIDEXAMPLE")
    }

    @Test("A scope for another region is SignatureDoesNotMatch naming the region")
    func region() throws {
        let error = try #require(throws: SQSFault.self) { try verify(try signed(region: "eu-west-1")) }
        #expect(error.queryCode == "SignatureDoesNotMatch")
        #expect(error.message.contains("'eu-west-1'"))
    }
}
