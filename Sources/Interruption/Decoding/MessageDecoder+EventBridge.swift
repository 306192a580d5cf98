internal import Foundation
import JSONValues
internal import Timestamps

extension Message {
    /// Decodes an EventBridge envelope by `source` and `detail-type`.
    func decodeEventBridge(_ envelope: JSONValue) throws(Rejection) -> DecodeOutcome {
        let source = try requiredString(envelope, "source", path: "source")
        let detailType = try requiredString(envelope, "detail-type", path: "detail-type")
        let base = EnvelopeFields(
            eventID: optionalString(envelope, "id") ?? "",
            time: eventTime(envelope, "time"),
            region: optionalString(envelope, "region"),
            account: optionalString(envelope, "account")
        )
        switch (source, detailType) {
        case ("aws.ec2", "EC2 Spot Instance Interruption Warning"):
            let detail = try self.detail(envelope)
            var event = try event(.spotInterruption, detail: detail, base: base)
            event.spotInstanceAction = optionalString(detail, "instance-action")
            return .events([event], skipped: [])
        case ("aws.ec2", "EC2 Instance Rebalance Recommendation"):
            return .events(
                [try event(.rebalanceRecommendation, detail: try self.detail(envelope), base: base)], skipped: [])
        case ("aws.ec2", "EC2 Instance State-change Notification"):
            let detail = try self.detail(envelope)
            let stateText = try requiredStateText(detail)
            guard let state = InstanceState(rawValue: stateText) else {
                throw Rejection(.unknownInstanceState(stateText))
            }
            guard state.isActionable else { throw Rejection(.nonActionableState(state)) }
            var event = try event(.instanceStateChange, detail: detail, base: base)
            event.instanceState = state
            return .events([event], skipped: [])
        case ("aws.health", "AWS Health Event"):
            return try decodeHealth(try self.detail(envelope), base: base)
        case ("aws.autoscaling", "EC2 Instance-terminate Lifecycle Action"),
            ("aws.autoscaling", "EC2 Instance-launch Lifecycle Action"):
            let detail = try self.detail(envelope)
            return try decodeLifecycleAction(detail, base: base, transport: .eventBridge, path: "detail.")
        default:
            throw Rejection(.unsupportedEvent(source: source, detailType: detailType))
        }
    }

    /// The envelope's `detail` object.
    private func detail(_ envelope: JSONValue) throws(Rejection) -> JSONValue {
        guard let detail = envelope.objectValue?["detail"] else { throw Rejection(.missingField("detail")) }
        guard detail.isObject else { throw Rejection(.malformedField("detail", value: detail.typeName)) }
        return detail
    }

    /// `detail.state`, which may be empty (an error, not a match).
    private func requiredStateText(_ detail: JSONValue) throws(Rejection) -> String {
        guard let value = detail.objectValue?["state"] else { throw Rejection(.missingField("detail.state")) }
        guard let text = value.stringValue else {
            throw Rejection(.malformedField("detail.state", value: value.typeName))
        }
        return text
    }

    /// An EC2 event for `detail.instance-id`.
    private func event(_ kind: InterruptionKind, detail: JSONValue, base: EnvelopeFields) throws(Rejection)
        -> InterruptionEvent
    {
        let instanceID = try instanceID(detail, "instance-id", path: "detail.instance-id")
        return InterruptionEvent(
            kind: kind,
            instanceID: instanceID,
            eventID: base.eventID,
            time: base.time,
            receivedAt: receivedAt,
            deadline: rules.deadline(for: kind, time: base.time, receivedAt: receivedAt),
            transport: .eventBridge,
            region: base.region,
            account: base.account
        )
    }

    /// An AWS Health event: EC2 scheduled changes only, one event per affected instance.
    private func decodeHealth(_ detail: JSONValue, base: EnvelopeFields) throws(Rejection) -> DecodeOutcome {
        let service = optionalString(detail, "service") ?? ""
        let category = optionalString(detail, "eventTypeCategory") ?? ""
        guard service == "EC2", category == "scheduledChange" else {
            throw Rejection(.unsupportedHealthEvent(service: service, category: category))
        }
        let startTime = optionalString(detail, "startTime").flatMap(Self.healthTime)
        let change = ScheduledChange(
            eventARN: optionalString(detail, "eventArn"),
            eventTypeCode: optionalString(detail, "eventTypeCode"),
            startTime: startTime,
            endTime: optionalString(detail, "endTime").flatMap(Self.healthTime)
        )
        guard let entitiesValue = detail.objectValue?["affectedEntities"] else {
            throw Rejection(.missingField("detail.affectedEntities"))
        }
        guard let entities = entitiesValue.arrayValue else {
            throw Rejection(.malformedField("detail.affectedEntities", value: entitiesValue.typeName))
        }
        var events: [InterruptionEvent] = []
        var skipped: [Rejection] = []
        var seen: Set<InstanceID> = []
        for (index, entity) in entities.enumerated() {
            do {
                let id = try instanceID(entity, "entityValue", path: "detail.affectedEntities[\(index)].entityValue")
                guard seen.insert(id).inserted else { continue }
                events.append(
                    InterruptionEvent(
                        kind: .scheduledChange,
                        instanceID: id,
                        eventID: base.eventID,
                        time: base.time,
                        receivedAt: receivedAt,
                        deadline: rules.deadline(
                            for: .scheduledChange, time: base.time, receivedAt: receivedAt, scheduledStart: startTime),
                        transport: .eventBridge,
                        region: base.region,
                        account: base.account,
                        scheduledChange: change
                    ))
            } catch {
                skipped.append(error)
            }
        }
        guard !events.isEmpty else {
            throw skipped.first ?? Rejection(.malformedField("detail.affectedEntities", value: "[]"))
        }
        return .events(events, skipped: skipped)
    }

    /// Health times are RFC 1123; RFC 3339 is accepted too.
    private static func healthTime(_ text: String) -> Date? {
        RFC1123.parse(text) ?? RFC3339.parse(text)
    }
}

/// The envelope fields every event copies.
struct EnvelopeFields {
    var eventID: String
    var time: Date
    var region: String?
    var account: String?
}
