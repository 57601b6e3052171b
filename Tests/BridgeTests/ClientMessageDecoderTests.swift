import Bridge
import Testing

@Suite struct ClientMessageDecoderTests {
    private func decode(_ text: String) -> Result<ClientMessage, ClientMessageError> {
        ClientMessageDecoder.decode(Array(text.utf8))
    }

    private func error(_ text: String) -> ClientMessageError? {
        if case .failure(let error) = decode(text) { return error }
        return nil
    }

    @Test func subscribeWithEveryField() throws {
        let message = try decode(
            #"{"type": "subscribe", "games": ["0022000001"], "teams": ["BOS"], "allLive": false, "resume": {"0022000001": {"epoch": 1, "seq": 42}}, "id": "s1"}"#
        ).get()
        #expect(
            message
                == .subscribe(
                    ClientMessage.Subscribe(
                        games: ["0022000001"], teams: ["BOS"], allLive: false, resume: ["0022000001": GamePosition(epoch: 1, seq: 42)],
                        id: "s1")
                )
        )
    }

    @Test func minimalMessages() throws {
        #expect(try decode(#"{"type":"subscribe"}"#).get() == .subscribe(ClientMessage.Subscribe()))
        #expect(
            try decode(#"{"type":"unsubscribe","teams":["BOS"],"id":"u1"}"#).get()
                == .unsubscribe(ClientMessage.Unsubscribe(teams: ["BOS"], id: "u1")))
        #expect(try decode(#"{"type":"ping","id":"p7"}"#).get() == .ping(id: "p7"))
        #expect(try decode(#" {"type":"ping"} "#).get() == .ping(id: nil))
    }

    @Test func integersMayBeWrittenAsWholeFloats() throws {
        let message = try decode(#"{"type":"subscribe","resume":{"g":{"epoch":1.0,"seq":2e1}}}"#).get()
        #expect(message == .subscribe(ClientMessage.Subscribe(resume: ["g": GamePosition(epoch: 1, seq: 20)])))
    }

    /// The examples of §3.4, and more, in the classification order of §6.
    @Test(
        arguments: [
            (#"{"type": "subscribe", "games": ["0022000001"], "lastSeq": 4}"#, ErrorCode.badRequest),
            (#"{"type": "subscribe", "resume": {"0022000001": {"epoch": 1}}}"#, .badRequest),
            (#"{"type": "subscribe", "games": ["bad,id"]}"#, .badRequest),
            (#"{"type": "unsubscribe", "games": ["0022000001"], "resume": {"0022000001": {"epoch": 1, "seq": 1}}}"#, .badRequest),
            (#"not json"#, .badRequest),
            (#"[1,2]"#, .badRequest),
            (#"{"type":"subscribe",}"#, .badRequest),
            (#"{"games":[]}"#, .badRequest),
            (#"{"type":7}"#, .badRequest),
            (#"{"type":"hello"}"#, .unknownType),
            (#"{"type":"hello","lastSeq":1}"#, .unknownType),
            (#"{"type":"subscribe","games":"0022000001"}"#, .badRequest),
            (#"{"type":"subscribe","games":[""]}"#, .badRequest),
            (#"{"type":"subscribe","games":["\#(String(repeating: "a", count: 65))"]}"#, .badRequest),
            (#"{"type":"subscribe","teams":["\#(String(repeating: "a", count: 65))"]}"#, .badRequest),
            (#"{"type":"subscribe","allLive":1}"#, .badRequest),
            (#"{"type":"subscribe","allLive":null}"#, .badRequest),
            (#"{"type":"subscribe","id":""}"#, .badRequest),
            (#"{"type":"subscribe","id":5}"#, .badRequest),
            (#"{"type":"subscribe","resume":{"g":{"epoch":-1,"seq":0}}}"#, .badRequest),
            (#"{"type":"subscribe","resume":{"g":{"epoch":1.5,"seq":0}}}"#, .badRequest),
            (#"{"type":"subscribe","resume":{"g":{"epoch":9007199254740992,"seq":0}}}"#, .badRequest),
            (#"{"type":"subscribe","resume":{"g":{"epoch":1,"seq":1,"x":1}}}"#, .badRequest),
            (#"{"type":"subscribe","resume":{"a:b":{"epoch":1,"seq":1}}}"#, .badRequest),
            (#"{"type":"subscribe","resume":[]}"#, .badRequest),
            (#"{"type":"ping","games":[]}"#, .badRequest),
            (#"{"type":"ping","type":"ping"}"#, .badRequest),
            (#"{"type":"ping"} x"#, .badRequest),
            (#"{"type":"ping","id":"\u0041"}"#, nil),
        ] as [(String, ErrorCode?)])
    func classification(text: String, code: ErrorCode?) {
        #expect(error(text)?.code == code)
    }

    @Test func refCarriesAReadableId() {
        #expect(error(#"{"type":"subscribe","games":[1],"id":"s9"}"#)?.ref == "s9")
        #expect(error(#"{"type":"nope","id":"x"}"#)?.ref == "x")
        #expect(error(#"{"type":"subscribe","id":7}"#)?.ref == nil)
        #expect(error(#"{"type":"subscribe","id":"\#(String(repeating: "i", count: 65))"}"#)?.ref == nil)
    }

    @Test func errorsQuoteAtMost64CharactersOfTheInput() {
        let long = String(repeating: "k", count: 30_000)
        for text in [#"{"\#(long)":1,"\#(long)":1}"#, #"{"type":"\#(long)"}"#, #"{"type":"subscribe","\#(long)":1}"#] {
            #expect((error(text)?.message.count ?? .max) < 200)
        }
    }

    @Test func unknownFieldIsNamed() {
        #expect(error(#"{"type": "subscribe", "lastSeq": 4}"#)?.message == #"unknown field "lastSeq" in subscribe"#)
    }

    @Test func requestIdLengthCountsCharacters() throws {
        let id = String(repeating: "é", count: 64)
        #expect(try decode(#"{"type":"ping","id":"\#(id)"}"#).get() == .ping(id: id))
    }
}
