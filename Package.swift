// swift-tools-version:6.1
import PackageDescription

/// Every Swift target builds in Swift 6 mode with the same strictness.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The HTTP/2 and gRPC modules sit on every call's hot path: their release builds skip Swift's
/// dynamic exclusivity checks, which cost about a tenth of a unary call's CPU (BENCHMARKS.md).
/// Their state is bound to one event loop, and the debug builds the tests run keep the checks,
/// so an overlapping access (a callback re-entering a mutation) is still caught there.
let loopBoundHotPathSettings: [SwiftSetting] =
    swiftSettings + [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
    ]

let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioWebSocket: Target.Dependency = .product(name: "NIOWebSocket", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let postgresNIO: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let jwtKit: Target.Dependency = .product(name: "JWTKit", package: "jwt-kit")

let package = Package(
    name: "courtside",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "courtside", targets: ["CourtsideCLI"]),
        .executable(name: "courtside-score", targets: ["ScoreServer"]),
        .executable(name: "courtside-subscription", targets: ["SubscriptionServer"]),
        .executable(name: "courtside-schedule", targets: ["ScheduleServer"]),
        .executable(name: "courtside-bridge", targets: ["BridgeServer"]),
        .executable(name: "courtside-feed", targets: ["FeedServer"]),
        .executable(name: "grpc-bench-server", targets: ["GRPCBenchServer"]),
        .executable(name: "score-bench", targets: ["ScoreBench"]),
        .executable(name: "feed-bench", targets: ["FeedBench"]),
        .executable(name: "courtside-echo-server", targets: ["EchoServer"]),
        .executable(name: "courtside-interop-client", targets: ["InteropClient"]),
        .executable(name: "courtside-wire-fuzzer", targets: ["WireFuzzer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // TLS for the gRPC ports and clients and the feed's scoreboard polling (already resolved through postgres-nio).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.25.0"),
        // JWT verification (ES256, EdDSA, RS256) for bearer tokens on gRPC calls.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        // C libraries from Debian, wrapped once.
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        // protoc-c output for everything in proto/ (scripts/generate-proto; never hand-edited).
        .target(
            name: "CCourtsideProtos",
            dependencies: ["CProtobufC"]
        ),

        // Files reloaded when they change (keys, certificates, CA bundles): below the RPC stack,
        // so that storage uses the same watcher.
        .target(name: "WatchedFiles", dependencies: [logging], swiftSettings: swiftSettings),

        // The gRPC wire: pure protocol logic, then HTTP/2 on nghttp2, then gRPC calls.
        .target(name: "GRPCWire", dependencies: [nioCore], swiftSettings: loopBoundHotPathSettings),
        .target(
            name: "HTTP2Transport",
            dependencies: ["CNGHTTP2", nioCore, nioPosix, logging],
            swiftSettings: loopBoundHotPathSettings
        ),
        .target(
            name: "GRPC",
            dependencies: [
                "GRPCWire", "HTTP2Transport", "WatchedFiles", nioCore, nioPosix, nioSSL, .product(name: "NIOTLS", package: "swift-nio"),
                logging,
            ],
            swiftSettings: loopBoundHotPathSettings
        ),
        .target(name: "ProtobufC", dependencies: ["CProtobufC", nioCore], swiftSettings: swiftSettings),
        // The messages of proto/: what models, parsers and storage use. No RPC stack.
        .target(
            name: "CourtsideProto",
            dependencies: ["CCourtsideProtos", "CProtobufC", "ProtobufC", nioCore],
            swiftSettings: swiftSettings
        ),
        // The services of proto/ over gRPC: the messages as gRPC messages, handler protocols,
        // typed clients, and the checks every handler applies to request fields.
        .target(
            name: "CourtsideRPC",
            dependencies: ["CourtsideProto", "GRPCWire", "GRPC"],
            swiftSettings: swiftSettings
        ),
        // The product's vocabulary over the messages: score rules, the teams, what "live" means,
        // dates, page tokens, the clock. No RPC stack.
        .target(name: "CourtsideDomain", dependencies: ["CourtsideProto"], swiftSettings: swiftSettings),
        // The JSON parser the bridge (client messages) and the feed (provider payloads) share,
        // each with its own limits.
        .target(name: "CourtsideJSON", swiftSettings: swiftSettings),

        .target(
            name: "GRPCHealth",
            dependencies: ["GRPC", "CourtsideProto", "CourtsideRPC"],
            swiftSettings: swiftSettings
        ),
        // What every service shares: settings (flags, environment, file), logs, metrics, admin HTTP, lifecycle.
        .target(
            name: "ServiceKit",
            dependencies: [
                "GRPC", "GRPCHealth", serviceLifecycle, unixSignals, prometheus, logging, nioCore, nioPosix, nioHTTP1,
            ],
            swiftSettings: swiftSettings
        ),
        // Who is calling and what they may do: JWT bearer tokens against a JWKS file, scopes per method.
        .target(
            name: "Auth", dependencies: ["CourtsideJSON", "GRPC", "GRPCWire", "ServiceKit", jwtKit, logging, nioCore],
            swiftSettings: swiftSettings),
        // What the gRPC services (score, schedule, subscription) share: their common settings
        // and the servers and clients built from them.
        .target(
            name: "GRPCServiceKit", dependencies: ["Auth", "GRPC", "GRPCHealth", "ServiceKit", "Storage", logging, serviceLifecycle],
            swiftSettings: swiftSettings),
        // Storage locations (sqlite:PATH, sqlite::memory:, postgres://…): GRDB and postgres-nio; the
        // PostgreSQL CA bundle (`sslrootcert`) is a watched file.
        .target(name: "Storage", dependencies: ["WatchedFiles", grdb, postgresNIO, nioSSL, logging], swiftSettings: swiftSettings),
        // The score service: the ordered, resumable log of every game.
        .target(
            name: "ScoreService",
            dependencies: [
                "Auth", "CourtsideDomain", "CourtsideProto", "CourtsideRPC", "EventRelay", "GRPC", "GRPCHealth", "GRPCServiceKit",
                "ServiceKit", "Storage",
                grdb, postgresNIO, serviceLifecycle, prometheus, logging, nioCore,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ScoreServer",
            dependencies: ["ScoreService", "ServiceKit"],
            path: "services/score",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // The schedule service: teams, games, the status state machine, storage, WatchGames.
        .target(
            name: "ScheduleService",
            dependencies: [
                "Auth", "CourtsideDomain", "CourtsideProto", "CourtsideRPC", "GRPC", "GRPCHealth", "GRPCServiceKit", "ServiceKit",
                "Storage", grdb,
                postgresNIO, serviceLifecycle, prometheus, logging,
                nioCore,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ScheduleServer",
            dependencies: ["ScheduleService", "ServiceKit"],
            path: "services/schedule",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Relaying one upstream event stream to many subscribers (subscription service, bridge).
        .target(
            name: "EventRelay",
            dependencies: ["CourtsideDomain", "CourtsideProto", "CourtsideRPC", "GRPC", logging, nioCore],
            swiftSettings: swiftSettings
        ),
        // The subscription service: filtered streams and durable subscriptions.
        .target(
            name: "SubscriptionService",
            dependencies: [
                "Auth", "CourtsideDomain", "CourtsideProto", "CourtsideRPC", "EventRelay", "GRPC", "GRPCHealth", "GRPCServiceKit",
                "ServiceKit", "Storage",
                grdb, postgresNIO, serviceLifecycle,
                prometheus, logging, nioCore,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SubscriptionServer",
            dependencies: ["SubscriptionService", "ServiceKit"],
            path: "services/subscription",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // `courtside`: the command-line tool for internal users.
        .executableTarget(
            name: "CourtsideCLI",
            dependencies: ["Auth", "CourtsideDomain", "CourtsideProto", "CourtsideRPC", "GRPC", "ServiceKit", argumentParser],
            swiftSettings: swiftSettings
        ),
        // The browser bridge: WebSocket/SSE JSON fan-out, the JSON API and the page.
        .target(
            name: "Bridge",
            dependencies: [
                "Auth", "CourtsideDomain", "CourtsideJSON", "CourtsideProto", "CourtsideRPC", "EventRelay", "GRPC", "ServiceKit",
                serviceLifecycle, prometheus, logging, nioCore, nioPosix, nioHTTP1,
                nioWebSocket,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BridgeServer",
            dependencies: ["Bridge", "ServiceKit"],
            path: "services/bridge",
            exclude: ["README.md"],
            // The page ships with the executable: `courtside_BridgeServer.resources/public` beside it.
            resources: [.copy("public")],
            swiftSettings: swiftSettings
        ),
        // The example service exercising every RPC kind (tests and interop peers use it).
        .target(
            name: "EchoExample",
            dependencies: ["GRPC", "GRPCWire", "CourtsideProto", "CourtsideRPC"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EchoServer",
            dependencies: ["EchoExample", "CourtsideProto", "CourtsideRPC", "GRPC", "GRPCHealth", "ServiceKit", logging, serviceLifecycle],
            swiftSettings: swiftSettings
        ),

        // Feed sources: provider adapters (NBA live data, ESPN, Sportradar), scoreboard differ, simulator.
        .target(name: "FeedSources", dependencies: ["CourtsideDomain", "CourtsideJSON", "CourtsideProto"], swiftSettings: swiftSettings),
        // The feed service: a source (simulator, replay, scoreboard polling) published to score.
        .target(
            name: "FeedService",
            dependencies: [
                "FeedSources", "CourtsideDomain", "CourtsideProto", "CourtsideRPC", "GRPC", "ServiceKit", serviceLifecycle, prometheus,
                logging, nioCore, nioPosix,
                nioHTTP1, nioSSL,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FeedServer",
            dependencies: ["FeedService", "ServiceKit"],
            path: "services/feed",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "InteropClient",
            dependencies: ["CourtsideProto", "CourtsideRPC", "GRPC"],
            swiftSettings: swiftSettings
        ),

        // Hostile input under ASan: protobuf and HTTP/2 frames against an echo server, and
        // mutated requests of every RPC against the real services in-process (Tests/e2e/fuzz).
        .executableTarget(
            name: "WireFuzzer",
            dependencies: [
                "CCourtsideProtos", "CourtsideDomain", "CourtsideProto", "CourtsideRPC", "EchoExample", "EventRelay", "GRPC", "GRPCHealth",
                "GRPCServiceKit", "GRPCWire", "ProtobufC", "ScheduleService", "ScoreService", "ServiceKit",
                "Storage", "SubscriptionService", serviceLifecycle, logging, nioCore,
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmarks (not part of `make test`).
        .executableTarget(
            name: "GRPCBenchServer",
            dependencies: ["Auth", "GRPC", "GRPCWire", "ServiceKit", nioCore, nioPosix, logging],
            path: "benchmarks/grpc/Sources/GRPCBenchServer",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "ScoreBench",
            dependencies: [
                "ScoreService", "CourtsideProto", "CourtsideRPC", "GRPC", "GRPCServiceKit", "ServiceKit", "Storage", serviceLifecycle,
                logging, nioCore,
            ],
            path: "benchmarks/score/Sources/ScoreBench",
            swiftSettings: swiftSettings
        ),
        // The feed's parsers and diffs alone (no service, no network): benchmarks/feed/run.
        .executableTarget(
            name: "FeedBench",
            dependencies: ["FeedSources", "CourtsideDomain", "CourtsideJSON", "CourtsideProto"],
            path: "benchmarks/feed/Sources/FeedBench",
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets: running services in-process, free ports, fixtures.
        .target(
            name: "TestSupport",
            dependencies: ["CourtsideProto", "CourtsideRPC", "GRPC", "ServiceKit", serviceLifecycle, logging],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScoreServiceTests",
            dependencies: [
                "ScoreService", "CourtsideDomain", "CourtsideProto", "CourtsideRPC", "EventRelay", "GRPC", "GRPCServiceKit", "ServiceKit",
                "Storage",
                "TestSupport", serviceLifecycle, logging, nioCore,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScheduleServiceTests",
            dependencies: [
                "ScheduleService", "CourtsideDomain", "CourtsideProto", "CourtsideRPC", "GRPC", "GRPCServiceKit", "GRPCHealth",
                "HTTP2Transport",
                "ServiceKit", "Storage", "TestSupport", grdb, postgresNIO,
                serviceLifecycle, logging,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubscriptionServiceTests",
            dependencies: [
                "SubscriptionService", "EventRelay", "ScoreService", "ScheduleService", "CourtsideDomain", "CourtsideProto", "CourtsideRPC",
                "GRPC", "GRPCServiceKit", "ServiceKit", "Storage", "TestSupport",
                serviceLifecycle, logging, nioCore,
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventRelayTests", dependencies: ["EventRelay", "CourtsideProto", "CourtsideRPC", "GRPC"], swiftSettings: swiftSettings),
        .testTarget(name: "ServiceKitTests", dependencies: ["ServiceKit", "GRPC", "TestSupport", logging], swiftSettings: swiftSettings),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth", "CourtsideProto", "CourtsideRPC", "EchoExample", "GRPC", "GRPCHealth", "GRPCWire", "ServiceKit", jwtKit, logging,
                nioCore,
            ], swiftSettings: swiftSettings),
        .testTarget(name: "GRPCWireTests", dependencies: ["GRPCWire", nioCore], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProtobufCTests",
            dependencies: ["ProtobufC", "CourtsideProto", "CourtsideRPC", "GRPCWire", nioCore],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GRPCTests",
            dependencies: [
                "GRPC", "GRPCWire", "GRPCHealth", "HTTP2Transport", "CourtsideProto", "CourtsideRPC", "EchoExample", "ServiceKit", nioCore,
                nioPosix, logging,
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BridgeTests",
            dependencies: [
                "Auth", "Bridge", "CourtsideDomain", "CourtsideJSON", "CourtsideProto", "CourtsideRPC", "EventRelay", "GRPC",
                "GRPCServiceKit", "ScheduleService", "ScoreService", "SubscriptionService", "ServiceKit", "Storage",
                "TestSupport", serviceLifecycle, logging, nioCore, nioPosix, nioHTTP1, nioWebSocket,
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CourtsideDomainTests", dependencies: ["CourtsideDomain", "CourtsideProto"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CourtsideCLITests", dependencies: ["CourtsideCLI", "CourtsideDomain", "CourtsideProto"], swiftSettings: swiftSettings),
        .testTarget(name: "CourtsideJSONTests", dependencies: ["CourtsideJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FeedSourcesTests", dependencies: ["FeedSources", "CourtsideDomain", "CourtsideJSON", "CourtsideProto", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "FeedServiceTests",
            dependencies: [
                "FeedService", "FeedSources", "ScoreService", "ScheduleService", "CourtsideDomain", "CourtsideProto", "CourtsideRPC",
                "GRPC", "GRPCServiceKit",
                "ServiceKit", "Storage",
                "TestSupport", serviceLifecycle, logging, nioCore, nioPosix, nioHTTP1,
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
