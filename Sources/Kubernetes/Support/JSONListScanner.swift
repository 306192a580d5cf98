/// Finds, without decoding them, where a list response's `metadata` and each of its `items` lie in the body, so
/// that a list of thousands of objects can be decoded one item at a time.
///
/// Decoding a whole 5,000-node list at once holds every decoded node and the decoder's index of the entire body at
/// the same moment; the allocator keeps that peak as heap long after the objects are gone. One item at a time, the
/// peak is the body and one object. The scanner checks structure only (strings, escapes, nesting); each range is
/// validated when it is decoded.
enum JSONListScanner {
    /// Byte ranges in the body.
    struct Ranges: Equatable {
        /// The top-level `metadata` value, if present.
        var metadata: Range<Int>?
        /// Each element of the top-level `items` array (none when it is absent or `null`).
        var items: [Range<Int>] = []
    }

    /// The body is not a JSON object of the expected shape; the caller decodes it whole for the decoder's message.
    struct Malformed: Error, Equatable {
        /// The byte offset where scanning stopped.
        let offset: Int
    }

    /// Scans a list body.
    static func scan(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> Ranges {
        var cursor = Cursor(bytes: bytes)
        var ranges = Ranges()
        cursor.skipWhitespace()
        try cursor.expect(UInt8(ascii: "{"))
        cursor.skipWhitespace()
        if cursor.peek == UInt8(ascii: "}") {
            cursor.offset += 1
            return try cursor.atEnd(ranges)
        }
        while true {
            cursor.skipWhitespace()
            let key = try cursor.string()
            cursor.skipWhitespace()
            try cursor.expect(UInt8(ascii: ":"))
            cursor.skipWhitespace()
            let start = cursor.offset
            if cursor.matches(key, "items"), cursor.peek == UInt8(ascii: "[") {
                ranges.items = try cursor.arrayElements()
            } else {
                try cursor.skipValue()
                if cursor.matches(key, "metadata") { ranges.metadata = start..<cursor.offset }
            }
            cursor.skipWhitespace()
            switch cursor.next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return try cursor.atEnd(ranges)
            default: throw Malformed(offset: cursor.offset)
            }
        }
    }

    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        /// `ranges`, if nothing but whitespace follows (as the decoder requires of a whole body).
        mutating func atEnd(_ ranges: Ranges) throws(Malformed) -> Ranges {
            skipWhitespace()
            guard peek == nil else { throw Malformed(offset: offset) }
            return ranges
        }

        mutating func next() -> UInt8? {
            defer { offset += 1 }
            return peek
        }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(Malformed) {
            guard peek == byte else { throw Malformed(offset: offset) }
            offset += 1
        }

        /// Skips a string; returns the range of its raw contents (between the quotes).
        mutating func string() throws(Malformed) -> Range<Int> {
            try expect(UInt8(ascii: "\""))
            let start = offset
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "\\"): offset += 2
                case UInt8(ascii: "\""):
                    offset += 1
                    return start..<(offset - 1)
                default: offset += 1
                }
            }
            throw Malformed(offset: offset)
        }

        /// Whether a raw key equals `name` (a key with escapes never matches, which only costs the fast path).
        func matches(_ key: Range<Int>, _ name: StaticString) -> Bool {
            guard key.count == name.utf8CodeUnitCount else { return false }
            return name.withUTF8Buffer { name in
                zip(key, name).allSatisfy { bytes[$0.0] == $0.1 }
            }
        }

        /// Skips one value of any kind.
        mutating func skipValue() throws(Malformed) {
            switch peek {
            case UInt8(ascii: "\"")?:
                _ = try string()
            case UInt8(ascii: "{")?, UInt8(ascii: "[")?:
                var depth = 0
                while let byte = peek {
                    switch byte {
                    case UInt8(ascii: "\""):
                        _ = try string()
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            offset += 1
                            return
                        }
                    default: break
                    }
                    offset += 1
                }
                throw Malformed(offset: offset)
            case nil:
                throw Malformed(offset: offset)
            default:  // a number, true, false or null
                let start = offset
                while let byte = peek, !Self.endsScalar(byte) { offset += 1 }
                guard offset > start else { throw Malformed(offset: offset) }
            }
        }

        /// The ranges of an array's elements; the cursor is on `[`.
        mutating func arrayElements() throws(Malformed) -> [Range<Int>] {
            try expect(UInt8(ascii: "["))
            var elements: [Range<Int>] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                offset += 1
                return elements
            }
            while true {
                skipWhitespace()
                let start = offset
                try skipValue()
                elements.append(start..<offset)
                skipWhitespace()
                switch next() {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "]"): return elements
                default: throw Malformed(offset: offset - 1)
                }
            }
        }

        static func endsScalar(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: true
            default: false
            }
        }
    }
}
