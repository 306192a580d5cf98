import Controller
import Interruption
import Testing

@Suite("Configuration: the queue's account and region, NTH_ALLOWED_EVENT_ACCOUNTS and NTH_ALLOWED_EVENT_REGIONS")
struct EventOriginConfigurationTests {
    @Test("the queue URL gives the account and region; the lists are read, trimmed and deduplicated")
    func reads() throws {
        let configuration = try ControllerConfiguration(environment: [
            "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/nth",
            "NTH_ALLOWED_EVENT_ACCOUNTS": " 111122223333, 444455556666,,111122223333 ",
            "NTH_ALLOWED_EVENT_REGIONS": "us-east-1,eu-central-1",
        ])
        let origins = configuration.eventOrigins
        #expect(origins.queueAccount == "123456789012")
        #expect(origins.queueRegion == "eu-west-1")
        #expect(origins.allowedAccounts == ["111122223333", "444455556666"])
        #expect(origins.allowedRegions == ["us-east-1", "eu-central-1"])
        #expect(origins.acceptedAccounts == ["123456789012", "111122223333", "444455556666"])
        #expect(configuration.eventOriginWarnings.isEmpty)
        // The URL's region stands, whatever region the clients are configured with.
        #expect(configuration.expectingEvents(inRegion: "us-west-2").eventOrigins.queueRegion == "eu-west-1")
    }

    @Test("a queue URL without a region (moto, LocalStack) takes the configured region")
    func regionFromConfiguration() throws {
        let configuration = try ControllerConfiguration(environment: [
            "QUEUE_URL": "http://127.0.0.1:5000/123456789012/nth"
        ])
        #expect(configuration.eventOrigins.queueAccount == "123456789012")
        #expect(configuration.eventOrigins.queueRegion == nil)
        #expect(configuration.eventOriginWarnings.count == 1)
        let resolved = configuration.expectingEvents(inRegion: "us-east-1")
        #expect(resolved.eventOrigins.acceptedRegions == ["us-east-1"])
        #expect(resolved.eventOriginWarnings.isEmpty)
    }

    @Test("a queue URL without an account path segment turns the account check off, with a warning")
    func noAccountWarns() throws {
        let configuration = try ControllerConfiguration(environment: [
            "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/nth"
        ])
        #expect(!configuration.eventOrigins.checksAccounts)
        let warnings = configuration.eventOriginWarnings
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("NTH_ALLOWED_EVENT_ACCOUNTS") == true)
        let listed = try ControllerConfiguration(environment: [
            "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/nth", "NTH_ALLOWED_EVENT_ACCOUNTS": "123456789012",
        ])
        #expect(listed.eventOrigins.checksAccounts)
        #expect(listed.eventOriginWarnings.isEmpty)
    }

    @Test("bad account ids and region names are configuration errors naming each bad item, with the others")
    func invalid() {
        let error = #expect(throws: ControllerConfigurationError.self) {
            try ControllerConfiguration(environment: [
                "NTH_ALLOWED_EVENT_ACCOUNTS": "111122223333,12345,arn:aws:iam::444455556666:root",
                "NTH_ALLOWED_EVENT_REGIONS": "us-east-1,Europe", "WORKERS": "0",
            ])
        }
        let problems = error?.problems ?? []
        #expect(
            Set(problems.map(\.variable)) == ["NTH_ALLOWED_EVENT_ACCOUNTS", "NTH_ALLOWED_EVENT_REGIONS", "WORKERS"])
        let accounts = problems.first { $0.variable == "NTH_ALLOWED_EVENT_ACCOUNTS" }?.description ?? ""
        #expect(accounts.contains("\"12345\""))
        #expect(accounts.contains("arn:aws:iam::444455556666:root"))
        #expect(accounts.contains("12-digit"))
        #expect(!accounts.contains("not valid: \"111122223333\""))
        let regions = problems.first { $0.variable == "NTH_ALLOWED_EVENT_REGIONS" }?.description ?? ""
        #expect(regions.contains("not valid: \"Europe\""))
    }

    @Test("with no queue URL and no lists nothing is checked, and both warnings say so")
    func defaults() throws {
        let configuration = try ControllerConfiguration(environment: [:])
        #expect(configuration.eventOrigins == EventOrigins())
        #expect(configuration.eventOriginWarnings.count == 2)
    }
}
