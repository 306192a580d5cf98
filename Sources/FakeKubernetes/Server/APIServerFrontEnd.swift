/// A listener in front of the fake apiserver's HTTP port that serves it over another transport: the HTTPS front end
/// of the `FakeKubernetesTLS` module (``FakeAPIServer/Configuration/frontEnd``). It lives there, not here, so that
/// what links the fake apiserver (`simulate` in the product binary) does not link libssl.
public protocol APIServerFrontEnd: Sendable {
    /// The port it listens on, on 127.0.0.1.
    var port: UInt16 { get }
    /// The PEM of the CA clients must trust (a kubeconfig's `certificate-authority-data` is its base64), if it
    /// serves TLS.
    var certificateAuthorityPEM: String? { get }
    /// Stops listening and closes its connections.
    func stop() async
}
