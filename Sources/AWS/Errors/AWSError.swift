public import Foundation
public import HTTPClient

/// The one error type of the `AWS` module: which call failed, how, and what the operator can do.
///
/// AWS errors from both protocols (an XML `<Error>` from the query protocol, a JSON `__type` from the JSON
/// protocol) become ``Kind/service`` with the HTTP status, the AWS error code, the message and the request id.
/// Bodies that are not AWS errors at all (an HTML page from a proxy, a truncated body) become
/// ``Kind/unexpectedResponse``; transport failures ``Kind/transport``. Descriptions never contain secrets.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html> and
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: String, Sendable, Equatable {
        /// AWS answered with an error (``AWSError/code`` says which).
        case service
        /// The answer was not an AWS response: not XML/JSON, truncated, or missing expected fields.
        case unexpectedResponse
        /// No complete HTTP response arrived (``AWSError/transportError`` has the cause).
        case transport
        /// No credentials could be found or refreshed.
        case credentials
        /// The configuration is incomplete or invalid (no region, a bad endpoint URL).
        case configuration
        /// The caller passed an invalid argument (11 entries in a batch, a wait time over 20 s).
        case invalidArgument
        /// The calling task was cancelled.
        case cancelled
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The service's display name, e.g. `SQS`, `EC2`, `AutoScaling`, `STS`, or `credentials` for a credential
    /// source.
    public var service: String
    /// The operation, e.g. `ReceiveMessage`, or the credential source's name.
    public var operation: String
    /// The HTTP status code, when a response arrived.
    public var status: Int?
    /// The AWS error code, e.g. `SignatureDoesNotMatch`, `QueueDoesNotExist`, `InvalidInstanceID.NotFound`.
    public var code: String?
    /// The SQS query-compatible code from `x-amzn-query-error`, e.g. `AWS.SimpleQueueService.NonExistentQueue`.
    public var queryCompatibleCode: String?
    /// AWS's message, or ours for non-service failures.
    public var message: String
    /// The AWS request id, when the response carried one.
    public var requestID: String?
    /// The transport failure behind a ``Kind/transport`` error.
    public var transportError: HTTPClientError?
    /// The server's clock from the response `Date` header, used to correct clock skew.
    public var serverDate: Date?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - kind: what kind of failure.
    ///   - service: the service's display name.
    ///   - operation: the operation.
    ///   - status: the HTTP status, if a response arrived.
    ///   - code: the AWS error code.
    ///   - queryCompatibleCode: the `x-amzn-query-error` code.
    ///   - message: what went wrong; never include a secret.
    ///   - requestID: the AWS request id.
    ///   - transportError: the transport failure.
    ///   - serverDate: the response's `Date` header.
    public init(
        kind: Kind,
        service: String,
        operation: String,
        status: Int? = nil,
        code: String? = nil,
        queryCompatibleCode: String? = nil,
        message: String,
        requestID: String? = nil,
        transportError: HTTPClientError? = nil,
        serverDate: Date? = nil
    ) {
        self.kind = kind
        self.service = service
        self.operation = operation
        self.status = status
        self.code = code
        self.queryCompatibleCode = queryCompatibleCode
        self.message = Self.bounded(message)
        self.requestID = requestID
        self.transportError = transportError
        self.serverDate = serverDate
    }

    /// Whether either code is one of `codes`.
    ///
    /// - Parameter codes: AWS error codes.
    /// - Returns: `true` when ``code`` or ``queryCompatibleCode`` matches.
    public func hasCode(in codes: Set<String>) -> Bool {
        if let code, codes.contains(code) { return true }
        if let queryCompatibleCode, codes.contains(queryCompatibleCode) { return true }
        return false
    }

    /// The error codes that mean the credentials themselves were rejected.
    public static let authenticationCodes: Set<String> = [
        "SignatureDoesNotMatch", "InvalidClientTokenId", "AuthFailure", "UnrecognizedClientException",
        "IncompleteSignature", "MissingAuthenticationToken", "InvalidSignatureException", "InvalidAccessKeyId",
        "ExpiredToken", "ExpiredTokenException", "RequestExpired",
    ]

    /// The error codes that mean the IAM policy does not allow the call.
    public static let authorizationCodes: Set<String> = [
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
    ]

    /// A sentence for logs and operators: what failed, on what, and what to do.
    public var description: String {
        var text = "\(service) \(operation) failed"
        var details: [String] = []
        if let status { details.append(String(status)) }
        if let code { details.append(code) }
        if kind != .service { details.append(kind.rawValue) }
        if !details.isEmpty { text += " (" + details.joined(separator: " ") + ")" }
        text += ": " + message
        if let transportError { text += " [\(transportError.description)]" }
        if let requestID { text += " (request id \(requestID))" }
        if let hint { text += " — " + hint }
        return text
    }

    /// What the operator can do about this error, when we know.
    public var hint: String? {
        switch kind {
        case .credentials:
            return "check the credentials chain in docs/aws.md (AWS_ROLE_ARN and the token file for IRSA, the Pod "
                + "Identity association, the instance profile)"
        case .configuration:
            return "set AWS_REGION (or a queue URL with a region) and check AWS_ENDPOINT"
        case .transport:
            return "check the endpoint (AWS_ENDPOINT), proxies (HTTPS_PROXY, NO_PROXY) and network policy"
        case .unexpectedResponse:
            return "something other than AWS answered: check AWS_ENDPOINT and any proxy in between"
        case .invalidArgument, .cancelled:
            return nil
        case .service:
            break
        }
        if hasCode(in: ["RequestExpired", "RequestTimeTooSkewed", "RequestInTheFuture"])
            || message.contains("Signature expired")
        {
            return "the clock of this machine is off by more than 15 minutes: fix NTP"
        }
        if hasCode(in: ["ExpiredToken", "ExpiredTokenException"]) {
            return "the temporary credentials expired and could not be refreshed: check the credentials source"
        }
        if hasCode(in: Self.authenticationCodes) {
            return "AWS rejected the credentials: check the access key, secret and session token the chain found"
        }
        if hasCode(in: Self.authorizationCodes) {
            return "grant \(iamAction) in the IAM policy of the controller's role (docs/aws.md)"
        }
        if hasCode(in: ["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"]) {
            return "check QUEUE_URL and AWS_REGION"
        }
        if let status, status == 429 || status >= 500 {
            return "AWS is throttling or unavailable and the retries ran out; the call will be retried later"
        }
        return nil
    }

    /// SQS batch operations IAM authorizes under the single operation's action: no policy can name
    /// `sqs:DeleteMessageBatch` (SQS Developer Guide, "Amazon SQS batch actions").
    static let sqsBatchActions = [
        "DeleteMessageBatch": "DeleteMessage", "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
        "SendMessageBatch": "SendMessage",
    ]

    /// The IAM action that authorizes this call, e.g. `sqs:ReceiveMessage`; `sqs:DeleteMessage` for
    /// `DeleteMessageBatch` and `sqs:ChangeMessageVisibility` for `ChangeMessageVisibilityBatch`.
    public var iamAction: String {
        let prefix: String
        switch service {
        case "SQS": prefix = "sqs"
        case "EC2": prefix = "ec2"
        case "AutoScaling": prefix = "autoscaling"
        case "STS": prefix = "sts"
        case "EventBridge": prefix = "events"
        case "IAM": prefix = "iam"
        default: prefix = service.lowercased()
        }
        let action = service == "SQS" ? Self.sqsBatchActions[operation] ?? operation : operation
        return prefix + ":" + action
    }

    /// Caps a message at 1000 characters: AWS messages are short, anything longer is a page we did not expect.
    private static func bounded(_ message: String) -> String {
        message.count <= 1000 ? message : String(message.prefix(1000)) + "…"
    }
}
