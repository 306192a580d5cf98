public import Foundation

/// An HTTP method. A struct rather than an enum so that any token the server understands can be sent.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Creates a method from its token, for example `"PATCH"`.
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")

    public var description: String { rawValue }
}

/// An ordered list of header fields with case-insensitive lookup. Order and repeated names are kept, because
/// request signing (SigV4) and some servers care about both.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields in the order they were added or received.
    public private(set) var fields: [(name: String, value: String)]

    /// Creates an empty header list.
    public init() { fields = [] }

    /// Creates a header list from name-value pairs, keeping their order.
    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field of this name (case-insensitively) with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name: name, value: value))
    }

    /// Removes every field of this name (case-insensitively).
    public mutating func remove(name: String) {
        fields.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// The first value of the field with this name, compared case-insensitively.
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every value of the fields with this name, in order.
    public func values(for name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// One HTTP request: what to send and, optionally, per-request transport settings that override the client's.
public struct HTTPRequest: Sendable {
    /// The method, `GET` by default.
    public var method: HTTPMethod
    /// The absolute URL, for example `https://sqs.eu-west-1.amazonaws.com/`.
    public var url: String
    /// Header fields sent as given. libcurl's own `Accept`, `Expect` and default `Content-Type` are suppressed
    /// unless set here.
    public var headers: HTTPHeaders
    /// The request body, if any.
    public var body: Data?
    /// TLS settings for this request; the client's default when `nil`.
    public var tls: TLSConfiguration?
    /// The whole-request timeout for buffered requests; the client's default when `nil`. Streams use
    /// ``HTTPClient/Configuration/streamIdleTimeout`` instead.
    public var timeout: Duration?
    /// The largest buffered response body accepted; the client's default when `nil`.
    public var maxResponseBytes: Int?
    /// A proxy for this request only (`http://host:port`); the environment's (`HTTPS_PROXY`, …) when `nil`.
    public var proxy: String?

    /// Creates a request.
    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: HTTPHeaders = HTTPHeaders(),
        body: Data? = nil,
        tls: TLSConfiguration? = nil,
        timeout: Duration? = nil,
        maxResponseBytes: Int? = nil,
        proxy: String? = nil
    ) {
        self.proxy = proxy
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.tls = tls
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }
}

/// A complete response whose body has been read into memory.
public struct HTTPResponse: Sendable {
    /// The HTTP status code, for example 200.
    public var status: Int
    /// The response header fields of the final response (interim 1xx and proxy responses are dropped).
    public var headers: HTTPHeaders
    /// The response body.
    public var body: Data
    /// The HTTP version the response came over: `"1.1"`, `"2"`, …
    public var httpVersion: String

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders, body: Data, httpVersion: String = "1.1") {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
    }
}

/// A response whose body arrives as it is received, for long-lived streams such as Kubernetes watches.
public struct HTTPStreamingResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The response header fields.
    public var headers: HTTPHeaders
    /// The body as a sequence of byte chunks. Stopping the iteration (or cancelling its task) aborts the transfer.
    public var body: HTTPBodyStream
    /// The HTTP version the response came over: `"1.1"`, `"2"`, …
    public var httpVersion: String
}
