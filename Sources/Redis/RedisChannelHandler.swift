import KiteCore
import NIOCore

/// A batch of `count` encoded commands and the promise their answers complete, in order, once all have come
/// (one promise per batch: a promise per command and a wait for all of them cost a few percent of a served request).
struct RedisRequest: Sendable {
    var bytes: ByteBuffer
    var count: Int
    var promise: EventLoopPromise<[RESPValue]>
}

/// Pairs answers with requests in order (pipelining), and enforces the command timeout: when the oldest
/// request's deadline passes, every waiting request fails and the connection closes (answers arriving later
/// could no longer be paired).
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    /// The requests sent and not yet answered in full, oldest first, with the answers received so far.
    private var waiting = CircularBuffer<(request: RedisRequest, answers: [RESPValue], deadline: NIODeadline)>()
    private var received: ByteBuffer?
    private var timer: Scheduled<Void>?
    private let timeout: TimeAmount
    private let server: String

    init(timeout: TimeAmount, server: String) {
        self.timeout = timeout
        self.server = server
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        var answers: [RESPValue] = []
        answers.reserveCapacity(request.count)
        waiting.append((request, answers, NIODeadline.now() + timeout))
        if timer == nil { armTimer(context: context) }
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if received == nil {
            received = incoming
        } else {
            received?.writeBuffer(&incoming)
        }
        do {
            while var buffer = received, let value = try RESPParser.parse(&buffer) {
                received = buffer.readableBytes == 0 ? nil : buffer
                if case .push = value { continue }
                guard !waiting.isEmpty else {
                    throw KiteError(.corruptData, "Redis at \(server) sent an answer nobody asked for; the connection is closed")
                }
                waiting[waiting.startIndex].answers.append(value)
                if let first = waiting.first, first.answers.count == first.request.count {
                    waiting.removeFirst()
                    first.request.promise.succeed(first.answers)
                }
            }
            if waiting.isEmpty {
                timer?.cancel()
                timer = nil
            }
            if let buffer = received, buffer.readerIndex > 65_536 {
                received = ByteBuffer(buffer.readableBytesView)
            }
        } catch {
            failAll(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(KiteError(.unavailable, "the connection to Redis at \(server) closed before the answer came"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(KiteError(.unavailable, "the connection to Redis at \(server) failed: \(error)"))
        context.close(promise: nil)
    }

    private func armTimer(context: ChannelHandlerContext) {
        guard let first = waiting.first else { return }
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(deadline: first.deadline) { [self] in
            timer = nil
            guard let head = waiting.first else { return }
            if head.deadline <= .now() {
                failAll(KiteError(.unavailable, "Redis at \(server) did not answer within \(timeout.nanoseconds / 1_000_000) ms"))
                context.close(promise: nil)
            } else {
                armTimer(context: context)
            }
        }
    }

    private func failAll(_ error: any Error) {
        timer?.cancel()
        timer = nil
        while let waiter = waiting.popFirst() { waiter.request.promise.fail(error) }
        received = nil
    }
}
