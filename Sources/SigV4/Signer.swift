public import Foundation

/// An AWS Signature Version 4 signer for one set of credentials, region and service.
///
/// Pure: no I/O, no clock (the time is an argument), no HTTP library. ``sign(_:date:)`` returns the headers to
/// add; ``presign(_:date:expires:)`` the query of a presigned URL. Each stage is a public function of its own:
/// ``canonicalURI(path:normalize:doubleEncode:)``, ``canonicalQueryString(_:)``,
/// ``canonicalHeaders(_:unsigned:)``, ``canonicalRequest(method:canonicalURI:canonicalQuery:headers:payloadHash:)``,
/// ``stringToSign(canonicalRequest:date:)``, ``signingKey(date:)``, ``signature(stringToSign:date:)`` and
/// ``authorization(signedHeaders:signature:date:)``. The derived signing key is cached per date, region and
/// service, shared by copies of the signer, and safe to use from any thread.
///
/// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html> and
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>.
public struct Signer: Sendable {
    /// The algorithm name that starts the string to sign and the `Authorization` header.
    public static let algorithm = "AWS4-HMAC-SHA256"

    /// The credentials signed with.
    public let credentials: Credentials
    /// The region of the credential scope, e.g. `us-east-1`.
    public let region: String
    /// The signing name of the service, e.g. `sqs`, `ec2`, `autoscaling`, `sts`.
    public let service: String
    /// How requests are canonicalised.
    public let options: Options

    private let keyCache = SigningKeyCache()

