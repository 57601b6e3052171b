import Bridge
import CourtsideDomain
import CourtsideProto
import EventRelay
import Foundation
import ScoreService
import ServiceKit
import TestSupport
import Testing

/// Score, subscription, a schedule and the bridge in-process; real WebSocket connections;
/// events published through the score service's gRPC API.
@Suite(.serialized) struct BridgeEndToEndTests {
    private func seq(_ message: [String: Any]) -> UInt64 { (message["seq"] as? NSNumber)?.uint64Value ?? 0 }
    private func type(_ message: [String: Any]) -> String { message["type"] as? String ?? "" }

    /// Connects and checks `hello`.
    private func connect(
        _ stack: TestStack, headers: [(String, String)] = [], receiveBuffer: Int? = nil, burst: Int = 20
    ) async throws -> TestWebSocket {
        let socket = try await TestWebSocket.connect(port: stack.port, headers: headers, receiveBuffer: receiveBuffer)
        let hello = try await socket.next()
        #expect(type(hello) == "hello")
        #expect(hello["protocol"] as? Int == 1)
        let limits = hello["limits"] as? [String: Any]
        #expect(limits?["maxMessageBytes"] as? Int == 65536)
        #expect(limits?["messageBurst"] as? Int == burst)
        return socket
    }

    /// Issue 15: events of a game the bridge's schedule cache does not know (the schedule's
    /// WatchGames update withheld, no listing) reach a connection that follows its league, in
    /// order, with the league the bridge asked the schedule for.
    @Test func aGameTheScheduleHasNotToldOfReachesItsLeaguesFollowers() async throws {
        let stack = try await TestStack.start(withheldWatch: .forwards)
        defer { Task { await stack.stop() } }
        let socket = try await connect(stack)
        try await socket.send(#"{"type":"subscribe","leagues":["nba"],"allLive":true,"id":"l"}"#)
        #expect(type(try await socket.next()) == "subscribed")
        try await stack.publish("G1", count: 3)
        // The first event makes the game live: its followers get a snapshot of it, then events.
        var messages: [[String: Any]] = []
        while messages.count < 3 {
            let message = try await socket.next()
            if ["snapshot", "event"].contains(type(message)) { messages.append(message) }
        }
        #expect(messages.map(type) == ["snapshot", "event", "event"])
        #expect(messages.map(seq) == [1, 2, 3])
        #expect(messages.allSatisfy { $0["league"] as? String == "nba" })
        #expect(stack.bridge.schedule.league(of: "G1") == "nba", "learnt from GetGame, not from WatchGames")
    }

    @Test func subscribeSnapshotEventsResumeAndErrors() async throws {
        let stack = try await TestStack.start()
        defer { Task { await stack.stop() } }
        try await stack.waitForRelay("G1", seq: try await stack.publish("G1", count: 3))
        let epoch = try await stack.epoch("G1")

        let first = try await connect(stack)
        try await first.send(#"{"type":"subscribe","games":["G1","NOPE"],"id":"s1"}"#)
        let unknown = try await first.next()
        #expect(type(unknown) == "error")
        #expect(unknown["code"] as? String == "unknown_game")
        #expect(unknown["ref"] as? String == "s1")
        #expect(unknown["games"] as? [String] == ["NOPE"])
        let reply = try await first.next()
        #expect(type(reply) == "subscribed")
        #expect(reply["games"] as? [String] == ["G1"])
        #expect(reply["id"] as? String == "s1")
        let snapshot = try await first.next()
        #expect(type(snapshot) == "snapshot")
        #expect(snapshot["reason"] as? String == "initial")
        #expect(seq(snapshot) == 3)
        #expect(snapshot["home"] as? String == "BOS")

        try await stack.publish("G1")
        let event = try await first.next()
        #expect(type(event) == "event")
        #expect(seq(event) == 4)

        // Malformed and unknown messages get errors; the connection stays usable.
        try await first.send(#"{"type":"subscribe","games":["G1"],"lastSeq":4,"id":"bad"}"#)
        let badRequest = try await first.next()
        #expect(badRequest["code"] as? String == "bad_request")
        #expect(badRequest["ref"] as? String == "bad")
        try await first.send(#"{"type":"teleport"}"#)
        #expect(try await first.next()["code"] as? String == "unknown_type")
        try await first.send("not json")
        #expect(try await first.next()["code"] as? String == "bad_request")
        try await first.send(#"{"type":"ping","id":"p1"}"#)
        let pong = try await first.next()
        #expect(type(pong) == "pong")
        #expect(pong["id"] as? String == "p1")

        // Subscribing again without resume changes nothing (no second snapshot).
        try await first.send(#"{"type":"subscribe","games":["G1"],"id":"s2"}"#)
        #expect(try await first.next()["id"] as? String == "s2")
        #expect(try await first.expectSilence(for: .milliseconds(300)) == nil)

        // A second browser resumes from seq 2: exactly 3 and 4, then live.
        let second = try await connect(stack)
        try await second.send(json: ["type": "subscribe", "games": ["G1"], "resume": ["G1": ["epoch": epoch, "seq": 2]], "id": "r"])
        #expect(type(try await second.next()) == "subscribed")
        #expect(try await [second.next(), second.next()].map(seq) == [3, 4])
        try await stack.publish("G1")
        #expect(seq(try await first.next()) == 5)
        #expect(seq(try await second.next()) == 5)

        // Resuming from another epoch, or ahead of the log: a reset snapshot.
        let third = try await connect(stack)
        try await third.send(json: ["type": "subscribe", "games": ["G1"], "resume": ["G1": ["epoch": epoch + 1, "seq": 2]]])
        #expect(type(try await third.next()) == "subscribed")
        let reset = try await third.next()
        #expect(reset["reason"] as? String == "reset")
        #expect(seq(reset) == 5)

        // Resume for a game the connection does not follow: brought up to date, then nothing.
        let fourth = try await connect(stack)
        try await fourth.send(json: ["type": "subscribe", "resume": ["G1": ["epoch": epoch, "seq": 4]]])
        #expect(type(try await fourth.next()) == "subscribed")
        #expect(seq(try await fourth.next()) == 5)
        try await stack.publish("G1")
        #expect(seq(try await first.next()) == 6)
        #expect(try await fourth.expectSilence(for: .milliseconds(300)) == nil)

        // Unsubscribe: the reply carries the whole followed set; events stop.
        try await second.send(#"{"type":"unsubscribe","games":["G1"],"id":"u"}"#)
        _ = try await second.next()  // event 6, queued before the unsubscribe
        let unsubscribed = try await second.next()
        #expect(type(unsubscribed) == "unsubscribed")
        #expect(unsubscribed["games"] as? [String] == [])
        try await stack.publish("G1")
        #expect(seq(try await first.next()) == 7)
        #expect(try await second.expectSilence(for: .milliseconds(300)) == nil)

        for socket in [first, second, third, fourth] { await socket.close() }
    }

    @Test func resumeOlderThanTheRelayWindowComesFromTheScoreService() async throws {
        let stack = try await TestStack.start { $0.recentEventsPerGame = 2 }
        defer { Task { await stack.stop() } }
        try await stack.publish("G1", count: 10)
        let epoch = try await stack.epoch("G1")
        let socket = try await connect(stack)
        try await stack.waitForRelay("G1", seq: 10)
        try await socket.send(json: ["type": "subscribe", "games": ["G1"], "resume": ["G1": ["epoch": epoch, "seq": 3]]])
        #expect(type(try await socket.next()) == "subscribed")
        var seqs: [UInt64] = []
        for _ in 0..<7 { seqs.append(seq(try await socket.next())) }
        #expect(seqs == Array(4...10))
        try await stack.publish("G1")
        #expect(seq(try await socket.next()) == 11)
        await socket.close()
    }

    @Test func resumeFromHistoryThatIsGoneGetsAReset() async throws {
        let stack = try await TestStack.start(configure: { $0.recentEventsPerGame = 2 }, score: { $0.engine.historyLimit = 5 })
        defer { Task { await stack.stop() } }
        try await stack.publish("G1", count: 20)
        let epoch = try await stack.epoch("G1")
        try await stack.waitForRelay("G1", seq: 20)
        let socket = try await connect(stack)
        try await socket.send(json: ["type": "subscribe", "games": ["G1"], "resume": ["G1": ["epoch": epoch, "seq": 2]]])
        #expect(type(try await socket.next()) == "subscribed")
        let reset = try await socket.next()
        #expect(type(reset) == "snapshot")
        #expect(reset["reason"] as? String == "reset")
        #expect(seq(reset) == 20)
        try await stack.publish("G1")
        #expect(seq(try await socket.next()) == 21)
        await socket.close()
    }

    @Test func teamsAllLiveAndLimits() async throws {
        let stack = try await TestStack.start { $0.maxGames = 2 }
        defer { Task { await stack.stop() } }
        try await stack.waitForRelay("G1", seq: try await stack.publish("G1", count: 2))

        // A team: its game today (G2, no events yet) gets an initial snapshot; G3 (another
        // day) is followed from its next event.
        let fan = try await connect(stack)
        try await fan.send(#"{"type":"subscribe","teams":["MIA","XXX"],"id":"t"}"#)
        let unknownTeam = try await fan.next()
        #expect(unknownTeam["code"] as? String == "unknown_team")
        #expect(unknownTeam["teams"] as? [String] == ["XXX"])
        let reply = try await fan.next()
        #expect(reply["teams"] as? [String] == ["MIA"])
        let initial = try await fan.next()
        #expect(initial["game"] as? String == "G2")
        #expect(initial["reason"] as? String == "initial")
        #expect(seq(initial) == 0)
        try await stack.publish("G3")
        let later = try await fan.next()
        #expect(later["game"] as? String == "G3")
        #expect(type(later) == "snapshot")  // first message about a game: a snapshot at that event
        #expect(seq(later) == 1)

        // All live games: G1, and G3 since its event (live) above.
        let live = try await connect(stack)
        try await live.send(#"{"type":"subscribe","allLive":true}"#)
        #expect(try await live.next()["allLive"] as? Bool == true)
        let snapshots = try await [live.next(), live.next()]
        #expect(snapshots.map { $0["game"] as? String } == ["G1", "G3"])
        #expect(snapshots.map(seq) == [2, 1])
        try await stack.publish("G1")
        #expect(seq(try await live.next()) == 3)

        // More games than maxGames: refused entirely, no reply.
        try await live.send(#"{"type":"subscribe","games":["G1","G2","G3"],"id":"many"}"#)
        let tooMany = try await live.next()
        #expect(tooMany["code"] as? String == "too_many_subscriptions")
        #expect(tooMany["ref"] as? String == "many")
        try await live.send(#"{"type":"ping"}"#)
        #expect(type(try await live.next()) == "pong")
        await fan.close()
        await live.close()
    }

    @Test func closeCodes() async throws {
        let stack = try await TestStack.start { $0.allowedOrigins = ["https://allowed.example"] }
        defer { Task { await stack.stop() } }

        let binary = try await connect(stack)
        try await binary.sendFrame(opcode: 2, payload: [1, 2, 3])
        #expect(try await binary.closeCode() == 1003)

        let big = try await connect(stack)
        try await big.send(String(repeating: "x", count: 70_000))
        #expect(try await big.closeCode() == 1009)

        let invalid = try await connect(stack)
        try await invalid.sendFrame(opcode: 1, payload: [0x7B, 0xC0, 0x80, 0x7D])
        #expect(try await invalid.closeCode() == 1007)

        let unmasked = try await connect(stack)
        try await unmasked.sendFrame(opcode: 1, payload: Array("{}".utf8), masked: false)
        #expect(try await unmasked.closeCode() == 1002)

        let reserved = try await connect(stack)
        try await reserved.sendFrame(opcode: 1, payload: Array("{}".utf8), rsv: 4)
        #expect(try await reserved.closeCode() == 1002)

        // Origins: another site is refused with 1008 and no hello; allowed ones get hello.
        let foreign = try await TestWebSocket.connect(port: stack.port, headers: [("Origin", "https://evil.example")])
        let refused = try await foreign.nextFrame()
        #expect(refused.opcode == 8)
        #expect(refused.closeCode == 1008)
        _ = try await connect(stack, headers: [("Origin", "https://allowed.example")])
        _ = try await connect(stack, headers: [("Origin", "http://127.0.0.1:\(stack.port)")])

        // A client close is answered with the same code.
        let polite = try await connect(stack)
        try await polite.sendFrame(opcode: 8, payload: [0x0F, 0xA0])
        #expect(try await polite.closeCode() == 4000)
    }

    @Test func rateLimitAndIdleTimeout() async throws {
        let stack = try await TestStack.start {
            $0.maxMessagesPerSecond = 2
            $0.idleTimeout = .milliseconds(600)
            $0.heartbeat = .milliseconds(200)
        }
        defer { Task { await stack.stop() } }
        let chatty = try await connect(stack, burst: 4)
        for index in 0..<5 { try await chatty.send(#"{"type":"ping","id":"p\#(index)"}"#) }
        var codes: [String] = []
        for _ in 0..<5 {
            let message = try await chatty.next()
            codes.append(message["code"] as? String ?? type(message))
        }
        #expect(codes == ["pong", "pong", "pong", "pong", "rate_limited"])

        // Heartbeats arrive; a client that answers nothing is closed with 4001.
        let quiet = try await connect(stack, burst: 4)
        let heartbeat = try await quiet.next(skipHeartbeats: false)
        #expect(type(heartbeat) == "heartbeat")
        #expect(try await quiet.closeCode(timeout: .seconds(5)) == 4001)
    }

    @Test func slowBrowserGetsCollapsedSnapshotThenIsClosed() async throws {
        let stack = try await TestStack.start {
            $0.slowConsumerTimeout = .seconds(3)
            $0.writeBufferLowWaterMark = 1024
            $0.writeBufferHighWaterMark = 4096
        }
        defer { Task { await stack.stop() } }
        try await stack.publish("G1")
        let slow = try await connect(stack, receiveBuffer: 2048)
        try await slow.send(#"{"type":"subscribe","games":["G1"]}"#)
        _ = try await slow.next()
        let initial = try await slow.next()
        #expect(initial["reason"] as? String == "initial")
        try await slow.setReading(false)
        let padding = String(repeating: "p", count: 2000)
        for _ in 0..<20 { try await stack.publish("G1", count: 25, description: padding) }
        try await Task.sleep(for: .milliseconds(500))
        try await slow.setReading(true)

        // Applying the client's rules: contiguous events, then a collapsed snapshot that jumps
        // to the newest position, and nothing is out of order.
        var position = seq(initial)
        var collapsed = 0
        while position < 501 {
            let message = try await slow.next(timeout: .seconds(10))
            let messageSeq = seq(message)
            if type(message) == "snapshot" {
                #expect(message["reason"] as? String == "collapsed", "at \(position): \(message)")
                #expect(messageSeq > position)
                collapsed += 1
            } else {
                #expect(messageSeq == position + 1, "gap after \(position)")
            }
            position = messageSeq
        }
        #expect(collapsed >= 1)

        // A browser that stays unwritable past the slow-consumer timeout is closed (4000).
        try await slow.setReading(false)
        for _ in 0..<20 { try await stack.publish("G1", count: 25, description: padding) }
        try await Task.sleep(for: .seconds(5))
        try await slow.setReading(true)
        var closed = false
        let deadline = ContinuousClock.now + .seconds(10)
        while !closed, ContinuousClock.now < deadline {
            do {
                let frame = try await slow.nextFrame(timeout: .seconds(2))
                if frame.opcode == 8 {
                    #expect(frame.closeCode == 4000)
                    closed = true
                }
            } catch {
                closed = true  // the socket was closed under the close frame
            }
        }
        #expect(closed)
        let metrics = String(decoding: stack.bridge.serviceMetrics.render(), as: UTF8.self)
        #expect(metrics.contains("courtside_bridge_collapsed_snapshots_total"))
    }

    @Test func aCatchUpThatIsNotReadIsClosedAtTheQueueLimit() async throws {
        let stack = try await TestStack.start {
            $0.writeBufferLowWaterMark = 1024
            $0.writeBufferHighWaterMark = 4096
            $0.maxQueuedBytes = 16_384
        }
        defer { Task { await stack.stop() } }
        let padding = String(repeating: "p", count: 2000)
        var last: UInt64 = 0
        for _ in 0..<40 { last = try await stack.publish("G1", count: 25, description: padding) }
        try await stack.waitForRelay("G1", seq: last)
        let epoch = try await stack.epoch("G1")

        // Resume from the start and read nothing: 1000 events of 2 KB (more than the kernel's
        // socket buffers take) would all wait in the bridge for this socket; past 16 KiB of them
        // the connection is closed as too slow.
        let slow = try await connect(stack, receiveBuffer: 2048)
        try await slow.setReading(false)
        try await slow.send(json: ["type": "subscribe", "games": ["G1"], "resume": ["G1": ["epoch": epoch, "seq": 0]]])
        try await Task.sleep(for: .seconds(1))
        try await slow.setReading(true)
        var highest: UInt64 = 0
        var closeCode: UInt16?
        while closeCode == nil {
            guard let frame = try? await slow.nextFrame(timeout: .seconds(5)) else { break }
            if frame.opcode == 8 {
                closeCode = frame.closeCode
            } else if let message = try? JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any] {
                highest = max(highest, seq(message))
            }
        }
        #expect(closeCode == 4000)
        #expect(highest < last, "the bridge stopped before writing the whole catch-up")
        let metrics = String(decoding: stack.bridge.serviceMetrics.render(), as: UTF8.self)
        #expect(metrics.contains("courtside_bridge_slow_consumer_closes_total 1"))
    }

    @Test func loopThatFallsBehindTheRelayResynchronises() async throws {
        // A hub queue of 2 items: bursts overflow it; connections get collapsed snapshots and
        // continue without a gap.
        let stack = try await TestStack.start { $0.hubQueueCapacity = 2 }
        defer { Task { await stack.stop() } }
        try await stack.publish("G1")
        let socket = try await connect(stack)
        try await socket.send(#"{"type":"subscribe","games":["G1"]}"#)
        _ = try await socket.next()
        var position = seq(try await socket.next())
        var published = position
        var snapshots = 0
        // Bursts of 200 until the loop has fallen behind once: events reach the bridge in
        // network reads of a few, and a fast run can keep up with one burst (seen in CI). Every
        // message follows the one before it without a gap, or is a collapsed snapshot ahead.
        for _ in 0..<30 where snapshots == 0 {
            for _ in 0..<10 { try await stack.publish("G1", count: 20) }
            published += 200
            while position < published {
                let message = try await socket.next()
                if type(message) == "snapshot" {
                    #expect(message["reason"] as? String == "collapsed")
                    #expect(seq(message) > position)
                    snapshots += 1
                } else {
                    #expect(seq(message) == position + 1, "gap after \(position)")
                }
                position = seq(message)
            }
        }
        #expect(snapshots >= 1)
        // Delivery goes on live afterwards.
        try await stack.publish("G1")
        #expect(seq(try await socket.next()) == published + 1)
        await socket.close()
    }

    @Test func upstreamRestartLosesNothing() async throws {
        let stack = try await TestStack.start()
        defer { Task { await stack.stop() } }
        try await stack.publish("G1")
        let socket = try await connect(stack)
        try await socket.send(#"{"type":"subscribe","games":["G1"]}"#)
        _ = try await socket.next()
        #expect(seq(try await socket.next()) == 1)
        try await stack.restartSubscription(downFor: .milliseconds(300))
        // Published while the bridge's upstream is down or reconnecting: none is lost.
        try await stack.publish("G1", count: 5)
        for expected in UInt64(2)...6 {
            #expect(seq(try await socket.next(timeout: .seconds(20))) == expected)
        }
        #expect(stack.bridge.upstream.isConnected)
        await socket.close()
    }

    @Test func unreachableScheduleGivesUnavailable() async throws {
        let stack = try await TestStack.start()
        defer { Task { await stack.stop() } }
        await stack.stopSchedule()
        let socket = try await connect(stack)
        try await socket.send(#"{"type":"subscribe","games":["G9"],"id":"u"}"#)
        let error = try await socket.next(timeout: .seconds(20))
        #expect(error["code"] as? String == "unavailable")
        #expect(error["ref"] as? String == "u")
        #expect((error["retryAfterMs"] as? Int ?? 0) > 0)
        // The connection stays usable.
        try await socket.send(#"{"type":"ping"}"#)
        #expect(type(try await socket.next()) == "pong")
        let teams = try await TestHTTP.get(port: stack.port, "/api/teams")
        #expect(teams.status == 503)
        #expect(teams.body.contains("\"unavailable\""))
        await socket.close()
    }

    @Test func shutdownSendsGoawayThenClose1001() async throws {
        let stack = try await TestStack.start()
        defer { Task { await stack.stop() } }
        let socket = try await connect(stack)
        await stack.stopBridge()
        let goaway = try await socket.next()
        #expect(type(goaway) == "goaway")
        let retry = goaway["retryAfterMs"] as? Int ?? -1
        #expect(retry >= 0 && retry < 1000)
        #expect(try await socket.closeCode() == 1001)
    }

    @Test func jsonAPIAndStaticFiles() async throws {
        let stack = try await TestStack.start()
        defer { Task { await stack.stop() } }
        try await stack.waitForRelay("G1", seq: try await stack.publish("G1", count: 3))
        let games = try await TestHTTP.get(port: stack.port, "/api/games?date=\(TestStack.today)")
        #expect(games.status == 200)
        #expect(games.head.lowercased().contains("content-type: application/json; charset=utf-8"))
        let body = try JSONSerialization.jsonObject(with: Data(games.body.utf8)) as? [String: Any]
        let list = body?["games"] as? [[String: Any]] ?? []
        #expect(list.map { $0["id"] as? String } == ["G1", "G2"])
        #expect((list.first?["snapshot"] as? [String: Any])?["seq"] as? Int == 3)
        let unplayed = list.last?["snapshot"] as? [String: Any]
        #expect(
            unplayed?["seq"] as? Int == 0 && (unplayed?["epoch"] as? Int ?? 0) > 0,
            "a game without events has a position: seq 0 in its epoch")
        // Without a date: today's game date (US Eastern, as the schedule names games), not the
        // server's own time zone's date.
        let todays = try await TestHTTP.get(port: stack.port, "/api/games")
        let todaysBody = try JSONSerialization.jsonObject(with: Data(todays.body.utf8)) as? [String: Any]
        #expect(todaysBody?["date"] as? String == GameDate.today())
        #expect((todaysBody?["games"] as? [[String: Any]])?.map { $0["id"] as? String } == ["G1", "G2"])

        let events = try await TestHTTP.get(port: stack.port, "/api/games/G1/events?limit=2")
        let page = try JSONSerialization.jsonObject(with: Data(events.body.utf8)) as? [String: Any]
        #expect((page?["events"] as? [[String: Any]])?.map(seq) == [3, 2])
        #expect(page?["nextBefore"] as? Int == 2)
        #expect(try await TestHTTP.get(port: stack.port, "/api/games/G1/events?limit=0").status == 400)
        #expect(try await TestHTTP.get(port: stack.port, "/api/games/NOPE").status == 404)
        #expect(try await TestHTTP.get(port: stack.port, "/api/games?date=2023-02-30").status == 400)
        #expect(try await TestHTTP.get(port: stack.port, "/api/teams").body.contains("\"conference\":\"East\""))

        let page404 = try await TestHTTP.get(port: stack.port, "/../Package.swift")
        #expect(page404.status == 404)
        let index = try await TestHTTP.get(port: stack.port, "/")
        #expect(index.status == 200)
        #expect(index.head.lowercased().contains("content-type: text/html; charset=utf-8"))
        let module = try await TestHTTP.get(port: stack.port, "/courtside-client.js")
        #expect(module.head.lowercased().contains("content-type: text/javascript; charset=utf-8"))
        let etag =
            module.head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") }?.dropFirst(5).trimmingCharacters(
                in: .whitespaces) ?? ""
        #expect(try await TestHTTP.get(port: stack.port, "/courtside-client.js", headers: [("If-None-Match", etag)]).status == 304)
    }

    @Test func jsonAPIRateLimitPerClientAddress() async throws {
        let stack = try await TestStack.start { configuration in
            configuration.apiRequestsPerSecond = 1  // bursts of 2
            configuration.trustedProxies = ["127.0.0.0/8"]
        }
        defer { Task { await stack.stop() } }
        #expect(try await TestHTTP.get(port: stack.port, "/api/teams").status == 200)
        #expect(try await TestHTTP.get(port: stack.port, "/api/teams").status == 200)
        var refused: (status: Int, head: String, body: String)?
        for _ in 0..<5 where refused == nil {
            let answer = try await TestHTTP.get(port: stack.port, "/api/games/G1")
            if answer.status != 200 { refused = answer }
        }
        let answer = try #require(refused, "past the burst the API answers 429")
        #expect(answer.status == 429)
        #expect(answer.head.lowercased().contains("retry-after: 1"))
        let error = (try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "rate_limited")
        #expect((error?["message"] as? String)?.contains("1 API requests per second") == true)
        // The page and other clients (behind the trusted proxy) are not limited by it.
        #expect(try await TestHTTP.get(port: stack.port, "/").status == 200)
        let other = try await TestHTTP.get(port: stack.port, "/api/teams", headers: [("X-Forwarded-For", "203.0.113.9")])
        #expect(other.status == 200)
    }
}
