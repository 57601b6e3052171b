/// The RPC mode: mutated valid requests of every RPC against the real services in-process,
/// judged by the ``Oracle``, with a ``LivenessProbe`` every `checkEvery` cases.
struct RPCFuzzer {
    let cases: Int
    let seed: UInt64
    let checkEvery: Int
    /// Runs only the cases of the RPCs whose path contains this.
    let only: String?
    /// Prints every case.
    let verbose: Bool
    /// Adds ``PlantedFaultService``'s RPC: the run must then report it and fail.
    let failOnPurpose: Bool

    func run() async -> Int32 {
        let uncovered = RPCCatalogue.uncoveredMethods
        guard uncovered.isEmpty else {
            print("FAIL: no fuzz target for \(uncovered.joined(separator: ", ")) (add it to RPCCatalogue)")
            return 1
        }
        let targets = RPCCatalogue.targets + (failOnPurpose ? [PlantedFaultService.target] : [])
        if let problem = Self.selfCheck(targets) {
            print("FAIL: \(problem)")
            return 1
        }

        let log = ServerLog()
        let cluster: InProcessCluster
        do {
            cluster = try await InProcessCluster.start(log: log, plantFault: failOnPurpose)
        } catch {
            print("FAIL: the services did not start: \(error)")
            return 1
        }
        let started = ContinuousClock.now
        var oracle = Oracle(targets: targets)
        var probe = LivenessProbe(cluster: cluster)
        do {
            try await probe.setUp()
        } catch {
            oracle.record(problem: "the canary subscription could not be created: \(error)", after: -1)
        }
        var world = FuzzWorld()
        let caller = RPCCaller(cluster: cluster)
        var index = 0
        while index < cases, oracle.findings.isEmpty || !failOnPurpose {
            let target = targets[index % targets.count]
            if let only, !target.name.contains(only) {
                index += 1
                continue
            }
            var random = Generator(seed: seed, case: index)
            let fuzzCase = FuzzCase.plan(index: index, target: target, world: world, random: &random)
            if verbose {
                // Before the call: if it kills the process, the last line names the case.
                print("case \(index) \(target.name):")
                for mutation in fuzzCase.mutations { print("  \(mutation)") }
            }
            let callStarted = ContinuousClock.now
            var (outcome, responses) = await caller.call(fuzzCase)
            for response in responses {
                do {
                    try target.observe(response, &world)
                } catch {
                    outcome = .broken("a response message does not decode: \(error)")
                }
            }
            oracle.judge(fuzzCase, outcome: outcome, log: log)
            if verbose { print("  -> \(Oracle.label(outcome)) in \(ContinuousClock.now - callStarted)") }
            index += 1
            if index % checkEvery == 0 || index == cases {
                let problems = await probe.check()
                for problem in problems { oracle.record(problem: problem, after: index - 1) }
                // A service that stopped working makes every later case meaningless.
                if !problems.isEmpty { break }
            }
        }

        print("rpc: \(index) cases, seed \(seed), \(targets.count) RPCs, in \(ContinuousClock.now - started)")
        for line in oracle.summary { print("  \(line)") }
        let logged = log.distinctMessages
        if !logged.isEmpty {
            print("errors the services logged:")
            for (text, count) in logged { print("  \(count)× \(text)") }
        }
        await cluster.stop()
        if oracle.findings.isEmpty {
            print("rpc: no findings")
            return 0
        }
        print("rpc: \(oracle.findings.count) finding(s); replay with: \(CommandLine.arguments.joined(separator: " ")) [--verbose]")
        return 1
    }

    /// The mutator rests on parsing and re-encoding requests without changing them: checked on
    /// valid requests of every target before the run.
    static func selfCheck(_ targets: [RPCTarget]) -> String? {
        var random = Generator(seed: 0)
        let world = FuzzWorld()
        for target in targets {
            for _ in 0..<20 {
                let bytes = target.validRequest(&random, world)
                guard let message = WireMessage(parsing: bytes), message.encoded == bytes else {
                    return "a valid \(target.requestSchema.name) does not survive parsing and encoding: \(bytes)"
                }
            }
        }
        return nil
    }
}
