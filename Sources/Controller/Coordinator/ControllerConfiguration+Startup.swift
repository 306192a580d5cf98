internal import AWS
internal import Foundation
internal import Interruption
import Logging

extension ControllerConfiguration {
    /// Checks the AWS SDK variables the AWS clients read, so that a wrong one is a configuration error at start-up
    /// (listed with every other) instead of being ignored: `AWS_REGION` and `AWS_DEFAULT_REGION` (region names),
    /// `AWS_MAX_ATTEMPTS` (1–100), `AWS_ENDPOINT_URL`, `AWS_ENDPOINT`, `AWS_EC2_METADATA_SERVICE_ENDPOINT` and
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (URLs), `AWS_STS_REGIONAL_ENDPOINTS` (`regional` or `legacy`),
    /// `AWS_EC2_METADATA_DISABLED` (a boolean), `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` (`IPv4` or `IPv6`),
    /// `AWS_METADATA_SERVICE_TIMEOUT` (0.1–60 s), `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (1–10), and `AWS_ROLE_ARN`
    /// with `AWS_WEB_IDENTITY_TOKEN_FILE` (both or neither; an IAM role ARN).
    static func checkAWSVariables(reading reader: inout EnvironmentReader) {
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let region = reader.value(name), !Region.isValid(region) {
                reader.fail(name, String(region.prefix(200)), "an AWS region name, such as us-east-1")
            }
        }
        _ = reader.integer("AWS_MAX_ATTEMPTS", in: 1...100)
        for name in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT"] {
            _ = reader.url(name, schemes: ["http", "https"])
        }
        // May carry a token in its query: hidden when wrong.
        _ = reader.url("AWS_CONTAINER_CREDENTIALS_FULL_URI", schemes: ["http", "https"], hidden: true)
        _ = reader.choice("AWS_STS_REGIONAL_ENDPOINTS", ["regional", "legacy"], ignoringCase: true)
        _ = reader.choice("AWS_EC2_METADATA_DISABLED", ["true", "false"], ignoringCase: true)
        _ = reader.choice("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", ["IPv4", "IPv6"], ignoringCase: true)
        _ = reader.decimal("AWS_METADATA_SERVICE_TIMEOUT", in: 0.1...60)
        _ = reader.integer("AWS_METADATA_SERVICE_NUM_ATTEMPTS", in: 1...10)
        switch (reader.value("AWS_ROLE_ARN"), reader.value("AWS_WEB_IDENTITY_TOKEN_FILE")) {
        case (.some, nil):
            reader.fail("AWS_WEB_IDENTITY_TOKEN_FILE", nil, "set it with AWS_ROLE_ARN (IRSA sets both), or unset both")
        case (nil, .some):
            reader.fail("AWS_ROLE_ARN", nil, "set it with AWS_WEB_IDENTITY_TOKEN_FILE (IRSA sets both), or unset both")
        default:
            break
        }
        if let role = reader.value("AWS_ROLE_ARN"), !Self.isRoleARN(role) {
            reader.fail(
                "AWS_ROLE_ARN", String(role.prefix(200)), "an IAM role ARN, such as arn:aws:iam::111122223333:role/nth")
        }
    }

    /// `arn:PARTITION:iam::ACCOUNT:role/NAME`.
    static func isRoleARN(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        return parts.count == 6 && parts[0] == "arn" && parts[1].hasPrefix("aws") && parts[2] == "iam"
            && parts[3].isEmpty && EventOrigins.isAccountID(String(parts[4])) && parts[5].hasPrefix("role/")
            && parts[5].count > 5
    }

    /// Checks `NTH_LOG_LEVEL` and NTH's `LOG_LEVEL` (both, though the first wins): `debug`, `info`, `warning`
    /// (`warn`) or `error`, in any case.
    static func checkLogLevel(reading reader: inout EnvironmentReader) {
        for name in ["NTH_LOG_LEVEL", "LOG_LEVEL"] {
            guard let text = reader.value(name), Logger.Level(name: text) == nil else { continue }
            reader.fail(name, String(text.prefix(200)), "debug, info, warning or error")
        }
    }
}
