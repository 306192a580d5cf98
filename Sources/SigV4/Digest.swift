import COpenSSL

/// SHA-256 and HMAC-SHA256 through libcrypto, with lower-case hex output.
enum Digest {
    /// Length in bytes of a SHA-256 digest.
    static let length = 32

    /// The lower-case hex SHA-256 of the empty string.
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// SHA-256 of `bytes`, and whether libcrypto succeeded.
    private static func sha256(_ bytes: UnsafeRawBufferPointer) -> (digest: [UInt8], ok: Bool) {
        var ok: Int32 = 0
        let out = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            ok = nth_sha256(bytes.baseAddress, bytes.count, buffer.baseAddress)
            count = length
        }
        return (out, ok == 1)
    }

    /// SHA-256 of the UTF-8 bytes of `string`.
    static func sha256(_ string: String) throws(SigV4Error) -> [UInt8] {
        var string = string
        let result = string.withUTF8 { utf8 in sha256(UnsafeRawBufferPointer(utf8)) }
        guard result.ok else { throw SigV4Error(.cryptoFailure, "SHA-256") }
        return result.digest
    }

    /// SHA-256 of `bytes`.
    static func sha256<Bytes: Sequence<UInt8>>(bytes: Bytes) throws(SigV4Error) -> [UInt8] {
        let result =
            bytes.withContiguousStorageIfAvailable { buffer in sha256(UnsafeRawBufferPointer(buffer)) }
            ?? Array(bytes).withUnsafeBytes { raw in sha256(raw) }
        guard result.ok else { throw SigV4Error(.cryptoFailure, "SHA-256") }
        return result.digest
    }

    /// HMAC-SHA256 of the UTF-8 bytes of `message` under `key`.
    static func hmacSHA256(key: [UInt8], message: String) throws(SigV4Error) -> [UInt8] {
        var message = message
        var ok: Int32 = 0
        let out = message.withUTF8 { utf8 in
            key.withUnsafeBytes { keyBytes in
                [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                    ok = nth_hmac_sha256(
                        keyBytes.baseAddress, keyBytes.count, utf8.baseAddress, utf8.count, buffer.baseAddress)
                    count = length
                }
            }
        }
        guard ok == 1 else { throw SigV4Error(.cryptoFailure, "HMAC-SHA256") }
        return out
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = hexDigits[Int(byte >> 4)]
                buffer[2 * index + 1] = hexDigits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }
}
