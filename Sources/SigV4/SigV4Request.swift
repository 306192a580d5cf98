public import Foundation

/// An HTTP request as the SigV4 signer sees it: independent of any HTTP library.
///
/// `path` and `query` are the wire forms, exactly as they appear on the request line (percent-escapes and all):
/// the signer derives the canonical forms from them. `headers` keep their order and may repeat a name.
///
/// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>.
public struct SigV4Request: Sendable {
    /// What the signature says about the body.
    public enum Payload: Sendable, Equatable {
        /// The lower-case hex SHA-256 of the body, computed by the caller (or by ``body(_:)``).
        case hash(String)
        /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature (S3 over TLS, presigned URLs).
        case unsigned

        /// The payload of an empty body.
        public static let empty = Payload.hash(Digest.emptySHA256)

        /// Hashes `body` now and returns its payload.
        ///
        /// - Parameter body: the exact bytes that will be sent.
        /// - Throws: ``SigV4Error/Code/cryptoFailure`` if libcrypto fails.
        public static func body(_ body: some Sequence<UInt8>) throws(SigV4Error) -> Payload {
            .hash(Digest.hex(try Digest.sha256(bytes: body)))
        }

        /// The string that ends the canonical request.
        var canonicalValue: String {
            switch self {
            case .hash(let hash): hash
            case .unsigned: "UNSIGNED-PAYLOAD"
            }
        }
    }

    /// The HTTP method, e.g. `POST`. Used as given (AWS expects upper case).
    public var method: String
    /// The path as sent on the request line, e.g. `/` or `/123456789012/my-queue`; empty means `/`.
    public var path: String
    /// The query as sent, without `?`; empty when there is none.
    public var query: String
    /// The headers, in order, repeated names allowed. Must include `Host`.
    public var headers: [(name: String, value: String)]
    /// What the signature says about the body.
    public var payload: Payload

    /// Creates a request from its parts.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the path as sent on the request line.
    ///   - query: the query as sent, without `?`.
    ///   - headers: the headers, in order; must include `Host`.
    ///   - payload: the body's hash, or `.unsigned`.
    public init(
        method: String,
        path: String,
        query: String = "",
        headers: [(name: String, value: String)],
        payload: Payload = .empty
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payload = payload
    }

    /// Creates a request for `url`, adding a `Host` header (with the port when it is not the scheme's default)
    /// unless `headers` already has one.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - url: an absolute URL; its percent-encoded path and query are used as they are.
    ///   - headers: the other headers, in order.
    ///   - payload: the body's hash, or `.unsigned`.
    /// - Throws: ``SigV4Error/Code/invalidURL`` when `url` has no host.
    public init(
        method: String,
        url: URL,
        headers: [(name: String, value: String)] = [],
        payload: Payload = .empty
    ) throws(SigV4Error) {
        // URL's own accessors, not URLComponents: its parser loads ICU's IDNA tables on first use (+4 MiB RSS).
        let components = url.absoluteURL
        guard let rawHost = components.host(percentEncoded: true), !rawHost.isEmpty else {
            throw SigV4Error(.invalidURL, url.absoluteString)
        }
        var host = rawHost.lowercased()
        if host.contains(":"), !host.hasPrefix("[") {
            host = "[" + host + "]"
        }
        let scheme = components.scheme?.lowercased()
        if let port = components.port, !(scheme == "http" && port == 80), !(scheme == "https" && port == 443) {
            host += ":\(port)"
        }
        var allHeaders = headers
        if !headers.contains(where: { $0.name.lowercased() == "host" }) {
            allHeaders.insert((name: "Host", value: host), at: 0)
        }
        self.init(
            method: method,
            path: components.path(percentEncoded: true),
            query: components.query(percentEncoded: true) ?? "",
            headers: allHeaders,
            payload: payload
        )
    }
}
