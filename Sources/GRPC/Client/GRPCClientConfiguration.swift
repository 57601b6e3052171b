public import HTTP2Transport
internal import NIOCore

extension GRPCClient {
    /// Where a client connects, and the settings of its connection.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var connectTimeout: Duration = .seconds(5)
        /// Keepalive PINGs; nil disables them.
        public var keepalive: HTTP2Connection.Keepalive? = HTTP2Connection.Keepalive(interval: .seconds(30), timeout: .seconds(10))
        /// Largest response message accepted.
        public var maximumReceiveMessageSize: Int = 4 << 20
        public var http2 = HTTP2Settings()
        /// TLS to the server; nil: cleartext h2c with prior knowledge.
        public var tls: ClientTLSCredentials?
        /// Added to every call (a bearer token); nil: calls carry only their own metadata.
        public var credentials: (any CallCredentials)?

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses "host:port".
        public init?(address: String) {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                (1...65535).contains(port)
            else { return nil }
            var host = String(address[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }

        /// The address of the `service` a server calls, or INVALID_ARGUMENT that names it.
        public init(address: String, of service: String) throws {
            guard let configuration = Self(address: address) else {
                throw RPCError(.invalidArgument, "\(service) address '\(address)' is not host:port")
            }
            self = configuration
        }
    }
}
