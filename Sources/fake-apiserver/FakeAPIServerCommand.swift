import ArgumentParser
import FakeKubernetes
import Foundation

/// `fake-apiserver`: serves a fake Kubernetes API on 127.0.0.1 until killed.
@main
struct FakeAPIServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-apiserver",
        abstract: "A fake kube-apiserver for tests, benchmarks and demos (HTTP, and HTTPS with --https, on 127.0.0.1).",
        discussion: """
            Prints the HTTP base URL as the first line on stdout once listening; with --https, the HTTPS base URL \
            as the second line. HTTPS uses a certificate for 127.0.0.1 and localhost signed by a CA generated at \
            start: --ca-file writes that CA (PEM) for clients to trust.
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

    @Flag(help: "Disable the simulated kubelet: terminating pods then stay forever, as under envtest.")
    var noKubelet = false

    func validate() throws {
        if !https && (caFile != nil || httpsPort != 0) {
            throw ValidationError("--ca-file and --https-port need --https")
        }
    }

    func run() async throws {
        var storeConfiguration = ClusterStore.Configuration()
        storeConfiguration.cacheLag = .milliseconds(watchCacheLagMs)
        storeConfiguration.timeScale = timeScale
        storeConfiguration.kubeletEnabled = !noKubelet
        storeConfiguration.bookmarkInterval = .milliseconds(Int64(bookmarkIntervalSeconds * 1000))
        let store = ClusterStore(configuration: storeConfiguration)
        if let seedFile {
            try await SeedFile.seed(try SeedFile.objects(at: URL(fileURLWithPath: seedFile)), into: store)
        }
        if nodes > 0 {
            try await store.seed(all: ClusterGenerator(nodes: nodes, podsPerNode: podsPerNode).objects())
        }
        var serverConfiguration = FakeAPIServer.Configuration()
        serverConfiguration.port = port
        serverConfiguration.kubernetesMinorVersion = kubeMinorVersion
        serverConfiguration.tls = https
        serverConfiguration.tlsPort = httpsPort
        let server = FakeAPIServer(store: store, configuration: serverConfiguration)
        var output = try await server.start() + "\n"
        if let httpsURL = server.httpsBaseURL, let authority = server.certificateAuthorityPEM {
            if let caFile {
                try Data(authority.utf8).write(to: URL(fileURLWithPath: caFile), options: .atomic)
            }
            output += httpsURL + "\n"
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(3600))
        }
        await server.stop()
    }
}
