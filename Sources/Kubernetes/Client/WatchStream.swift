import Foundation
import HTTPClient

/// The events of one watch, decoded from the newline-delimited JSON of a chunked response.
///
/// An event may arrive split across chunks, or several in one chunk; the stream reassembles lines. It ends when
/// the server closes the response (its `timeoutSeconds`, a restart): resume with a new watch from
/// ``WatchEvent/resourceVersion`` of the last event. An `ERROR` event is thrown as a ``KubernetesError``; a 410
/// (``KubernetesError/isExpired``) means the resourceVersion is too old and the caller must relist. Ending the
/// iteration or cancelling its task closes the connection.
public struct WatchStream<Object: KubernetesResource>: AsyncSequence, Sendable {
    /// The event type.
    public typealias Element = WatchEvent<Object>

    let body: HTTPBodyStream
    let path: String

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator {
        Iterator(chunks: body.makeAsyncIterator(), path: path)
    }

    /// Reads lines out of the chunks and decodes each as a watch event.
    ///
    /// A watch's iterator lives as long as the watch (a drain holds one per node), so it keeps little: the bytes not
    /// yet read (none between events, where the buffer's storage is released) and where the next line starts.
    public struct Iterator: AsyncIteratorProtocol {
        var chunks: HTTPBodyStream.Iterator
        let path: String
        var buffer = Data()
        /// Where the first unread byte of `buffer` is; lines before it were handed out.
        var readIndex = 0
        var finished = false
        let decoder = KubernetesJSON.makeDecoder()

        init(chunks: HTTPBodyStream.Iterator, path: String) {
            self.chunks = chunks
            self.path = path
        }

        /// The next event, or `nil` when the server ended the watch.
        /// - Throws: ``KubernetesError`` for an `ERROR` event, an undecodable line or a broken connection.
        public mutating func next() async throws -> WatchEvent<Object>? {
            while true {
                switch try takeEvent() {
                case .event(let event): return event
                case .end: return nil
                case .needMore: break
                }
                let chunk: Data?
                do {
                    chunk = try await chunks.next()
                } catch let error as HTTPClientError {
                    throw KubernetesError(code: .transport, verb: "WATCH", path: path, message: error.description)
                }
                if let chunk {
                    buffer.append(chunk)
                } else {
                    finished = true
                }
            }
        }

        /// What the buffered bytes hold.
        enum Taken {
            case event(WatchEvent<Object>)
            case needMore
            case end
        }

        /// Decodes the next complete line of the buffer (blank lines are skipped); at the end of the body, the last
        /// line even without its newline. Synchronous and not inlined: the decoding's temporaries stay out of
        /// ``next()``'s async frame, which lives as long as the watch.
        @inline(never)
        mutating func takeEvent() throws -> Taken {
            while let newline = buffer[(buffer.startIndex + readIndex)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[(buffer.startIndex + readIndex)..<newline]
                readIndex = newline + 1 - buffer.startIndex
                if Self.isBlank(line) { continue }
                return .event(try decodeLine(line))
            }
            // Keep only the partial line; with nothing left, drop the storage.
            if readIndex > 0 {
                buffer = readIndex == buffer.count ? Data() : Data(buffer[(buffer.startIndex + readIndex)...])
                readIndex = 0
            }
            guard finished else { return .needMore }
            guard !buffer.isEmpty else { return .end }
            let line = buffer
            buffer = Data()
            return Self.isBlank(line) ? .end : .event(try decodeLine(line))
        }

        static func isBlank(_ line: Data) -> Bool {
            line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }
        }

        func decodeLine(_ line: Data) throws -> WatchEvent<Object> {
            let raw: RawWatchEvent<Object>
            do {
                raw = try decoder.decode(RawWatchEvent<Object>.self, from: line)
            } catch {
                throw KubernetesError(
                    code: .decoding, verb: "WATCH", path: path,
                    message:
                        "a watch event is not valid: \(error): \(String(decoding: line.prefix(200), as: UTF8.self))")
            }
            switch raw.kind {
            case .event(let event):
                return event
            case .error(let status):
                throw KubernetesError.from(status: status, httpStatus: status.code ?? 500, verb: "WATCH", path: path)
            }
        }
    }
}

extension KubernetesClient {
    /// Starts a watch and returns once the server accepted it.
    /// - Parameters:
    ///   - type: the resource type.
    ///   - namespace: for namespaced types, the namespace; `nil` watches every namespace.
    ///   - options: selectors; ``ListOptions/resourceVersion`` to start after (from a list, or the last event
    ///     seen); ``ListOptions/timeoutSeconds`` for the server to end the watch.
    ///   - allowBookmarks: ask for `BOOKMARK` events, which keep the resume point fresh.
    /// - Throws: ``KubernetesError`` (``KubernetesError/Code/expired`` for a 410 response).
    public func watch<T: KubernetesResource>(
        _ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions(), allowBookmarks: Bool = true
    ) async throws -> WatchStream<T> {
        var query: [(String, String)] = [("watch", "true")]
        var watchOptions = options
        watchOptions.limit = nil
        watchOptions.continueToken = nil
        query += watchOptions.queryItems
        if allowBookmarks { query.append(("allowWatchBookmarks", "true")) }
        let call = Call(
            verb: "watch", method: .get,
            path: T.descriptor.collectionPath(namespace: T.descriptor.isNamespaced ? namespace : nil),
            query: query, resource: T.descriptor.plural)
        let body = try await perform(call) { request in
            let response = try await http.stream(request)
            return (response.status, response.headers, response.body)
        } errorBody: { body in
            try await body.collect(upTo: 1 << 20)
        }
        return WatchStream(body: body, path: call.path)
    }
}
