public import GRPCWire

/// What a client presents with every call (a bearer token), read when each call starts so that
/// a credential that changes (a token file rewritten) is picked up without a new client.
public protocol CallCredentials: Sendable {
    /// The metadata to add to a call's request headers; an error fails the call before it is sent.
    func metadata() throws -> Metadata
}
