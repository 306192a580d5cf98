// swift-tools-version:6.2
import PackageDescription

/// Settings every target of ours shares: Swift 6 language mode (set package-wide below), the upcoming features the
/// style guide asks for, and warnings as errors.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "node-termination-handler",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "node-termination-handler", targets: ["node-termination-handler"]),
        .library(name: "HTTPClient", targets: ["HTTPClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: Foundations: small modules with one job each and no I/O, below everything else.

        // The one lock type (a value behind a pthread mutex, which ThreadSanitizer sees; it does not see
        // Synchronization.Mutex on Linux), the one priority waiter and the one coalescing primitive.
        .target(
            name: "Locking",
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "LockingTests",
            dependencies: ["Locking", "TestSupport"],
            swiftSettings: strictSettings
        ),

        // The one clock (`WallClock`): the wall time and the sleeps every loop and client is given; `ManualClock`, so
        // tests drive time by hand.
        .target(
            name: "Clocks",
            dependencies: ["Locking"],
            swiftSettings: strictSettings
        ),

        // RFC 3339 and RFC 1123 times, parsed and formatted by hand (no Foundation date styles, so no ICU data).
        .target(
            name: "Timestamps",
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "TimestampsTests",
            dependencies: ["Timestamps"],
            swiftSettings: strictSettings
        ),

        // The one JSON value type (integers and doubles apart; parsed, serialized with keys sorted, Codable): the
        // Kubernetes client's patch bodies and unmodelled fields, interruption event bodies, and every object the
        // fake apiserver stores.
        .target(
            name: "JSONValues",
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "JSONValuesTests",
            dependencies: ["JSONValues"],
            swiftSettings: strictSettings
        ),

        // MARK: System libraries: module maps over the distribution's headers, found through pkg-config, with the
        // apt package SwiftPM names when one is missing.

        // libcurl, for HTTPClient.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // libcrypto, for SigV4's SHA-256 and HMAC.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),

        // libxml2's streaming reader, for the AWS query protocol's XML.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),

        // glibc's <malloc.h> (malloc_trim, which the Glibc module leaves out), for the controller's idle heap. libc
        // itself: no package, nothing to link.
        .systemLibrary(name: "CGlibcMalloc"),

        // libssl and libcrypto for the fake apiserver's HTTPS front end and its generated certificates.
        .systemLibrary(
            name: "COpenSSLTLS",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),

        // MARK: Clients: HTTP, request signing, AWS and Kubernetes, each over the layers above.

        // HTTP over libcurl's multi interface: one driver thread for every transfer.
        .target(
            name: "HTTPClient",
            dependencies: ["CCurl", "Locking"],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "HTTPClientTests",
            dependencies: ["HTTPClient", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),

        // AWS Signature Version 4: pure, no I/O; SHA-256 and HMAC from libcrypto.
        .target(
            name: "SigV4",
            dependencies: ["COpenSSL", "Locking", "Timestamps"],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "SigV4Tests",
            dependencies: ["SigV4", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),

        // The AWS clients: credentials chain, endpoints, retries; SQS (JSON 1.0), EC2, Auto Scaling and STS (query
        // protocol, XML through libxml2's streaming reader).
        .target(
            name: "AWS",
            dependencies: ["Clocks", "HTTPClient", "SigV4", "CLibXML2", "Locking", "Timestamps"],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "AWSTests",
            dependencies: ["AWS", "Clocks", "HTTPClient", "Locking", "SigV4", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),

        // The Kubernetes client: configuration (in-cluster, kubeconfig, exec plugins), typed resources, verbs, a
        // token-bucket rate limiter that serves cordons first, and a list-then-watch informer.
        .target(
            name: "Kubernetes",
            dependencies: [
                "Clocks", "HTTPClient", "JSONValues", "Locking", "Timestamps", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "KubernetesTests",
            dependencies: [
                "Kubernetes", "FakeKubernetes", "FakeKubernetesTLS", "JSONValues", "Locking", "TestSupport",
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),

        // MARK: The domain: what an interruption means and what to do about it; pure.

        // Event decoding, instance jobs, action policy, drain rules. Pure: Foundation, JSONValues and Timestamps only.
        .target(
            name: "Interruption",
            dependencies: ["JSONValues", "Timestamps"],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "InterruptionTests",
            dependencies: ["Interruption", "Timestamps"],
            swiftSettings: strictSettings
        ),

        // MARK: The running system, and the executable users run.

        // The running system: pollers, node index, job coordinator, drainer, lifecycle hooks, leader election.
        .target(
            name: "Controller",
            dependencies: [
                "Clocks", "Interruption", "Kubernetes", "AWS", "HTTPClient", "JSONValues", "Locking", "Timestamps",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "Clocks", "Controller", "ControllerFakes", "FakeKubernetes", "Kubernetes", "Interruption", "AWS",
                "HTTPClient", "JSONValues", "Locking",
                "SigV4", "TestSupport", .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),

        // The executable: `run` with NTH's environment variables, the metrics and probe servers, `simulate`.
        .executableTarget(
            name: "node-termination-handler",
            dependencies: [
                "NoDelaySockets",
                .target(name: "CGlibcMalloc", condition: .when(platforms: [.linux])),
                "AWS", "Clocks", "Controller", "HTTPClient", "Kubernetes", "Locking", "Simulation", "Timestamps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "NodeTerminationHandlerTests",
            dependencies: [
                "node-termination-handler", "Controller", "Interruption", "AWS", "FakeKubernetes", "FakeKubernetesTLS",
                "JSONValues", "Locking",
                "HTTPClient",
                "SigV4", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // The one FlyingFox socket pool of the project's HTTP servers (fakes, metrics, probes): TCP_NODELAY on.
        .target(
            name: "NoDelaySockets",
            dependencies: [.product(name: "FlyingSocks", package: "FlyingFox")],
            swiftSettings: strictSettings
        ),

        // MARK: Fakes: peers for tests, benchmarks and `simulate`, each checked against the real thing (kubectl,
        // moto).

        // A fake apiserver for tests, benchmarks and `simulate`: resourceVersion and watch-cache semantics, a request
        // ledger, PodDisruptionBudgets, a simulated kubelet, injectable faults. Stores objects as generic JSON
        // (JSONValues), with its own merge, strategic merge and JSON patch.
        .target(
            name: "FakeKubernetes",
            dependencies: [
                "NoDelaySockets",
                "JSONValues", "Locking", "Timestamps",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        // The fake apiserver's HTTPS front end and its certificates (libssl), apart so that `simulate`, which links
        // the fake into the product binary, links no libssl.
        .target(
            name: "FakeKubernetesTLS",
            dependencies: ["COpenSSLTLS", "FakeKubernetes", "Locking"],
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "fake-apiserver",
            dependencies: [
                "FakeKubernetes", "FakeKubernetesTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/fake-apiserver",
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "FakeKubernetesTests",
            dependencies: ["FakeKubernetes", "FakeKubernetesTLS", "HTTPClient", "JSONValues", "TestSupport"],
            swiftSettings: strictSettings
        ),

        // A fake SQS for benchmarks and the fault suite: the AWS JSON 1.0 protocol with SigV4 verified by the SigV4
        // module, visibility, receive counts, long polling and batch partial failures; checked against moto by
        // Tests/FakeSQS (docs/fake-sqs.md).
        .target(
            name: "FakeSQS",
            dependencies: [
                "NoDelaySockets",
                "COpenSSL", "Locking", "SigV4", "Timestamps",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "fake-sqs",
            dependencies: [
                "AWS", "FakeSQS", "HTTPClient", "Locking", "SigV4",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/fake-sqs",
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "FakeSQSTests",
            dependencies: ["FakeSQS", "AWS", "HTTPClient", "SigV4", "TestSupport"],
            swiftSettings: strictSettings
        ),

        // `simulate`: a mass interruption against in-process fakes (the fake apiserver, an in-memory queue, EC2 and
        // Auto Scaling) with the real controller.
        // In-memory SQS, EC2 and Auto Scaling for the controller: `simulate` runs on them, the controller's tests too.
        .target(
            name: "ControllerFakes",
            dependencies: ["Clocks", "Controller", "Interruption", "Locking"],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "ControllerFakesTests",
            dependencies: ["Clocks", "Controller", "ControllerFakes", "Interruption", "TestSupport"],
            swiftSettings: strictSettings
        ),

        .target(
            name: "Simulation",
            dependencies: [
                "Controller", "ControllerFakes", "FakeKubernetes", "HTTPClient", "Interruption", "JSONValues",
                "Kubernetes", "Locking", "Timestamps", .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"), .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "SimulationTests",
            dependencies: [
                "Simulation", "Controller", "FakeKubernetes", "Interruption", "Locking",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Shared by the test targets only.

        // Child-process fixtures and waits off the cooperative pool, the moto server with auth on, the one bounded
        // wait.
        .target(
            name: "TestSupport",
            dependencies: ["AWS", "Clocks", "HTTPClient", "SigV4"],
            path: "Tests/Support",
            swiftSettings: strictSettings
        ),

        // MARK: Benchmarks (run by scripts/bench-*, never by the tests).

        // The HTTP client against curl (scripts/bench-http).
        .executableTarget(
            name: "http-bench",
            dependencies: ["HTTPClient"],
            swiftSettings: strictSettings
        ),

        // Signing throughput (scripts/bench-sigv4).
        .executableTarget(
            name: "sigv4-bench",
            dependencies: ["SigV4"],
            path: "Sources/sigv4-bench",
            swiftSettings: strictSettings
        ),

        // A mass spot reclaim, end to end (scripts/bench-burst).
        .executableTarget(
            name: "burst-bench",
            dependencies: [
                "AWS", "FakeKubernetes", "HTTPClient", "JSONValues", "Kubernetes", "Locking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),

        // The controller's cordon and drain of N nodes at once against a fake-apiserver process, beside the real
        // `kubectl drain` on the same cluster (scripts/bench-drain).
        .executableTarget(
            name: "drain-bench",
            dependencies: ["Controller", "FakeKubernetes", "HTTPClient", "Interruption", "JSONValues", "Kubernetes"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
