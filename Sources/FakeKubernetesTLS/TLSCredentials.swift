import COpenSSLTLS
import Foundation

/// A certificate authority generated in process with libcrypto, and a serving certificate it signed, for the fake
/// apiserver's HTTPS listener.
///
/// Both keys are EC P-256. The CA is self-signed with `basicConstraints` `CA:TRUE` (critical) and `keyUsage`
/// `keyCertSign`; the serving certificate carries the `subjectAltName`s given (by default `IP:127.0.0.1` and
/// `DNS:localhost`), `extendedKeyUsage` `serverAuth`, and is valid from an hour ago (clock skew) for ``lifetime``.
/// Clients trust ``certificateAuthorityPEM`` (a kubeconfig's `certificate-authority-data` is its base64). The CA's
/// private key is kept in ``certificateAuthorityKeyPEM`` only so that ``write(to:)`` can save the whole identity
/// for a restart; serving never uses it.
public struct TLSCredentials: Sendable, Equatable {
    /// The CA certificate, PEM.
    public var certificateAuthorityPEM: String
    /// The serving certificate, PEM.
    public var certificatePEM: String
    /// The serving certificate's private key, PKCS#8 PEM.
    public var privateKeyPEM: String
    /// The CA's private key, PKCS#8 PEM, when known (``generate(ipAddresses:dnsNames:lifetime:)`` sets it).
    public var certificateAuthorityKeyPEM: String?

    /// Wraps existing PEM material.
    public init(
        certificateAuthorityPEM: String, certificatePEM: String, privateKeyPEM: String,
        certificateAuthorityKeyPEM: String? = nil
    ) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.certificateAuthorityKeyPEM = certificateAuthorityKeyPEM
    }

    /// Generates a fresh CA and a serving certificate signed by it.
    /// - Parameters:
    ///   - ipAddresses: IP subjectAltNames of the serving certificate.
    ///   - dnsNames: DNS subjectAltNames of the serving certificate.
    ///   - lifetime: how long both certificates stay valid from now (they start an hour in the past).
    /// - Throws: ``TLSError`` with code ``TLSError/Code/certificateGeneration`` naming the OpenSSL call that failed.
    public static func generate(
        ipAddresses: [String] = ["127.0.0.1"], dnsNames: [String] = ["localhost"], lifetime: Duration = .seconds(86_400)
    ) throws(TLSError) -> TLSCredentials {
        let seconds = Int(lifetime.components.seconds)
        let tag = UUID().uuidString.prefix(8).lowercased()

        let authorityKey = try generateKey("the CA key")
        defer { EVP_PKEY_free(authorityKey) }
        let authority = try newCertificate(
            key: authorityKey, commonName: "fake-apiserver CA \(tag)", lifetimeSeconds: seconds, what: "the CA")
        defer { X509_free(authority) }
        try addExtensions(
            to: authority, issuer: authority, what: "the CA",
            [
                ("basicConstraints", "critical,CA:TRUE"),
                ("keyUsage", "critical,keyCertSign,cRLSign,digitalSignature"),
                ("subjectKeyIdentifier", "hash"),
            ])
        try sign(authority, issuer: authority, key: authorityKey, what: "the CA")

        let servingKey = try generateKey("the serving key")
        defer { EVP_PKEY_free(servingKey) }
        let serving = try newCertificate(
            key: servingKey, commonName: "fake-apiserver \(tag)", lifetimeSeconds: seconds,
            what: "the serving certificate")
        defer { X509_free(serving) }
        let names = ipAddresses.map { "IP:\($0)" } + dnsNames.map { "DNS:\($0)" }
        try addExtensions(
            to: serving, issuer: authority, what: "the serving certificate",
            [
                ("basicConstraints", "critical,CA:FALSE"),
                ("keyUsage", "critical,digitalSignature"),
                ("extendedKeyUsage", "serverAuth"),
                ("subjectAltName", names.joined(separator: ",")),
                ("subjectKeyIdentifier", "hash"),
                ("authorityKeyIdentifier", "keyid:always"),
            ])
        try sign(serving, issuer: authority, key: authorityKey, what: "the serving certificate")

        return TLSCredentials(
            certificateAuthorityPEM: try pem("PEM_write_bio_X509 (the CA)") { nth_tls_certificate_pem(authority, $0) },
            certificatePEM: try pem("PEM_write_bio_X509 (the serving certificate)") {
                nth_tls_certificate_pem(serving, $0)
            },
            privateKeyPEM: try pem("PEM_write_bio_PrivateKey (the serving key)") {
                nth_tls_private_key_pem(servingKey, $0)
            },
            certificateAuthorityKeyPEM: try pem("PEM_write_bio_PrivateKey (the CA key)") {
                nth_tls_private_key_pem(authorityKey, $0)
            })
    }

    private static func generateKey(_ what: String) throws(TLSError) -> OpaquePointer {
        guard let key = nth_tls_generate_p256_key() else {
            throw .openSSL(.certificateGeneration, "EVP_PKEY_Q_keygen (EC P-256, \(what))")
        }
        return key
    }

    private static func newCertificate(
        key: OpaquePointer, commonName: String, lifetimeSeconds: Int, what: String
    ) throws(TLSError) -> OpaquePointer {
        guard let certificate = nth_tls_certificate_new(key, commonName, -3600, lifetimeSeconds) else {
            throw .openSSL(.certificateGeneration, "X509_new and its fields (\(what))")
        }
        return certificate
    }

    private static func addExtensions(
        to certificate: OpaquePointer, issuer: OpaquePointer, what: String, _ extensions: [(String, String)]
    ) throws(TLSError) {
        for (name, value) in extensions
        where nth_tls_certificate_add_extension(certificate, issuer, name, value) != 1 {
            throw .openSSL(.certificateGeneration, "X509V3_EXT_nconf \(name)=\(value) (\(what))")
        }
    }

    private static func sign(
        _ certificate: OpaquePointer, issuer: OpaquePointer, key: OpaquePointer, what: String
    ) throws(TLSError) {
        guard nth_tls_certificate_sign(certificate, issuer, key) == 1 else {
            throw .openSSL(.certificateGeneration, "X509_sign (\(what))")
        }
    }

    /// Runs an encoder that fills a malloc'd buffer and returns its length, and copies the text out.
    private static func pem(
        _ operation: String, _ encode: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int
    ) throws(TLSError) -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        let length = encode(&buffer)
        guard length >= 0, let buffer else {
            throw .openSSL(.certificateGeneration, operation)
        }
        defer { nth_tls_free(buffer) }
        return String(cString: buffer)
    }
}

