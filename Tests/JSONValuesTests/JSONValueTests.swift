import Foundation
import JSONValues
import Testing

@Suite("JSONValue: any JSON, decoded, encoded and read")
struct JSONValueTests {
    @Test("every kind decodes; null stays null; integers and doubles stay apart and encode as they came")
    func roundTrip() throws {
        let text = #"{"a":null,"b":true,"c":3,"d":2.5,"e":"x","f":[1,"y",{}],"g":{"h":-7}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["a"] == .null)
        #expect(value["b"] == .bool(true))
        #expect(value["c"] == .int(3))
        #expect(value["d"] == .double(2.5))
        #expect(value["f"].arrayValue == [.int(1), .string("y"), .object([:])])
        #expect(value["e"].stringValue == "x")
        #expect(value["g"]["h"] == .int(-7))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(value), as: UTF8.self) == text)
        #expect(value.text == text)
    }

    @Test(
        "integers round-trip exactly as .int, Int64's extremes and 2^53 + 1 included",
        arguments: ["0", "-1", "9007199254740993", "-9007199254740993", "9223372036854775807", "-9223372036854775808"])
    func integersRoundTrip(text: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(value == .int(try #require(Int64(text))))
        #expect(value.text == text)
        #expect(String(decoding: try JSONEncoder().encode(value), as: UTF8.self) == text)
        #expect(try JSONValue(parsing: #"{"resourceVersion":\#(text)}"#)["resourceVersion"].intValue == Int64(text))
    }

    @Test(
        "a number with a fraction, a fractional or huge exponent, or beyond Int64 is a .double",
        arguments: [
            ("2.5", 2.5), ("-0.125", -0.125), ("1e-3", 0.001), ("1.5E+20", 1.5e20),
            ("9223372036854775808", 9.2233720368547758e18),
        ])
    func doubles(text: String, expected: Double) throws {
        #expect(try JSONValue(parsing: text) == .double(expected))
    }

    @Test("a whole number written with a fraction or an exponent is an .int, as Foundation's decoder reads it")
    func wholeNumbersWithFraction() throws {
        #expect(try JSONValue(parsing: "1.0") == .int(1))
        #expect(try JSONValue(parsing: "1e3") == .int(1000))
    }

    @Test("equality is structural: .int(1) and .double(1.0) differ, though both serialize as 1")
    func equality() {
        #expect(JSONValue.int(1) != .double(1.0))
        #expect(JSONValue.int(1).text == JSONValue.double(1.0).text)
        #expect(Set<JSONValue>([.int(1), .double(1.0), .int(1)]).count == 2)
    }

    @Test("literals build documents: integer literals are .int, float literals .double")
    func literals() {
        let value: JSONValue = ["spec": ["unschedulable": nil, "taints": [["key": "k", "effect": "NoSchedule"]]]]
        #expect(value["spec"]["unschedulable"] == .null)
        #expect(value["spec"]["taints"].arrayValue?.first?["key"].stringValue == "k")
        let numbers: JSONValue = [30, 0.5, true, "s"]
        #expect(numbers == .array([.int(30), .double(0.5), .bool(true), .string("s")]))
        let repeated: JSONValue = ["a": 1, "a": 2]
        #expect(repeated == ["a": 2])
    }

    @Test("accessors answer nil for the wrong kind; numeric readers accept both kinds of number")
    func accessors() {
        #expect(JSONValue.int(1).stringValue == nil && JSONValue.string("x").arrayValue == nil)
        #expect(JSONValue.string("x").boolValue == nil && JSONValue.bool(false).boolValue == false)
        #expect(JSONValue.int(7).doubleValue == 7 && JSONValue.double(0.25).doubleValue == 0.25)
        #expect(JSONValue.string("7").doubleValue == nil && JSONValue.null.intValue == nil)
        #expect(JSONValue.double(30).intValue == 30 && JSONValue.double(0.5).intValue == nil)
        #expect(JSONValue.double(1e19).intValue == nil)
        #expect(JSONValue.string("x").objectValue == nil && JSONValue.emptyObject.objectValue == [:])
        #expect(JSONValue.null.isNull && !JSONValue.int(0).isNull)
        #expect(JSONValue.emptyObject.isObject && !JSONValue.string("x").isObject)
        #expect(
            [JSONValue.null, true, 1, 1.5, "s", [], [:]].map(\.typeName) == [
                "null", "a boolean", "a number", "a number", "a string", "an array", "an object",
            ])
    }

    @Test("the key subscript answers null for an absent member or a non-object; objectValue tells absent from null")
    func absentAndNull() {
        let value: JSONValue = ["present": nil]
        #expect(value["absent"] == .null && value["present"] == .null)
        #expect(value.objectValue?["absent"] == nil && value.objectValue?["present"] == .null)
        #expect(JSONValue.string("x")["key"] == .null)
    }

    @Test("setting members and paths makes the objects on the way; removeMember deletes one")
    func mutation() {
        var value = JSONValue.null
        value["metadata"]["name"] = "n1"
        value[path: ["metadata", "labels", "app"]] = "web"
        value[path: ["spec", "unschedulable"]] = true
        #expect(value == ["metadata": ["name": "n1", "labels": ["app": "web"]], "spec": ["unschedulable": true]])
        #expect(value[path: ["metadata", "labels", "app"]] == "web")
        #expect(value[path: []] == value)
        value["metadata"].removeMember("labels")
        value["spec"]["unschedulable"].removeMember("ignored")
        #expect(value == ["metadata": ["name": "n1"], "spec": ["unschedulable": true]])
        #expect(value["metadata"].stringMap == ["name": "n1"])
        #expect((["a": "x", "b": 1] as JSONValue).stringMap == ["a": "x"] && JSONValue.int(1).stringMap.isEmpty)
    }
}
