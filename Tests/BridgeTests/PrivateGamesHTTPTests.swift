import Logging
import NIOHTTP1
import ServiceKit
import Testing

@testable import Bridge

/// Private games at the HTTP side: the SSE request and the JSON API refuse them (401) before
/// anything is asked of the services, and let a grant that names them through.
@Suite struct PrivateGamesHTTPTests {
    private let app = EmbeddedHTTP.app { configuration in
        configuration.privateGames = ["P1"]
    }

    @Test func anSSERequestForAPrivateGameWithoutATokenIs401() throws {
        let connection = try EmbeddedHTTP(app: app)
        try connection.send("GET /events?games=PUBLIC,P1 HTTP/1.1\r\nHost: bridge\r\n\r\n")
        let answer = try connection.received()
        #expect(EmbeddedHTTP.status(answer) == 401, "\(answer)")
        #expect(EmbeddedHTTP.error(answer)?["code"] as? String == "token_required")
        #expect((EmbeddedHTTP.error(answer)?["message"] as? String)?.hasSuffix(": P1") == true)
    }

    @Test func aResumePositionOfAPrivateGameIsRefusedToo() throws {
        let connection = try EmbeddedHTTP(app: app)
        try connection.send("GET /events?resume=P1:1:4 HTTP/1.1\r\nHost: bridge\r\n\r\n")
        #expect(EmbeddedHTTP.status(try connection.received()) == 401)
    }

    @Test func theAPIRefusesAPrivateGameBeforeAskingTheServicesAndLetsAGrantThrough() async throws {
        let authority = app.authority
        let refused = await app.api.answer(path: "/api/games/P1", query: [:], authority: authority, grant: nil)
        #expect(refused?.status == .unauthorized)
        let events = await app.api.answer(path: "/api/games/P1/events", query: [:], authority: authority, grant: nil)
        #expect(events?.status == .unauthorized)
        let otherGame = ConnectionGrant(subject: "u", games: ["P2"], expiresAtMs: 0)
        #expect(await app.api.answer(path: "/api/games/P1", query: [:], authority: authority, grant: otherGame)?.status == .unauthorized)
        // Allowed: it goes on to the (unreachable) schedule service.
        let named = ConnectionGrant(subject: "u", games: ["P1"], expiresAtMs: 0)
        #expect(await app.api.answer(path: "/api/games/P1", query: [:], authority: authority, grant: named)?.status == .serviceUnavailable)
        #expect(
            await app.api.answer(path: "/api/games/PUBLIC", query: [:], authority: authority, grant: nil)?.status == .serviceUnavailable)
    }

    @Test func theConnectionTokenComesFromTheParameterOrABearerHeader() {
        #expect(HTTPHandler.connectionToken(parameters: ["token": "a.b.c"], authorization: "Bearer x.y.z") == "a.b.c")
        #expect(HTTPHandler.connectionToken(parameters: [:], authorization: "  bearer   x.y.z ") == "x.y.z")
        #expect(HTTPHandler.connectionToken(parameters: [:], authorization: "Basic abc") == nil)
        #expect(HTTPHandler.connectionToken(parameters: ["token": ""], authorization: "Bearer ") == nil)
    }
}
