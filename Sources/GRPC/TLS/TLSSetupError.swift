/// Why TLS files could not be used: names the file and what is wrong with it.
public struct TLSSetupError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
