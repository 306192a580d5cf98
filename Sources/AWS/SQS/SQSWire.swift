import Foundation

/// The JSON shapes of the SQS operations we call (AWS JSON 1.0 protocol), as on the wire.
///
/// See <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html>.
enum SQSWire {
    struct ReceiveMessageRequest: Encodable {
        var QueueUrl: String
        var MaxNumberOfMessages: Int
        var WaitTimeSeconds: Int
        var VisibilityTimeout: Int?
        var MessageSystemAttributeNames: [String]
        var MessageAttributeNames: [String]
    }

    struct ReceiveMessageResponse: Decodable {
        var Messages: [Message]?
    }

    struct Message: Decodable {
        var MessageId: String?
        var ReceiptHandle: String?
        var MD5OfBody: String?
        var Body: String?
        var Attributes: [String: String]?
        var MessageAttributes: [String: MessageAttributeValue]?
    }

    struct MessageAttributeValue: Codable {
        var DataType: String
        var StringValue: String?
        var BinaryValue: String?
    }

    struct DeleteEntry: Encodable {
        var Id: String
        var ReceiptHandle: String
    }

    struct VisibilityEntry: Encodable {
        var Id: String
        var ReceiptHandle: String
        var VisibilityTimeout: Int
    }

    struct BatchRequest<Entry: Encodable>: Encodable {
        var QueueUrl: String
        var Entries: [Entry]
    }

    struct BatchResponse: Decodable {
        struct Success: Decodable { var Id: String }
        struct Failure: Decodable {
            var Id: String
            var SenderFault: Bool?
            var Code: String?
            var Message: String?
        }
        var Successful: [Success]?
        var Failed: [Failure]?
    }

    struct DeleteMessageRequest: Encodable {
        var QueueUrl: String
        var ReceiptHandle: String
    }

    struct ChangeMessageVisibilityRequest: Encodable {
        var QueueUrl: String
        var ReceiptHandle: String
        var VisibilityTimeout: Int
    }

    struct GetQueueAttributesRequest: Encodable {
        var QueueUrl: String
        var AttributeNames: [String]
    }

    struct GetQueueAttributesResponse: Decodable {
        var Attributes: [String: String]?
    }

    struct SendMessageRequest: Encodable {
        var QueueUrl: String
        var MessageBody: String
        var DelaySeconds: Int?
        var MessageAttributes: [String: MessageAttributeValue]?
    }

    struct SendMessageResponse: Decodable {
        var MessageId: String?
    }

    struct Empty: Decodable {}
}

extension AWSClient {
    /// Calls an AWS JSON operation with a `Codable` request and response.
    func json<Request: Encodable, Response: Decodable>(
        _ service: AWSService, operation: String, request: Request, response: Response.Type,
        region: String? = nil, timeout: Duration? = nil
    ) async throws(AWSError) -> Response {
        let body: Data
        do {
            body = try JSONEncoder().encode(request)
        } catch {
            throw AWSError(
                kind: .invalidArgument, service: service.name, operation: operation,
                message: "the request cannot be encoded as JSON: \(error)")
        }
        let data = try await json(service, operation: operation, body: body, region: region, timeout: timeout)
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw AWSError(
                kind: .unexpectedResponse, service: service.name, operation: operation, status: 200,
                message: "the \(data.count)-byte response is not the JSON \(operation) returns: \(error)")
        }
    }
}
