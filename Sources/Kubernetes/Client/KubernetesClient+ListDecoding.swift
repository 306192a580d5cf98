import Foundation
import HTTPClient

extension KubernetesClient {
    /// Decodes a list response one item at a time, passing each item through `transform` before the next one is
    /// decoded (see ``JSONListScanner`` for why). A body the scanner cannot follow is decoded whole, so that its
    /// error is the decoder's own.
    /// - Throws: ``KubernetesError`` with ``KubernetesError/Code/decoding``, naming the item that failed.
    func decodeList<T: KubernetesResource>(
        _ type: T.Type, from body: Data, call: Call, transform: (@Sendable (T) -> T)?
    ) throws -> ObjectList<T> {
        let ranges = body.withUnsafeBytes { bytes in try? JSONListScanner.scan(bytes) }
        guard let ranges else {
            var list = try decode(ObjectList<T>.self, from: body, call: call)
            if let transform { list.items = list.items.map(transform) }
            return list
        }
        let decoder = KubernetesJSON.makeDecoder()
        let base = body.startIndex
        func slice(_ range: Range<Int>) -> Data { body[(base + range.lowerBound)..<(base + range.upperBound)] }
        func failure(_ what: String, _ error: any Error) -> KubernetesError {
            KubernetesError(
                code: .decoding, verb: call.method.rawValue, path: call.path,
                message: "the response is not a valid \(ObjectList<T>.self): \(what): \(error)")
        }
        var metadata = ListMeta()
        if let range = ranges.metadata {
            do {
                metadata = try decoder.decode(ListMeta.self, from: slice(range))
            } catch {
                throw failure("metadata", error)
            }
        }
        var items: [T] = []
        items.reserveCapacity(ranges.items.count)
        for (position, range) in ranges.items.enumerated() {
            do {
                let item = try decoder.decode(T.self, from: slice(range))
                items.append(transform?(item) ?? item)
            } catch {
                throw failure("item \(position)", error)
            }
        }
        return ObjectList(metadata: metadata, items: items)
    }
}
