import Controller
import Foundation
import Interruption
import Testing

/// One variable `run` reads: a value it must refuse (naming the variable), a value it must take, and any other
/// variables the case needs (a combination).
struct VariableCase: Sendable, CustomTestStringConvertible {
    /// The variable the problem must name.
    let variable: String
    /// A wrong value for it.
    let wrong: String
    /// A right value for it.
    let right: String
    /// Other variables set in both the wrong and the right case.
    var with: [String: String] = [:]
    /// Whether the value is wrong whatever else is set (not only for want of another variable).
    var wrongAlone = true

    var testDescription: String { "\(variable)=\(wrong)" }

    /// The environment with `value` for the variable.
    func environment(_ value: String) -> [String: String] {
        with.merging([variable: value]) { _, new in new }
    }
}

/// A readable template file.
let templateFile: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("nth-template-\(UUID()).json").path
    _ = FileManager.default.createFile(atPath: path, contents: Data(#"{"text":"{{ .NodeName }}"}"#.utf8))
    return path
}()

/// Every variable `run` reads (the controller's, the policy's, leader election's, the webhook's, the metrics and
/// probes', the AWS SDK's and the log level), each with a wrong value of the wrong type, range or combination.
let everyVariable: [VariableCase] = [
    // The queue and the coordinator.
    VariableCase(
        variable: "QUEUE_URL", wrong: "ftp://sqs.example/1/q",
        right: "https://sqs.us-east-1.amazonaws.com/123456789012/q"),
    VariableCase(variable: "NTH_RECEIVERS", wrong: "0", right: "4"),
    VariableCase(variable: "NTH_EVICTION_ORDER", wrong: "fifo", right: "priority"),
    VariableCase(variable: "NTH_MAX_MESSAGES_IN_FLIGHT", wrong: "many", right: "100"),
    VariableCase(variable: "NTH_RECEIVE_WAIT_SECONDS", wrong: "21", right: "0"),
    VariableCase(variable: "SQS_MSG_VISIBILITY_TIMEOUT_SEC", wrong: "0", right: "60"),
    VariableCase(
        variable: "NTH_VISIBILITY_EXTENSION_SECONDS", wrong: "30", right: "10",
        with: ["SQS_MSG_VISIBILITY_TIMEOUT_SEC": "30"]),
    VariableCase(variable: "NTH_MAX_RECEIVE_COUNT", wrong: "1001", right: "3"),
    VariableCase(variable: "WORKERS", wrong: "zero", right: "25"),
    VariableCase(variable: "NTH_COMPLETE_LIFECYCLE_ACTION_IF_NODE_NOT_FOUND", wrong: "yes", right: "false"),
    VariableCase(variable: "NTH_LAUNCH_READY_TIMEOUT_SECONDS", wrong: "0", right: "300"),
    VariableCase(variable: "NTH_LAUNCH_TIMEOUT_ACTION", wrong: "explode", right: "abandon"),
    VariableCase(variable: "NTH_LIFECYCLE_COMPLETION_ATTEMPTS", wrong: "101", right: "3"),
    VariableCase(variable: "NTH_DELETE_ATTEMPTS", wrong: "-1", right: "3"),
    VariableCase(variable: "NTH_INSTANCE_CACHE_SECONDS", wrong: "86401", right: "0"),
    VariableCase(variable: "USE_APISERVER_CACHE", wrong: "maybe", right: "true"),
    VariableCase(variable: "NTH_DELETE_REMAINING_AT_DEADLINE", wrong: "2", right: "1"),
    VariableCase(variable: "NTH_MINIMUM_DRAIN_SECONDS", wrong: "3601", right: "0"),
    VariableCase(variable: "EMIT_KUBERNETES_EVENTS", wrong: "on", right: "true"),
    VariableCase(variable: "KUBERNETES_EVENTS_EXTRA_ANNOTATIONS", wrong: "novalue", right: "team=nodes"),
    VariableCase(variable: "KUBE_API_QPS", wrong: "0", right: "2.5"),
    VariableCase(variable: "KUBE_API_BURST", wrong: "1.5", right: "10"),
    VariableCase(variable: "NTH_EVICTION_QPS", wrong: "nan", right: "1e2"),
    VariableCase(variable: "NTH_EVICTION_BURST", wrong: "100001", right: "100"),
    VariableCase(variable: "NTH_MAX_EVICTIONS_IN_FLIGHT", wrong: "0", right: "10"),
    VariableCase(variable: "NTH_ALLOWED_EVENT_ACCOUNTS", wrong: "12345", right: "111122223333"),
    VariableCase(variable: "NTH_ALLOWED_EVENT_REGIONS", wrong: "moon-1", right: "eu-west-1"),
    // Leader election.
    VariableCase(variable: "NTH_LEADER_ELECTION", wrong: "sure", right: "false"),
    VariableCase(variable: "NTH_LEADER_ELECTION_LEASE_NAME", wrong: "Bad_Name", right: "nth.example"),
    VariableCase(variable: "NTH_LEADER_ELECTION_NAMESPACE", wrong: "Kube.System", right: "kube-system"),
    VariableCase(variable: "NTH_LEADER_ELECTION_LEASE_DURATION_SECONDS", wrong: "1", right: "30"),
    VariableCase(variable: "NTH_LEADER_ELECTION_RENEW_DEADLINE_SECONDS", wrong: "0", right: "5"),
    VariableCase(variable: "NTH_LEADER_ELECTION_RETRY_PERIOD_SECONDS", wrong: "9", right: "3"),
    // Metrics and probes.
    VariableCase(variable: "ENABLE_PROMETHEUS_SERVER", wrong: "yes", right: "true"),
    VariableCase(variable: "PROMETHEUS_SERVER_PORT", wrong: "70000", right: "9100"),
    VariableCase(variable: "ENABLE_PROBES_SERVER", wrong: "y", right: "true"),
    VariableCase(variable: "PROBES_SERVER_PORT", wrong: "0", right: "8081"),
    VariableCase(
        variable: "PROBES_SERVER_PORT", wrong: "9092", right: "8080",
        with: ["ENABLE_PROMETHEUS_SERVER": "true", "ENABLE_PROBES_SERVER": "true"]),
    VariableCase(variable: "PROBES_SERVER_ENDPOINT", wrong: "healthz", right: "/live"),
    VariableCase(variable: "NTH_READINESS_ENDPOINT", wrong: "/healthz", right: "/ready"),
    // The webhook.
    VariableCase(
        variable: "WEBHOOK_URL", wrong: "hooks.example/services/T0", right: "https://hooks.example/services/T0"),
    VariableCase(variable: "WEBHOOK_HEADERS", wrong: #"{"X-Count":1}"#, right: #"{"X-Team":"nodes"}"#),
    VariableCase(variable: "WEBHOOK_TEMPLATE", wrong: "{{ range .Pods }}", right: #"{"text":"{{ .InstanceID }}"}"#),
    VariableCase(variable: "WEBHOOK_TEMPLATE_FILE", wrong: "/nonexistent/template.json", right: templateFile),
    VariableCase(variable: "WEBHOOK_PROXY", wrong: "proxy:3128", right: "http://proxy.internal:3128"),
    // The action policy.
    VariableCase(variable: "CORDON_ONLY", wrong: "cordon", right: "true"),
    VariableCase(variable: "TAINT_NODE", wrong: "2", right: "true"),
    VariableCase(variable: "TAINT_EFFECT", wrong: "NoSchedul", right: "NoExecute"),
    VariableCase(variable: "ENABLE_OUT_OF_SERVICE_TAINT", wrong: "x", right: "false"),
    VariableCase(variable: "EXCLUDE_FROM_LOAD_BALANCERS", wrong: "x", right: "true"),
    VariableCase(variable: "CHECK_TAG_BEFORE_DRAINING", wrong: "x", right: "false"),
    VariableCase(
        variable: "CHECK_ASG_TAG_BEFORE_DRAINING", wrong: "x", right: "true",
        with: ["CHECK_TAG_BEFORE_DRAINING": "false"]),
    VariableCase(variable: "MANAGED_TAG", wrong: "aws:reserved", right: "team/nth"),
    VariableCase(
        variable: "MANAGED_ASG_TAG", wrong: String(repeating: "k", count: 129), right: "nth",
        with: ["MANAGED_TAG": "nth"]),
    VariableCase(variable: "DELETE_SQS_MSG_IF_NODE_NOT_FOUND", wrong: "x", right: "true"),
    VariableCase(variable: "DRY_RUN", wrong: "x", right: "true"),
    VariableCase(variable: "REBALANCE_ACTION", wrong: "drain", right: "cordon-and-drain"),
    VariableCase(
        variable: "ENABLE_REBALANCE_DRAINING", wrong: "x", right: "true", with: ["REBALANCE_ACTION": "cordon"]),
    VariableCase(variable: "IGNORE_DAEMON_SETS", wrong: "x", right: "false"),
    VariableCase(variable: "DELETE_LOCAL_DATA", wrong: "x", right: "false"),
    VariableCase(variable: "POD_TERMINATION_GRACE_PERIOD", wrong: "-2", right: "-1"),
    VariableCase(
        variable: "GRACE_PERIOD", wrong: "soon", right: "30", with: ["POD_TERMINATION_GRACE_PERIOD": "10"]),
    VariableCase(variable: "POD_NAME", wrong: "Pod_Name", right: "nth-7d9f-abcde"),
    VariableCase(variable: "NAMESPACE", wrong: "Kube_System", right: "kube-system"),
    VariableCase(variable: "HEARTBEAT_INTERVAL", wrong: "10", right: "30"),
    VariableCase(variable: "HEARTBEAT_UNTIL", wrong: "30", right: "60", with: ["HEARTBEAT_INTERVAL": "30"]),
    VariableCase(variable: "HEARTBEAT_UNTIL", wrong: "120", right: "-1", wrongAlone: false),
    VariableCase(
        variable: "HEARTBEAT_INTERVAL", wrong: "600", right: "300", with: ["HEARTBEAT_UNTIL": "300"]),
    VariableCase(variable: "COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS", wrong: "-5", right: "-1"),
    VariableCase(variable: "NODE_TERMINATION_GRACE_PERIOD", wrong: "-1", right: "120"),
    // The AWS SDK's variables.
    VariableCase(variable: "AWS_REGION", wrong: "us_east_1", right: "us-east-1"),
    VariableCase(variable: "AWS_DEFAULT_REGION", wrong: "Europe", right: "eu-west-1"),
    VariableCase(variable: "AWS_MAX_ATTEMPTS", wrong: "0", right: "5"),
    VariableCase(variable: "AWS_ENDPOINT_URL", wrong: "localhost:4566", right: "http://localhost:4566"),
    VariableCase(variable: "AWS_ENDPOINT", wrong: "127.0.0.1:5000", right: "http://127.0.0.1:5000"),
    VariableCase(
        variable: "AWS_EC2_METADATA_SERVICE_ENDPOINT", wrong: "169.254.169.254", right: "http://[fd00:ec2::254]"),
    VariableCase(
        variable: "AWS_CONTAINER_CREDENTIALS_FULL_URI", wrong: "file:///var/run/creds",
        right: "http://169.254.170.23/v1/credentials"),
    VariableCase(variable: "AWS_STS_REGIONAL_ENDPOINTS", wrong: "global", right: "regional"),
    VariableCase(variable: "AWS_EC2_METADATA_DISABLED", wrong: "yes", right: "true"),
    VariableCase(variable: "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", wrong: "IPv5", right: "IPv6"),
    VariableCase(variable: "AWS_METADATA_SERVICE_TIMEOUT", wrong: "0", right: "2.5"),
    VariableCase(variable: "AWS_METADATA_SERVICE_NUM_ATTEMPTS", wrong: "0", right: "3"),
    VariableCase(
        variable: "AWS_ROLE_ARN", wrong: "arn:aws:iam::123456789012:user/nth",
        right: "arn:aws:iam::123456789012:role/nth",
        with: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"]),
    VariableCase(
        variable: "AWS_WEB_IDENTITY_TOKEN_FILE", wrong: "", right: "/var/run/secrets/token",
        with: ["AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/nth"]),
    VariableCase(
        variable: "AWS_ROLE_ARN", wrong: "", right: "arn:aws-cn:iam::123456789012:role/nth",
        with: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/token"]),
    // Logging.
    VariableCase(variable: "NTH_LOG_LEVEL", wrong: "loud", right: "DEBUG"),
    VariableCase(variable: "LOG_LEVEL", wrong: "verbose", right: "warn"),
]

@Suite("Configuration errors: every variable run reads, every problem at once")
struct ConfigurationValidationTests {
    /// The variables a problem names.
    static func problemVariables(_ environment: [String: String]) -> [String] {
        do {
            _ = try ControllerConfiguration(environment: environment)
            return []
        } catch {
            return error.problems.map(\.variable)
        }
    }

    @Test("a wrong value is a problem that names the variable", arguments: everyVariable)
    func wrongValue(_ variable: VariableCase) {
        let named = Self.problemVariables(variable.environment(variable.wrong))
        #expect(named.contains(variable.variable), "\(variable.testDescription): problems name \(named)")
    }

    @Test("a right value is taken without a problem", arguments: everyVariable)
    func rightValue(_ variable: VariableCase) {
        let named = Self.problemVariables(variable.environment(variable.right))
        #expect(named.isEmpty, "\(variable.variable)=\(variable.right): problems name \(named)")
    }

    @Test("every wrong value at once is listed in one error, each variable named once")
    func everyWrongAtOnce() throws {
        let alone = everyVariable.filter { $0.with.isEmpty && $0.wrongAlone && !$0.wrong.isEmpty }
        var environment: [String: String] = [:]
        for variable in alone where environment[variable.variable] == nil {
            environment[variable.variable] = variable.wrong
        }
        let error = try #require(throws: ControllerConfigurationError.self) {
            try ControllerConfiguration(environment: environment)
        }
        let named = error.problems.map(\.variable)
        for variable in Set(alone.map(\.variable)) {
            #expect(named.contains(variable), "\(variable) is not listed: \(named)")
        }
        #expect(named.count == Set(named).count, "a variable is listed twice: \(named)")
        let description = error.description
        for variable in Set(named) { #expect(description.contains(variable)) }
    }

    @Test("the table covers every variable docs/configuration.md names as read")
    func tableCoversTheDocs() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/configuration.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        // The variables of the "Where each setting is documented" table, and the ones it names elsewhere.
        let table =
            text.components(separatedBy: "## Where each setting is documented").dropFirst().first?
            .components(separatedBy: "\n\n").first ?? ""
        let pattern = try Regex("`([A-Z][A-Z0-9_]{2,})`")
        let named = Set(table.matches(of: pattern).compactMap { $0.output[1].substring.map(String.init) })
        // Read from elsewhere (credentials, the kubeconfig) or only a prefix in the table.
        let notChecked: Set<String> = [
            "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "KUBECONFIG", "KUBERNETES_SERVICE_HOST", "JSON_LOGGING",
        ]
        let covered = Set(everyVariable.map(\.variable))
        let missing = named.subtracting(covered).subtracting(notChecked).filter { !$0.hasSuffix("_") }
        #expect(missing.isEmpty, "variables in docs/configuration.md without a case: \(missing.sorted())")
    }
}
