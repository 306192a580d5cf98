import FakeKubernetes
import Foundation
import HTTPClient
import JSONValues
import Testing

@Suite("The ledger's user and time")
struct LedgerIdentityTests {
    @Test("a request with a bearer token is recorded with that token as its user, one without with none; both timed")
    func userAndTime() async throws {
        try await withFakeCluster { cluster in
            try await cluster.store.seed(ObjectFactory.node(name: "node-1", instanceID: "i-00000000000000001"))
            let before = Date().timeIntervalSince1970
            let user = "system:serviceaccount:kube-system:node-termination-handler"
            let authorized = try await cluster.request(
                .get, "/api/v1/nodes/node-1", headers: [("Authorization", "Bearer \(user)")])
            #expect(authorized.status == 200)
            let anonymous = try await cluster.request(.get, "/api/v1/nodes")
            #expect(anonymous.status == 200)
            let basic = try await cluster.request(.get, "/api/v1/nodes", headers: [("Authorization", "Basic YTpi")])
            #expect(basic.status == 200)
            let after = Date().timeIntervalSince1970

            let entries = cluster.server.ledger.snapshot().entries
            try #require(entries.count == 3)
            #expect(entries.map(\.user) == [user, nil, nil])
            #expect(entries.allSatisfy { $0.time >= before && $0.time <= after })
            #expect(entries[0].time <= entries[1].time && entries[1].time <= entries[2].time)

            // Over HTTP: `user` and `time` in each entry, `user` left out when there is none.
            let response = try await cluster.request(.get, "/debug/ledger")
            let json = try #require(response.json["entries"].arrayValue)
            #expect(json.map { $0["user"] } == [.string(user), .null, .null])
            #expect(json.allSatisfy { ($0["time"].doubleValue ?? 0) >= before })
            let raw = try #require(json.last)
            #expect(raw["method"] == "GET" && raw["status"] == 200)
        }
    }

    @Test("a ledger entry written before user and time existed still decodes")
    func oldEntryDecodes() throws {
        let old = #"{"method":"GET","path":"/api/v1/nodes","query":"","requestClass":"consistentRead","status":200}"#
        let entry = try JSONDecoder().decode(LedgerEntry.self, from: Data(old.utf8))
        #expect(entry.user == nil)
        #expect(entry.time == 0)
        #expect(entry.line == "GET /api/v1/nodes")
    }

    @Test(
        "only the Bearer scheme names a user",
        arguments: [
            ("Bearer alice", "alice"), ("bearer  bob ", "bob"), ("Basic YWxpY2U6cGFzcw==", nil), ("Bearer", nil),
            ("", nil),
        ] as [(String, String?)])
    func bearerOnly(header: String, user: String?) {
        #expect(LedgerEntry.user(authorization: header) == user)
    }
}
