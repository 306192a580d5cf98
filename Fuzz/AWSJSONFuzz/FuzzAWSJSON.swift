// The libFuzzer entry point for the AWS JSON readers: JSON 1.0 error bodies (SQS), SQS responses and the credentials
// documents of the container and IMDS endpoints. Not a SwiftPM target: `scripts/fuzz aws-json` compiles it against
// Sources/AWS.
import Foundation
import HTTPClient
import SigV4

@testable import AWS

/// The string value of `key` in a JSON object body, if any.
private func field(_ data: Data, _ key: String) -> String? {
    ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?[key] as? String
}

/// Decodes one input as each of the JSON bodies AWS answers and checks: no trap or hang; an error decoded from a
/// body describes itself and has a code when it is a service error; decoding is deterministic; a credentials
/// document's secret key and token never appear in the error it is refused with.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAWSJSON(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    let response = HTTPResponse(
        status: 400, headers: ["Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": "Fuzz;Sender"],
        body: data)
    let error = AWSError.decode(response: response, service: "SQS", operation: "ReceiveMessage")
    require(!error.description.isEmpty)
    if error.kind == .service { require(!(error.code ?? "").isEmpty, "a service error without a code") }
    let again = AWSError.decode(response: response, service: "SQS", operation: "ReceiveMessage")
    require(again.description == error.description, "decoding is not deterministic")

    let decoder = JSONDecoder()
    if let received = try? decoder.decode(SQSWire.ReceiveMessageResponse.self, from: data) {
        _ = received.Messages?.count
    }
    _ = try? decoder.decode(SQSWire.BatchResponse.self, from: data)
    _ = try? decoder.decode(SQSWire.GetQueueAttributesResponse.self, from: data)

    do {
        let credentials = try CredentialsDocument.credentials(from: data, source: "fuzz")
        require(!credentials.credentials.accessKeyID.isEmpty && !credentials.credentials.secretAccessKey.isEmpty)
    } catch {
        let text = "\(error)"
        let visible = [field(data, "Code"), field(data, "Message"), field(data, "Expiration")].compactMap { $0 }
        for name in ["SecretAccessKey", "Token"] {
            guard let secret = field(data, name), secret.count >= 8,
                !visible.contains(where: { $0.contains(secret) })
            else { continue }
            require(!text.contains(secret), "the credentials error shows the document's \(name)")
        }
    }
    _ = CredentialsDocument.errorSummary(data)
    return 0
}
