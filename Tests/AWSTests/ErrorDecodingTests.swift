import Foundation
import HTTPClient
import Testing

@testable import AWS

@Suite("AWSError from responses of both protocols")
struct ErrorDecodingTests {
    private func response(_ status: Int, _ body: String, _ headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders(headers), body: Data(body.utf8))
    }

    @Test("a JSON-protocol error takes its code from __type and the query-compatible code from the header")
    func jsonError() {
        let error = AWSError.decode(
            response: response(
                400,
                #"{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "The specified queue does not exist."}"#,
                [
                    ("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"),
                    ("x-amzn-RequestId", "req-1"), ("Date", "Sun, 29 Nov 2026 20:25:34 GMT"),
                ]),
            service: "SQS", operation: "ReceiveMessage")
        #expect(error.kind == .service)
        #expect(error.code == "QueueDoesNotExist")
        #expect(error.queryCompatibleCode == "AWS.SimpleQueueService.NonExistentQueue")
        #expect(error.message == "The specified queue does not exist.")
        #expect(error.requestID == "req-1")
        #expect(error.serverDate == Date(timeIntervalSince1970: 1_795_983_934))
        #expect(error.description.contains("SQS ReceiveMessage failed (400 QueueDoesNotExist)"))
    }

    @Test("a JSON error with Message and a type with a URL suffix")
    func jsonVariants() {
        let error = AWSError.decode(
            response: response(
                400, #"{"__type":"ThrottlingException:http://internal.amazon.com/","Message":"Rate exceeded"}"#),
            service: "SQS", operation: "ReceiveMessage")
        #expect(error.code == "ThrottlingException")
        #expect(error.message == "Rate exceeded")
    }

    @Test("a query-protocol ErrorResponse")
    func queryError() {
        let body = """
            <ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type>\
            <Code>ValidationError</Code><Message>No active Lifecycle Action found</Message></Error>\
            <RequestId>abc-123</RequestId></ErrorResponse>
            """
        let error = AWSError.decode(
            response: response(400, body), service: "AutoScaling", operation: "CompleteLifecycleAction")
        #expect(error.code == "ValidationError")
        #expect(error.message == "No active Lifecycle Action found")
        #expect(error.requestID == "abc-123")
    }

    @Test("the EC2 error envelope")
    func ec2Error() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>\
            <Message>The instance ID 'i-0123456789abcdef0' does not exist</Message></Error></Errors>\
            <RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>
            """
        let error = AWSError.decode(response: response(400, body), service: "EC2", operation: "DescribeInstances")
        #expect(error.code == "InvalidInstanceID.NotFound")
        #expect(error.requestID == "ea966190-f9aa-478e-9ede-example")
    }

    @Test("an IAM permission error names the action to grant")
    func accessDenied() {
        let body =
            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized</Message></Error></ErrorResponse>"
        let error = AWSError.decode(
            response: response(403, body), service: "AutoScaling", operation: "CompleteLifecycleAction")
        #expect(error.description.contains("grant autoscaling:CompleteLifecycleAction"))
    }

    @Test(
        "bodies that are not AWS errors become unexpectedResponse, never a crash",
        arguments: [
            (502, "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"),
            (503, "<html><body>Service Unavailable<hr></body>"),
            (500, "<ErrorResponse><Error><Code>Intern"),
            (400, "{\"truncated\": "),
            (403, ""),
            (429, "Too Many Requests"),
            (400, "{\"no\": \"code\"}"),
        ])
    func notAnAWSError(status: Int, body: String) {
        let error = AWSError.decode(
            response: response(status, body, [("Content-Type", "text/html")]), service: "EC2",
            operation: "DescribeInstances")
        #expect(error.kind == .unexpectedResponse)
        #expect(error.status == status)
        #expect(error.code == nil)
        #expect(error.description.contains("HTTP \(status)"))
        #expect(error.description.contains("something other than AWS answered"))
    }

    @Test("the error type header is used when the body has no code")
    func errorTypeHeader() {
        let error = AWSError.decode(
            response: response(400, "{}", [("X-Amzn-Errortype", "InvalidSignatureException:http://x/")]),
            service: "SQS", operation: "ReceiveMessage")
        #expect(error.code == "InvalidSignatureException")
    }

    @Test("very long messages are cut short")
    func boundedMessage() {
        let long = String(repeating: "x", count: 5000)
        let error = AWSError(kind: .service, service: "SQS", operation: "Op", message: long)
        #expect(error.message.count <= 1001)
    }
}
