import ArgumentParser
import FakeKubernetes
import FakeKubernetesTLS
import Foundation
import UnixSignals

/// `fake-apiserver`: serves a fake Kubernetes API on 127.0.0.1 until killed.
@main
struct FakeAPIServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-apiserver",
        abstract: "A fake kube-apiserver for tests, benchmarks and demos (HTTP, and HTTPS with --https, on 127.0.0.1).",
        discussion: """
            Prints the HTTP base URL as the first line on stdout once listening; with --https, the HTTPS base URL \
            as the second line. HTTPS uses a certificate for 127.0.0.1 and localhost signed by a CA generated at \
            start: --ca-file writes that CA (PEM) for clients to trust; --tls-directory keeps the CA and the serving \
            certificate across restarts. SIGTERM or SIGINT stops the server, writes --state-file, and exits 0; a \
            restart with the same --state-file serves the same objects at the same revision.
            """)

    @Option(help: "The port on 127.0.0.1; 0 picks a free one.")
    var port: UInt16 = 0

    @Option(help: "A YAML or JSON file of objects to seed (multi-document YAML, a List, or a JSON array).")
    var seedFile: String?

    @Option(help: "Generate this many nodes (with AWS providerIDs, DaemonSet pods, ReplicaSets and PDBs).")
    var nodes: Int = 0

    @Option(help: "Workload pods per generated node.")
    var podsPerNode: Int = 0

    @Option(help: "How long writes take to reach the watch cache, in milliseconds.")
    var watchCacheLagMs: Int = 0

    @Option(help: "Factor applied to pod grace periods by the simulated kubelet (0.01 turns 30 s into 0.3 s).")
    var timeScale: Double = 1

    @Option(help: "Seconds between watch bookmarks.")
    var bookmarkIntervalSeconds: Double = 60

    @Option(help: "The minor version /version reports (the gcloud kubectl dispatcher picks its kubectl by it).")
    var kubeMinorVersion: Int = 32

    @Flag(help: "Also serve HTTPS on 127.0.0.1, with a certificate signed by a freshly generated CA.")
    var https = false

    @Option(help: "The HTTPS port on 127.0.0.1 (with --https); 0 picks a free one.")
    var httpsPort: UInt16 = 0

    @Option(help: "Write the generated CA certificate (PEM) to this file before printing the URLs (with --https).")
    var caFile: String?

    @Option(
        help: """
            Keep the CA (ca.pem, ca-key.pem) and serving certificate (server.pem, server-key.pem) in this directory \
            (with --https): used when all four are there, else generated and written (keys mode 0600).
            """)
    var tlsDirectory: String?

    @Option(
        help: """
            Load every stored object and the revision from this file when it exists (then --seed-file and --nodes \
            are skipped), and write them to it atomically on SIGTERM or SIGINT.
            """)
    var stateFile: String?

    @Option(
        help: """
            On SIGTERM or SIGINT, once the server has stopped serving, write its ledger (the JSON of GET \
            /debug/ledger) to this file: every request this run served, those after a last read of /debug/ledger too.
            """)
    var ledgerFile: String?

    @Option(
        help: """
            Enforce the rules this multi-document YAML file (a rendered chart) grants --rbac-user through its \
            ClusterRoleBindings and RoleBindings (all its ClusterRoles and Roles when it holds no binding) on every \
            resource request: 403 Forbidden for anything else. /debug/* stays open.
            """)
    var rbacManifests: String?

    @Option(help: "The user the bindings of --rbac-manifests are resolved for, named in RBAC's 403 messages.")
    var rbacUser = "system:serviceaccount:kube-system:node-termination-handler"

    @Option(help: "The namespace of Roles that name none (with --rbac-manifests).")
    var rbacNamespace = "kube-system"

    @Flag(help: "Disable the simulated kubelet: terminating pods then stay forever, as under envtest.")
    var noKubelet = false

    func validate() throws {
        if !https && (caFile != nil || httpsPort != 0 || tlsDirectory != nil) {
            throw ValidationError("--ca-file, --https-port and --tls-directory need --https")
        }
    }

    func run() async throws {
        // Caught from the start, so that a stop during loading cannot skip writing the state.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let store = ClusterStore(configuration: storeConfiguration)
        let stateURL = stateFile.map { URL(fileURLWithPath: $0) }
        if let stateURL, FileManager.default.fileExists(atPath: stateURL.path) {
            try await store.restore(try ClusterSnapshot.read(from: stateURL))
        } else {
            try await seed(store)
        }
        let server = FakeAPIServer(store: store, configuration: try serverConfiguration())
        var output = try await server.start() + "\n"
        if let httpsURL = server.httpsBaseURL, let authority = server.certificateAuthorityPEM {
            if let caFile {
                try Data(authority.utf8).write(to: URL(fileURLWithPath: caFile), options: .atomic)
            }
            output += httpsURL + "\n"
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        for await _ in signals { break }
        await server.stop()
        if let stateURL {
            try await store.snapshot().write(to: stateURL)
        }
        if let ledgerFile {
            // After the state, so every write the state holds is in it.
            try JSONEncoder().encode(server.ledger.snapshot()).write(
                to: URL(fileURLWithPath: ledgerFile), options: .atomic)
        }
    }

    private var storeConfiguration: ClusterStore.Configuration {
        var configuration = ClusterStore.Configuration()
        configuration.cacheLag = .milliseconds(watchCacheLagMs)
        configuration.timeScale = timeScale
        configuration.kubeletEnabled = !noKubelet
        configuration.bookmarkInterval = .milliseconds(Int64(bookmarkIntervalSeconds * 1000))
        return configuration
    }

    private func seed(_ store: ClusterStore) async throws {
        if let seedFile {
            try await SeedFile.seed(try SeedFile.objects(at: URL(fileURLWithPath: seedFile)), into: store)
        }
        if nodes > 0 {
            try await store.seed(all: ClusterGenerator(nodes: nodes, podsPerNode: podsPerNode).objects())
        }
    }

    private func serverConfiguration() throws -> FakeAPIServer.Configuration {
        var configuration = FakeAPIServer.Configuration()
        configuration.port = port
        configuration.kubernetesMinorVersion = kubeMinorVersion
        if https {
            var credentials: TLSCredentials?
            if let tlsDirectory {
                let directory = URL(fileURLWithPath: tlsDirectory)
                if let saved = try TLSCredentials.read(from: directory) {
                    credentials = saved
                } else {
                    let generated = try TLSCredentials.generate()
                    try generated.write(to: directory)
                    credentials = generated
                }
            }
            configuration.serveHTTPS(port: httpsPort, credentials: credentials)
        }
        if let rbacManifests {
            let text = try String(contentsOf: URL(fileURLWithPath: rbacManifests), encoding: .utf8)
            configuration.accessRules = try AccessRules(
                boundManifests: text, defaultNamespace: rbacNamespace, user: rbacUser)
            if configuration.accessRules?.rules.isEmpty ?? true {
                throw ValidationError(
                    "\(rbacManifests) grants \(rbacUser) no rules (no ClusterRole or Role with rules, or none bound "
                        + "to that user): every request would be denied")
            }
        }
        return configuration
    }
}
