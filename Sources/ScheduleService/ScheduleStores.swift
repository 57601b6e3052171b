public import Logging
public import Storage

/// Opens the store a storage location names.
public enum ScheduleStores {
    /// How many changes the change log keeps by default: far more than any replica falls
    /// behind between two polls, a few megabytes on disk.
    public static let defaultChangeLogLength = 100_000

    /// Opens, migrates and seeds the teams of the store at `location`: SQLite (a file or memory)
    /// or PostgreSQL.
    /// - Parameters:
    ///   - location: where the data is.
    ///   - changeLogLength: how many changes the change log keeps.
    ///   - logger: for the PostgreSQL connections.
    public static func open(
        _ location: StorageLocation,
        changeLogLength: Int = defaultChangeLogLength,
        logger: Logger
    ) async throws -> any ScheduleStore {
        switch location {
        case .sqliteFile, .sqliteMemory:
            return try SQLiteScheduleStore(location: location, changeLogLength: changeLogLength)
        case .postgres(let settings):
            return try await PostgresScheduleStore(settings: settings, changeLogLength: changeLogLength, logger: logger)
        }
    }
}