    /// Creates a signer.
    ///
    /// - Parameters:
    ///   - credentials: the credentials to sign with.
    ///   - region: the region of the credential scope.
    ///   - service: the service's signing name.
    ///   - options: canonicalisation options; ``Options/standard`` for every service but S3.
    public init(credentials: Credentials, region: String, service: String, options: Options = .standard) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options
    }

    /// Signs `request` with headers.
    ///
    /// - Parameters:
    ///   - request: the request; must have a `Host` header and none of the headers the signer adds.
    ///   - date: the signing time (the caller's clock, corrected for skew if needed).
    /// - Returns: the headers to add, and the intermediate stages.
    /// - Throws: ``SigV4Error`` for a malformed request, or a header the signer sets itself.
    public func sign(_ request: SigV4Request, date: Date) throws(SigV4Error) -> SignedRequest {
        try Self.validate(method: request.method)
        let signingDate = try SigningDate(date)
        let payloadHash = try Self.validated(payload: request.payload)
        let token = credentials.sessionToken
        var reserved: Set<String> = ["authorization", "x-amz-date"]
        if token != nil {
            reserved.insert("x-amz-security-token")
        }
        if options.addContentSHA256Header {
            reserved.insert("x-amz-content-sha256")
        }
        try Self.check(request.headers, reserved: reserved)

        var added: [(name: String, value: String)] = []
        var toSign = request.headers
        if let token {
            added.append((name: "X-Amz-Security-Token", value: token))
            if options.signSessionToken {
                toSign.append((name: "X-Amz-Security-Token", value: token))
            }
        }
        added.append((name: "X-Amz-Date", value: signingDate.amzDate))
        toSign.append((name: "X-Amz-Date", value: signingDate.amzDate))
        if options.addContentSHA256Header {
            added.append((name: "X-Amz-Content-Sha256", value: payloadHash))
            toSign.append((name: "X-Amz-Content-Sha256", value: payloadHash))
        }

        let headers = try Self.canonicalHeaders(toSign, unsigned: options.unsignedHeaderNames)
        let canonicalRequest = Self.canonicalRequest(
            method: request.method,
            canonicalURI: try canonicalURI(request.path),
            canonicalQuery: Self.canonicalQueryString(request.query),
            headers: headers,
            payloadHash: payloadHash
        )
        let stringToSign = try stringToSign(canonicalRequest: canonicalRequest, date: signingDate)
        let signature = try signature(stringToSign: stringToSign, date: signingDate)
        added.append(
            (
                name: "Authorization",
                value: authorization(signedHeaders: headers.signedHeaders, signature: signature, date: signingDate)
            ))
        return SignedRequest(
            headers: added,
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            signedHeaders: headers.signedHeaders,
            signature: signature
        )
    }

    /// Signs `request` in its query string (a presigned URL).
    ///
    /// The payload hash is the request's (``SigV4Request/Payload/unsigned`` is usual for presigned URLs);
    /// ``Options/addContentSHA256Header`` does not apply.
    ///
    /// - Parameters:
    ///   - request: the request; must have a `Host` header and no `X-Amz-*` authentication parameters.
    ///   - date: the signing time.
    ///   - expires: how long the URL stays valid, in seconds (1...604800).
    /// - Returns: the query to send, and the intermediate stages.
    /// - Throws: ``SigV4Error`` for a malformed request or expiry.
    public func presign(_ request: SigV4Request, date: Date, expires: Int) throws(SigV4Error) -> PresignedRequest {
        try Self.validate(method: request.method)
        guard (1...604_800).contains(expires) else { throw SigV4Error(.invalidExpiry, "\(expires)") }
        let signingDate = try SigningDate(date)
        let payloadHash = try Self.validated(payload: request.payload)
        try Self.check(request.headers, reserved: ["authorization"])
        let ownPairs = Self.encodedPairs(of: request.query)
        let reservedParameters = [
            "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
            "X-Amz-Signature", "X-Amz-Security-Token",
        ]
        for name in reservedParameters where ownPairs.contains(where: { $0.key.elementsEqual(name.utf8) }) {
            throw SigV4Error(.reservedQueryParameter, name)
        }

        let headers = try Self.canonicalHeaders(request.headers, unsigned: options.unsignedHeaderNames)
        var added: [(name: String, value: String)] = [
            (name: "X-Amz-Algorithm", value: Self.algorithm),
            (name: "X-Amz-Credential", value: credentials.accessKeyID + "/" + credentialScope(date: signingDate)),
            (name: "X-Amz-Date", value: signingDate.amzDate),
            (name: "X-Amz-SignedHeaders", value: headers.signedHeaders),
            (name: "X-Amz-Expires", value: String(expires)),
        ]
        var signedParameters = added
        if let token = credentials.sessionToken {
            added.append((name: "X-Amz-Security-Token", value: token))
            if options.signSessionToken {
                signedParameters.append((name: "X-Amz-Security-Token", value: token))
            }
        }
        let canonicalQuery = Self.canonicalQuery(
            ownPairs + signedParameters.map { Self.encodedPair(name: Array($0.name.utf8), value: Array($0.value.utf8)) }
        )
        let canonicalRequest = Self.canonicalRequest(
            method: request.method,
            canonicalURI: try canonicalURI(request.path),
            canonicalQuery: canonicalQuery,
            headers: headers,
            payloadHash: payloadHash
        )
        let stringToSign = try stringToSign(canonicalRequest: canonicalRequest, date: signingDate)
        let signature = try signature(stringToSign: stringToSign, date: signingDate)
        added.append((name: "X-Amz-Signature", value: signature))
        var query = request.query
        for parameter in added {
            let pair = Self.encodedPair(name: Array(parameter.name.utf8), value: Array(parameter.value.utf8))
            if !query.isEmpty {
                query += "&"
            }
            query += String(decoding: pair.key, as: UTF8.self) + "=" + String(decoding: pair.value, as: UTF8.self)
        }
        return PresignedRequest(
            query: query,
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            signedHeaders: headers.signedHeaders,
            signature: signature
        )
    }

    /// The credential scope, `<date>/<region>/<service>/aws4_request`.
    ///
    /// - Parameter date: the signing time.
    /// - Returns: the scope, e.g. `20150830/us-east-1/service/aws4_request`.
    public func credentialScope(date: SigningDate) -> String {
        date.dateStamp + "/" + region + "/" + service + "/aws4_request"
    }

    /// The string to sign: algorithm, `X-Amz-Date`, credential scope and the hex SHA-256 of the canonical request.
    ///
    /// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-string-to-sign>.
    /// - Parameters:
    ///   - canonicalRequest: the canonical request.
    ///   - date: the signing time.
    /// - Returns: the string to sign, without a trailing newline.
    /// - Throws: ``SigV4Error/Code/cryptoFailure`` if libcrypto fails.
    public func stringToSign(canonicalRequest: String, date: SigningDate) throws(SigV4Error) -> String {
        Self.algorithm + "\n" + date.amzDate + "\n" + credentialScope(date: date) + "\n"
            + Digest.hex(try Digest.sha256(canonicalRequest))
    }

    /// The signing key for `date`, derived once per date, region and service and then cached.
    ///
    /// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#derive-signing-key>.
    /// - Parameter date: the signing time.
    /// - Returns: the 32-byte key.
    /// - Throws: ``SigV4Error/Code/cryptoFailure`` if libcrypto fails.
    public func signingKey(date: SigningDate) throws(SigV4Error) -> [UInt8] {
        let key = SigningKeyCache.Key(dateStamp: date.dateStamp, region: region, service: service)
        return try keyCache.key(for: key) { () throws(SigV4Error) -> [UInt8] in
            try Self.deriveSigningKey(
                secretAccessKey: credentials.secretAccessKey, dateStamp: date.dateStamp, region: region,
                service: service)
        }
    }

    /// Derives a signing key: HMAC chain of `AWS4<secret>` over the date stamp, region, service and
    /// `aws4_request`. Uncached; prefer ``signingKey(date:)``.
    ///
    /// - Parameters:
    ///   - secretAccessKey: the secret access key.
    ///   - dateStamp: `YYYYMMDD`.
    ///   - region: the region.
    ///   - service: the service's signing name.
    /// - Returns: the 32-byte key.
    /// - Throws: ``SigV4Error/Code/cryptoFailure`` if libcrypto fails.
    public static func deriveSigningKey(
        secretAccessKey: String, dateStamp: String, region: String, service: String
    ) throws(SigV4Error) -> [UInt8] {
        let dateKey = try Digest.hmacSHA256(key: Array(("AWS4" + secretAccessKey).utf8), message: dateStamp)
        let regionKey = try Digest.hmacSHA256(key: dateKey, message: region)
        let serviceKey = try Digest.hmacSHA256(key: regionKey, message: service)
        return try Digest.hmacSHA256(key: serviceKey, message: "aws4_request")
    }

    /// The signature: lower-case hex HMAC-SHA256 of the string to sign under the signing key.
    ///
    /// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#calculate-signature>.
    /// - Parameters:
    ///   - stringToSign: the string to sign.
    ///   - date: the signing time.
    /// - Returns: 64 hex digits.
    /// - Throws: ``SigV4Error/Code/cryptoFailure`` if libcrypto fails.
    public func signature(stringToSign: String, date: SigningDate) throws(SigV4Error) -> String {
        Digest.hex(try Digest.hmacSHA256(key: try signingKey(date: date), message: stringToSign))
    }

    /// The `Authorization` header value.
    ///
    /// - Parameters:
    ///   - signedHeaders: the signed-headers list.
    ///   - signature: the signature.
    ///   - date: the signing time.
    /// - Returns: `AWS4-HMAC-SHA256 Credential=<key>/<scope>, SignedHeaders=<list>, Signature=<hex>`.
    public func authorization(signedHeaders: String, signature: String, date: SigningDate) -> String {
        Self.algorithm + " Credential=" + credentials.accessKeyID + "/" + credentialScope(date: date)
            + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature
    }

    /// The canonical URI of `path` under this signer's options.
    private func canonicalURI(_ path: String) throws(SigV4Error) -> String {
        guard path.isEmpty || path.utf8.first == UInt8(ascii: "/") else { throw SigV4Error(.invalidPath, path) }
        return Self.canonicalURI(
            path: path, normalize: options.normalizePath, doubleEncode: options.doubleEncodePath)
    }

    private static func validate(method: String) throws(SigV4Error) {
        guard !method.isEmpty, method.utf8.allSatisfy(isTokenCharacter) else {
            throw SigV4Error(.invalidMethod, method)
        }
    }

    private static func validated(payload: SigV4Request.Payload) throws(SigV4Error) -> String {
        let value = payload.canonicalValue
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw SigV4Error(.invalidPayloadHash, value)
        }
        return value
    }

    /// Checks that `headers` has a host and none of `reserved` (lower-case names).
    private static func check(_ headers: [(name: String, value: String)], reserved: Set<String>) throws(SigV4Error) {
        var hasHost = false
        for header in headers {
            let name = try lowercasedName(header.name)
            if reserved.contains(name) {
                throw SigV4Error(.reservedHeader, header.name)
            }
            hasHost = hasHost || name == "host"
        }
        guard hasHost else { throw SigV4Error(.missingHost, "") }
    }
}
