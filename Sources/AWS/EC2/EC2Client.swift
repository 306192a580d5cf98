/// EC2 `DescribeInstances` (query protocol, `Version=2016-11-15`), batched and paginated.
///
/// See <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html> and
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html>.
public struct EC2Client: Sendable {
    /// The transport.
    public let client: AWSClient
    /// The region, when it differs from the transport's.
    public let region: String?

    /// Most instance ids one `DescribeInstances` call takes.
    public static let maxInstanceIDsPerCall = 1000

    /// Creates an EC2 client.
    ///
    /// - Parameters:
    ///   - client: the transport.
    ///   - region: the region, when it differs from the transport's.
    public init(client: AWSClient, region: String? = nil) {
        self.client = client
        self.region = region
    }

    /// Describes instances by id: one call per 1000 ids, each following `NextToken`.
    ///
    /// Ids EC2 does not know (`InvalidInstanceID.NotFound`, which fails the whole call) are dropped from their
    /// batch, which is asked again; they are simply absent from the result.
    /// - Parameter ids: instance ids (`i-` and 8 or 17 hex digits); duplicates are asked for once.
    /// - Returns: the instances found, in the order EC2 returned them.
    /// - Throws: ``AWSError``; ``AWSError/Kind/invalidArgument`` for a malformed id.
    public func describeInstances(ids: [String]) async throws(AWSError) -> [EC2Instance] {
        var seen = Set<String>()
        let unique = ids.filter { seen.insert($0).inserted }
        if let malformed = unique.first(where: { !Self.isInstanceID($0) }) {
            throw AWSError(
                kind: .invalidArgument, service: "EC2", operation: "DescribeInstances",
                message: "\"\(malformed)\" is not an instance id (i- and 8 or 17 hex digits)")
        }
        var instances: [EC2Instance] = []
        var start = 0
        while start < unique.count {
            var batch = Array(unique[start..<min(start + Self.maxInstanceIDsPerCall, unique.count)])
            start += Self.maxInstanceIDsPerCall
            while !batch.isEmpty {
                do {
                    instances += try await pages(QueryEncoding.list("InstanceId", batch))
                    break
                } catch let error where error.code == "InvalidInstanceID.NotFound" {
                    let missing = Self.instanceIDs(in: error.message)
                    let remaining = batch.filter { !missing.contains($0) }
                    guard remaining.count < batch.count else { throw error }
                    batch = remaining
                }
            }
        }
        return instances
    }

    /// Describes the instances matching `filters`, following `NextToken`.
    ///
    /// - Parameters:
    ///   - filters: the filters (all must match).
    ///   - maxResults: the page size (5...1000), or `nil` for EC2's default.
    /// - Returns: the matching instances.
    /// - Throws: ``AWSError``.
    public func describeInstances(filters: [EC2Filter], maxResults: Int? = nil) async throws(AWSError)
        -> [EC2Instance]
    {
        var parameters: [(String, String)] = []
        for (index, filter) in filters.enumerated() {
            parameters.append(("Filter.\(index + 1).Name", filter.name))
            parameters += QueryEncoding.list("Filter.\(index + 1).Value", filter.values)
        }
        if let maxResults { parameters.append(("MaxResults", String(maxResults))) }
        return try await pages(parameters)
    }

    /// Calls `DescribeInstances` with `parameters` until no `nextToken` comes back (at most 1000 pages).
    private func pages(_ parameters: [(String, String)]) async throws(AWSError) -> [EC2Instance] {
        var instances: [EC2Instance] = []
        var token: String?
        var seenTokens = Set<String>()
        for _ in 0..<1000 {
            var page = parameters
            if let token { page.append(("NextToken", token)) }
            let root = try await client.query(.ec2, action: "DescribeInstances", parameters: page, region: region)
            for reservation in root.element(at: "reservationSet")?.children("item") ?? [] {
                for item in reservation.element(at: "instancesSet")?.children("item") ?? [] {
                    if let instance = EC2Instance.parse(item) { instances.append(instance) }
                }
            }
            guard let next = root.value(at: "nextToken"), !next.isEmpty, seenTokens.insert(next).inserted else {
                return instances
            }
            token = next
        }
        throw AWSError(
            kind: .unexpectedResponse, service: "EC2", operation: "DescribeInstances",
            message: "more than 1000 pages of results; giving up")
    }

    /// Whether `id` looks like an instance id.
    static func isInstanceID(_ id: String) -> Bool {
        guard id.hasPrefix("i-") else { return false }
        let hex = id.utf8.dropFirst(2)
        return (hex.count == 8 || hex.count == 17)
            && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The instance ids mentioned in an error message such as `The instance IDs 'i-1, i-2' do not exist`.
    static func instanceIDs(in message: String) -> Set<String> {
        var ids = Set<String>()
        let separators: Set<Character> = [" ", ",", "'", "\"", "(", ")", "[", "]", ":", ";"]
        for word in message.split(whereSeparator: { separators.contains($0) }) {
            var candidate = String(word)
            while candidate.hasSuffix(".") { candidate.removeLast() }
            if isInstanceID(candidate) { ids.insert(candidate) }
        }
        return ids
    }
}
