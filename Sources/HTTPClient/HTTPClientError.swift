import Foundation

/// An error from the HTTP transport: the request never produced a complete response.
///
/// HTTP status codes are not errors here; callers read ``HTTPResponse/status``.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, in terms a caller can act on.
    public enum Code: Sendable, Equatable {
        /// The URL or an option was rejected before anything was sent.
        case invalidRequest
        /// The host could not be resolved or the TCP connection was refused.
        case connectionFailed
        /// No connection within the connect timeout.
        case connectTimeout
        /// The whole request took longer than its timeout.
        case requestTimeout
        /// A stream received nothing for longer than its idle timeout.
        case idleTimeout
        /// The TLS handshake failed: an unknown CA, a wrong host name, a bad client certificate or key.
        case tlsFailure
        /// The response body is (or announced it would be) larger than the configured cap.
        case responseTooLarge
        /// The connection broke mid-transfer or the server sent nothing or a malformed response.
        case transferFailed
        /// The client was shut down while the request was in flight.
        case clientShutdown
        /// Any other libcurl failure.
        case other
    }

    /// The kind of failure.
    public var code: Code
    /// The request URL without its query string (queries can carry signatures or tokens).
    public var url: String
    /// libcurl's `CURLcode`, or 0 when the error did not come from libcurl.
    public var curlCode: Int
    /// libcurl's detailed message for this transfer, or a description of the failure.
    public var message: String

    /// Creates an error.
    public init(code: Code, url: String, curlCode: Int, message: String) {
        self.code = code
        self.url = HTTPClientError.redact(url)
        self.curlCode = curlCode
        self.message = message
    }

    public var description: String {
        let hint: String
        switch code {
        case .tlsFailure: hint = " — check the CA bundle, the server's certificate names and any client certificate"
        case .connectionFailed, .connectTimeout: hint = " — check the endpoint address, proxies and network policy"
        case .responseTooLarge: hint = " — raise the response size limit if this size is expected"
        default: hint = ""
        }
        return "HTTP request to \(url) failed (\(code), curl code \(curlCode)): \(message)\(hint)"
    }

    /// Drops the query string and any user information from a URL so that logs never carry secrets.
    static func redact(_ url: String) -> String {
        var result = url
        if let query = result.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            result = String(result[..<query])
        }
        if let schemeEnd = result.range(of: "://") {
            let authorityStart = schemeEnd.upperBound
            let authorityEnd = result[authorityStart...].firstIndex(of: "/") ?? result.endIndex
            if let at = result[authorityStart..<authorityEnd].lastIndex(of: "@") {
                result.removeSubrange(authorityStart...at)
            }
        }
        return result
    }
}
