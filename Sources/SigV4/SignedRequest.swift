/// The result of header signing: the headers to add to the request, and the intermediate stages for logs and
/// tests.
public struct SignedRequest: Sendable {
    /// Headers to add to the request, in this order: `X-Amz-Security-Token` (with a session token),
    /// `X-Amz-Date`, `X-Amz-Content-Sha256` (when enabled), `Authorization`.
    public let headers: [(name: String, value: String)]
    /// The canonical request that was signed. Contains header values: log it only at debug level.
    public let canonicalRequest: String
    /// The string to sign.
    public let stringToSign: String
    /// The signed-headers list, e.g. `host;x-amz-date`.
    public let signedHeaders: String
    /// The lower-case hex signature.
    public let signature: String

    /// The value of the `Authorization` header.
    public var authorization: String {
        headers.last { $0.name == "Authorization" }?.value ?? ""
    }
}

/// The result of query signing (a presigned URL): the query to send, and the intermediate stages.
public struct PresignedRequest: Sendable {
    /// The full query to send, without `?`: the request's own query as it was, then `X-Amz-Algorithm`,
    /// `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Expires`, `X-Amz-Security-Token` (with a
    /// session token) and `X-Amz-Signature`.
    public let query: String
    /// The canonical request that was signed.
    public let canonicalRequest: String
    /// The string to sign.
    public let stringToSign: String
    /// The signed-headers list, e.g. `host`.
    public let signedHeaders: String
    /// The lower-case hex signature.
    public let signature: String
}
