public import Foundation

/// An error as SQS answers it in the AWS JSON 1.0 protocol: an HTTP status, a `__type`, a `message`, and the
/// query-compatible code of the `x-amzn-query-error` header (`<code>;Sender`), which botocore and our client report.
///
/// Modelled SQS errors carry `com.amazonaws.sqs#<Shape>`; the common errors (authentication, validation) carry
/// `com.amazon.coral.service#<Code>`. See <https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html> and
/// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html>.
public struct SQSFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public let status: Int
    /// The fully qualified `__type`, e.g. `com.amazonaws.sqs#QueueDoesNotExist`.
    public let type: String
    /// The query-compatible code, e.g. `AWS.SimpleQueueService.NonExistentQueue`.
    public let queryCode: String
    /// The message.
    public let message: String

    /// Creates a fault.
    ///
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - type: the fully qualified `__type`.
    ///   - queryCode: the `x-amzn-query-error` code.
    ///   - message: the message.
    public init(status: Int, type: String, queryCode: String, message: String) {
        self.status = status
        self.type = type
        self.queryCode = queryCode
        self.message = message
    }

    /// The short code of ``type``: what a batch entry's `Code` carries.
    public var code: String {
        String(type.split(separator: "#").last ?? Substring(type))
    }

    /// `Sender` for 4xx, `Receiver` for 5xx.
    public var fault: String { status >= 500 ? "Receiver" : "Sender" }

    /// `<queryCode>: <message> (<status>)`.
    public var description: String { "\(queryCode): \(message) (HTTP \(status))" }

    /// The response headers: content type, `x-amzn-query-error`, and `X-Amzn-Errortype`.
    public var headers: [(name: String, value: String)] {
        [
            (name: "Content-Type", value: "application/x-amz-json-1.0"),
            (name: "x-amzn-query-error", value: queryCode + ";" + fault),
            (name: "X-Amzn-Errortype", value: type),
        ]
    }

    /// The JSON body: `{"__type": …, "message": …}`.
    public var body: Data {
        // Two strings: JSONSerialization cannot fail on them.
        (try? JSONSerialization.data(withJSONObject: ["__type": type, "message": message], options: [.sortedKeys]))
            ?? Data()
    }

    private static func modelled(_ shape: String, _ queryCode: String, status: Int = 400, _ message: String) -> SQSFault
    {
        SQSFault(status: status, type: "com.amazonaws.sqs#" + shape, queryCode: queryCode, message: message)
    }

    private static func common(_ code: String, status: Int = 400, _ message: String) -> SQSFault {
        SQSFault(status: status, type: "com.amazon.coral.service#" + code, queryCode: code, message: message)
    }

    // MARK: Authentication

    /// No `Authorization` header.
    public static let missingAuthenticationToken = common(
        "MissingAuthenticationToken", status: 403, "Request is missing Authentication Token")

    /// An access key id this server does not know.
    public static let invalidClientTokenID = common(
        "InvalidClientTokenId", status: 403, "The security token included in the request is invalid.")

    /// A signature that does not match the one computed with the key's secret.
    public static let signatureDoesNotMatch = common(
        "SignatureDoesNotMatch", status: 403,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
            + "Key and signing method. Consult the service documentation for details.")

    /// A signature that fails for another reason: `message` says which (expired, wrong region or service).
    public static func signatureDoesNotMatch(_ message: String) -> SQSFault {
        common("SignatureDoesNotMatch", status: 403, message)
    }

    /// An `Authorization` header that cannot be parsed, or a missing `X-Amz-Date`.
    public static func incompleteSignature(_ message: String) -> SQSFault {
        common("IncompleteSignature", status: 400, message)
    }

    // MARK: Requests

    /// An `X-Amz-Target` this server does not serve.
    public static func invalidAction(_ target: String) -> SQSFault {
        common(
            "InvalidAction",
            "The action or operation requested is invalid: \(target). Verify that the action is typed correctly.")
    }

    /// A parameter value out of range or of the wrong form.
    public static func invalidParameterValue(_ message: String) -> SQSFault {
        common("InvalidParameterValue", message)
    }

    /// A required parameter is missing.
    public static func missingParameter(_ name: String) -> SQSFault {
        common("MissingParameter", "The request must contain the parameter \(name).")
    }

    /// A body that is not the operation's JSON.
    public static func serialization(_ message: String) -> SQSFault {
        common("SerializationException", message)
    }

    // MARK: Modelled SQS errors

    /// The queue named by the URL does not exist.
    public static let queueDoesNotExist = modelled(
        "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")

    /// A queue of that name exists with other attributes.
    public static func queueNameExists(_ attribute: String) -> SQSFault {
        modelled(
            "QueueNameExists", "QueueAlreadyExists",
            "A queue already exists with the same name and a different value for attribute \(attribute)")
    }

    /// A receipt handle this server never issued.
    public static func receiptHandleIsInvalid(_ handle: String) -> SQSFault {
        modelled(
            "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", status: 404,
            "The input receipt handle \"\(handle)\" is not a valid receipt handle.")
    }

    /// A receipt handle whose receive is over: its message was received again, or became visible again.
    public static func receiptHandleExpired(_ handle: String) -> SQSFault {
        invalidParameterValue(
            "Value \(handle) for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.")
    }

    /// A batch without entries.
    public static let emptyBatchRequest = modelled(
        "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest",
        "There should be at least one entry in the request.")

    /// More than 10 batch entries.
    public static func tooManyEntriesInBatchRequest(_ count: Int) -> SQSFault {
        modelled(
            "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            "Maximum number of entries per request are 10. You have sent \(count).")
    }

    /// Two batch entries with one id.
    public static func batchEntryIdsNotDistinct(_ id: String) -> SQSFault {
        modelled(
            "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id \(id) repeated.")
    }

    /// A batch entry id that is not 1–80 characters of `A-Z a-z 0-9 - _`.
    public static let invalidBatchEntryId = modelled(
        "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId",
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 "
            + "letters long.")

    /// An attribute name GetQueueAttributes or CreateQueue does not know.
    public static func invalidAttributeName(_ name: String) -> SQSFault {
        modelled("InvalidAttributeName", "InvalidAttributeName", "Unknown Attribute \(name).")
    }

    /// A queue attribute value out of range.
    public static func invalidAttributeValue(_ name: String) -> SQSFault {
        modelled("InvalidAttributeValue", "InvalidAttributeValue", "Invalid value for the parameter \(name).")
    }
}
