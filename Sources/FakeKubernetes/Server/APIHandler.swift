import Foundation
import JSONValues

/// Serves API requests from the store: routing, verbs, classification for the ledger, faults.
struct APIHandler: Sendable {
    let store: ClusterStore
    let ledger: RequestLedger
    let faults: FaultInjector
    let kubernetesMinorVersion: Int
    let serverAddress: @Sendable () -> String
    /// RBAC; `nil` allows everything.
    var accessRules: AccessRules?

    func handle(_ request: APIRequest) async -> APIResponse {
        let route = APIRoute(path: request.path)
        if case .debug(let name) = route { return await debug(name, request) }
        let (verb, requestClass) = classify(route, request)
        var response: APIResponse
        let drawn = faults.draw(verb: verb)
        if drawn.latency > .zero { try? await Task.sleep(for: drawn.latency) }
        if let injected = drawn.error {
            response = Self.injectedError(injected)
        } else if let denial = authorize(route, verb: verb, request) {
            response = .error(denial)
        } else {
            do {
                response = try await serve(route, verb: verb, request)
            } catch let error as APIError {
                response = .error(error)
            } catch {
                response = .error(APIError(code: 500, reason: "InternalError", message: "\(error)"))
            }
        }
        response.dropConnection = drawn.drop
        ledger.record(
            LedgerEntry(
                method: request.method, path: request.path, query: request.rawQuery, requestClass: requestClass,
                status: response.status, kubectlCommand: request.headers["kubectl-command"],
                user: LedgerEntry.user(authorization: request.headers["authorization"]),
                time: Date().timeIntervalSince1970))
        return response
    }

    static func injectedError(_ fault: FaultPlan.ErrorRate) -> APIResponse {
        let reasons = [
            429: "TooManyRequests", 503: "ServiceUnavailable", 500: "InternalError", 403: "Forbidden",
        ]
        if fault.status == 429, fault.retryAfterSeconds != nil {
            // What max-inflight and APF send: plain text, not a Status.
            return APIResponse(
                status: 429,
                headers: [("Content-Type", "text/plain"), ("Retry-After", String(fault.retryAfterSeconds ?? 1))],
                body: .data(Data("Too many requests, please try again later.\n".utf8)))
        }
        return .error(
            APIError(
                code: fault.status, reason: reasons[fault.status] ?? "InternalError",
                message: "injected fault: \(fault.status)", retryAfterSeconds: fault.retryAfterSeconds))
    }

    /// The 403 for a resource request the access rules do not allow; `nil` when allowed (or there are no rules).
    func authorize(_ route: APIRoute, verb: String, _ request: APIRequest) -> APIError? {
        guard let accessRules, case .resource(let target) = route else { return nil }
        let rbacVerb = verb == "evict" ? "create" : verb
        let resource = target.subresource.map { "\(target.resource.plural)/\($0)" } ?? target.resource.plural
        guard
            !accessRules.allows(
                verb: rbacVerb, group: target.resource.group, resource: resource, namespace: target.namespace)
        else { return nil }
        return accessRules.forbidden(verb: rbacVerb, target: target)
    }

    /// The verb (for faults) and ledger class of a request.
    func classify(_ route: APIRoute, _ request: APIRequest) -> (verb: String, class: RequestClass) {
        switch route {
        case .version, .apiVersions, .apiGroups, .groupVersion, .openAPI: return ("discovery", .discovery)
        case .debug, .unknown: return ("other", .other)
        case .resource(let target):
            switch request.method {
            case "GET":
                if target.name != nil {
                    return ("get", request.query["resourceVersion"] == "0" ? .cacheRead : .consistentRead)
                }
                if Self.isWatch(request) { return ("watch", .watch) }
                let source = try? ClusterStore.source(of: listRequest(target, request, strict: false))
                return ("list", source == .cache ? .cacheRead : .consistentRead)
            case "POST" where target.subresource == "eviction": return ("evict", .eviction)
            case "POST": return ("create", .write)
            case "PUT": return ("update", .write)
            case "PATCH": return ("patch", .write)
            case "DELETE": return ("delete", .write)
            default: return ("other", .other)
            }
        }
    }

    static func isWatch(_ request: APIRequest) -> Bool {
        ["1", "true"].contains(request.query["watch"]?.lowercased() ?? "")
    }

    private func serve(_ route: APIRoute, verb: String, _ request: APIRequest) async throws -> APIResponse {
        switch route {
        case .version: return .json(Discovery.version(minor: kubernetesMinorVersion))
        case .apiVersions: return .json(Discovery.apiVersions(serverAddress: serverAddress()))
        case .apiGroups: return .json(Discovery.apiGroupList())
        case .groupVersion(let group, let version):
            guard let list = Discovery.resourceList(group: group, version: version) else {
                throw APIError.notFound(path: request.path)
            }
            return .json(list)
        case .openAPI, .unknown, .debug: throw APIError.notFound(path: request.path)
        case .resource(let target): return try await serve(target, verb: verb, request)
        }
    }

