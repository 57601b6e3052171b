public import GRPC

/// Numbers a hostile client tries first, per field type.
public enum Boundary {
    public static let unsigned64: [UInt64] = [0, 1, 1 << 31, 1 << 32, 1 << 53, UInt64(Int64.max), 1 << 63, .max]
    public static let unsigned32: [UInt32] = [0, 1, 1 << 31, .max]
    public static let signed64: [Int64] = [0, 1, 1 << 31, 1 << 32, 1 << 53, .max, -1, .min]
    public static let signed32: [Int32] = [0, 1, .max, -1, .min]
}

/// The status a call ends with: `.ok` when it returns, the code of its RPCError otherwise, and
/// UNKNOWN for any other error (a refusal must be an RPCError: expecting a code then fails).
public func outcome(_ body: () async throws -> Void) async -> GRPCStatusCode {
    do {
        try await body()
        return .ok
    } catch let error as RPCError {
        return error.code
    } catch {
        return .unknown
    }
}
