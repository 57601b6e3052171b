// Seeded fuzzing against hostile input, meant to run under AddressSanitizer + LeakSanitizer
// (Tests/e2e/fuzz/run): no crash, no invalid memory access, no leak, and every answer a clear
// gRPC status.
//
//   courtside-wire-fuzzer [--mode frames|rpc|all] [--cases N] [--seed S] [--check-every N]
//                         [--only TEXT] [--verbose] [--fail-on-purpose] [--leak-on-purpose]
//
// --only runs only the RPC cases whose method path contains TEXT, with the indices (so the
// inputs) they have in a full run; --verbose prints every RPC case.
//
// frames: protobuf decoding and hostile HTTP/2 frames against an echo server (FrameFuzzer).
// rpc:    mutated valid requests of every RPC against the real services in-process (RPCFuzzer).
#if canImport(Glibc)
    import Glibc
#endif

enum Mode: String {
    case frames, rpc, all
}

var mode = Mode.all
var cases = 300
var seed: UInt64 = 1
var checkEvery = 25
var failOnPurpose = false
var only: String?
var verbose = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()

func usage() -> Never {
    print(
        "usage: courtside-wire-fuzzer [--mode frames|rpc|all] [--cases N] [--seed S] [--check-every N] [--only TEXT] [--verbose]"
            + " [--fail-on-purpose] [--leak-on-purpose]"
    )
    exit(2)
}

/// The value of an option, or the usage and exit when it is missing or malformed.
func required<Value>(_ value: Value?) -> Value {
    guard let value else { usage() }
    return value
}

func positive(_ text: String?) -> Int? {
    Int(text ?? "").flatMap { $0 > 0 ? $0 : nil }
}

while let argument = arguments.next() {
    switch argument {
    case "--mode": mode = required(Mode(rawValue: arguments.next() ?? ""))
    case "--cases": cases = required(positive(arguments.next()))
    case "--seed": seed = required(UInt64(arguments.next() ?? ""))
    case "--check-every": checkEvery = required(positive(arguments.next()))
    case "--only": only = required(arguments.next())
    case "--verbose": verbose = true
    case "--fail-on-purpose":
        // Proves the RPC mode's oracle bites: a planted UNKNOWN must fail the run.
        failOnPurpose = true
        mode = .rpc
    case "--leak-on-purpose":
        // Proves the harness catches leaks: LeakSanitizer must fail this run.
        print("leaked \(leakOnPurpose()) bytes on purpose")
        exit(0)
    default:
        usage()
    }
}

var status: Int32 = 0
if mode == .frames || mode == .all {
    status |= await FrameFuzzer(cases: cases, seed: seed).run()
}
if mode == .rpc || mode == .all {
    status |= await RPCFuzzer(cases: cases, seed: seed, checkEvery: checkEvery, only: only, verbose: verbose, failOnPurpose: failOnPurpose)
        .run()
}
exit(status)

@inline(never)
func leakOnPurpose() -> Int {
    for _ in 0..<8 {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
        pointer.storeBytes(of: 42, as: Int.self)
    }
    return 8 * 4096
}