    private func serve(_ target: APIRoute.ResourceRoute, verb: String, _ request: APIRequest) async throws
        -> APIResponse
    {
        guard target.resource == .events else { return try await serveStored(target, verb: verb, request) }
        // One store for both Event APIs: events.k8s.io/v1 is the core shape converted both ways.
        var core = target
        core.resource = .coreEvents
        var converted = request
        if !request.body.isEmpty, let body = try? JSONValue(parsing: request.body) {
            let isJSONPatch = request.headers["content-type"]?.contains("json-patch+json") == true
            converted.body = (isJSONPatch ? EventConversion.jsonPatchToCore(body) : EventConversion.toCore(body))
                .serialized()
        }
        if let selector = request.query["fieldSelector"] {
            converted.query["fieldSelector"] = EventConversion.fieldSelectorToCore(selector)
        }
        let response = try await serveStored(core, verb: verb, converted)
        var events = response
        switch response.body {
        case .stream(let stream):
            events.body = .stream(EventConversion.toEventsStream(stream))
        case .data(let data):
            guard !(request.headers["accept"] ?? "").contains("as=Table"), let object = try? JSONValue(parsing: data)
            else {
                return response
            }
            events.body = .data(EventConversion.toEventsResponse(object).serialized())
        }
        return events
    }

    private func serveStored(_ target: APIRoute.ResourceRoute, verb: String, _ request: APIRequest) async throws
        -> APIResponse
    {
        let resource = target.resource
        let namespace = target.namespace ?? ""
        switch (verb, target.name, target.subresource) {
        case ("get", let name?, nil), ("get", let name?, "status"):
            let object = try await store.get(
                resource, namespace: namespace, name: name, resourceVersion: request.query["resourceVersion"])
            return try await render(object, request)
        case ("watch", nil, nil):
            let watch = WatchRequest(
                resource: resource, namespace: target.namespace, labels: try labels(request),
                fields: try fields(resource, request), resourceVersion: request.query["resourceVersion"],
                allowBookmarks: request.query["allowWatchBookmarks"] == "true",
                sendInitialEvents: request.query["sendInitialEvents"].map { $0 == "true" },
                timeout: request.query["timeoutSeconds"].flatMap(Int64.init).map { .seconds($0) })
            return APIResponse(status: 200, body: .stream(await store.watch(watch)))
        case ("list", nil, nil):
            let (list, _) = try await store.list(try listRequest(target, request, strict: true))
            return try await render(list, request)
        case ("create", nil, nil):
            let object = try await store.create(resource, namespace: namespace, object: try body(request))
            return try await render(object, request, status: 201)
        case ("update", let name?, let subresource):
            let object = try await store.update(
                resource, namespace: namespace, name: name, object: try body(request), subresource: subresource)
            return try await render(object, request)
        case ("patch", let name?, let subresource):
            guard let type = PatchType(contentType: request.headers["content-type"] ?? "") else {
                throw APIError.unsupportedMediaType(request.headers["content-type"] ?? "")
            }
            let object = try await store.patch(
                resource, namespace: namespace, name: name, type: type, patch: try body(request),
                subresource: subresource)
            return try await render(object, request)
        case ("delete", let name?, nil):
            var options = JSONValue.emptyObject
            if !request.body.isEmpty, request.headers["content-type"]?.contains("json") ?? true {
                options = try body(request)
            }
            if let grace = request.query["gracePeriodSeconds"].flatMap(Int64.init) {
                options["gracePeriodSeconds"] = .int(grace)
            }
            if request.query["dryRun"] != nil { options["dryRun"] = ["All"] }
            let deleted = try await store.delete(
                resource, namespace: namespace, name: name, options: ClusterStore.DeleteOptions(json: options))
            if resource == .pods { return .json(deleted) }
            return .json([
                "kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success",
                "details": [
                    "name": .string(name), "kind": .string(resource.plural),
                    "uid": deleted["metadata"]["uid"],
                ],
            ])
        case ("evict", let name?, "eviction") where resource == .pods:
            let status = try await store.evict(namespace: namespace, name: name, eviction: try body(request))
            return .json(status, status: 201)
        default:
            throw APIError.methodNotAllowed(request.method)
        }
    }

    /// The object as JSON, or as a `meta.k8s.io/v1` Table when the client asked for one.
    private func render(_ object: JSONValue, _ request: APIRequest, status: Int = 200) async throws -> APIResponse {
        if (request.headers["accept"] ?? "").contains("as=Table") {
            var response = APIResponse.json(TableRenderer.table(for: object), status: status)
            response.headers = [("Content-Type", "application/json;as=Table;v=v1;g=meta.k8s.io")]
            return response
        }
        return .json(object, status: status)
    }

    func listRequest(_ target: APIRoute.ResourceRoute, _ request: APIRequest, strict: Bool) throws -> ListRequest {
        var list = ListRequest(resource: target.resource, namespace: target.namespace)
        list.resourceVersion = request.query["resourceVersion"]
        list.resourceVersionMatch = request.query["resourceVersionMatch"]
        list.limit = request.query["limit"].flatMap(Int.init)
        list.continueToken = request.query["continue"]
        if strict {
            list.labels = try labels(request)
            list.fields = try fields(target.resource, request)
        }
        return list
    }

    private func labels(_ request: APIRequest) throws -> LabelSelector {
        try request.query["labelSelector"].map { try LabelSelector(parsing: $0) } ?? .everything
    }

    private func fields(_ resource: ResourceType, _ request: APIRequest) throws -> FieldSelector {
        try request.query["fieldSelector"].map {
            try FieldSelector(parsing: $0, allowed: resource.selectableFields)
        } ?? .everything
    }

    private func body(_ request: APIRequest) throws -> JSONValue {
        let contentType = request.headers["content-type"] ?? "application/json"
        if contentType.contains("protobuf") || contentType.contains("cbor") {
            throw APIError(
                code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json, application/yaml")
        }
        do {
            return try JSONValue(parsing: request.body)
        } catch {
            throw APIError.badRequest("the body of the request is not valid JSON")
        }
    }
}
