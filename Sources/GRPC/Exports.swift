// Handlers and clients use the wire vocabulary (RPCError, Metadata, status codes) with the
// server and client types; one `import GRPC` brings both.
@_exported public import GRPCWire
