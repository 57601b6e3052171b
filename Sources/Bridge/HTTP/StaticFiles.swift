import CourtsideDomain
import Foundation
import NIOCore
import NIOHTTP1

/// The page and its files (§12): `/` is `index.html`, `/{name}` a file of the folder. No
/// directory listing; `..`, hidden files and anything outside the folder (symbolic links
/// included) are 404. Answers carry the content types browsers check for ES modules, an ETag
/// and Last-Modified (a matching `If-None-Match` gets 304), `Cache-Control: no-cache` and the
/// page's Content-Security-Policy.
public struct StaticFiles: Sendable {
    public let root: String

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "json": "application/json",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "webmanifest": "application/manifest+json",
        "txt": "text/plain; charset=utf-8",
    ]

    /// Files of the folder `root`.
    public init(root: String) {
        self.root = (root as NSString).standardizingPath
    }

    /// Where the build puts the page the executable ships with: SwiftPM copies
    /// `services/bridge/public` to `courtside_BridgeServer.resources/public` beside the binary,
    /// and the Dockerfile copies that folder beside it in the image. Found from the running
    /// executable, so the bridge serves its page whatever the working directory.
    public static func bundledPageFolder() -> String {
        bundledPageFolder(executablePath: Bundle.main.executablePath ?? CommandLine.arguments.first ?? ".")
    }

    static func bundledPageFolder(executablePath: String) -> String {
        let folder = URL(fileURLWithPath: executablePath)
            .resolvingSymlinksInPath()
            .deletingLastPathComponent()
        return folder.appendingPathComponent("courtside_BridgeServer.resources/public").path
    }

    /// Throws, naming the folder, unless `path` is a folder holding the page (`index.html`).
    public static func checkFolder(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard !path.isEmpty, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StaticFolderError(path: path, reason: "no such folder")
        }
        guard FileManager.default.isReadableFile(atPath: (path as NSString).appendingPathComponent("index.html")) else {
            throw StaticFolderError(path: path, reason: "it holds no readable index.html")
        }
    }

    /// The file's path inside the folder, or nil when the request may not name a file.
    public static func relativePath(forRequestPath path: String) -> String? {
        if path == "/" { return "index.html" }
        guard path.hasPrefix("/"), let decoded = String(path.dropFirst()).removingPercentEncoding else { return nil }
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty else { return nil }
        for segment in segments {
            guard !segment.isEmpty, !segment.hasPrefix("."), !segment.contains("\\"), !segment.contains("\0") else { return nil }
        }
        return segments.joined(separator: "/")
    }

    /// Answers `GET`/`HEAD` of a path (nil: not a file here, let the caller 404).
    public func answer(path: String, ifNoneMatch: String?) -> HTTPAnswer? {
        guard let relative = Self.relativePath(forRequestPath: path) else { return nil }
        let full = (root as NSString).appendingPathComponent(relative)
        let resolved = (full as NSString).resolvingSymlinksInPath
        let resolvedRoot = (root as NSString).resolvingSymlinksInPath
        guard resolved.hasPrefix(resolvedRoot + "/") else { return nil }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
        let modifiedMs = UnixTime.milliseconds(modified)
        let etag = "\"\(String(size, radix: 16))-\(String(modifiedMs, radix: 16))\""
        var headers = HTTPHeaders()
        let ext = (relative as NSString).pathExtension.lowercased()
        headers.add(name: "content-type", value: Self.contentTypes[ext] ?? "application/octet-stream")
        headers.add(name: "cache-control", value: "no-cache")
        headers.add(name: "etag", value: etag)
        headers.add(name: "last-modified", value: Self.httpDate(modified))
        if ext == "html" {
            headers.add(name: "content-security-policy", value: SecurityHeaders.pagePolicy)
        }
        if let ifNoneMatch,
            ifNoneMatch.split(separator: ",").contains(where: { String($0).trimmingSpaces() == etag || String($0).trimmingSpaces() == "*" })
        {
            return HTTPAnswer(status: .notModified, headers: headers)
        }
        guard let data = FileManager.default.contents(atPath: resolved) else { return nil }
        return HTTPAnswer(status: .ok, headers: headers, body: ByteBuffer(bytes: data))
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

/// The page's folder is missing: the bridge refuses to start rather than serve 404 at `/`.
public struct StaticFolderError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String {
        "the page's folder '\(path)' cannot be served: \(reason) (set --static-dir / COURTSIDE_STATIC_DIR to the folder holding index.html)"
    }
}
