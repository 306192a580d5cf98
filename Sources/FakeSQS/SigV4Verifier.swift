public import Foundation
import SigV4
import Timestamps

/// Checks the AWS Signature Version 4 of a request the way AWS does, with the `SigV4` module's signer: parse the
/// `Authorization` header, rebuild the canonical request from the received method, path, query, the headers it
/// names and the SHA-256 of the body, sign it with the known secret, and compare in constant time.
///
/// Answers the codes AWS answers: `MissingAuthenticationToken` (no header), `IncompleteSignature` (a header or
/// `X-Amz-Date` that cannot be parsed), `InvalidClientTokenId` (an unknown access key id), `SignatureDoesNotMatch`
/// (a wrong signature, a scope for another region or service, or a time more than 15 minutes from the server's, with
/// AWS's "Signature expired" and "Signature not yet current" messages). Session tokens are not served.
/// See <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html>.
public struct SigV4Verifier: Sendable {
    /// Secret access keys by access key id.
    public let secrets: [String: String]
    /// The region a request must be scoped to.
    public let region: String
    /// The signing name a request must be scoped to.
    public let service: String
    /// The largest difference between the request's time and the server's.
    public static let allowedSkew: TimeInterval = 15 * 60

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - secrets: secret access keys by access key id.
    ///   - region: the region requests must be scoped to.
    ///   - service: the signing name, `sqs`.
    public init(secrets: [String: String], region: String, service: String = "sqs") {
        self.secrets = secrets
        self.region = region
        self.service = service
    }

    /// A parsed `Authorization` header.
    struct Authorization {
        var accessKeyID: String
        var scopeDate: String
        var scopeRegion: String
        var scopeService: String
        var signedHeaders: [String]
        var signature: String
    }

    /// Verifies a request.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the path as received on the request line.
    ///   - query: the query as received, without `?`.
    ///   - headers: the received headers (names in any case).
    ///   - body: the received body.
    ///   - now: the server's time.
    /// - Returns: the access key id that signed the request.
    /// - Throws: ``SQSFault`` with AWS's code and message.
    public func verify(
        method: String, path: String, query: String, headers: [(name: String, value: String)], body: Data,
        now: Date
    ) throws(SQSFault) -> String {
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }
        guard let authorizationValue = header("authorization") else { throw .missingAuthenticationToken }
        let authorization = try Self.parse(authorizationValue)
        guard let secret = secrets[authorization.accessKeyID] else { throw .invalidClientTokenID }
        guard header("x-amz-security-token") == nil else { throw .invalidClientTokenID }
        guard let amzDate = header("x-amz-date"), let signedAt = Self.date(amzDate) else {
            throw .incompleteSignature(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization="
                    + authorizationValue.prefix(40))
        }
        try Self.checkSkew(amzDate: amzDate, signedAt: signedAt, now: now)
        guard authorization.scopeRegion == region else {
            throw .signatureDoesNotMatch(
                "Credential should be scoped to a valid region, not '\(authorization.scopeRegion)'. ")
        }
        guard authorization.scopeService == service else {
            throw .signatureDoesNotMatch("Credential should be scoped to correct service: '\(service)'. ")
        }
        guard authorization.scopeDate == String(amzDate.prefix(8)), authorization.signedHeaders.contains("host")
        else { throw .signatureDoesNotMatch }

        let expected: String
        do {
            let signedNames = Set(authorization.signedHeaders)
            let signed = headers.filter { signedNames.contains($0.name.lowercased()) }
            let canonicalHeaders = try Signer.canonicalHeaders(signed, unsigned: [])
            guard canonicalHeaders.signedHeaders == authorization.signedHeaders.joined(separator: ";") else {
                throw SQSFault.signatureDoesNotMatch
            }
            guard case .hash(let payloadHash) = try SigV4Request.Payload.body(body) else {
                throw SQSFault.signatureDoesNotMatch
            }
            let canonicalRequest = Signer.canonicalRequest(
                method: method,
                canonicalURI: Signer.canonicalURI(path: path, normalize: true, doubleEncode: true),
                canonicalQuery: Signer.canonicalQueryString(query), headers: canonicalHeaders,
                payloadHash: payloadHash)
            let signer = Signer(
                credentials: Credentials(accessKeyID: authorization.accessKeyID, secretAccessKey: secret),
                region: region, service: service)
            let date = try SigningDate(signedAt)
            expected = try signer.signature(
                stringToSign: try signer.stringToSign(canonicalRequest: canonicalRequest, date: date), date: date)
        } catch let fault as SQSFault {
            throw fault
        } catch {
            // A header the signer refuses (a CR or LF in a value, a name that is not a token).
            throw .signatureDoesNotMatch
        }
        guard Self.constantTimeEqual(expected, authorization.signature) else { throw .signatureDoesNotMatch }
        return authorization.accessKeyID
    }

    /// Parses `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=…,
    /// Signature=…`.
    static func parse(_ value: String) throws(SQSFault) -> Authorization {
        let prefix = Signer.algorithm + " "
        guard value.hasPrefix(prefix) else {
            throw .incompleteSignature("Unsupported AWS 'algorithm': '\(value.split(separator: " ").first ?? "")'")
        }
        var fields: [String: String] = [:]
        for part in value.dropFirst(prefix.count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        for name in ["Credential", "SignedHeaders", "Signature"] where fields[name] == nil {
            throw .incompleteSignature(
                "Authorization header requires '\(name)' parameter. Authorization=" + value.prefix(40))
        }
        let scope = (fields["Credential"] ?? "").split(separator: "/", omittingEmptySubsequences: false).map(
            String.init)
        guard scope.count == 5, scope[4] == "aws4_request", !scope[0].isEmpty else {
            throw .incompleteSignature(
                "Credential should be scoped to a valid region. Authorization=" + value.prefix(40))
        }
        return Authorization(
            accessKeyID: scope[0], scopeDate: scope[1], scopeRegion: scope[2], scopeService: scope[3],
            signedHeaders: (fields["SignedHeaders"] ?? "").split(separator: ";").map(String.init),
            signature: fields["Signature"] ?? "")
    }

    /// Refuses a request signed more than 15 minutes before or after `now`, with AWS's messages.
    static func checkSkew(amzDate: String, signedAt: Date, now: Date) throws(SQSFault) {
        if signedAt < now.addingTimeInterval(-allowedSkew) {
            throw .signatureDoesNotMatch(
                "Signature expired: \(amzDate) is now earlier than \(stamp(now.addingTimeInterval(-allowedSkew))) "
                    + "(\(stamp(now)) - 15 min.)")
        }
        if signedAt > now.addingTimeInterval(allowedSkew) {
            throw .signatureDoesNotMatch(
                "Signature not yet current: \(amzDate) is still later than "
                    + "\(stamp(now.addingTimeInterval(allowedSkew))) (\(stamp(now)) + 15 min.)")
        }
    }

    /// `YYYYMMDDTHHMMSSZ` → a date, or `nil`.
    static func date(_ amzDate: String) -> Date? {
        let digits = Array(amzDate.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in digits[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15)
        else { return nil }
        guard
            let seconds = CivilTime.secondsSinceEpoch(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// The `X-Amz-Date` form of `date`.
    static func stamp(_ date: Date) -> String {
        (try? SigningDate(date).amzDate) ?? "?"
    }

    /// Compares two strings without stopping at the first difference.
    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let left = Array(left.utf8)
        let right = Array(right.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<min(left.count, right.count) {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }
}
