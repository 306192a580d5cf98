import Clocks
import Foundation
import HTTPClient
import Locking
import SigV4

/// One operation call as the transport sees it.
struct AWSRequest: Sendable {
    var service: AWSService
    var operation: String
    /// The region, when it differs from the configuration's.
    var region: String?
    /// Protocol headers (`Content-Type`, `X-Amz-Target`, ...); all are signed.
    var headers: [(name: String, value: String)]
    var body: Data
    var signed: Bool
    /// The time allowed for one attempt, when it differs from the configuration's.
    var timeout: Duration?
}

extension AWSClient {
    /// Sends `request` until it succeeds, the retry policy gives up or the quota runs dry.
    ///
    /// - Returns: the 2xx response.
    /// - Throws: ``AWSError``: the last attempt's failure.
    func send(_ request: AWSRequest) async throws(AWSError) -> HTTPResponse {
        let service = request.service
        statistics.record(service, request.operation) { $0.calls += 1 }
        do {
            return try await sendAttempts(request)
        } catch {
            statistics.record(service, request.operation) { $0.failures += 1 }
            throw error
        }
    }

    private func sendAttempts(_ request: AWSRequest) async throws(AWSError) -> HTTPResponse {
        let service = request.service
        let region = request.region ?? configuration.region
        let endpoint = try configuration.endpoints.endpoint(for: service, region: region)
        let signingRegion = configuration.endpoints.signingRegion(for: service, region: region)
        let url = endpoint + "/"
        let payload: SigV4Request.Payload
        do {
            payload = try SigV4Request.Payload.body(request.body)
        } catch {
            throw AWSError(
                kind: .configuration, service: service.name, operation: request.operation, message: "\(error)")
        }
        var attempt = 1
        var corrected = false
        var retryCost: Int?
        while true {
            if Task.isCancelled {
                throw AWSError(
                    kind: .cancelled, service: service.name, operation: request.operation,
                    message: "the task was cancelled")
            }
            let signedAt = clock.now.addingTimeInterval(state.withLock { $0.clockOffset })
            var httpRequest = try await prepare(
                request, url: url, signingRegion: signingRegion, payload: payload, date: signedAt)
            interceptor?(&httpRequest)
            statistics.record(service, request.operation) { $0.attempts += 1 }
            let failure: AWSError
            do {
                let response = try await httpClient.execute(httpRequest)
                if (200..<300).contains(response.status) {
                    state.withLock { $0.quota.recordSuccess(retryCost: retryCost) }
                    return response
                }
                failure = AWSError.decode(response: response, service: service.name, operation: request.operation)
            } catch let error as HTTPClientError {
                failure = AWSError(
                    kind: .transport, service: service.name, operation: request.operation,
                    message: "no response from \(error.url)", transportError: error)
            } catch is CancellationError {
                throw AWSError(
                    kind: .cancelled, service: service.name, operation: request.operation,
                    message: "the task was cancelled")
            } catch {
                failure = AWSError(
                    kind: .transport, service: service.name, operation: request.operation,
                    message: String(describing: error))
            }
            let decision = configuration.retryPolicy.decision(
                for: failure, attempt: attempt, signedAt: signedAt, alreadyCorrected: corrected, jitter: random())
            switch decision {
            case .fail:
                throw failure
            case .correctClockSkew(let offset):
                state.withLock { $0.clockOffset += offset }
                corrected = true
            case .refreshCredentials:
                guard let credentialsProvider else { throw failure }
                await credentialsProvider.invalidate()
                corrected = true
            case .retry(let delay, let cost):
                guard state.withLock({ $0.quota.acquire(cost) }) else {
                    var exhausted = failure
                    exhausted.message += " (not retried: the retry quota is exhausted)"
                    throw exhausted
                }
                retryCost = cost
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw AWSError(
                        kind: .cancelled, service: service.name, operation: request.operation,
                        message: "cancelled while waiting to retry after: \(failure.message)")
                }
                attempt += 1
            }
            statistics.record(service, request.operation) { $0.retries += 1 }
        }
    }

    /// Builds the HTTP request of one attempt, signed at `date` unless the operation is unsigned.
    private func prepare(
        _ request: AWSRequest, url: String, signingRegion: String, payload: SigV4Request.Payload, date: Date
    ) async throws(AWSError) -> HTTPRequest {
        let service = request.service
        var headers = request.headers
        if request.signed {
            guard let credentialsProvider else {
                throw AWSError(
                    kind: .credentials, service: service.name, operation: request.operation,
                    message: "this client has no credentials provider, and \(request.operation) must be signed")
            }
            let credentials = try await credentialsProvider.credentials()
            guard let parsed = URL(string: url) else {
                throw AWSError(
                    kind: .configuration, service: service.name, operation: request.operation,
                    message: "\"\(url)\" is not a URL")
            }
            do {
                let unsigned = try SigV4Request(method: "POST", url: parsed, headers: headers, payload: payload)
                let signer = Signer(
                    credentials: credentials.credentials, region: signingRegion, service: service.signingName)
                let signed = try signer.sign(unsigned, date: date)
                headers = unsigned.headers + signed.headers
            } catch {
                throw AWSError(
                    kind: .configuration, service: service.name, operation: request.operation,
                    message: error.description)
            }
        }
        headers.append((name: "User-Agent", value: configuration.userAgent))
        return HTTPRequest(
            method: .post, url: url, headers: HTTPHeaders(headers.map { ($0.name, $0.value) }), body: request.body,
            timeout: request.timeout ?? configuration.requestTimeout)
    }
}
