public import ServiceKit

/// The configuration of a gRPC service: the ``GRPCServiceSettings`` every one has, and the
/// service's own settings beside them. The shared settings read as the configuration's own:
/// `configuration.grpcPort` is `configuration.server.grpcPort`.
@dynamicMemberLookup
public protocol GRPCServiceConfiguration: ServiceConfiguration {
    var server: GRPCServiceSettings { get set }
}

extension GRPCServiceConfiguration {
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<GRPCServiceSettings, Value>) -> Value {
        get { server[keyPath: keyPath] }
        set { server[keyPath: keyPath] = newValue }
    }

    public var log: LogSettings {
        get { server.log }
        set { server.log = newValue }
    }

    public var shutdownGrace: Duration {
        get { server.shutdownGrace }
        set { server.shutdownGrace = newValue }
    }
}
