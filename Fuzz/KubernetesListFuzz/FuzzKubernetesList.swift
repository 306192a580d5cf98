// The libFuzzer entry point for JSONListScanner, which finds a list response's `metadata` and `items` without
// decoding the body. Not a SwiftPM target: `scripts/fuzz kubernetes-list` compiles it against Sources/Kubernetes.
import Foundation

@testable import Kubernetes

/// Any JSON value, compared as Foundation parses it.
private func parse(_ data: Data) -> Any? {
    try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
}

private func same(_ left: Any?, _ right: Any?) -> Bool {
    switch (left, right) {
    case (nil, nil): return true
    case (let left?, let right?):
        // Compared as Foundation writes them back, keys sorted.
        let write = { (value: Any) in try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) }
        return write(left) == write(right)
    default: return false
    }
}

/// Scans one input and checks it against Foundation's JSON parser: no trap or hang; ranges lie in the body, in
/// order, without overlapping; and whenever the body is a JSON object (with unique keys), the scan succeeds and each
/// range holds exactly the value Foundation finds there (`metadata`, and every element of `items`). Scanning is
/// deterministic.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKubernetesList(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    let scanned = data.withUnsafeBytes { raw in
        Result { () throws(JSONListScanner.Malformed) in try JSONListScanner.scan(raw) }
    }
    let again = data.withUnsafeBytes { raw in try? JSONListScanner.scan(raw) }
    require((try? scanned.get()) == again, "scanning is not deterministic")

    if case .success(let ranges) = scanned {
        for range in (ranges.metadata.map { [$0] } ?? []) + ranges.items {
            require(range.lowerBound >= 0 && range.upperBound <= count && !range.isEmpty, "a range out of the body")
        }
        for (left, right) in zip(ranges.items, ranges.items.dropFirst()) {
            require(left.upperBound <= right.lowerBound, "items overlap or are out of order")
        }
    }

    // Differential: a JSON object Foundation reads must scan, to the same values. Duplicate keys are left out
    // (which of two `items` counts is not defined by JSON).
    if let object = parse(data) as? [String: Any], isStrictJSONObject(data) {
        guard case .success(let ranges) = scanned else {
            requireFailure("a JSON object the scanner refuses: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        let slice = { (range: Range<Int>) in data.subdata(in: range) }
        require(same(ranges.metadata.map { parse(slice($0)) } ?? nil, object["metadata"]), "metadata differs")
        if let items = object["items"] as? [Any] {
            require(ranges.items.count == items.count, "item count differs: \(ranges.items.count) vs \(items.count)")
            for (range, item) in zip(ranges.items, items) {
                require(same(parse(slice(range)), item), "an item's range holds another value")
            }
        } else {
            require(ranges.items.isEmpty, "items found where Foundation sees no array")
        }
    }
    return 0
}

/// Whether the body is a JSON object as RFC 8259 writes it, as far as Foundation's lenient parser cannot tell: UTF-8
/// (Foundation also reads UTF-16 and UTF-32, which it guesses from NUL bytes; the apiserver sends UTF-8 only, and the
/// scanner reads only that), no top-level key repeated (which of two `items` counts is undefined) and no trailing
/// comma before `]` or `}` (Foundation accepts one; the scanner, like Go's encoding/json, does not).
private func isStrictJSONObject(_ data: Data) -> Bool {
    guard !data.contains(0), String(data: data, encoding: .utf8) != nil else { return false }
    guard let object = parse(data) as? [String: Any] else { return false }
    var depth = 0
    var inString = false
    var escaped = false
    var keys = 0
    var expectingKey = false
    var last: UInt8 = 0
    for byte in data {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
                last = byte
            }
            continue
        }
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
        case UInt8(ascii: "\""):
            inString = true
            if depth == 1 && expectingKey {
                keys += 1
                expectingKey = false
            }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            if depth == 1 { expectingKey = true }
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            if last == UInt8(ascii: ",") { return false }
            depth -= 1
        case UInt8(ascii: ","):
            if depth == 1 { expectingKey = true }
        default: break
        }
        last = byte
    }
    return keys == object.count
}
