internal import Foundation

/// The AWS accounts and regions whose events this controller acts on: the queue's own, and any more the operator
/// allowed.
///
/// The queue alone is no trust boundary: an EventBridge rule in another account (or region) that targets the queue
/// delivers events naming any instance id. ``check(_:)`` refuses a message whose events come from elsewhere, with a
/// ``Rejection/Reason/untrustedOrigin(_:)`` rejection (deleted).
///
/// - An event's `account` (EventBridge) or `AccountId` (an Auto Scaling notification sent straight to SQS) must be
///   the queue's account or one of ``allowedAccounts``. An event without one is refused: AWS always sets it. When the
///   queue's account is unknown (a queue URL without an account path segment), only ``allowedAccounts`` are accepted;
///   when that list is empty too, accounts are not checked (``checksAccounts`` is `false`: say so at start-up).
/// - An EventBridge event's `region` must be the queue's region or one of ``allowedRegions``; one without a region is
///   refused. Auto Scaling notifications sent straight to SQS carry no region and are checked for their account only.
///   When the queue's region is unknown and ``allowedRegions`` is empty, regions are not checked.
///
/// The check is pure: the expected values are parameters, read by the caller from the queue URL and configuration.
public struct EventOrigins: Sendable, Hashable {
    /// The queue's account (the queue URL's account path segment), or `nil` when unknown.
    public var queueAccount: String?
    /// The queue's region (the queue URL's, else the configured one), or `nil` when unknown.
    public var queueRegion: String?
    /// More accounts whose events are acted on, for cross-account EventBridge set-ups.
    public var allowedAccounts: [String]
    /// More regions whose events are acted on, for cross-region EventBridge routing.
    public var allowedRegions: [String]

    /// Creates the rule; with no arguments nothing is checked (tests and the simulator, which have no queue).
    ///
    /// - Parameters:
    ///   - queueAccount: The queue's account.
    ///   - queueRegion: The queue's region.
    ///   - allowedAccounts: More accounts to accept.
    ///   - allowedRegions: More regions to accept.
    public init(
        queueAccount: String? = nil, queueRegion: String? = nil, allowedAccounts: [String] = [],
        allowedRegions: [String] = []
    ) {
        self.queueAccount = queueAccount
        self.queueRegion = queueRegion
        self.allowedAccounts = allowedAccounts
        self.allowedRegions = allowedRegions
    }

    /// The accounts accepted: the queue's first, then the allowed ones, without repeats.
    public var acceptedAccounts: [String] { Self.unique([queueAccount].compactMap(\.self) + allowedAccounts) }

    /// The regions accepted: the queue's first, then the allowed ones, without repeats.
    public var acceptedRegions: [String] { Self.unique([queueRegion].compactMap(\.self) + allowedRegions) }

    /// Whether accounts are checked (`false` only when neither the queue's account nor any other is known).
    public var checksAccounts: Bool { !acceptedAccounts.isEmpty }

    /// Whether regions are checked.
    public var checksRegions: Bool { !acceptedRegions.isEmpty }

    /// Checks one event's origin.
    ///
    /// - Parameter event: A decoded event.
    /// - Throws: A ``Rejection`` with ``Rejection/Reason/untrustedOrigin(_:)`` when its account or region is not
    ///   accepted, or missing.
    public func check(_ event: InterruptionEvent) throws(Rejection) {
        let accounts = acceptedAccounts
        let regions = acceptedRegions
        func refuse(_ problem: OriginRefusal.Problem, field: String) -> Rejection {
            Rejection(
                .untrustedOrigin(
                    OriginRefusal(
                        problem: problem, field: field, account: event.account, region: event.region,
                        acceptedAccounts: accounts, acceptedRegions: regions)))
        }
        let accountField = event.transport == .eventBridge ? "account" : "AccountId"
        if !accounts.isEmpty {
            guard let account = event.account, !account.isEmpty else {
                throw refuse(.missingAccount, field: accountField)
            }
            guard accounts.contains(account) else { throw refuse(.foreignAccount, field: accountField) }
        }
        if !regions.isEmpty, event.transport == .eventBridge {
            guard let region = event.region, !region.isEmpty else { throw refuse(.missingRegion, field: "region") }
            guard regions.contains(region) else { throw refuse(.foreignRegion, field: "region") }
        }
    }

