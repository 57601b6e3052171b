public import Foundation
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value parsed from a file (or from a few files read together, such as a certificate and its
/// key), kept current without a restart: every `interval` a background task stats the files
/// (device, inode, size, modification and change times, following symlinks, so a new file
/// renamed over the old one or a Kubernetes Secret volume's symlink swap is seen), and when they
/// changed it reads them and parses them again. Reading ``value`` takes a lock and nothing else:
/// no I/O and no parsing on the request path. A changed file that cannot be read or parsed
/// keeps the last good value and is logged once, as an error naming the files, until it changes
/// again.
///
/// The JWKS files, the client identities file, the bearer token file, the TLS certificates
/// (a server's, and the one a client presents) and the PostgreSQL CA bundle all use it.
public final class WatchedFile<Value: Sendable>: Sendable {
    public typealias Outcome = WatchedFileOutcome

    public typealias Parse = @Sendable (_ contents: [Data]) async throws -> Value

    /// The files, in the order their contents reach the parser.
    public let paths: [String]
    /// What the files hold, for the log lines ("TLS certificate", "token keys").
    public let name: String
    /// A file longer than this is refused unread.
    public let maximumBytes: Int
    private let parse: Parse
    private let logger: Logger
    private let state: Mutex<State>
    /// `State.version`, readable without the lock (written under it, after the value).
    private let publishedVersion = Atomic<Int>(0)
    private let watcher = Mutex<Task<Void, Never>?>(nil)

    private struct State: Sendable {
        var value: Value
        /// Bumped by every reload.
        var version = 0
        /// The files' identities when last checked (used or rejected).
        var seen: [FileIdentity?]
        /// The bytes `value` was parsed from.
        var contents: [Data]
        var checking = false
    }

    /// Reads and parses the files now (throws when they cannot be read or used) and, when
    /// `interval` is given and not zero, checks them every `interval` until this object is
    /// released. Without one only ``check()`` reloads.
    public init(
        name: String, paths: [String], interval: Duration?, maximumBytes: Int = 4 << 20, logger: Logger,
        parse: @escaping @Sendable (_ contents: [Data]) throws -> Value
    ) throws(WatchedFileError) {
        self.name = name
        self.paths = paths
        self.maximumBytes = maximumBytes
        self.logger = logger
        self.parse = { contents in try parse(contents) }
        let seen = paths.map(FileIdentity.init(path:))
        let contents = try Self.read(paths, maximumBytes: maximumBytes)
        let value: Value
        do { value = try parse(contents) } catch { throw WatchedFileError(.unusable, path: nil, reason: "\(error)") }
        state = Mutex(State(value: value, seen: seen, contents: contents))
        startWatching(every: interval)
    }

    /// The same for a parser that suspends (jwt-kit's key collection).
    public init(
        name: String, paths: [String], interval: Duration?, maximumBytes: Int = 4 << 20, logger: Logger,
        asyncParse parse: @escaping Parse
    ) async throws(WatchedFileError) {
        self.name = name
        self.paths = paths
        self.maximumBytes = maximumBytes
        self.logger = logger
        self.parse = parse
        let seen = paths.map(FileIdentity.init(path:))
        let contents = try Self.read(paths, maximumBytes: maximumBytes)
        let value: Value
        do { value = try await parse(contents) } catch { throw WatchedFileError(.unusable, path: nil, reason: "\(error)") }
        state = Mutex(State(value: value, seen: seen, contents: contents))
        startWatching(every: interval)
    }

    deinit {
        watcher.withLock { $0?.cancel() }
    }

    /// The value of the last good files: a lock, no I/O.
    public var value: Value { state.withLock { $0.value } }

    /// The value and how many reloads led to it (a cache keyed by the value can tell it changed).
    public var current: (value: Value, version: Int) { state.withLock { ($0.value, $0.version) } }

    /// How many reloads there have been, without the lock or a copy of the value: a per-call
    /// check that something built from the value is still current (compared with the version
    /// ``current`` gave when it was built) costs one atomic load.
    public var version: Int { publishedVersion.load(ordering: .acquiring) }

    /// Stats the files and, when they changed, reads and parses them; what the background task
    /// does every interval (tests call it directly). A check while another runs does nothing.
    @discardableResult
    public func check() async -> Outcome {
        let identities = paths.map(FileIdentity.init(path:))
        let due = state.withLock { state in
            guard !state.checking, state.seen != identities else { return false }
            state.checking = true
            return true
        }
        guard due else { return .unchanged }
        let outcome = await reload(identities)
        state.withLock { state in
            state.seen = identities
            state.checking = false
        }
        return outcome
    }

    private func reload(_ identities: [FileIdentity?]) async -> Outcome {
        let contents: [Data]
        do { contents = try Self.read(paths, maximumBytes: maximumBytes) } catch { return reject(error.description) }
        guard state.withLock({ $0.contents != contents }) else { return .unchanged }
        let value: Value
        do { value = try await parse(contents) } catch { return reject("\(error)") }
        state.withLock { state in
            state.value = value
            state.contents = contents
            state.version += 1
            publishedVersion.store(state.version, ordering: .releasing)
        }
        logger.info("\(name) reloaded", metadata: ["file": "\(paths.joined(separator: ","))"])
        return .reloaded
    }

    private func reject(_ reason: String) -> Outcome {
        logger.error(
            "\(name) not reloaded: \(paths.joined(separator: ", ")) changed but cannot be used; the previous one stays in force",
            metadata: ["file": "\(paths.joined(separator: ","))", "reason": "\(reason)"]
        )
        return .rejected(reason)
    }

    private func startWatching(every interval: Duration?) {
        guard let interval, interval > .zero else { return }
        let task = Task.detached { [weak self] in
            while true {
                do { try await Task.sleep(for: interval) } catch { return }
                guard let self else { return }
                await self.check()
            }
        }
        watcher.withLock { $0 = task }
    }

    private static func read(_ paths: [String], maximumBytes: Int) throws(WatchedFileError) -> [Data] {
        var contents: [Data] = []
        for path in paths {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw WatchedFileError(.unreadable, path: path, reason: "cannot be read")
            }
            defer { try? handle.close() }
            let data: Data
            do { data = try handle.readToEnd(upToCount: maximumBytes + 1) } catch {
                throw WatchedFileError(.unreadable, path: path, reason: "cannot be read (\(error.localizedDescription))")
            }
            guard data.count <= maximumBytes else {
                throw WatchedFileError(.tooLarge, path: path, reason: "is longer than \(maximumBytes) bytes")
            }
            contents.append(data)
        }
        return contents
    }
}

