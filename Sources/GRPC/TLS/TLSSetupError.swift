/// Why TLS files could not be used: names the file and what is wrong with it.
public struct TLSSetupError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// Why a certificate's files could not be read, or the parser's own reason.
    init(_ error: WatchedFileError) {
        switch error.kind {
        case .unreadable: self.init("\(error.path ?? "?"): cannot be read")
        case .tooLarge, .unusable: self.init(error.description)
        }
    }
}
