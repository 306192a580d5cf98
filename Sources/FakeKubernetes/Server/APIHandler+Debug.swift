import Foundation
import JSONValues

extension APIHandler {
    /// The `/debug/*` endpoints: never faulted, never in the ledger.
    ///
    /// - `GET /debug/ledger`, `DELETE /debug/ledger`: the ledger snapshot (JSON), reset.
    /// - `GET|PUT|DELETE /debug/faults`: the ``FaultPlan`` in force (JSON), replace it, clear it.
    /// - `POST /debug/close-watches`: end every open watch stream.
    /// - `POST /debug/compact`: compact storage and the watch history at the current revision (lists at older
    ///   revisions, continue tokens from them and watches from them get 410).
    /// - `POST /debug/objects`: seed an object (any served `apiVersion`/`kind`) without touching the ledger.
    /// - `GET /debug/state`: revision, cache revision, compacted revision, open watches.
    func debug(_ name: String, _ request: APIRequest) async -> APIResponse {
        do {
            switch (name, request.method) {
            case ("ledger", "GET"):
                return APIResponse(status: 200, body: .data(try Self.encoder.encode(ledger.snapshot())))
            case ("ledger", "DELETE"):
                ledger.reset()
                return .json(["status": "Success"])
            case ("faults", "GET"):
                return APIResponse(status: 200, body: .data(try Self.encoder.encode(faults.plan)))
            case ("faults", "PUT"), ("faults", "POST"):
                let plan = try JSONDecoder().decode(FaultPlan.self, from: request.body)
                faults.plan = plan
                if let lag = plan.cacheLagMilliseconds { await store.setCacheLag(.milliseconds(lag)) }
                return APIResponse(status: 200, body: .data(try Self.encoder.encode(plan)))
            case ("faults", "DELETE"):
                faults.plan = FaultPlan()
                await store.setCacheLag(.zero)
                return .json(["status": "Success"])
            case ("close-watches", "POST"):
                await store.closeWatches()
                return .json(["status": "Success"])
            case ("compact", "POST"):
                await store.compact()
                return .json(["status": "Success"])
            case ("objects", "POST"):
                let object = try JSONValue(parsing: request.body)
                return .json(try await store.seed(object), status: 201)
            case ("state", "GET"):
                return .json([
                    "revision": .int(await store.revision), "cacheRevision": .int(await store.cacheRevision),
                    "compactedRevision": .int(await store.compactedRevision),
                    "watches": .int(Int64(await store.watchCount)),
                ])
            default:
                return .error(APIError.notFound(path: request.path))
            }
        } catch let error as APIError {
            return .error(error)
        } catch {
            return .error(APIError.badRequest("\(error)"))
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
