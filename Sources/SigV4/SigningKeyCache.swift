import Locking

/// Derived signing keys of one ``Signer``, by date, region and service.
///
/// A key is valid for a whole UTC day, so each signer derives it once a day instead of four HMACs per request.
/// The cache keeps the few most recent entries (today, and yesterday around midnight).
final class SigningKeyCache: Sendable {
    /// What a derived key depends on, besides the secret (which is fixed per signer).
    struct Key: Hashable, Sendable {
        let dateStamp: String
        let region: String
        let service: String
    }

    private static let capacity = 4
    private let entries = Lock<[Key: [UInt8]]>([:])

    /// The cached key for `key`, or the result of `derive`, stored for next time.
    func key(for key: Key, derive: () throws(SigV4Error) -> [UInt8]) throws(SigV4Error) -> [UInt8] {
        if let cached = entries.withLock({ $0[key] }) {
            return cached
        }
        let derived = try derive()
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries.removeAll(keepingCapacity: true)
            }
            entries[key] = derived
        }
        return derived
    }
}
