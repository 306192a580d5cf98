import Clocks
import Foundation
import HTTPClient
import SigV4
import Timestamps

/// The JSON document the container endpoint (ECS, EKS Pod Identity) and IMDS return:
/// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", ...}`, or an error `{"code", "message"}`.
///
/// See <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html> and
/// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html>.
struct CredentialsDocument: Decodable {
    var AccessKeyId: String?
    var SecretAccessKey: String?
    var Token: String?
    var Expiration: String?
    var Code: String?
    var Message: String?
    var code: String?
    var message: String?

    /// Decodes `data` into credentials from `source`.
    static func credentials(from data: Data, source: String) throws(AWSError) -> AWSCredentials {
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: data) else {
            throw AWSError(
                kind: .unexpectedResponse, service: "credentials", operation: source,
                message: "the credentials endpoint did not return a JSON credentials document")
        }
        if let code = document.Code, code != "Success" {
            throw AWSError(
                kind: .credentials, service: "credentials", operation: source, code: code,
                message: document.Message ?? "the endpoint reported \(code)")
        }
        guard let accessKey = document.AccessKeyId, !accessKey.isEmpty, let secret = document.SecretAccessKey,
            !secret.isEmpty
        else {
            throw AWSError(
                kind: .unexpectedResponse, service: "credentials", operation: source,
                message: "the credentials document has no AccessKeyId or SecretAccessKey")
        }
        var expiration: Date?
        if let text = document.Expiration {
            guard let date = RFC3339.parse(text.trimmingASCIIWhitespace()) else {
                throw AWSError(
                    kind: .unexpectedResponse, service: "credentials", operation: source,
                    message: "the credentials' Expiration \"\(text)\" is not an ISO 8601 time")
            }
            expiration = date
        }
        return AWSCredentials(
            credentials: Credentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: document.Token),
            expiration: expiration, source: source)
    }

    /// The `code: message` of an error document, for error messages.
    static func errorSummary(_ data: Data) -> String? {
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: data) else { return nil }
        let code = document.code ?? document.Code
        let message = document.message ?? document.Message
        switch (code, message) {
        case (let code?, let message?): return code + ": " + message
        case (let code?, nil): return code
        case (nil, let message?): return message
        case (nil, nil): return nil
        }
    }
}

/// GETs and PUTs against a local credentials endpoint, with a few attempts a fixed delay apart.
struct MetadataFetcher: Sendable {
    let httpClient: HTTPClient
    let clock: any WallClock
    let source: String
    let timeout: Duration
    let attempts: Int
    let delay: Duration

    /// The response to `request`; transport failures and 5xx are retried, anything else returned.
    func fetch(_ request: HTTPRequest) async throws(AWSError) -> HTTPResponse {
        var request = request
        request.timeout = timeout
        var attempt = 1
        while true {
            let failure: AWSError
            do {
                let response = try await httpClient.execute(request)
                if response.status < 500 || attempt >= attempts { return response }
                failure = AWSError(
                    kind: .credentials, service: "credentials", operation: source, status: response.status,
                    message: "HTTP \(response.status) from \(HTTPClientError.redactedURL(request.url))")
            } catch let error as HTTPClientError {
                failure = AWSError(
                    kind: .transport, service: "credentials", operation: source,
                    message: "no response from \(error.url)", transportError: error)
            } catch {
                throw AWSError(kind: .cancelled, service: "credentials", operation: source, message: "cancelled")
            }
            guard attempt < attempts else { throw failure }
            attempt += 1
            do {
                try await clock.sleep(for: delay)
            } catch {
                throw AWSError(kind: .cancelled, service: "credentials", operation: source, message: "cancelled")
            }
        }
    }
}

extension HTTPClientError {
    /// `url` without its query, as ``HTTPClientError`` reports URLs.
    static func redactedURL(_ url: String) -> String {
        HTTPClientError(code: .other, url: url, curlCode: 0, message: "").url
    }
}
