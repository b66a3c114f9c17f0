/// What a SIGHUP changes (`master/master.c: reread_conf()`): entries are matched by
/// ``ServiceKey`` (name + listen + proto for services, name for daemons).
/// * kept: same key; keeps its sockets and takes the new cmd/prefork/maxchild/... values;
/// * removed: key no longer present; its sockets are closed once SIGHUP was sent, and the
///   listener goes away with its last child;
/// * added: new key; bound now (bind errors are logged, never fatal on reload).
public struct ReloadPlan: Sendable, Equatable {
    public struct Kept: Sendable, Equatable {
        public var definition: ServiceDefinition
        /// Anything but the key differs (cmd, prefork, maxchild, babysit, maxforkrate, maxfds, wait).
        public var changed: Bool
    }

    public var kept: [Kept]
    public var removed: [ServiceKey]
    public var added: [ServiceDefinition]

    /// The plan from the running definitions to the new ones (new ones in file order).
    public static func make(running: [ServiceDefinition], new: [ServiceDefinition]) -> ReloadPlan {
        var old: [ServiceKey: ServiceDefinition] = [:]
        for definition in running where old[definition.key] == nil { old[definition.key] = definition }
        var kept: [Kept] = []
        var added: [ServiceDefinition] = []
        var seen = Set<ServiceKey>()
        for definition in new where seen.insert(definition.key).inserted {
            if let previous = old[definition.key] {
                let changed = previous.settings != definition.settings || previous.waitForReady != definition.waitForReady
                kept.append(Kept(definition: definition, changed: changed))
            } else {
                added.append(definition)
            }
        }
        var removedSeen = Set<ServiceKey>()
        let removed = running.map(\.key).filter { !seen.contains($0) && removedSeen.insert($0).inserted }
        return ReloadPlan(kept: kept, removed: removed, added: added)
    }

    /// Nothing changes.
    public var isEmpty: Bool { removed.isEmpty && added.isEmpty && !kept.contains(where: \.changed) }
}