/// An `SSL_CTX` built once from ``TLSCredentials`` and then only read.
///
/// `@unchecked Sendable`: after `init` nothing mutates the context; the relay threads only pass it to `SSL_new`,
/// which OpenSSL allows from many threads at once (and which takes its own reference).
final class TLSServerContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Parses the PEMs and configures a TLS 1.2+ server context that sends the serving certificate and the CA.
    /// - Throws: ``TLSError`` with code ``TLSError/Code/configuration``.
    init(credentials: TLSCredentials) throws(TLSError) {
        guard let certificate = Self.certificate(credentials.certificatePEM) else {
            throw .openSSL(.configuration, "PEM_read_bio_X509 (the serving certificate)")
        }
        defer { X509_free(certificate) }
        guard let authority = Self.certificate(credentials.certificateAuthorityPEM) else {
            throw .openSSL(.configuration, "PEM_read_bio_X509 (the CA)")
        }
        defer { X509_free(authority) }
        let keyPEM = credentials.privateKeyPEM
        guard let key = keyPEM.withCString({ nth_tls_private_key_from_pem($0, Int32(keyPEM.utf8.count)) }) else {
            throw .openSSL(.configuration, "PEM_read_bio_PrivateKey (the serving key)")
        }
        defer { EVP_PKEY_free(key) }
        guard let context = nth_tls_server_context_new(certificate, key, authority) else {
            throw .openSSL(
                .configuration, "SSL_CTX_new/SSL_CTX_use_certificate/SSL_CTX_use_PrivateKey/SSL_CTX_check_private_key")
        }
        pointer = context
    }

    deinit { SSL_CTX_free(pointer) }

    private static func certificate(_ pem: String) -> OpaquePointer? {
        pem.withCString { nth_tls_certificate_from_pem($0, Int32(pem.utf8.count)) }
    }
}
