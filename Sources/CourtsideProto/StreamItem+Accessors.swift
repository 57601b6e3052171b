// Hand-written conveniences over the generated types.

extension StreamItem {
    /// The event, if this item is one.
    public var event: Event? {
        if case .event(let event) = item { return event }
        return nil
    }

    /// The snapshot, if this item is one.
    public var snapshot: Snapshot? {
        if case .snapshot(let snapshot) = item { return snapshot }
        return nil
    }
}
