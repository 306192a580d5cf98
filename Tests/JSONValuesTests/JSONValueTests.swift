import Foundation
import JSONValues
import Testing

@Suite("JSONValue: any JSON, decoded, encoded and read")
struct JSONValueTests {
    @Test("every kind decodes; null stays null; integers encode without a fraction")
    func roundTrip() throws {
        let text = #"{"a":null,"b":true,"c":3,"d":2.5,"e":"x","f":[1,"y",{}],"g":{"h":-7}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["a"] == .null)
        #expect(value["b"] == .bool(true))
        #expect(value["c"] == .number(3))
        #expect(value["f"]?.arrayValue?.count == 3)
        #expect(value["e"]?.stringValue == "x")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(value), as: UTF8.self) == text)
    }

    @Test("literals build documents; accessors answer nil for the wrong kind")
    func literalsAndAccessors() {
        let value: JSONValue = ["spec": ["unschedulable": nil, "taints": [["key": "k", "effect": "NoSchedule"]]]]
        #expect(value["spec"]?["unschedulable"] == .null)
        #expect(value["spec"]?["taints"]?.arrayValue?.first?["key"]?.stringValue == "k")
        #expect(value.isObject && !JSONValue.string("x").isObject)
        #expect(JSONValue.number(1).stringValue == nil && JSONValue.string("x").arrayValue == nil)
        #expect(JSONValue.string("x")["key"] == nil)
        #expect(
            [JSONValue.null, true, 1, "s", [], [:]].map(\.typeName) == [
                "null", "a boolean", "a number", "a string", "an array", "an object",
            ])
    }
}
