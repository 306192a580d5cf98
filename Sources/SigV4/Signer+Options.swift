extension Signer {
    /// How a ``Signer`` canonicalises and what it adds.
    ///
    /// The defaults suit every service but S3: normalised, double-encoded paths, the session token signed, no
    /// `X-Amz-Content-Sha256`. ``s3`` is the S3 style.
    /// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request>.
    public struct Options: Sendable, Equatable {
        /// Remove `.` and `..` segments and repeated slashes from the path before encoding (RFC 3986 §5.2.4).
        /// On for every service but S3, which takes object keys literally.
        public var normalizePath: Bool
        /// Percent-encode the wire path again, so `%20` becomes `%2520` (every service but S3). Off: existing
        /// escapes are kept, and only bytes that are neither unreserved nor `/` are encoded.
        public var doubleEncodePath: Bool
        /// Sign `X-Amz-Security-Token` (as AWS services want). Off: the header is added after signing, outside
        /// the signature (the suite's `post-sts-header-after`).
        public var signSessionToken: Bool
        /// Add and sign `X-Amz-Content-Sha256` with the payload hash (S3 requires it; `UNSIGNED-PAYLOAD` needs
        /// it).
        public var addContentSHA256Header: Bool
        /// Lower-case names of headers never signed: hop-by-hop headers, and headers proxies or the HTTP stack
        /// rewrite (`user-agent`, `expect`, `x-amzn-trace-id`). The same list as botocore's.
        public var unsignedHeaderNames: Set<String>

        /// The headers botocore never signs.
        public static let defaultUnsignedHeaderNames: Set<String> = [
            "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
            "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
        ]

        /// Creates options; every argument defaults to the non-S3 behaviour.
        ///
        /// - Parameters:
        ///   - normalizePath: remove dot segments and repeated slashes.
        ///   - doubleEncodePath: percent-encode the wire path again.
        ///   - signSessionToken: sign `X-Amz-Security-Token`.
        ///   - addContentSHA256Header: add and sign `X-Amz-Content-Sha256`.
        ///   - unsignedHeaderNames: lower-case names of headers never signed.
        public init(
            normalizePath: Bool = true,
            doubleEncodePath: Bool = true,
            signSessionToken: Bool = true,
            addContentSHA256Header: Bool = false,
            unsignedHeaderNames: Set<String> = Options.defaultUnsignedHeaderNames
        ) {
            self.normalizePath = normalizePath
            self.doubleEncodePath = doubleEncodePath
            self.signSessionToken = signSessionToken
            self.addContentSHA256Header = addContentSHA256Header
            self.unsignedHeaderNames = Set(unsignedHeaderNames.map { $0.lowercased() })
        }

        /// Every service but S3.
        public static let standard = Options()

        /// S3 style: the path neither normalised nor double-encoded, `X-Amz-Content-Sha256` added.
        public static let s3 = Options(normalizePath: false, doubleEncodePath: false, addContentSHA256Header: true)
    }
}
