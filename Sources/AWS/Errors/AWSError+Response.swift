import Foundation
import HTTPClient
import Timestamps

extension AWSError {
    /// Decodes a non-2xx response into an error, whichever protocol the body uses.
    ///
    /// - JSON (AWS JSON 1.0/1.1): `__type` (after the last `#`, before any `:`), else `X-Amzn-Errortype`;
    ///   `message` or `Message`; the query-compatible code from `x-amzn-query-error` (`Code;Sender`).
    /// - XML: the first `<Error>` element's `<Code>` and `<Message>` (query `ErrorResponse`, EC2 `Response/Errors`,
    ///   and the XML moto sends for JSON-protocol auth failures); the request id from `RequestId`, `RequestID` or
    ///   `requestId` anywhere.
    /// - Anything else (an HTML page, a truncated body): ``Kind/unexpectedResponse`` naming the status and content
    ///   type.
    ///
    /// See <https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html#operation-error-serialization> and
    /// <https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#operation-error-serialization>.
    /// - Parameters:
    ///   - response: the response.
    ///   - service: the service's display name.
    ///   - operation: the operation.
    /// - Returns: the error.
    static func decode(response: HTTPResponse, service: String, operation: String) -> AWSError {
        let headers = response.headers
        var requestID = headers["x-amzn-RequestId"] ?? headers["x-amz-request-id"]
        let serverDate = headers["Date"].flatMap { RFC1123.parse($0) }
        let queryCode = headers["x-amzn-query-error"].flatMap { value in
            value.split(separator: ";").first.map(String.init)
        }
        var code: String?
        var message: String?
        let body = response.body
        let first = body.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if first == UInt8(ascii: "{"),
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        {
            let type = (object["__type"] as? String) ?? (object["code"] as? String) ?? (object["Code"] as? String)
            code = type.map(shortErrorType)
            message =
                (object["message"] as? String) ?? (object["Message"] as? String)
                ?? (object["errorMessage"] as? String)
        } else if first == UInt8(ascii: "<"), let root = try? XML.parse(body),
            let error = root.name == "Error" ? root : root.firstDescendant("Error")
        {
            code = error.value(at: "Code")
            message = error.value(at: "Message")
            requestID =
                requestID
                ?? (root.firstDescendant("RequestId") ?? root.firstDescendant("RequestID")
                ?? root.firstDescendant("requestId")).map { $0.text.trimmingASCIIWhitespace() }
        }
        if code == nil || code?.isEmpty == true {
            code = headers["X-Amzn-Errortype"].map(shortErrorType)
        }
        guard let code, !code.isEmpty else {
            return AWSError(
                kind: .unexpectedResponse, service: service, operation: operation, status: response.status,
                queryCompatibleCode: queryCode,
                message: "HTTP \(response.status) with a \(body.count)-byte \(headers["Content-Type"] ?? "untyped") "
                    + "body that is not an AWS error" + snippet(of: body),
                requestID: requestID, serverDate: serverDate)
        }
        return AWSError(
            kind: .service, service: service, operation: operation, status: response.status, code: code,
            queryCompatibleCode: queryCode == code ? nil : queryCode,
            message: message ?? "no message", requestID: requestID, serverDate: serverDate)
    }

    /// An error for a 2xx response whose body is not what the operation returns.
    ///
    /// - Parameters:
    ///   - response: the response.
    ///   - service: the service's display name.
    ///   - operation: the operation.
    ///   - problem: what is wrong with it.
    /// - Returns: a ``Kind/unexpectedResponse`` error.
    static func unexpected(
        _ response: HTTPResponse, service: String, operation: String, problem: String
    ) -> AWSError {
        AWSError(
            kind: .unexpectedResponse, service: service, operation: operation, status: response.status,
            message: "\(problem) (\(response.body.count)-byte \(response.headers["Content-Type"] ?? "untyped") body)"
                + snippet(of: response.body),
            requestID: response.headers["x-amzn-RequestId"] ?? response.headers["x-amz-request-id"])
    }

    /// `com.amazonaws.sqs#QueueDoesNotExist` → `QueueDoesNotExist`; `Foo:http://…` → `Foo`.
    private static func shortErrorType(_ type: String) -> String {
        var value = Substring(type)
        if let hash = value.lastIndex(of: "#") { value = value[value.index(after: hash)...] }
        if let colon = value.firstIndex(of: ":") { value = value[..<colon] }
        return String(value).trimmingASCIIWhitespace()
    }

    /// The start of a body as printable text, for errors about bodies that are not AWS's.
    private static func snippet(of body: Data) -> String {
        guard !body.isEmpty else { return "" }
        let text = String(decoding: body.prefix(160), as: UTF8.self)
            .map { $0.isASCII && ($0.isLetter || $0.isNumber || $0.isPunctuation || $0.isSymbol) ? $0 : " " }
        let collapsed = String(text).split(separator: " ").joined(separator: " ")
        return ": \"" + collapsed + (body.count > 160 ? "…" : "") + "\""
    }
}
