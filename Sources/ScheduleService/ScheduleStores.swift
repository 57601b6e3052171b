public import Logging
public import Storage

/// Opens the store a storage location names.
public enum ScheduleStores {
    /// Opens, migrates and seeds the teams of the store at `location`: SQLite (a file or memory)
    /// or PostgreSQL.
    public static func open(_ location: StorageLocation, logger: Logger) async throws -> any ScheduleStore {
        switch location {
        case .sqliteFile, .sqliteMemory:
            return try SQLiteScheduleStore(location: location)
        case .postgres(let settings):
            return try await PostgresScheduleStore(settings: settings, logger: logger)
        }
    }
}
