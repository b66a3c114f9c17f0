import Glibc
import Logging

/// Creating listeners from definitions: resolve `listen`, bind one socket per address (or take
/// the socket systemd passed for it, see ``ActivatedSockets``), one status pipe each. A failure
/// disables that listener (logged); the caller decides whether that is fatal
/// (`master_bind_errors_fatal` at startup).
extension Supervisor {
    /// Creates the listeners of `definition` (or its daemon). Returns the errors, empty when
    /// everything was bound. `skipping` lists addresses that already have a listener.
    @discardableResult
    func createListeners(for definition: ServiceDefinition, skipping existing: [BindSpec] = []) -> [String] {
        guard let address = definition.address else {
            let daemon = Listener(id: makeListenerID(), definition: definition, index: 0, spec: nil, socketFD: -1,
                                  statusPipe: nil, baseEnvironment: baseEnvironment)
            daemon.metricsFD = metrics?.region.fd ?? -1
            listeners.append(daemon)
            return []
        }
        // Sockets passed under the entry's name stand for its whole `listen=` (also on reload).
        if liveListeners(of: definition.key).contains(where: { $0.origin.isByName }) { return [] }
        let named = activatedSockets.claim(named: definition.name, datagram: definition.key.proto.isDatagram)
        if !named.isEmpty {
            return named.enumerated().compactMap { index, socket in
                addListener(definition, index: index, spec: socket.spec, fd: socket.fd,
                            origin: .passed(name: socket.name, byName: true))
            }
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
            if let passed = activatedSockets.claim(matching: spec) {
                if let error = addListener(definition, index: index, spec: spec, fd: passed.fd,
                                           origin: .passed(name: passed.name, byName: false)) {
                    errors.append(error)
                }
                continue
            }
            switch ListenerSocket.open(spec, backlog: settings.backlog) {
            case .success(let fd):
                if let error = addListener(definition, index: index, spec: spec, fd: fd, origin: .bound) { errors.append(error) }
            case .failure(let failure):
                let message = "service \(definition.name)/\(spec.family.rawValue): \(failure.description); listener disabled"
                logger.error("\(message)")
                errors.append(message)
            }
        }
        return errors
    }

    /// A listener on an open socket, with its status pipe; the error when the pipe failed (the
    /// socket is then closed: master's descriptor only, for a passed one).
    private func addListener(_ definition: ServiceDefinition, index: Int, spec: BindSpec, fd: Int32,
                             origin: Listener.SocketOrigin) -> String? {
        let label = "\(definition.name)/\(spec.family.rawValue)"
        let pipe: StatusPipeReader
        do {
            pipe = try StatusPipeReader()
        } catch {
            if origin == .bound { ListenerSocket.shutdownAndClose(fd) } else { close(fd) }
            let message = "service \(label): \(error.description); listener disabled"
            logger.error("\(message)")
            return message
        }
        let listener = Listener(id: makeListenerID(), definition: definition, index: index, spec: spec, socketFD: fd,
                                statusPipe: pipe, baseEnvironment: baseEnvironment, origin: origin)
        listener.metricsFD = metrics?.region.fd ?? -1
        listeners.append(listener)
        let source: String
        switch origin {
        case .bound: source = ""
        case .passed(let name, let byName): source = " (socket from systemd: \(name), matched by \(byName ? "name" : "address"))"
        }
        logger.info("service \(label) listening on \(spec.description)\(spec.isDatagram ? " (udp)" : "")\(source) CYRUS_ID=\(index)")
        return nil
    }

    /// Binds again a listener disabled by the failure throttle (reload); a passed socket was
    /// kept open and is simply used again.
    func reopen(_ listener: Listener) {
        guard let spec = listener.spec else {
            listener.reactivate(socket: nil)
            logger.info("daemon \(listener.label) enabled again")
            return
        }
        if listener.socketFD >= 0 {
            listener.reactivate(socket: nil)
            logger.info("service \(listener.label) enabled again on \(spec.description)")
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

extension Listener.SocketOrigin {
    /// Passed by systemd under the entry's name.
    var isByName: Bool {
        if case .passed(_, true) = self { return true }
        return false
    }
}
