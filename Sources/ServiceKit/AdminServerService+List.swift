public import ServiceLifecycle

extension AdminServerService {
    /// A process's lifecycle services in start order: its admin server's first, when it has
    /// one (started first and stopped last, `/readyz` reports the drain), then `services`.
    public static func first(_ admin: AdminServer?, then services: [any Service]) -> [any Service] {
        (admin.map { [AdminServerService(server: $0)] } ?? []) + services
    }
}
