import Foundation
import JSONValues
import Testing

@Suite("JSONValue serialized: compact, keys sorted, byte for byte")
struct JSONValueSerializationTests {
    @Test("objects are written compact with their keys sorted, at every depth")
    func compactAndSorted() throws {
        let value = try JSONValue(
            parsing: "{ \"b\" : [ 1 , { \"z\": null, \"a\": false } ], \"a\": { \"d\": \"x\", \"c\": 2.5 } }")
        #expect(value.text == #"{"a":{"c":2.5,"d":"x"},"b":[1,{"a":false,"z":null}]}"#)
        #expect(value.serialized() == Data(value.text.utf8))
        #expect(JSONValue.emptyObject.text == "{}" && JSONValue.array([]).text == "[]")
    }

    @Test("doubles: whole ones below 1e15 without a fraction, others as Swift prints them, non-finite as null")
    func doubles() {
        let values: [JSONValue] = [
            .double(2), .double(-0.0), .double(2.5), .double(999_999_999_999_999), .double(1e15), .double(1e20),
            .double(.infinity), .double(.nan),
        ]
        #expect(
            values.map(\.text) == [
                "2", "0", "2.5", "999999999999999", "1000000000000000.0", "1e+20", "null", "null",
            ])
    }

    @Test("strings escape quotes, backslashes and control characters; slashes and non-ASCII stay as they are")
    func strings() throws {
        let value = JSONValue.string("a\"b\\c\nd\re\tf\u{1}g\u{1f}/é😀")
        #expect(value.text == #""a\"b\\c\nd\re\tf\u0001g\u001f/é😀""#)
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }

    @Test("what serialized writes parses back to the same value")
    func reparses() throws {
        let value: JSONValue = [
            "metadata": ["name": "n1", "resourceVersion": "12", "labels": ["b": "2", "a": "1"]],
            "spec": ["terminationGracePeriodSeconds": 9_223_372_036_854_775_807, "ratio": 0.75, "list": [nil, true]],
        ]
        #expect(try JSONValue(parsing: value.serialized()) == value)
        #expect(try JSONValue(parsing: value.text) == value)
    }

    @Test(
        "text that is not JSON throws",
        arguments: ["", "{", "[1 2]", "{\"a\" 1}", "nul", "'x'", "{\"a\":1}}", "01", "1.", "\"unterminated"])
    func parsingErrors(text: String) {
        #expect(throws: (any Error).self) { try JSONValue(parsing: text) }
        #expect(throws: (any Error).self) { try JSONValue(parsing: Data(text.utf8)) }
    }
}
