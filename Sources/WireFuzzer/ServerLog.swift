import Logging
import Synchronization

/// What the in-process services log at error level and above, kept so that a finding can show
/// what its server logged under the request id it answered with; everything below is dropped
/// (a fuzz run makes the services refuse thousands of requests, each worth an info line).
final class ServerLog: Sendable {
    struct Line: Sendable {
        let service: String
        let message: String
        let requestID: String?
        let details: String
    }

    private static let capacity = 10_000
    private let lines = Mutex<[Line]>([])

    func logger(for service: String) -> Logger {
        Logger(label: service) { _ in Handler(service: service, log: self) }
    }

    func lines(requestID: String) -> [Line] {
        lines.withLock { $0.filter { $0.requestID == requestID } }
    }

    /// Every distinct message logged, with how often, per service.
    var distinctMessages: [(text: String, count: Int)] {
        let all = lines.withLock { $0 }
        var counts: [String: Int] = [:]
        for line in all { counts["\(line.service): \(line.message)", default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { (text: $0.key, count: $0.value) }
    }

    fileprivate func append(_ line: Line) {
        lines.withLock { lines in
            if lines.count < Self.capacity { lines.append(line) }
        }
    }

    struct Handler: LogHandler {
        let service: String
        let log: ServerLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .error

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            for (key, value) in event.metadata ?? [:] { merged[key] = value }
            let requestID = merged.removeValue(forKey: "request_id").map { "\($0)" }
            let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.append(Line(service: service, message: "\(event.message)", requestID: requestID, details: details))
        }
    }
}
