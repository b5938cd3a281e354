import KiteCore
import NIOCore

/// A batch of encoded commands and the promises their answers complete, in order.
struct RedisRequest: Sendable {
    var bytes: ByteBuffer
    var promises: [EventLoopPromise<RESPValue>]
}

/// Pairs answers with requests in order (pipelining), and enforces the command timeout: when the oldest
/// request's deadline passes, every waiting request fails and the connection closes (answers arriving later
/// could no longer be paired).
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<(promise: EventLoopPromise<RESPValue>, deadline: NIODeadline)>()
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
        let deadline = NIODeadline.now() + timeout
        for waiter in request.promises { waiting.append((waiter, deadline)) }
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
                guard let first = waiting.popFirst() else {
                    throw KiteError(.corruptData, "Redis at \(server) sent an answer nobody asked for; the connection is closed")
                }
                first.promise.succeed(value)
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
        while let waiter = waiting.popFirst() { waiter.promise.fail(error) }
        received = nil
    }
}