extension FileHandle {
    /// Up to `count` bytes from the current offset (fewer at the end of the file).
    fileprivate func readToEnd(upToCount count: Int) throws -> Data {
        var data = Data()
        while data.count < count, let chunk = try read(upToCount: count - data.count), !chunk.isEmpty {
            data.append(chunk)
        }
        return data
    }
}

/// What a check of a ``WatchedFile``'s files found.
public enum WatchedFileOutcome: Sendable, Equatable {
    /// Not changed since the last check (or changed to the bytes already in use).
    case unchanged
    /// Changed and parsed: the watcher's value is the new one.
    case reloaded
    /// Changed but unreadable or unusable (why); the previous value stays.
    case rejected(String)
}

/// Why watched files could not be used.
public struct WatchedFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Missing, not a file, or not readable.
        case unreadable
        /// Longer than the watcher's `maximumBytes`.
        case tooLarge
        /// Read, but the parser refused the contents.
        case unusable
    }

    public let kind: Kind
    /// The file at fault; nil when the parser refused the contents (its reason names the file).
    public let path: String?
    public let reason: String

    public init(_ kind: Kind, path: String?, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String { path.map { "\($0): \(reason)" } ?? reason }
}

/// What a stat of a path says about the file it names now (symlinks followed); nil when there
/// is none. Two equal identities are, for a watcher, the same bytes.
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    /// Modification and status-change times, seconds and nanoseconds.
    var times: [Int]

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        #if canImport(Darwin)
            let (modified, changed) = (info.st_mtimespec, info.st_ctimespec)
        #else
            let (modified, changed) = (info.st_mtim, info.st_ctim)
        #endif
        times = [Int(modified.tv_sec), Int(modified.tv_nsec), Int(changed.tv_sec), Int(changed.tv_nsec)]
    }
}
