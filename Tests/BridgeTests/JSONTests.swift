import NIOCore
import Testing

@testable import Bridge

@Suite struct JSONWriterTests {
    @Test func writesObjectsArraysAndEscapes() {
        var json = JSONWriter()
        json.beginObject()
        json.field("s", "a\"b\\c\n\u{01}é")
        json.field("n", Int64(-12))
        json.field("u", UInt64(9_007_199_254_740_991))
        json.field("b", true)
        json.key("e")
        json.beginArray()
        json.endArray()
        json.field("l", strings: ["x", "y"])
        json.key("z")
        json.null()
        json.endObject()
        #expect(
            String(buffer: json.buffer) == #"{"s":"a\"b\\c\n\u0001é","n":-12,"u":9007199254740991,"b":true,"e":[],"l":["x","y"],"z":null}"#)
    }

    @Test func zeroAndDigits() {
        var json = JSONWriter()
        json.beginArray()
        json.uint(0)
        json.uint(10)
        json.uint(UInt64.max)
        json.endArray()
        #expect(String(buffer: json.buffer) == "[0,10,18446744073709551615]")
    }
}
