internal import AWS
internal import Foundation
internal import Interruption

extension ControllerConfiguration {
    /// Reads the accounts and regions whose events are acted on: the queue's (from `queueURL`: its account path
    /// segment and the region its host names) and `NTH_ALLOWED_EVENT_ACCOUNTS`, `NTH_ALLOWED_EVENT_REGIONS`
    /// (comma-separated; spaces and empty items ignored).
    ///
    /// A queue URL that names no region (moto, LocalStack) leaves ``EventOrigins/queueRegion`` unset: the caller
    /// sets it to the resolved `AWS_REGION` with ``expectingEvents(inRegion:)``.
    static func eventOrigins(queueURL: String?, reading reader: inout EnvironmentReader) -> EventOrigins {
        let accounts = list(
            "NTH_ALLOWED_EVENT_ACCOUNTS", reading: &reader, valid: { EventOrigins.isAccountID($0) },
            expected: "comma-separated 12-digit AWS account ids, such as 111122223333,444455556666")
        let regions = list(
            "NTH_ALLOWED_EVENT_REGIONS", reading: &reader, valid: Region.isValid,
            expected: "comma-separated AWS region names, such as us-east-1,eu-west-1")
        return EventOrigins(
            queueAccount: queueURL.flatMap(EventOrigins.account(inQueueURL:)),
            queueRegion: queueURL.flatMap(Region.fromQueueURL), allowedAccounts: accounts, allowedRegions: regions)
    }

    /// The configuration with the queue's region set to `region` when the queue URL names none (moto, LocalStack,
    /// or a custom endpoint): the configured `AWS_REGION` decides then, as for the AWS clients.
    ///
    /// - Parameter region: The region the AWS clients use (the resolved `AWS_REGION`).
    /// - Returns: The configuration, its ``eventOrigins`` completed.
    public func expectingEvents(inRegion region: String?) -> ControllerConfiguration {
        var configuration = self
        if configuration.eventOrigins.queueRegion == nil {
            configuration.eventOrigins.queueRegion = region
        }
        return configuration
    }

    /// What start-up says about the origin check: one warning per part that is off, and why (never a silent pass).
    public var eventOriginWarnings: [String] {
        var warnings: [String] = []
        if !eventOrigins.checksAccounts {
            warnings.append(
                "the queue URL has no account path segment and NTH_ALLOWED_EVENT_ACCOUNTS is empty: events are "
                    + "not checked for their account; set NTH_ALLOWED_EVENT_ACCOUNTS to the accounts to accept")
        }
        if !eventOrigins.checksRegions {
            warnings.append(
                "the queue's region is unknown and NTH_ALLOWED_EVENT_REGIONS is empty: events are not checked for "
                    + "their region; set AWS_REGION or NTH_ALLOWED_EVENT_REGIONS")
        }
        return warnings
    }

    /// A comma-separated list whose every item is `valid`; one problem naming the invalid items otherwise.
    private static func list(
        _ name: String, reading reader: inout EnvironmentReader, valid: (String) -> Bool, expected: String
    ) -> [String] {
        guard let text = reader.value(name) else { return [] }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let invalid = items.filter { !valid($0) }
        guard invalid.isEmpty else {
            let named = invalid.prefix(5).map { "\"\($0.prefix(40))\"" }.joined(separator: ", ")
            reader.fail(name, String(text.prefix(200)), "\(expected); not valid: \(named)")
            return []
        }
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }
    }
}
