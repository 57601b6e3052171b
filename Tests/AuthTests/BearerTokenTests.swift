import GRPCWire
import Testing

@testable import Auth

@Suite struct BearerTokenTests {
    @Test func theTokenOfABearerValueIsRead() {
        #expect(BearerToken.parse(authorization: "Bearer a.b.c") == "a.b.c")
        #expect(BearerToken.parse(authorization: "bEaReR \t a.b.c \t") == "a.b.c")
        #expect(BearerToken.parse(authorization: "  bearer   x.y.z ") == "x.y.z")
    }

    @Test func anythingElseHasNoToken() {
        for value in ["", "Bearer", "Bearer ", "Bearer \t ", "Basic abc", "Bearerx a.b.c", "Token a.b.c"] {
            #expect(BearerToken.parse(authorization: value) == nil, "\(value)")
        }
    }

    @Test func grpcMetadataWithoutABearerTokenSendsAnEmptyOne() {
        #expect(AuthInterceptor.bearerToken(in: Metadata([("authorization", "Bearer a.b.c")])) == "a.b.c")
        #expect(AuthInterceptor.bearerToken(in: Metadata([("authorization", "Basic abc")])) == "")
        #expect(AuthInterceptor.bearerToken(in: Metadata([("authorization", "Bearer  ")])) == "")
        #expect(AuthInterceptor.bearerToken(in: Metadata()) == nil)
    }
}
