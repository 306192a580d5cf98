public import Foundation
import Locking

/// A request as the service sees it, independent of the HTTP server.
public struct SQSHTTPRequest: Sendable {
    /// The HTTP method.
    public var method: String
    /// The path as received (percent-escapes kept).
    public var path: String
    /// The query as received, without `?`.
    public var query: String
    /// The headers, in order.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: Data

    /// Creates a request.
    public init(method: String, path: String, query: String, headers: [(name: String, value: String)], body: Data) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        let lowercased = name.lowercased()
        return headers.first { $0.name.lowercased() == lowercased }?.value
    }
}

/// A response as the service writes it.
public struct SQSHTTPResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The headers.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: Data
}

/// The SQS JSON 1.0 endpoint: signature check, then the operation named by `X-Amz-Target`, over an ``SQSBroker``.
///
/// Serves CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, SendMessage, SendMessageBatch, ReceiveMessage,
/// DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, ChangeMessageVisibilityBatch and PurgeQueue. Every
/// call first waits the configured latency. `GET /fake-sqs/calls` (unsigned) returns the calls served by operation.
public struct SQSService: Sendable {
    /// The queues.
    public let broker: SQSBroker
    /// Checks every request's signature.
    public let verifier: SigV4Verifier
    /// Waited before every call, to stand in for a real endpoint's round trip.
    public let latency: Duration
    private let calls = Lock<[String: Int]>([:])

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - broker: the queues.
    ///   - verifier: the signature check.
    ///   - latency: the time every call takes before it is handled.
    public init(broker: SQSBroker, verifier: SigV4Verifier, latency: Duration = .zero) {
        self.broker = broker
        self.verifier = verifier
        self.latency = latency
    }

    /// The calls served so far by operation (failed ones included), and `Unauthenticated` for refused signatures.
    public var callCounts: [String: Int] { calls.withLock { $0 } }

    /// Handles one request.
    public func handle(_ request: SQSHTTPRequest) async -> SQSHTTPResponse {
        if request.method == "GET", request.path == "/fake-sqs/calls" {
            let data = (try? JSONSerialization.data(withJSONObject: callCounts, options: [.sortedKeys])) ?? Data()
            return SQSHTTPResponse(
                status: 200, headers: [(name: "Content-Type", value: "application/json")], body: data)
        }
        if latency > .zero {
            try? await Task.sleep(for: latency)
        }
        do {
            _ = try verifier.verify(
                method: request.method, path: request.path, query: request.query, headers: request.headers,
                body: request.body, now: Date(timeIntervalSince1970: TimeInterval(broker.now()) / 1000))
        } catch {
            calls.withLock { $0["Unauthenticated", default: 0] += 1 }
            return Self.response(error)
        }
        let target = request.header("X-Amz-Target") ?? ""
        let prefix = "AmazonSQS."
        guard request.method == "POST", target.hasPrefix(prefix) else {
            return Self.response(
                SQSFault(
                    status: 400, type: "com.amazon.coral.service#UnknownOperationException",
                    queryCode: "UnknownOperationException",
                    message: "fake-sqs serves POST with X-Amz-Target: AmazonSQS.<Operation> (AWS JSON 1.0) only"))
        }
        let operation = String(target.dropFirst(prefix.count))
        calls.withLock { $0[operation, default: 0] += 1 }
        do {
            let context = Context(service: self, request: request)
            return Self.success(try await context.perform(operation))
        } catch {
            return Self.response(error)
        }
    }

    static func success(_ body: Data) -> SQSHTTPResponse {
        SQSHTTPResponse(
            status: 200,
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-1.0"),
                (name: "x-amzn-RequestId", value: UUID().uuidString.lowercased()),
            ], body: body)
    }

    static func response(_ fault: SQSFault) -> SQSHTTPResponse {
        SQSHTTPResponse(
            status: fault.status,
            headers: fault.headers + [(name: "x-amzn-RequestId", value: UUID().uuidString.lowercased())],
            body: fault.body)
    }

    /// One call: the request, and the helpers its operation needs.
    struct Context {
        let service: SQSService
        let request: SQSHTTPRequest
        var broker: SQSBroker { service.broker }

        func decode<T: Decodable>(_ type: T.Type) throws(SQSFault) -> T {
            do {
                return try JSONDecoder().decode(type, from: request.body.isEmpty ? Data("{}".utf8) : request.body)
            } catch {
                throw .serialization("The request body is not the operation's JSON: \(error)")
            }
        }

        func encode<T: Encodable>(_ value: T) throws(SQSFault) -> Data {
            do {
                return try JSONEncoder().encode(value)
            } catch {
                throw SQSFault(
                    status: 500, type: "com.amazon.coral.service#InternalFailure", queryCode: "InternalFailure",
                    message: "The response could not be encoded: \(error)")
            }
        }

        /// `http://<Host>/<account>/<name>`, the URL form moto and SQS's legacy endpoints use.
        func queueURL(_ name: String) -> String {
            "http://" + (request.header("Host") ?? "127.0.0.1") + "/" + broker.accountID + "/" + name
        }

        /// The queue name of a `QueueUrl` (a URL ending `/<account>/<name>`, or the name alone).
        func queueName(_ url: String?) throws(SQSFault) -> String {
            guard let url, !url.isEmpty else { throw .missingParameter("QueueUrl") }
            guard url.contains("/") else { return url }
            let parts = url.split(separator: "/", omittingEmptySubsequences: true)
            guard parts.count >= 2, parts[parts.count - 2] == broker.accountID else { throw .queueDoesNotExist }
            return String(parts[parts.count - 1])
        }

        /// The senderʼs `SenderId`: an IAM user id derived from the access key id.
        var senderID: String {
            let key = request.header("Authorization").flatMap { try? SigV4Verifier.parse($0).accessKeyID } ?? ""
            let digest = MessageDigest.md5(body: key).uppercased().filter { $0.isLetter || $0.isNumber }
            return "AIDA" + String(digest.prefix(17))
        }
    }
}
