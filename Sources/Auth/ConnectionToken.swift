/// The token the calls of one connection sent last, as the verifier accepted it: kept in the
/// connection's ``GRPC/ConnectionSlot`` by ``AuthInterceptor``, so that the next call sending the
/// same bytes (a client sends one token on every call of a connection, until it renews it) is
/// decided by comparing them, with no hashing and no lock shared with other connections. The
/// verifier still decides: ``TokenVerifier/verdict(reusing:)`` checks the key file's version and
/// the expiry at every call. Another token replaces it once accepted; a refused one never does.
/// Never logged, never shown (no description).
final class ConnectionToken: Sendable {
    /// The token's bytes (at most ``BearerToken/maximumBytes``: longer ones are never accepted).
    private let bytes: [UInt8]
    let accepted: TokenVerifier.AcceptedToken

    init(_ token: Substring, accepted: TokenVerifier.AcceptedToken) {
        self.bytes = Array(token.utf8)
        self.accepted = accepted
    }

    /// Whether `token` is byte for byte this token (same length, same bytes).
    func matches(_ token: Substring) -> Bool {
        let utf8 = token.utf8
        return utf8.withContiguousStorageIfAvailable { matches(UnsafeRawBufferPointer($0)) } ?? utf8.elementsEqual(bytes)
    }

    func matches(_ candidate: UnsafeRawBufferPointer) -> Bool {
        guard candidate.count == bytes.count else { return false }
        return bytes.withUnsafeBytes { Self.sameBytes($0, candidate) }
    }

    /// Compares two buffers of the same length in a time that depends on the length only, not on
    /// where they first differ: the slot holds a credential, and the next call on the connection
    /// (through a proxy that multiplexes callers, perhaps someone else's) chooses what it is
    /// compared with.
    static func sameBytes(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Bool {
        precondition(first.count == second.count)
        let count = first.count
        var difference: UInt64 = 0
        var offset = 0
        while offset + 8 <= count {
            difference |=
                first.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ second.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < count {
            difference |= UInt64(first[offset] ^ second[offset])
            offset += 1
        }
        return difference == 0
    }
}
