import CourtsideProto
import Foundation
import Testing

@testable import FeedSources

/// Small helpers shared by the adapter tests.
enum TestSupport {
    /// The accepted value, recording the rejection reasons as a test issue otherwise.
    static func accepted<T>(
        _ result: FeedResult<T>,
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> T {
        switch result {
        case .success(let value):
            return value
        case .failure(let rejection):
            Issue.record("\(what) rejected: \(rejection)", sourceLocation: sourceLocation)
            throw rejection
        }
    }

    /// The rejection reasons, recording an issue when the payload was accepted.
    static func rejected<T>(
        _ result: FeedResult<T>,
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [String] {
        switch result {
        case .success:
            Issue.record("\(what) was accepted but should have been rejected", sourceLocation: sourceLocation)
            return []
        case .failure(let rejection):
            return rejection.reasons.map(\.reason)
        }
    }

    /// The state after each `periodEnd` event, by period.
    static func scoresAtPeriodEnds(_ events: [Event]) -> [UInt32: (UInt32, UInt32)] {
        var result: [UInt32: (UInt32, UInt32)] = [:]
        for event in events where event.kind == .periodEnd {
            if let state = event.state { result[state.period] = (state.homeScore, state.awayScore) }
        }
        return result
    }

    /// Running sums of per-period scores.
    static func cumulative(_ values: [Int]) -> [Int] {
        var total = 0
        return values.map {
            total += $0
            return total
        }
    }

    /// A deterministic shuffle for editing fixtures (SplitMix64).
    static func shuffled<T>(_ values: [T], seed: UInt64) -> [T] {
        var generator = TestRandom(seed: seed)
        var result = values
        guard result.count > 1 else { return result }
        for index in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(index, Int(generator.next() % UInt64(index + 1)))
        }
        return result
    }
}

/// The tests' own reproducible randomness: the simulator's SplitMix64.
typealias TestRandom = SeededRandom

extension SeededRandom {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Edits JSON trees parsed with `JSONSerialization`: `path` mixes object keys (String) and array
/// indices (Int); a nil value removes the key (`NSNull()` sets an explicit null).
enum JSONEdit {
    static func setting(_ root: Any, _ path: [Any], to value: Any?) -> Any {
        guard let head = path.first else { return value ?? NSNull() }
        let rest = Array(path.dropFirst())
        if let key = head as? String, var object = root as? [String: Any] {
            if rest.isEmpty, value == nil {
                object.removeValue(forKey: key)
            } else {
                object[key] = setting(object[key] ?? [String: Any](), rest, to: value)
            }
            return object
        }
        if let index = head as? Int, var array = root as? [Any], array.indices.contains(index) {
            array[index] = setting(array[index], rest, to: value)
            return array
        }
        return root
    }

    /// The value at `path`, or nil when there is none.
    static func value(_ root: Any, _ path: [Any]) -> Any? {
        var current: Any = root
        for step in path {
            if let key = step as? String, let object = current as? [String: Any], let next = object[key] {
                current = next
            } else if let index = step as? Int, let array = current as? [Any], array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }

    /// Applies several edits in turn.
    static func applying(_ root: Any, _ edits: [([Any], Any?)]) -> Any {
        edits.reduce(root) { setting($0, $1.0, to: $1.1) }
    }
}
