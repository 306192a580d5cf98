import COpenSSLTLS
import Foundation

/// A failure of the fake apiserver's HTTPS side: generating its certificates, configuring TLS, or listening.
public struct TLSError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What failed.
    public enum Code: Sendable, Equatable {
        /// A key or certificate could not be generated, signed or encoded.
        case certificateGeneration
        /// The TLS server context could not be configured from the credentials (a PEM that does not parse, a key
        /// that does not match its certificate).
        case configuration
        /// The listening socket could not be created or bound, or a helper thread or pipe could not be made.
        case listen
        /// The PEM files of a TLS directory could not be read or written, or only some of them are there.
        case files
    }

    /// The kind of failure.
    public var code: Code
    /// The call that failed and on what, for example `X509_sign (the serving certificate)`.
    public var operation: String
    /// OpenSSL's error queue (`ERR_error_string_n` texts) or the system's `strerror`.
    public var detail: String

    /// Creates an error.
    public init(code: Code, operation: String, detail: String) {
        self.code = code
        self.operation = operation
        self.detail = detail
    }

    /// `fake apiserver TLS: <operation> failed: <detail>`, with a hint for the operator.
    public var description: String {
        let hint: String
        switch code {
        case .certificateGeneration, .configuration: hint = " — check that libssl/libcrypto (OpenSSL 3) are installed"
        case .listen: hint = " — choose another port, or 0 for a free one"
        case .files: hint = " — check the directory's permissions, or empty it to generate new certificates"
        }
        return "fake apiserver TLS: \(operation) failed: \(detail.isEmpty ? "no detail" : detail)\(hint)"
    }

    /// An error for a failed OpenSSL call, draining this thread's OpenSSL error queue into ``detail``.
    static func openSSL(_ code: Code, _ operation: String) -> TLSError {
        var buffer = [CChar](repeating: 0, count: 1024)
        let count = nth_tls_take_errors(&buffer, buffer.count)
        let detail =
            count > 0 ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        return TLSError(code: code, operation: operation, detail: detail)
    }

    /// An error for a failed system call, with `strerror(errno)` as ``detail``.
    static func system(_ code: Code, _ operation: String, errno number: Int32) -> TLSError {
        TLSError(code: code, operation: operation, detail: "\(String(cString: strerror(number))) (errno \(number))")
    }
}
