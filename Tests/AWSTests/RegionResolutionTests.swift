import AWS
import Testing

@Suite("The region every client uses: configured, else the queue URL's")
struct RegionResolutionTests {
    @Test("a configured region wins; without one the queue URL's is taken, as NTH does for every client")
    func resolution() throws {
        #expect(
            try Region.resolve(configured: "eu-west-1", queueURL: "https://sqs.us-east-2.amazonaws.com/1/q")
                == "eu-west-1")
        #expect(
            try Region.resolve(configured: nil, queueURL: "https://sqs.ap-south-1.amazonaws.com/1/q") == "ap-south-1")
        #expect(try Region.resolve(configured: nil, queueURL: "https://queue.amazonaws.com/1/q") == "us-east-1")
    }

    @Test("no region anywhere, or a configured one that is no region name, is a configuration error naming AWS_REGION")
    func unusable() {
        for (configured, url) in [
            (nil, "http://127.0.0.1:4566/000000000000/q"), ("EU_WEST_1", "https://sqs.eu-west-1.amazonaws.com/1/q"),
        ] {
            let error = #expect(throws: AWSError.self) { try Region.resolve(configured: configured, queueURL: url) }
            #expect(error?.kind == .configuration)
            #expect(error?.message.contains("AWS_REGION") == true, "\(String(describing: error))")
        }
    }
}
