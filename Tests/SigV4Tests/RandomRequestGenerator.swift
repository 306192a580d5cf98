import Foundation
import SigV4

/// SplitMix64: a small, fast, seedable generator, so a failing run can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// One request of the differential test, as botocore gets it (``OracleCase``) and as our signer gets it.
struct DifferentialCase {
    let oracle: OracleCase
    let request: SigV4Request
    let signer: Signer
    let date: Date
}

/// The JSON the botocore script reads (see `Fixtures/botocore_sigv4.py`).
struct OracleCase: Codable {
    let id: Int
    let method: String
    let url: String
    let params: [[String]]
    let headers: [[String]]
    let body_base64: String
    let access_key: String
    let secret_key: String
    let token: String?
    let region: String
    let service: String
    let timestamp: Int
    let s3: Bool
    let unsigned_payload: Bool
    let content_sha256_header: Bool
}

/// What botocore answers for one case.
struct OracleResult: Codable {
    let id: Int
    let canonical_request: String
    let string_to_sign: String
    let signature: String
    let authorization: String
}

/// Random requests in the domain where our signer and botocore's `SigV4Auth` / `S3SigV4Auth` must agree.
///
/// The domain, and why each limit exists:
/// - methods are upper case (botocore upper-cases, we sign the method as given);
/// - no `Date`, `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` or `X-Amz-Content-SHA256` header in the
///   input (botocore replaces them silently, we refuse them); blacklisted headers (`user-agent`, `expect`, ...)
///   are generated and must be left unsigned by both;
/// - header values are printable ASCII, non-whitespace non-ASCII letters, spaces and tabs (botocore folds every
///   Unicode whitespace, we fold spaces and tabs; CR/LF are refused);
/// - the query is given to botocore as decoded `params` (its URL-query path does not re-encode) and to us as a wire
///   query, encoded with random choices (escapes in either case, `+` raw or escaped, safe characters raw);
///   no empty `&&` pieces (botocore's URL path would sign them as `=`, we drop them);
/// - non-S3 paths use any characters, raw or escaped, with dot and empty segments; a raw `%` is always escaped;
/// - S3 paths are already fully encoded with upper-case hex and never empty (botocore's `S3SigV4Auth` signs the
///   path exactly as given, we only upper-case escapes and escape what is not yet escaped);
/// - `UNSIGNED-PAYLOAD` only over https and not for S3 (botocore decides it from the scheme and client config);
/// - the time is whole seconds for botocore, with a random fraction for us (which we truncate).
struct RandomRequestGenerator {
    var random: SplitMix64

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    private static let unreserved = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    private static let others: [Character] = Array("!$&'()*+,;=:@ %?#\"<>[]^`{|}\\/") + ["é", "ሴ", "😀", "ß"]
    private static let methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]
    private static let hosts = [
        "sqs.us-east-1.amazonaws.com", "ec2.eu-west-1.amazonaws.com", "Example.Amazonaws.COM", "127.0.0.1",
        "localhost", "autoscaling.ap-southeast-2.amazonaws.com",
    ]
    private static let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"]
    private static let services = ["sqs", "ec2", "autoscaling", "sts", "execute-api"]
    private static let headerNames = [
        "Content-Type", "X-Amz-Target", "x-amz-meta-Foo", "X-Custom", "My-Header1", "Accept", "Content-Encoding",
        "X-Amz-User-Agent", "x-amzn-query-mode", "User-Agent", "Expect", "X-Amzn-Trace-Id", "Connection",
        "Transfer-Encoding", "Keep-Alive", "TE", "Upgrade", "Content-Length", "x_under!score#",
    ]
    private static let valueCharacters =
        Array(
            "abcXYZ019 \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["é", "ሴ"]
    private static let tokenCharacters = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")

    private mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &random) < percent
    }

    private mutating func pick<T>(_ items: [T]) -> T {
        items[Int.random(in: 0..<items.count, using: &random)]
    }

    private mutating func string(from alphabet: [Character], count: ClosedRange<Int>) -> String {
        String((0..<Int.random(in: count, using: &random)).map { _ in pick(alphabet) })
    }

    /// `%XX` for each UTF-8 byte of `character`, with hex in upper or lower case.
    private mutating func escaped(_ character: Character, upperCase: Bool? = nil) -> String {
        let upper = upperCase ?? chance(50)
        return character.utf8.map { String(format: upper ? "%%%02X" : "%%%02x", $0) }.joined()
    }

    /// A decoded path or query word.
    private mutating func word(maxLength: Int) -> [Character] {
        (0..<Int.random(in: 0...maxLength, using: &random)).map { _ in
            chance(55) ? pick(Self.unreserved) : pick(Self.others)
        }
    }

    private mutating func wirePath(s3: Bool) -> String {
        var segments: [String] = []
        for _ in 0..<Int.random(in: s3 ? 1...4 : 0...5, using: &random) {
            if !s3, chance(10) {
                segments.append(pick([".", "..", ""]))
                continue
            }
            let characters = word(maxLength: 8)
            segments.append(
                characters.map { character -> String in
                    if Self.unreserved.contains(character) {
                        return String(character)
                    }
                    if s3 || character == "%" || character == "?" || character == "#" || character == "/" {
                        return escaped(character, upperCase: s3 ? true : nil)
                    }
                    return chance(50) ? String(character) : escaped(character)
                }.joined())
        }
        let path = "/" + segments.joined(separator: "/")
        return chance(25) && path != "/" ? path + "/" : path
    }

    /// Decoded parameters, and the wire query that encodes them.
    private mutating func query() -> (parameters: [[String]], wire: String) {
        var parameters: [[String]] = []
        var pieces: [String] = []
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            let key: [Character] =
                !parameters.isEmpty && chance(20)
                ? Array(pick(parameters)[0]) : (chance(8) ? [] : word(maxLength: 6))
            let value: [Character] = chance(20) ? [] : word(maxLength: 8)
            parameters.append([String(key), String(value)])
            func encode(_ characters: [Character], isKey: Bool, generator: inout RandomRequestGenerator) -> String {
                characters.map { character -> String in
                    if Self.unreserved.contains(character) {
                        return String(character)
                    }
                    if "&#%".contains(character) || (isKey && character == "=") {
                        return generator.escaped(character)
                    }
                    return generator.chance(50) ? String(character) : generator.escaped(character)
                }.joined()
            }
            let wireKey = encode(key, isKey: true, generator: &self)
            if value.isEmpty, !key.isEmpty, chance(50) {
                pieces.append(wireKey)
            } else {
                pieces.append(wireKey + "=" + encode(value, isKey: false, generator: &self))
            }
        }
        return (parameters, pieces.joined(separator: "&"))
    }

    private mutating func headerValue() -> String {
        let padding: [Character] = [" ", "\t"]
        return string(from: padding, count: 0...3) + string(from: Self.valueCharacters, count: 0...20)
            + string(from: padding, count: 0...3)
    }

    private mutating func randomCase(_ text: String) -> String {
        String(text.map { chance(30) ? Character($0.uppercased()) : chance(30) ? Character($0.lowercased()) : $0 })
    }

    /// The next case.
    mutating func next(id: Int) throws -> DifferentialCase {
        let s3 = chance(15)
        let scheme = chance(60) ? "https" : "http"
        let host = pick(Self.hosts)
        let portChoice = Int.random(in: 0..<4, using: &random)
        let port: Int? =
            portChoice == 0
            ? Int.random(in: 1024...65535, using: &random)
            : portChoice == 1 ? (scheme == "https" ? 443 : 80) : nil
        let authority = host + (port.map { ":\($0)" } ?? "")
        let defaultPort = scheme == "https" ? 443 : 80
        let hostHeader = host.lowercased() + (port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
        let path = chance(5) && !s3 ? "" : wirePath(s3: s3)
        let (parameters, wireQuery) = query()

        var headers: [(name: String, value: String)] = []
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            let name =
                !headers.isEmpty && chance(20)
                ? randomCase(pick(headers).name) : randomCase(pick(Self.headerNames))
            headers.append((name: name, value: headerValue()))
        }
        if chance(15) {
            let padding = String(repeating: " ", count: Int.random(in: 0...2, using: &random))
            headers.insert((name: pick(["Host", "host", "HOST"]), value: padding + hostHeader + padding), at: 0)
        }
        let body: [UInt8] =
            chance(30)
            ? [] : (0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let token: String? = chance(50) ? string(from: Self.tokenCharacters, count: 20...300) : nil
        let unsignedPayload = !s3 && scheme == "https" && chance(15)
        let contentHeader = !s3 && !unsignedPayload && chance(15)
        let seconds = Int.random(in: 946_684_800...2_145_916_800, using: &random)
        let accessKey = "AKIA" + string(from: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), count: 16...16)
        let secret = string(from: Self.tokenCharacters, count: 40...40)
        let region = pick(Self.regions)
        let service = s3 ? "s3" : pick(Self.services)
        let method = pick(Self.methods)

        let oracle = OracleCase(
            id: id, method: method, url: scheme + "://" + authority + path, params: parameters,
            headers: headers.map { [$0.name, $0.value] }, body_base64: Data(body).base64EncodedString(),
            access_key: accessKey, secret_key: secret, token: token, region: region, service: service,
            timestamp: seconds, s3: s3, unsigned_payload: unsignedPayload, content_sha256_header: contentHeader)

        let payload: SigV4Request.Payload = unsignedPayload ? .unsigned : try .body(body)
        let fullURL = scheme + "://" + authority + path + (wireQuery.isEmpty ? "" : "?" + wireQuery)
        var request: SigV4Request
        if let url = URL(string: fullURL),
            let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
            components.percentEncodedPath == path, (components.percentEncodedQuery ?? "") == wireQuery
        {
            request = try SigV4Request(method: method, url: url, headers: headers, payload: payload)
        } else {
            request = SigV4Request(method: method, path: path, query: wireQuery, headers: headers, payload: payload)
            if !headers.contains(where: { $0.name.lowercased() == "host" }) {
                request.headers.insert((name: "Host", value: hostHeader), at: 0)
            }
        }
        var options: Signer.Options = s3 ? .s3 : .standard
        options.addContentSHA256Header = s3 || unsignedPayload || contentHeader
        let signer = Signer(
            credentials: Credentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
            region: region, service: service, options: options)
        let date = Date(timeIntervalSince1970: Double(seconds) + Double.random(in: 0..<0.999, using: &random))
        return DifferentialCase(oracle: oracle, request: request, signer: signer, date: date)
    }
}
