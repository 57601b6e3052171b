import ArgumentParser
import Auth
import Foundation

/// `courtside token`: issues a bearer token for operators and for `make run`.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue a bearer token signed with an ES256 key (docs/auth.md).",
        discussion: """
            Examples:
              courtside token --key run/auth/signing-key.pem --scopes scores:publish --subject feed --ttl 1h
              courtside token --new-key run/auth/signing-key.pem --jwks run/auth/jwks.json   # a key and its JWKS
              courtside token --key bridge-key.pem --subject fan-42 --games G1,G2 --audience courtside-bridge --ttl 15m
                                                    # a bridge connection token for private games
            """
    )

    @Option(help: "The ES256 private key (PEM) to sign with.") var key: String?
    @Option(help: "Create a new ES256 private key at this path (refuses to overwrite one); with --jwks, write its JWKS.")
    var newKey: String?
    @Option(help: "Write the key's JWKS (public key) to this file, for the services' --jwks-file.") var jwks: String?
    @Option(
        help: "Comma-separated scopes: scores:publish, schedule:write, subscriptions:manage, subscriptions:consume, scores:read, admin.")
    var scopes: String = ""
    @Option(help: "Who the token names (the `sub` claim).") var subject: String = ""
    @Option(help: "How long the token is valid: 90s, 30m, 12h or 7d.") var ttl: String = "1h"
    @Option(help: "The `aud` claim (the services' --token-audience).") var audience: String = "courtside"
    @Option(help: "The `iss` claim (the services' --token-issuer).") var issuer: String = "courtside"
    @Option(
        help:
            "Comma-separated private games a bridge connection token may follow (`*`: all); use with the bridge's --connection-token-audience."
    )
    var games: String?
    @Option(help: "Comma-separated leagues a bridge connection token may follow.") var leagues: String?

    func run() async throws {
        if let newKey {
            do { try TokenIssuer.createKeyFile(at: newKey) } catch { throw CLIError(description: error.description) }
        }
        guard let keyFile = key ?? newKey else { throw ValidationError("give --key (or --new-key)") }
        let issuer: TokenIssuer
        do { issuer = try TokenIssuer(keyFile: keyFile) } catch { throw CLIError(description: error.description) }
        if let jwks {
            do { try issuer.jwks.write(to: URL(fileURLWithPath: jwks)) } catch {
                throw CLIError(description: "cannot write \(jwks): \(error.localizedDescription)")
            }
        }
        guard !subject.isEmpty else {
            if jwks != nil { return }
            throw ValidationError("give --subject (who the token names)")
        }
        let scopeList = scopes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for scope in scopeList where !Scope.all.contains(scope) {
            throw ValidationError("unknown scope '\(scope)'; one of \(Scope.all.joined(separator: ", "))")
        }
        guard let lifetime = Self.duration(ttl) else { throw ValidationError("--ttl must be a number with s, m, h or d (got '\(ttl)')") }
        let gameList = try games.map { try Self.list($0, of: "--games") }
        let leagueList = try leagues.map { try Self.list($0, of: "--leagues") }
        print(
            try await issuer.token(
                subject: subject, scopes: scopeList, lifetime: lifetime, audience: audience, issuer: self.issuer, games: gameList,
                leagues: leagueList
            )
        )
    }

    static func list(_ text: String, of flag: String) throws -> [String] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty, items.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }) else {
            throw ValidationError("\(flag) must be a comma-separated list of ids (got '\(text)')")
        }
        return items
    }

    static func duration(_ text: String) -> Duration? {
        guard let unit = text.last, let value = Int(text.dropLast()), value > 0, value <= 10_000 else { return nil }
        switch unit {
        case "s": return .seconds(value)
        case "m": return .seconds(value * 60)
        case "h": return .seconds(value * 3600)
        case "d": return .seconds(value * 86_400)
        default: return nil
        }
    }
}
