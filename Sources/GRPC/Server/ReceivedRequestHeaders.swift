internal import GRPCWire
internal import HTTP2Transport

/// A received header block as the request validator reads it.
struct ReceivedRequestHeaders: RequestHeaderFields {
    let headers: HTTP2ReceivedHeaders

    func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        headers.forEach(body)
    }

    func string(_ bytes: UnsafeRawBufferPointer) -> String {
        headers.string(bytes)
    }
}
