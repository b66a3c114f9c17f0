import Glibc
import Logging

/// Creating listeners from definitions: resolve `listen`, bind one socket per address,
/// one status pipe each. A failure disables that listener (logged); the caller decides
/// whether that is fatal (`master_bind_errors_fatal` at startup).
extension Supervisor {
    /// Creates the listeners of `definition` (or its daemon). Returns the errors, empty when
    /// everything was bound. `skipping` lists addresses that already have a listener.
    @discardableResult
    func createListeners(for definition: ServiceDefinition, skipping existing: [BindSpec] = []) -> [String] {
        guard let address = definition.address else {
            let daemon = Listener(id: makeListenerID(), definition: definition, index: 0, spec: nil, socketFD: -1,
                                  statusPipe: nil, baseEnvironment: baseEnvironment)
            listeners.append(daemon)
            return []
        }
        let specs: [BindSpec]
        switch ListenResolver.resolve(address, proto: definition.key.proto) {
        case .success(let resolved):
            specs = resolved
        case .failure(let failure):
            let message = "service \(definition.name): invalid listen \(address): \(failure.reason); service disabled"
            logger.error("\(message)")
            return [message]
        }
        var errors: [String] = []
        for (index, spec) in specs.enumerated() where !existing.contains(spec) {
            let label = "\(definition.name)/\(spec.family.rawValue)"
            let fd: Int32
            switch ListenerSocket.open(spec, backlog: settings.backlog) {
            case .success(let opened): fd = opened
            case .failure(let failure):
                let message = "service \(label): \(failure.description); listener disabled"
                logger.error("\(message)")
                errors.append(message)
                continue
            }
            let pipe: StatusPipeReader
            do {
                pipe = try StatusPipeReader()
            } catch {
                ListenerSocket.shutdownAndClose(fd)
                let message = "service \(label): \(error.description); listener disabled"
                logger.error("\(message)")
                errors.append(message)
                continue
            }
            let listener = Listener(id: makeListenerID(), definition: definition, index: index, spec: spec, socketFD: fd,
                                    statusPipe: pipe, baseEnvironment: baseEnvironment)
            listeners.append(listener)
            logger.info("service \(label) listening on \(spec.description)\(spec.isDatagram ? " (udp)" : "") CYRUS_ID=\(index)")
        }
        return errors
    }

    /// Binds again a listener disabled by the failure throttle (reload).
    func reopen(_ listener: Listener) {
        guard let spec = listener.spec else {
            listener.reactivate(socket: nil)
            logger.info("daemon \(listener.label) enabled again")
            return
        }
        switch ListenerSocket.open(spec, backlog: settings.backlog) {
        case .success(let fd):
            listener.reactivate(socket: fd)
            logger.info("service \(listener.label) enabled again on \(spec.description)")
        case .failure(let failure):
            logger.error("service \(listener.label): \(failure.description); listener stays disabled")
        }
    }

    /// The live (not removed) listeners of an entry.
    func liveListeners(of key: ServiceKey) -> [Listener] {
        listeners.filter { $0.key == key && $0.state != .removed }
    }
}
