/// The one error type of the `SigV4` module: what could not be signed, and why.
///
/// The signer is pure, so every error is a problem with its input (a malformed header, a reserved header the
/// caller set itself, a request without a host) or, in theory only, a failure inside libcrypto.
public struct SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of input was rejected.
    public enum Code: String, Sendable, Equatable {
        /// The HTTP method is empty or not an RFC 9110 token.
        case invalidMethod
        /// The path neither is empty nor starts with `/`.
        case invalidPath
        /// The URL has no host, or is not absolute.
        case invalidURL
        /// A header name is empty or not an RFC 9110 token.
        case invalidHeaderName
        /// A header value contains CR, LF or NUL (folded or injected headers are refused).
        case invalidHeaderValue
        /// The request already carries a header the signer sets itself (`Authorization`, `X-Amz-Date`, ...).
        case reservedHeader
        /// The request already carries a query parameter presigning sets itself (`X-Amz-Signature`, ...).
        case reservedQueryParameter
        /// The request has no `Host` header.
        case missingHost
        /// A precomputed payload hash is empty or contains whitespace.
        case invalidPayloadHash
        /// A presigned URL's lifetime is outside 1...604800 seconds.
        case invalidExpiry
        /// The date cannot be written as a four-digit year.
        case invalidDate
        /// libcrypto reported a failure computing SHA-256 or HMAC-SHA256.
        case cryptoFailure
    }

    /// What kind of input was rejected.
    public let code: Code
    /// The offending input (a header name, a method, a path), never a secret.
    public let context: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: what kind of input was rejected.
    ///   - context: the offending input; never pass a secret.
    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    /// A sentence for logs and operators: what failed, on what, and what to do.
    public var description: String {
        switch code {
        case .invalidMethod:
            "SigV4 signing failed: invalid HTTP method \"\(context)\" — use an RFC 9110 token such as GET or POST"
        case .invalidPath:
            "SigV4 signing failed: path \"\(context)\" does not start with \"/\""
        case .invalidURL:
            "SigV4 signing failed: URL \"\(context)\" has no host — pass an absolute http(s) URL"
        case .invalidHeaderName:
            "SigV4 signing failed: invalid header name \"\(context)\""
        case .invalidHeaderValue:
            "SigV4 signing failed: the value of header \"\(context)\" contains CR, LF or NUL"
        case .reservedHeader:
            "SigV4 signing failed: the request already has header \"\(context)\", which the signer sets — remove it"
        case .reservedQueryParameter:
            "SigV4 presigning failed: the query already has \"\(context)\", which presigning sets — remove it"
        case .missingHost:
            "SigV4 signing failed: the request has no Host header — build it from a URL or add Host"
        case .invalidPayloadHash:
            "SigV4 signing failed: invalid payload hash \"\(context)\" — pass 64 hex digits or use .unsigned"
        case .invalidExpiry:
            "SigV4 presigning failed: expiry \(context) s is outside 1...604800"
        case .invalidDate:
            "SigV4 signing failed: date \(context) is outside years 0...9999"
        case .cryptoFailure:
            "SigV4 signing failed: libcrypto could not compute \(context)"
        }
    }
}
