import GRPCWire
import Testing

@Suite struct GRPCTimeoutTests {
    @Test(arguments: [
        ("1H", Duration.seconds(3600)), ("2M", .seconds(120)), ("3S", .seconds(3)), ("250m", .milliseconds(250)),
        ("10u", .microseconds(10)), ("5n", .nanoseconds(5)), ("99999999S", .seconds(99_999_999)), ("0m", .zero),
    ])
    func parsesEveryUnit(value: String, expected: Duration) {
        #expect(GRPCTimeout(headerValue: value)?.duration == expected)
    }

    @Test(arguments: ["", "S", "1", "1s", "1x", "123456789S", "-1S", "1.5S", " 1S", "1S "])
    func rejectsMalformedValues(value: String) {
        #expect(GRPCTimeout(headerValue: value) == nil)
    }

    @Test func formatsWithTheFinestUnitThatFits() {
        #expect(GRPCTimeout(.milliseconds(250)).headerValue == "250000000n" || GRPCTimeout(.milliseconds(250)).headerValue == "250000u")
        #expect(GRPCTimeout(.seconds(1000)).headerValue.count <= 9)
        #expect(GRPCTimeout(.seconds(400_000_000)).headerValue == "6666667M")
        #expect(GRPCTimeout(.seconds(400_000_000_000)).headerValue == "99999999H")
        #expect(GRPCTimeout(.zero).headerValue == "1n")
        for duration: Duration in [.milliseconds(1), .seconds(5), .seconds(86_400), .nanoseconds(123_456_789)] {
            let parsed = GRPCTimeout(headerValue: GRPCTimeout(duration).headerValue)
            #expect(parsed != nil)
            #expect(parsed!.duration >= duration, "never shorter than asked")
        }
    }
}

@Suite struct PercentEncodingTests {
    @Test func encodesOnlyWhatMustBeEncoded() {
        #expect(PercentEncoding.encode("plain text: ok!") == "plain text: ok!")
        #expect(PercentEncoding.encode("100%") == "100%25")
        #expect(PercentEncoding.encode("ü\n") == "%C3%BC%0A")
    }

    @Test func roundTripsUnicode() {
        for text in ["Grüße 🏀", "a%b%%c", "\u{0}\u{7F}", ""] {
            #expect(PercentEncoding.decode(PercentEncoding.encode(text)) == text)
        }
    }

    @Test func keepsMalformedSequences() {
        #expect(PercentEncoding.decode("50%") == "50%")
        #expect(PercentEncoding.decode("%zz%4") == "%zz%4")
    }
}

@Suite struct StatusCodeTests {
    @Test func parsesAndNamesCodes() {
        #expect(GRPCStatusCode(headerValue: "5") == .notFound)
        #expect(GRPCStatusCode.notFound.description == "NOT_FOUND")
        #expect(GRPCStatusCode(headerValue: "17") == .unknown)
        #expect(GRPCStatusCode(headerValue: "x") == .unknown)
    }
}

@Suite struct MetadataTests {
    @Test func binaryValuesTravelAsBase64() {
        var metadata = Metadata()
        metadata.addBinary([0, 1, 0xFF], forKey: "trace-bin")
        metadata.addString("v", forKey: "Plain")
        #expect(metadata.wireHeaders.map(\.value) == ["AAH/", "v"])
        #expect(metadata.wireHeaders.map(\.name) == ["trace-bin", "plain"])

        var received = Metadata()
        let padded = received.addWireHeader(name: "trace-bin", value: "AAH/")
        let unpadded = received.addWireHeader(name: "trace-bin", value: "AAH")
        let invalid = received.addWireHeader(name: "trace-bin", value: "*not base64*")
        #expect(padded && unpadded && !invalid)
        #expect(received[binaryValues: "trace-bin"] == [[0, 1, 0xFF], [0, 1]])
    }

    @Test func base64RoundTrips() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(($0 * 37) & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.decode("Zm9v") == Array("foo".utf8))
        #expect(Base64.decode("Zm9vYg") == Array("foob".utf8))
        #expect(Base64.decode("Zm=9") == nil)
    }

    @Test func iteratesAndAppendsInOrder() {
        var first = Metadata([("A", "1")])
        var second = Metadata()
        second.addBinary([7], forKey: "b-bin")
        second.addString("3", forKey: "c")
        first.append(contentsOf: second)
        let pairs = first.map { "\($0.key)=\($0.value)" }
        #expect(pairs == ["a=string(\"1\")", "b-bin=binary([7])", "c=string(\"3\")"])
        var empty = Metadata().makeIterator()
        #expect(empty.next() == nil)
    }

    @Test func reservedHeadersAreNotMetadata() {
        #expect(Metadata.isReserved(":path"))
        #expect(Metadata.isReserved("grpc-timeout"))
        #expect(!Metadata.isReserved("x-request-id"))
    }
}
