import GRPC

/// Judges every call: a hostile request must get a clear refusal (INVALID_ARGUMENT,
/// OUT_OF_RANGE, NOT_FOUND, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, …) or an answer, never
/// UNKNOWN or INTERNAL (a handler threw something it did not mean to), never silence, never
/// something that is no gRPC answer. Counts what each RPC answered, for the summary.
struct Oracle {
    struct Tally {
        var cases = 0
        var mutated = 0
        var outcomes: [String: Int] = [:]
    }

    struct Finding {
        let caseIndex: Int
        let target: String
        let mutations: [String]
        let problem: String
        let request: [UInt8]
        let serverLog: [ServerLog.Line]
    }

    private(set) var tallies: [String: Tally] = [:]
    private(set) var findings: [Finding] = []
    private let order: [String]

    init(targets: [RPCTarget]) {
        order = targets.map(\.name)
    }

    /// What is wrong with an outcome, or nil when it is an acceptable answer.
    static func problem(with outcome: CallOutcome, kind: RPCTarget.Kind) -> String? {
        switch outcome {
        case .status(let code, let message, _):
            switch code {
            case .unknown, .internal, .dataLoss:
                return "\(code): \(message) (the handler failed in a way it did not mean to)"
            case .unimplemented:
                return "UNIMPLEMENTED: \(message) (the method exists)"
            case .unavailable:
                return "UNAVAILABLE: \(message) (every service is running)"
            case .deadlineExceeded where kind != .serverStreaming:
                return "no answer within \(RPCCaller.deadline)"
            default:
                return nil
            }
        case .broken(let description):
            return description
        case .walkedAway, .openUntilDeadline:
            return nil
        }
    }

    mutating func judge(_ fuzzCase: FuzzCase, outcome: CallOutcome, log: ServerLog) {
        let name = fuzzCase.target.name
        tallies[name, default: Tally()].cases += 1
        if fuzzCase.isMutated { tallies[name, default: Tally()].mutated += 1 }
        tallies[name, default: Tally()].outcomes[Self.label(outcome), default: 0] += 1
        guard let problem = Self.problem(with: outcome, kind: fuzzCase.target.kind) else { return }
        var serverLog: [ServerLog.Line] = []
        if case .status(_, _, let requestID?) = outcome { serverLog = log.lines(requestID: requestID) }
        let finding = Finding(
            caseIndex: fuzzCase.index, target: name, mutations: fuzzCase.mutations, problem: problem,
            request: fuzzCase.messages.first ?? [], serverLog: serverLog
        )
        findings.append(finding)
        Self.print(finding)
    }

    /// A problem found outside a call (a liveness check after `caseIndex`).
    mutating func record(problem: String, after caseIndex: Int) {
        let finding = Finding(caseIndex: caseIndex, target: "liveness check", mutations: [], problem: problem, request: [], serverLog: [])
        findings.append(finding)
        Self.print(finding)
    }

    /// One line per RPC: cases, how many were mutated, and what came back.
    var summary: [String] {
        order.compactMap { name in
            guard let tally = tallies[name] else { return "\(name): no cases" }
            let outcomes = tally.outcomes.sorted { $0.value > $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(name): \(tally.cases) cases (\(tally.mutated) mutated): \(outcomes)"
        }
    }

    static func label(_ outcome: CallOutcome) -> String {
        switch outcome {
        case .status(let code, _, _): code.description
        case .walkedAway: "walked-away"
        case .openUntilDeadline(let registered): registered ? "open-until-deadline" : "no-headers-until-deadline"
        case .broken: "BROKEN"
        }
    }

    private static func print(_ finding: Finding) {
        Swift.print("FINDING case \(finding.caseIndex) \(finding.target): \(finding.problem)")
        for mutation in finding.mutations { Swift.print("  mutation: \(mutation)") }
        if !finding.request.isEmpty {
            let hex = finding.request.prefix(96).map {
                String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
            }.joined()
            Swift.print("  request (\(finding.request.count) bytes): \(hex)\(finding.request.count > 96 ? "…" : "")")
        }
        for line in finding.serverLog { Swift.print("  \(line.service) logged: \(line.message) \(line.details)") }
    }
}
