// The canonical request's parts, each a pure function of the request.
// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request>.

extension Signer {
    /// Canonical headers and the signed-headers list of a request.
    public struct CanonicalHeaders: Sendable, Equatable {
        /// One `name:value\n` line per header name, sorted by name (each line ends with a newline).
        public let canonical: String
        /// The sorted lower-case names joined with `;`, e.g. `host;x-amz-date`.
        public let signedHeaders: String
    }

    /// The canonical URI of a wire path.
    ///
    /// With `normalize`, dot segments and empty segments are removed first (a trailing slash survives unless
    /// nothing is left). With `doubleEncode`, every byte but unreserved characters and `/` is percent-encoded,
    /// including the `%` of existing escapes; without it, existing escapes are kept (S3). An empty path is `/`.
    ///
    /// - Parameters:
    ///   - path: the path as sent on the request line.
    ///   - normalize: remove `.`, `..` and empty segments.
    ///   - doubleEncode: percent-encode the wire path again.
    /// - Returns: the canonical URI, e.g. `/example%20space/`.
    public static func canonicalURI(path: String, normalize: Bool, doubleEncode: Bool) -> String {
        var bytes = Array(path.utf8)
        if bytes.isEmpty {
            return "/"
        }
        if normalize {
            bytes = removeDotSegments(bytes)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 2)
        if doubleEncode {
            PercentEncoding.encode(bytes, keepSlash: true, into: &output)
        } else {
            PercentEncoding.encodeOnce(bytes, into: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// RFC 3986 §5.2.4 dot-segment removal, also dropping empty segments (`//`), as AWS services expect.
    private static func removeDotSegments(_ path: [UInt8]) -> [UInt8] {
        let slash = UInt8(ascii: "/")
        var segments: [ArraySlice<UInt8>] = []
        for segment in path.split(separator: slash, omittingEmptySubsequences: true) {
            if segment.elementsEqual([UInt8(ascii: ".")]) {
                continue
            } else if segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                _ = segments.popLast()
            } else {
                segments.append(segment)
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(path.count)
        if path.first == slash {
            output.append(slash)
        }
        for (index, segment) in segments.enumerated() {
            if index > 0 {
                output.append(slash)
            }
            output.append(contentsOf: segment)
        }
        if path.last == slash, !segments.isEmpty {
            output.append(slash)
        }
        return output
    }

    /// The canonical query string of a wire query.
    ///
    /// The query is split on `&` (empty pieces are dropped) and each piece on its first `=` (a missing `=` means
    /// an empty value). Keys and values are percent-decoded (`+` stays a plus sign, a `%` that starts no valid
    /// escape stays literal), re-encoded with every byte but unreserved characters escaped, and sorted by key,
    /// then value, in byte order; repeated keys are kept.
    ///
    /// - Parameter query: the query as sent, without `?`.
    /// - Returns: the canonical query string, e.g. `Param1=Value1&Param1=value2`.
    public static func canonicalQueryString(_ query: String) -> String {
        canonicalQuery(encodedPairs(of: query))
    }

    /// The canonical query string of decoded parameters.
    ///
    /// - Parameter parameters: decoded names and values, in any order, repeated names allowed.
    /// - Returns: the parameters encoded and sorted by name, then value, in byte order, joined with `&`.
    public static func canonicalQueryString(parameters: [(name: String, value: String)]) -> String {
        canonicalQuery(parameters.map { encodedPair(name: Array($0.name.utf8), value: Array($0.value.utf8)) })
    }

    /// Splits a wire query into pairs of decoded then re-encoded keys and values (bytes, so that escapes of
    /// invalid UTF-8 survive).
    static func encodedPairs(of query: String) -> [(key: [UInt8], value: [UInt8])] {
        query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { piece in
            let bytes = Array(piece)
            let split = bytes.firstIndex(of: UInt8(ascii: "=")) ?? bytes.endIndex
            let key = PercentEncoding.decode(bytes[bytes.startIndex..<split])
            let value = split < bytes.endIndex ? PercentEncoding.decode(bytes[(split + 1)...]) : []
            return encodedPair(name: key, value: value)
        }
    }

    /// A decoded name and value, percent-encoded for the canonical query.
    static func encodedPair(name: [UInt8], value: [UInt8]) -> (key: [UInt8], value: [UInt8]) {
        var encodedKey: [UInt8] = []
        var encodedValue: [UInt8] = []
        encodedKey.reserveCapacity(name.count)
        encodedValue.reserveCapacity(value.count)
        PercentEncoding.encode(name, keepSlash: false, into: &encodedKey)
        PercentEncoding.encode(value, keepSlash: false, into: &encodedValue)
        return (encodedKey, encodedValue)
    }

    /// Sorts encoded pairs by key, then value, in byte order, and joins them.
    static func canonicalQuery(_ pairs: [(key: [UInt8], value: [UInt8])]) -> String {
        let sorted = pairs.sorted { left, right in
            if left.key != right.key {
                return left.key.lexicographicallyPrecedes(right.key)
            }
            return left.value.lexicographicallyPrecedes(right.value)
        }
        var output: [UInt8] = []
        for (index, pair) in sorted.enumerated() {
            if index > 0 {
                output.append(UInt8(ascii: "&"))
            }
            output.append(contentsOf: pair.key)
            output.append(UInt8(ascii: "="))
            output.append(contentsOf: pair.value)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The canonical headers and signed-headers list.
    ///
    /// Names are lower-cased; values trimmed of spaces and tabs, with inner runs of them folded to one space;
    /// values of a repeated name are joined with `,` in their original order; lines are sorted by name.
    /// Headers named in `unsigned` are left out.
    ///
    /// - Parameters:
    ///   - headers: the headers to sign, in order.
    ///   - unsigned: lower-case names never signed.
    /// - Returns: the canonical headers block and the signed-headers list.
    /// - Throws: ``SigV4Error/Code/invalidHeaderName`` or ``SigV4Error/Code/invalidHeaderValue``.
    public static func canonicalHeaders(
        _ headers: [(name: String, value: String)],
        unsigned: Set<String> = Options.defaultUnsignedHeaderNames
    ) throws(SigV4Error) -> CanonicalHeaders {
        var entries: [(name: String, order: Int, value: [UInt8])] = []
        entries.reserveCapacity(headers.count)
        for (order, header) in headers.enumerated() {
            let name = try lowercasedName(header.name)
            if unsigned.contains(name) {
                continue
            }
            var value: [UInt8] = []
            try appendTrimmedValue(header.value, name: header.name, into: &value)
            entries.append((name, order, value))
        }
        // By name in byte order; repeated names keep their original order.
        entries.sort { left, right in
            left.name == right.name
                ? left.order < right.order : left.name.utf8.lexicographicallyPrecedes(right.name.utf8)
        }
        var canonical: [UInt8] = []
        var signedHeaders: [UInt8] = []
        canonical.reserveCapacity(entries.reduce(0) { $0 + $1.name.utf8.count + $1.value.count + 2 })
        for (index, entry) in entries.enumerated() {
            if index > 0, entries[index - 1].name == entry.name {
                canonical.removeLast()  // the newline: this value joins the previous line
                canonical.append(UInt8(ascii: ","))
            } else {
                if !signedHeaders.isEmpty {
                    signedHeaders.append(UInt8(ascii: ";"))
                }
                signedHeaders.append(contentsOf: entry.name.utf8)
                canonical.append(contentsOf: entry.name.utf8)
                canonical.append(UInt8(ascii: ":"))
            }
            canonical.append(contentsOf: entry.value)
            canonical.append(UInt8(ascii: "\n"))
        }
        return CanonicalHeaders(
            canonical: String(decoding: canonical, as: UTF8.self),
            signedHeaders: String(decoding: signedHeaders, as: UTF8.self)
        )
    }

    /// The lower-case form of a header name, checked to be an RFC 9110 token.
    static func lowercasedName(_ name: String) throws(SigV4Error) -> String {
        var name = name
        // nil: not a token; true: already lower case.
        let state = name.withUTF8 { bytes -> Bool? in
            var lowercase = true
            for byte in bytes {
                guard isTokenCharacter(byte) else { return nil }
                lowercase = lowercase && !(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            }
            return bytes.isEmpty ? nil : lowercase
        }
        guard let lowercase = state else { throw SigV4Error(.invalidHeaderName, name) }
        if lowercase {
            return name
        }
        let lowered = name.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        return String(decoding: lowered, as: UTF8.self)
    }

    /// Appends `value` trimmed, with runs of spaces and tabs folded to one space.
    private static func appendTrimmedValue(
        _ value: String, name: String, into output: inout [UInt8]
    ) throws(SigV4Error) {
        var value = value
        let valid = value.withUTF8 { bytes -> Bool in
            output.reserveCapacity(output.count + bytes.count)
            // Copy runs of non-whitespace in bulk; write one space between runs.
            var runStart: Int? = nil
            var wroteAny = false
            for index in 0...bytes.count {
                let byte = index < bytes.count ? bytes[index] : UInt8(ascii: " ")
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"):
                    if let start = runStart {
                        if wroteAny {
                            output.append(UInt8(ascii: " "))
                        }
                        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                        wroteAny = true
                        runStart = nil
                    }
                case UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0:
                    return false
                default:
                    if runStart == nil {
                        runStart = index
                    }
                }
            }
            return true
        }
        guard valid else { throw SigV4Error(.invalidHeaderValue, name) }
    }

    /// Whether `byte` may appear in an RFC 9110 token (header names, methods).
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// The canonical request: method, canonical URI, canonical query, canonical headers, signed headers and
    /// payload hash, separated by newlines.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - canonicalURI: from ``canonicalURI(path:normalize:doubleEncode:)``.
    ///   - canonicalQuery: from ``canonicalQueryString(_:)``.
    ///   - headers: from ``canonicalHeaders(_:unsigned:)``.
    ///   - payloadHash: the hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    /// - Returns: the canonical request, without a trailing newline.
    public static func canonicalRequest(
        method: String,
        canonicalURI: String,
        canonicalQuery: String,
        headers: CanonicalHeaders,
        payloadHash: String
    ) -> String {
        method + "\n" + canonicalURI + "\n" + canonicalQuery + "\n" + headers.canonical + "\n"
            + headers.signedHeaders + "\n" + payloadHash
    }
}
