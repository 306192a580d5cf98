public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension TLSCredentials {
    /// The file names in a TLS directory: the CA certificate and key, the serving certificate and key (PEM), as
    /// kubeadm and cfssl name them.
    public enum FileName {
        /// The CA certificate.
        public static let certificateAuthority = "ca.pem"
        /// The CA's private key (mode 0600).
        public static let certificateAuthorityKey = "ca-key.pem"
        /// The serving certificate.
        public static let certificate = "server.pem"
        /// The serving certificate's private key (mode 0600).
        public static let privateKey = "server-key.pem"

        static let all = [certificateAuthority, certificateAuthorityKey, certificate, privateKey]
    }

    /// The credentials saved in `directory` by ``write(to:)``, or `nil` when none of the four files is there.
    /// - Throws: ``TLSError`` with code ``TLSError/Code/files`` when only some of the files are there, or one cannot
    ///   be read.
    public static func read(from directory: URL) throws(TLSError) -> TLSCredentials? {
        let present = FileName.all.filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        if present.isEmpty { return nil }
        guard present.count == FileName.all.count else {
            let missing = FileName.all.filter { !present.contains($0) }
            throw TLSError(
                code: .files, operation: "reading the TLS directory \(directory.path)",
                detail: "it holds \(present.joined(separator: ", ")) but not \(missing.joined(separator: ", "))")
        }
        func text(_ name: String) throws(TLSError) -> String {
            let url = directory.appendingPathComponent(name)
            do {
                return try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw TLSError(code: .files, operation: "reading \(url.path)", detail: error.localizedDescription)
            }
        }
        return TLSCredentials(
            certificateAuthorityPEM: try text(FileName.certificateAuthority),
            certificatePEM: try text(FileName.certificate), privateKeyPEM: try text(FileName.privateKey),
            certificateAuthorityKeyPEM: try text(FileName.certificateAuthorityKey))
    }

    /// Saves the credentials in `directory` (created when missing): the certificates with mode 0644, the private
    /// keys with mode 0600 from the moment they exist; each file written to a temporary name and renamed.
    /// - Throws: ``TLSError`` with code ``TLSError/Code/files`` when the CA key is unknown or a file cannot be written.
    public func write(to directory: URL) throws(TLSError) {
        guard let certificateAuthorityKeyPEM else {
            throw TLSError(
                code: .files, operation: "saving TLS credentials to \(directory.path)",
                detail: "the CA's private key is not known (only generated credentials carry it)")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TLSError(
                code: .files, operation: "creating \(directory.path)", detail: error.localizedDescription)
        }
        try writeFile(directory, FileName.certificateAuthority, certificateAuthorityPEM, mode: 0o644)
        try writeFile(directory, FileName.certificateAuthorityKey, certificateAuthorityKeyPEM, mode: 0o600)
        try writeFile(directory, FileName.certificate, certificatePEM, mode: 0o644)
        try writeFile(directory, FileName.privateKey, privateKeyPEM, mode: 0o600)
    }
}

/// Writes `text` to `directory/name` through a temporary file created with `mode`, then renamed.
private func writeFile(_ directory: URL, _ name: String, _ text: String, mode: mode_t) throws(TLSError) {
    let path = directory.appendingPathComponent(name).path
    let temporary = directory.appendingPathComponent(".\(name).\(UUID().uuidString.prefix(8))").path
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else { throw .system(.files, "creating \(temporary)", errno: errno) }
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            let number = errno
            close(fd)
            unlink(temporary)
            throw .system(.files, "writing \(temporary)", errno: number)
        }
        written += count
    }
    // The umask may have narrowed `mode` at creation; set it exactly.
    if fchmod(fd, mode) != 0 || fsync(fd) != 0 {
        let number = errno
        close(fd)
        unlink(temporary)
        throw .system(.files, "setting mode \(String(mode, radix: 8)) on \(temporary)", errno: number)
    }
    close(fd)
    guard rename(temporary, path) == 0 else {
        let number = errno
        unlink(temporary)
        throw .system(.files, "renaming \(temporary) to \(path)", errno: number)
    }
}
