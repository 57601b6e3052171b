// Handlers and clients use the wire vocabulary (RPCError, Metadata, status codes) with the
// server and client types; one `import GRPC` brings both.
@_exported public import GRPCWire
// The file watcher the TLS credentials, key files and token files use (its own module, below
// the RPC stack, so that storage shares it); `import GRPC` keeps bringing it.
@_exported public import WatchedFiles
