import Foundation

/// Region names: validation, and the region inside an SQS queue URL.
///
/// See <https://docs.aws.amazon.com/general/latest/gr/rande.html#regional-endpoints>.
public enum Region {
    /// Whether `name` looks like a region: lower-case letters, digits and dashes, e.g. `eu-west-1`,
    /// `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`.
    ///
    /// - Parameter name: a candidate region name.
    /// - Returns: `true` for `<letters>(-<letters>)+-<digits>`.
    public static func isValid(_ name: String) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.allSatisfy(\.isASCIIDigitCharacter)
        else { return false }
        return parts.dropLast().allSatisfy { part in !part.isEmpty && part.allSatisfy(\.isASCIILowercaseLetter) }
    }

    /// The region in a queue URL's host, as NTH derives it when `AWS_REGION` is unset:
    /// `https://sqs.eu-west-1.amazonaws.com/…`, `https://eu-west-1.queue.amazonaws.com/…`,
    /// `https://vpce-1a2b.sqs.eu-west-1.vpce.amazonaws.com/…`; `https://queue.amazonaws.com/…` is `us-east-1`.
    ///
    /// - Parameter queueURL: the queue URL.
    /// - Returns: the region, or `nil` when the host names none (moto, LocalStack).
    public static func fromQueueURL(_ queueURL: String) -> String? {
        guard let host = URL(string: queueURL)?.host?.lowercased() else { return nil }
        if host == "queue.amazonaws.com" { return "us-east-1" }
        return host.split(separator: ".").map(String.init).first(where: isValid)
    }

    /// The region every AWS client uses, as NTH chooses it: the configured one (`AWS_REGION`, `AWS_DEFAULT_REGION`,
    /// the profile's), else the one the queue URL names.
    ///
    /// - Parameters:
    ///   - configured: the configured region, if any.
    ///   - queueURL: the SQS queue URL.
    /// - Returns: a valid region name.
    /// - Throws: ``AWSError/Kind/configuration`` when the configured region is not a region name, or none is
    ///   configured and the queue URL names none.
    public static func resolve(configured: String?, queueURL: String) throws(AWSError) -> String {
        if let configured {
            guard isValid(configured) else {
                throw AWSError(
                    kind: .configuration, service: "AWS", operation: "region",
                    message: "AWS_REGION \"\(configured)\" is not a region name like eu-west-1")
            }
            return configured
        }
        guard let derived = fromQueueURL(queueURL) else {
            throw AWSError(
                kind: .configuration, service: "AWS", operation: "region",
                message: "no AWS region: AWS_REGION is unset and the queue URL names none "
                    + "(https://sqs.<region>.amazonaws.com/<account>/<queue>)")
        }
        return derived
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
    fileprivate var isASCIILowercaseLetter: Bool { ("a"..."z").contains(self) }
}
