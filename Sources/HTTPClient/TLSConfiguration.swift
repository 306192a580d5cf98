public import Foundation

/// PEM-encoded material given either as a file path or as bytes in memory (Kubernetes gives a CA file in-cluster
/// and base64 data in a kubeconfig).
public enum PEMSource: Sendable, Equatable {
    /// A PEM file on disk, read by libcurl (and re-read on every new connection).
    case file(String)
    /// PEM bytes in memory.
    case bytes(Data)
}

/// TLS settings for a request. Peers are verified against the system trust store unless a CA is given; turning
/// verification off is possible only through the explicitly named ``CertificateVerification/noneInsecureForTestsOnly``.
public struct TLSConfiguration: Sendable, Equatable {
    /// How the server's certificate is checked.
    public enum CertificateVerification: Sendable, Equatable {
        /// Verify the chain and the host name (the default and the only production setting).
        case full
        /// No verification at all. Anyone on the path can read and change the traffic: for tests only (and for a
        /// kubeconfig that says `insecure-skip-tls-verify: true`, which then logs a warning).
        case noneInsecureForTestsOnly
    }

    /// The certificate authorities to trust instead of the system store.
    public var certificateAuthority: PEMSource?
    /// A client certificate to present.
    public var clientCertificate: PEMSource?
    /// The private key of the client certificate.
    public var clientKey: PEMSource?
    /// Peer verification; ``CertificateVerification/full`` by default.
    public var verification: CertificateVerification

    /// Creates TLS settings; with no arguments, the system trust store and full verification.
    public init(
        certificateAuthority: PEMSource? = nil,
        clientCertificate: PEMSource? = nil,
        clientKey: PEMSource? = nil,
        verification: CertificateVerification = .full
    ) {
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.verification = verification
    }
}
