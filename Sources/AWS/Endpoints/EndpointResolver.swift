import Foundation

/// Chooses the URL each service is called at: a configured override, or the standard regional endpoint.
///
/// Overrides, most specific first: `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_SQS`), `AWS_ENDPOINT_URL`,
/// and `AWS_ENDPOINT` (NTH's variable, for moto or LocalStack). Standard endpoints are
/// `https://<prefix>.<region>.amazonaws.com` (`.amazonaws.com.cn` in China); STS is regional
/// (`sts.<region>.amazonaws.com`) unless `AWS_STS_REGIONAL_ENDPOINTS=legacy`; IAM is global.
///
/// See <https://docs.aws.amazon.com/general/latest/gr/rande.html>,
/// <https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html> and
/// <https://docs.aws.amazon.com/sdkref/latest/guide/feature-sts-regionalized-endpoints.html>.
public struct EndpointResolver: Sendable, Equatable {
    /// One URL for every service (`AWS_ENDPOINT_URL`, or NTH's `AWS_ENDPOINT`), without a trailing slash.
    public var override: String?
    /// Per-service URLs, keyed by ``AWSService/environmentName`` (`SQS`, `EC2`, `AUTO_SCALING`, `STS`, ...).
    public var serviceOverrides: [String: String]
    /// Use the global STS endpoint (`AWS_STS_REGIONAL_ENDPOINTS=legacy`).
    public var legacyGlobalSTS: Bool

    /// Creates a resolver.
    ///
    /// - Parameters:
    ///   - override: one URL for every service.
    ///   - serviceOverrides: per-service URLs keyed by ``AWSService/environmentName``.
    ///   - legacyGlobalSTS: use `https://sts.amazonaws.com` instead of regional STS endpoints.
    public init(override: String? = nil, serviceOverrides: [String: String] = [:], legacyGlobalSTS: Bool = false) {
        self.override = override.map(Self.trimmed)
        self.serviceOverrides = serviceOverrides.mapValues(Self.trimmed)
        self.legacyGlobalSTS = legacyGlobalSTS
    }

    /// Reads `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT` and `AWS_STS_REGIONAL_ENDPOINTS`.
    ///
    /// - Parameter environment: the process environment (empty values count as unset).
    public init(environment: [String: String]) {
        var services: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("AWS_ENDPOINT_URL_") && !value.isEmpty {
            services[String(name.dropFirst("AWS_ENDPOINT_URL_".count))] = value
        }
        let global = [environment["AWS_ENDPOINT_URL"], environment["AWS_ENDPOINT"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        self.init(
            override: global, serviceOverrides: services,
            legacyGlobalSTS: environment["AWS_STS_REGIONAL_ENDPOINTS"]?.lowercased() == "legacy")
    }

    /// The base URL (scheme, host, optional port and path, no trailing slash) of `service` in `region`.
    ///
    /// - Parameters:
    ///   - service: the service.
    ///   - region: the region; may be `nil` only for global services and overrides.
    /// - Returns: e.g. `https://sqs.eu-west-1.amazonaws.com` or `http://127.0.0.1:5000`.
    /// - Throws: ``AWSError/Kind/configuration`` for an override that is not an http(s) URL, or no region.
    public func endpoint(for service: AWSService, region: String?) throws(AWSError) -> String {
        if let url = serviceOverrides[service.environmentName] ?? override {
            guard let components = URL(string: url), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
            else {
                throw AWSError(
                    kind: .configuration, service: service.name, operation: "endpoint",
                    message: "endpoint override \"\(url)\" is not an http(s) URL with a host")
            }
            return url
        }
        let suffix = Self.dnsSuffix(region: region)
        if service.isGlobal {
            if let region, region.hasPrefix("cn-") { return "https://\(service.endpointPrefix).\(region).\(suffix)" }
            if let region, region.hasPrefix("us-gov-") { return "https://\(service.endpointPrefix).us-gov.\(suffix)" }
            return "https://\(service.endpointPrefix).\(suffix)"
        }
        guard let region, Region.isValid(region) else {
            if service == .sts { return "https://sts.amazonaws.com" }
            throw AWSError(
                kind: .configuration, service: service.name, operation: "endpoint",
                message: region.map { "\"\($0)\" is not a valid region name" } ?? "no region is configured")
        }
        if service == .sts, legacyGlobalSTS, suffix == "amazonaws.com" {
            return "https://sts.amazonaws.com"
        }
        return "https://\(service.endpointPrefix).\(region).\(suffix)"
    }

    /// The region requests to `service` are signed for: the configured one, or the partition's home region for
    /// global endpoints.
    ///
    /// - Parameters:
    ///   - service: the service.
    ///   - region: the configured region, if any.
    /// - Returns: the signing region.
    public func signingRegion(for service: AWSService, region: String?) -> String {
        if service.isGlobal || region == nil {
            if let region, region.hasPrefix("cn-") { return "cn-north-1" }
            if let region, region.hasPrefix("us-gov-") { return "us-gov-west-1" }
            return region.map { service.isGlobal ? "us-east-1" : $0 } ?? "us-east-1"
        }
        return region ?? "us-east-1"
    }

    /// The DNS suffix of the partition `region` belongs to.
    static func dnsSuffix(region: String?) -> String {
        guard let region else { return "amazonaws.com" }
        if region.hasPrefix("cn-") { return "amazonaws.com.cn" }
        if region.hasPrefix("us-isob-") { return "sc2s.sgov.gov" }
        if region.hasPrefix("us-iso-") { return "c2s.ic.gov" }
        return "amazonaws.com"
    }

    private static func trimmed(_ url: String) -> String {
        var url = url.trimmingASCIIWhitespace()
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
