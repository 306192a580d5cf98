import Foundation

/// The JSON shapes of the served operations, as on the wire (AWS JSON 1.0). Every request field is optional so that a
/// missing one is answered with SQS's `MissingParameter`, not a decoding error.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html>.
enum Wire {
    struct QueueName: Decodable {
        var QueueName: String?
        var Attributes: [String: String]?
    }

    struct QueueURLResponse: Encodable {
        var QueueUrl: String
    }

    struct ListQueues: Decodable {
        var QueueNamePrefix: String?
    }

    struct ListQueuesResponse: Encodable {
        var QueueUrls: [String]?
    }

    struct QueueURL: Decodable {
        var QueueUrl: String?
    }

    struct GetQueueAttributes: Decodable {
        var QueueUrl: String?
        var AttributeNames: [String]?
    }

    struct AttributesResponse: Encodable {
        var Attributes: [String: String]?
    }

    struct MessageAttribute: Codable {
        var DataType: String?
        var StringValue: String?
        var BinaryValue: String?
    }

    struct SendMessage: Decodable {
        var QueueUrl: String?
        var MessageBody: String?
        var DelaySeconds: Int?
        var MessageAttributes: [String: MessageAttribute]?
    }

    struct SendMessageResponse: Encodable {
        var MessageId: String
        var MD5OfMessageBody: String
        var MD5OfMessageAttributes: String?
    }

    struct SendEntry: Decodable {
        var Id: String?
        var MessageBody: String?
        var DelaySeconds: Int?
        var MessageAttributes: [String: MessageAttribute]?
    }

    struct SendBatchSuccess: Encodable {
        var Id: String
        var MessageId: String
        var MD5OfMessageBody: String
        var MD5OfMessageAttributes: String?
    }

    struct ReceiveMessage: Decodable {
        var QueueUrl: String?
        var MaxNumberOfMessages: Int?
        var VisibilityTimeout: Int?
        var WaitTimeSeconds: Int?
        var AttributeNames: [String]?
        var MessageSystemAttributeNames: [String]?
        var MessageAttributeNames: [String]?
    }

    struct Message: Encodable {
        var MessageId: String
        var ReceiptHandle: String
        var MD5OfBody: String
        var Body: String
        var Attributes: [String: String]?
        var MessageAttributes: [String: MessageAttribute]?
        var MD5OfMessageAttributes: String?
    }

    struct ReceiveMessageResponse: Encodable {
        var Messages: [Message]?
    }

    struct DeleteMessage: Decodable {
        var QueueUrl: String?
        var ReceiptHandle: String?
    }

    struct ChangeMessageVisibility: Decodable {
        var QueueUrl: String?
        var ReceiptHandle: String?
        var VisibilityTimeout: Int?
    }

    struct HandleEntry: Decodable {
        var Id: String?
        var ReceiptHandle: String?
        var VisibilityTimeout: Int?
    }

    struct Batch<Entry: Decodable>: Decodable {
        var QueueUrl: String?
        var Entries: [Entry]?
    }

    struct BatchSuccess: Encodable {
        var Id: String
    }

    struct BatchFailure: Encodable {
        var Id: String
        var SenderFault: Bool
        var Code: String
        var Message: String
    }

    struct BatchResponse<Success: Encodable>: Encodable {
        var Successful: [Success]
        var Failed: [BatchFailure]
    }

    struct Empty: Encodable {}
}

extension Wire.MessageAttribute {
    /// The attribute, validated as SendMessage validates it.
    func value(name: String) throws(SQSFault) -> MessageAttributeValue {
        guard let dataType = DataType, !dataType.isEmpty else {
            throw .invalidParameterValue(
                "The message attribute '\(name)' must contain non-empty message attribute type.")
        }
        let base = dataType.split(separator: ".", maxSplits: 1).first.map(String.init) ?? dataType
        switch base {
        case "String", "Number":
            guard let string = StringValue, !string.isEmpty else {
                throw .invalidParameterValue(
                    "The message attribute '\(name)' must contain non-empty message attribute value for message "
                        + "attribute type '\(dataType)'.")
            }
            return MessageAttributeValue(dataType: dataType, stringValue: string)
        case "Binary":
            guard let encoded = BinaryValue, let data = Data(base64Encoded: encoded), !data.isEmpty else {
                throw .invalidParameterValue(
                    "The message attribute '\(name)' must contain non-empty message attribute value for message "
                        + "attribute type '\(dataType)'.")
            }
            return MessageAttributeValue(dataType: dataType, binaryValue: data)
        default:
            throw .invalidParameterValue(
                "The message attribute '\(name)' has an invalid message attribute type, the set of supported type "
                    + "prefixes is Binary, Number, and String.")
        }
    }

    /// The wire form of a stored attribute.
    init(_ value: MessageAttributeValue) {
        self.init(
            DataType: value.dataType, StringValue: value.stringValue,
            BinaryValue: value.binaryValue?.base64EncodedString())
    }
}
