import FakeKubernetes
import FakeKubernetesTLS
import Foundation
import Testing

@Suite("TLS directory")
struct TLSDirectoryTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fake-tls-\(UUID())")
    }

    static func mode(_ url: URL) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    @Test("generated credentials written to a directory read back equal, with the private keys mode 0600")
    func roundTrip() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try TLSCredentials.read(from: directory) == nil)
        let generated = try TLSCredentials.generate()
        #expect(generated.certificateAuthorityKeyPEM?.contains("PRIVATE KEY") == true)
        try generated.write(to: directory)
        #expect(try TLSCredentials.read(from: directory) == generated)
        #expect(try Self.mode(directory.appendingPathComponent("ca-key.pem")) == 0o600)
        #expect(try Self.mode(directory.appendingPathComponent("server-key.pem")) == 0o600)
        #expect(try Self.mode(directory.appendingPathComponent("ca.pem")) == 0o644)
        #expect(try Self.mode(directory.appendingPathComponent("server.pem")) == 0o644)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["ca-key.pem", "ca.pem", "server-key.pem", "server.pem"])
    }

    @Test("a directory holding only some of the four files is an error naming the missing ones")
    func partialDirectory() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try TLSCredentials.generate().write(to: directory)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("server-key.pem"))
        let error = try #require(throws: TLSError.self) { try TLSCredentials.read(from: directory) }
        #expect(error.code == .files)
        #expect(error.description.contains("server-key.pem"))
    }
}
