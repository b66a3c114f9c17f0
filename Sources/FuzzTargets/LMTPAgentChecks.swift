import LMTP
import LMTPTesting

/// What the engine did to the delivery agent, checked against what it answered.
struct LMTPAgentChecks {
    let agent: FakeAgent
    let settings: LMTPSettings
    /// The replies after each message's final dot, by spool.
    let replies: [[ReplyStream.Reply]]

    func check() {
        var deliveredIndex = 0
        for (number, spool) in agent.opened.enumerated() {
            let what = "message \(number + 1)"
            require(!spool.recipients.isEmpty, "\(what): a spool opened without recipients")
            for recipient in spool.recipients {
                require(agent.accepted.contains(recipient), "\(what): a spool opened for a recipient RCPT refused: \(recipient.address)")
            }
            require(spool.writesAfterClose == 0, "\(what): written after it was delivered or discarded")
            let deliveries = agent.delivered.filter { $0.spool === spool }.count
            let discards = agent.discarded.filter { $0 === spool }.count
            // Also when the client leaves in the middle of DATA: the engine discards the spool.
            require(deliveries + discards == 1, "\(what): delivered \(deliveries) and discarded \(discards) times")
            let answers = number < replies.count ? replies[number] : []
            if deliveries == 1 {
                require(!spool.failed, "\(what): delivered although writing its spool failed")
                let delivery = agent.delivered[deliveredIndex]
                let results = agent.deliveryResults[deliveredIndex]
                deliveredIndex += 1
                require(delivery.recipients == spool.recipients, "\(what): delivered to other recipients than it was opened for")
                checkStored(spool.bytes, binaryBody: delivery.envelope.binaryBody, what)
                require(answers.count == results.count, "\(what): \(answers.count) replies for \(results.count) recipients")
                for (answer, result) in zip(answers, results) {
                    let delivered = if case .success = result { true } else { false }
                    require(answer.isSuccess == delivered, "\(what): answered \(answer.text) for a delivery that \(delivered ? "succeeded" : "failed")")
                }
            } else {
                require(answers.allSatisfy { !$0.isSuccess }, "\(what): a success reply for a discarded message")
            }
        }
        for spool in agent.discarded where !agent.opened.contains(where: { $0 === spool }) {
            require(false, "a spool discarded that was never opened: \(spool.size) bytes")
        }
    }

    /// A stored message: no NUL, no CR, ends in LF (a BINARYMIME body is exempt: only its
    /// header block is checked), within `maxmessagesize`, starts with the engine's `Return-Path:`.
    private func checkStored(_ bytes: [UInt8], binaryBody: Bool, _ what: String) {
        let checked = binaryBody ? Self.headerBlock(of: bytes) : bytes[...]
        require(!checked.contains(0), "\(what): stored message contains NUL")
        require(!checked.contains(0x0D), "\(what): stored message contains CR")
        require(checked.last == 0x0A, "\(what): stored message does not end in LF")
        require(settings.maxMessageSize == 0 || bytes.count <= settings.maxMessageSize,
                "\(what): stored \(bytes.count) bytes over the limit \(settings.maxMessageSize)")
        require(bytes.starts(with: Array("Return-Path: <".utf8)), "\(what): stored message does not start with Return-Path")
    }

    /// The bytes up to and including the blank line that ends the header block (all of them
    /// when there is none).
    private static func headerBlock(of bytes: [UInt8]) -> ArraySlice<UInt8> {
        guard let blank = zip(bytes.indices, bytes.dropFirst()).first(where: { bytes[$0.0] == 0x0A && $0.1 == 0x0A }) else {
            return bytes[...]
        }
        return bytes[...(blank.0 + 1)]
    }
}