    /// Checks a decoded message: a message with any event from elsewhere is refused whole (all of a message's events
    /// share its envelope); a rejection is returned as it is.
    ///
    /// - Parameter outcome: What the decoder made of the message.
    /// - Returns: `outcome`, or ``DecodeOutcome/rejected(_:)`` with the origin's refusal.
    public func check(_ outcome: DecodeOutcome) -> DecodeOutcome {
        guard case .events(let events, _) = outcome else { return outcome }
        do {
            for event in events { try check(event) }
        } catch {
            return .rejected(error)
        }
        return outcome
    }

    /// Whether `text` is an AWS account id: exactly 12 decimal digits.
    ///
    /// - Parameter text: A candidate account id.
    /// - Returns: `true` for `123456789012`.
    public static func isAccountID(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// The account in an SQS queue URL: its first path segment when that is an account id, as in
    /// `https://sqs.eu-west-1.amazonaws.com/123456789012/name`, `https://queue.amazonaws.com/123456789012/name`, or
    /// moto's and LocalStack's `http://127.0.0.1:4566/000000000000/name`.
    ///
    /// - Parameter queueURL: The queue URL.
    /// - Returns: The account id, or `nil` when the URL has no account path segment.
    public static func account(inQueueURL queueURL: String) -> String? {
        guard let url = URL(string: queueURL), url.host != nil else { return nil }
        let segments = url.path.split(separator: "/")
        guard segments.count >= 2, let first = segments.first, isAccountID(first) else { return nil }
        return String(first)
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}

/// Why a message's origin was refused: which field, what it held, and what is accepted.
public struct OriginRefusal: Sendable, Hashable {
    /// What was wrong with the origin.
    public enum Problem: String, Sendable, Hashable, CaseIterable {
        /// The account is not the queue's nor an allowed one.
        case foreignAccount = "foreign-account"
        /// The region is not the queue's nor an allowed one.
        case foreignRegion = "foreign-region"
        /// The event names no account.
        case missingAccount = "missing-account"
        /// The EventBridge event names no region.
        case missingRegion = "missing-region"
    }

    /// What was wrong.
    public var problem: Problem
    /// The field checked: `account`, `AccountId` or `region`.
    public var field: String
    /// The event's account, if any.
    public var account: String?
    /// The event's region, if any.
    public var region: String?
    /// The accounts accepted.
    public var acceptedAccounts: [String]
    /// The regions accepted.
    public var acceptedRegions: [String]

    /// Creates a refusal.
    ///
    /// - Parameters:
    ///   - problem: What was wrong.
    ///   - field: The field checked.
    ///   - account: The event's account.
    ///   - region: The event's region.
    ///   - acceptedAccounts: The accounts accepted.
    ///   - acceptedRegions: The regions accepted.
    public init(
        problem: Problem, field: String, account: String?, region: String?, acceptedAccounts: [String],
        acceptedRegions: [String]
    ) {
        self.problem = problem
        self.field = field
        self.account = account
        self.region = region
        self.acceptedAccounts = acceptedAccounts
        self.acceptedRegions = acceptedRegions
    }

    /// Log metadata: `event.account`, `event.region`, `expected.accounts`, `expected.regions` (comma-separated,
    /// `-` for none); values from the message are cut to 80 characters.
    public var logMetadata: [String: String] {
        [
            "event.account": account.map(Self.cut) ?? "-", "event.region": region.map(Self.cut) ?? "-",
            "expected.accounts": acceptedAccounts.isEmpty ? "-" : acceptedAccounts.joined(separator: ","),
            "expected.regions": acceptedRegions.isEmpty ? "-" : acceptedRegions.joined(separator: ","),
        ]
    }

    /// What was wrong, in words, without the action.
    var summary: String {
        switch problem {
        case .foreignAccount:
            "event from account \(Self.quoted(account ?? "")) (field \(field)), not one this queue accepts: "
                + acceptedAccounts.joined(separator: ", ")
        case .foreignRegion:
            "event from region \(Self.quoted(region ?? "")) (field \(field)), not one this queue accepts: "
                + acceptedRegions.joined(separator: ", ")
        case .missingAccount:
            "event without an account (field \(field)), so it cannot be checked against the accepted accounts: "
                + acceptedAccounts.joined(separator: ", ")
        case .missingRegion:
            "EventBridge event without a region (field \(field)), so it cannot be checked against the accepted "
                + "regions: " + acceptedRegions.joined(separator: ", ")
        }
    }

    private static func cut(_ value: String) -> String {
        value.count > 80 ? "\(value.prefix(80))…" : value
    }

    private static func quoted(_ value: String) -> String { "\"\(cut(value))\"" }
}
