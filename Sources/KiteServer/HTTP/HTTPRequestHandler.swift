import Hummingbird
import HummingbirdCore
import KiteCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers a connection's requests one at a time: the parts of a request pipelined behind one not yet answered
/// wait in a queue, and the connection stops reading until the queue is replayed (a client that waits for each
/// answer never stops the reads: NIO's pipelining handler held them back after every request, two `epoll_ctl`
/// calls a request). A body of up to `gatheredBodyLimit` bytes is gathered and the request answered when it is
/// whole, in a task on the connection's event loop; a longer body is streamed to the responder, the connection
/// reading on only as fast as the responder consumes (an artifact upload), and what the responder leaves unread
/// is read and dropped. A response whose body is one buffer goes out with its head in one write; a longer one is
/// written as the body produces it, each write awaited.
final class HTTPRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The longest body gathered before the request is answered; a longer one is streamed.
    static let gatheredBodyLimit = 256 * 1024

    private typealias BodyStream = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, BodyDemand
    >

    /// Where the current request's body is.
    private enum Reading {
        /// Between requests.
        case idle
        /// Gathering the body of a request not yet answered.
        case gathering(HTTPRequest, ByteBuffer?)
        /// Streaming the body to the responder.
        case streaming(BodyStream.Source)
        /// The response went out before the body ended: the rest is dropped.
        case discarding
    }

    private let responder: HTTPConnection.Responder
    private let logger: Logger
    private var reading = Reading.idle
    /// The request asked for the connection to close after its response (`ConnectionPersistence` marks every
    /// request that does with exactly `Connection: close`).
    private var closeAfterResponse = false
    /// A request has been handed to the responder and its response has not ended.
    private var answering = false
    /// The parts of requests pipelined behind the one being answered.
    private var queued = CircularBuffer<HTTPRequestPart>()
    /// Reads stop while the body stream is full or requests are queued; `readPending` is a read held back.
    private var streamFull = false
    private var readPending = false
    private var context: ChannelHandlerContext?

    init(responder: @escaping HTTPConnection.Responder, logger: Logger) {
        self.responder = responder
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    /// Removed when the connection closes (Hummingbird's idle-timeout handler before this one does not pass
    /// `channelInactive` on): a body still streaming fails, so its responder stops (an upload is aborted).
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        if case .streaming(let source) = reading {
            source.finish(KiteError(.invalidArgument, "the connection closed before the request body ended"))
        }
        reading = .idle
        queued.removeAll()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .idle = reading, answering || !queued.isEmpty {
            queued.append(part)  // a pipelined request: answered after the current one
            return
        }
        receive(part, context: context)
    }

    /// Takes `part` of the request being read.
    private func receive(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (part, reading) {
        case (.head(let head), _):
            reading = .gathering(head, nil)
            closeAfterResponse = head.headerFields[.connection] == "close"
        case (.body(let part), .gathering(let head, var body)):
            if (body?.readableBytes ?? 0) + part.readableBytes <= Self.gatheredBodyLimit {
                reading = .idle  // the enum's reference dropped, the append below does not copy the body
                if var gathered = body.take() {
                    gathered.writeImmutableBuffer(part)
                    reading = .gathering(head, gathered)
                } else {
                    reading = .gathering(head, part)
                }
            } else {
                let stream = BodyStream.makeSequence(
                    backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8), finishOnDeinit: false,
                    delegate: BodyDemand(handler: NIOLoopBound(self, eventLoop: context.eventLoop)))
                reading = .streaming(stream.source)
                answer(Request(head: head, body: RequestBody(asyncSequence: stream.sequence)), context: context)
                if let body { feed(body, to: stream.source) }
                feed(part, to: stream.source)
            }
        case (.body(let part), .streaming(let source)):
            feed(part, to: source)
        case (.body, _):
            break
        case (.end, .gathering(let head, let body)):
            reading = .idle
            answer(Request(head: head, body: RequestBody(buffer: body ?? ByteBuffer())), context: context)
        case (.end, .streaming(let source)):
            source.finish()
            reading = .idle
        case (.end, _):
            reading = .idle
        }
    }

    func read(context: ChannelHandlerContext) {
        if streamFull || !queued.isEmpty { readPending = true } else { context.read() }
    }

    /// A failed connection (a malformed request has had its 400 already) carries nothing more.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection failed: \(error)")
        context.close(promise: nil)
    }

    /// Yields a body part to the responder, pausing reads when its stream is full.
    private func feed(_ part: ByteBuffer, to source: BodyStream.Source) {
        switch source.yield(part) {
        case .stopProducing: streamFull = true
        case .produceMore, .dropped: break
        }
    }

    /// The body stream wants more (or was dropped): reading resumes unless requests are queued.
    fileprivate func resumeReading() {
        streamFull = false
        if readPending, queued.isEmpty, let context {
            readPending = false
            context.read()
        }
    }

    /// Answers `request` in a task on this event loop; its response is written as it comes.
    private func answer(_ request: Request, context: ChannelHandlerContext) {
        answering = true
        let (responder, channel) = (self.responder, context.channel)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        Task {
            let response = await responder(request, channel)
            let writer = ChannelBodyWriter(handler: handler, head: response.head)
            do { try await response.body.write(writer) } catch { writer.abort(error) }
        }
    }

    /// Writes `parts` and flushes; `ended` when they finish the response. Returns the last write's future.
    fileprivate func send(_ parts: [HTTPResponsePart], ended: Bool) -> EventLoopFuture<Void>? {
        guard let context else { return nil }
        let close = ended && closeAfterResponse
        if ended, case .streaming(let source) = reading {
            // The responder answered without reading the whole body: the rest is dropped.
            source.finish()
            reading = .discarding
            resumeReading()
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        for (index, part) in parts.enumerated() {
            context.write(wrapOutboundOut(part), promise: index == parts.count - 1 ? promise : nil)
        }
        context.flush()
        if close {
            context.close(promise: nil)
        } else if ended {
            answering = false
            replayQueue(context: context)
        }
        return promise.futureResult
    }

    /// Takes the queued parts of pipelined requests until one of them is being answered; reading resumes when the
    /// queue is empty.
    private func replayQueue(context: ChannelHandlerContext) {
        while !answering, let part = queued.popFirst() { receive(part, context: context) }
        if queued.isEmpty { resumeReading() }
    }

    /// A response failed after its head went out: the connection cannot carry another one.
    fileprivate func responseFailed(_ error: any Error) {
        logger.debug("response body failed: \(error)")
        context?.close(promise: nil)
    }
}

/// The demand of a streamed request body: more wanted resumes the connection's reads.
private struct BodyDemand: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<HTTPRequestHandler>

    func produceMore() {
        handler.eventLoop.execute { handler.value.resumeReading() }
    }

    func didTerminate() {
        handler.eventLoop.execute { handler.value.resumeReading() }
    }
}

/// A response body written to the connection: the first buffer waits to go out with the head, so a one-buffer
/// body is one write; later buffers are each written and awaited, so a long body is paced by the connection.
private struct ChannelBodyWriter: ResponseBodyWriter {
    let handler: NIOLoopBound<HTTPRequestHandler>
    var head: HTTPResponse?
    var first: ByteBuffer?

    init(handler: NIOLoopBound<HTTPRequestHandler>, head: HTTPResponse) {
        self.handler = handler
        self.head = head
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        if head != nil, first == nil {
            first = buffer
            return
        }
        let parts = pendingParts() + [.body(buffer)]
        try await send(parts, ended: false)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await send(pendingParts() + [.end(trailingHeaders)], ended: true)
    }

    /// Ends the connection after a body that failed (its head may be out already).
    func abort(_ error: any Error) {
        let handler = self.handler
        handler.eventLoop.execute { handler.value.responseFailed(error) }
    }

    /// The head and first buffer not yet written.
    private mutating func pendingParts() -> [HTTPResponsePart] {
        var parts: [HTTPResponsePart] = []
        if let head { parts.append(.head(head)) }
        if let first { parts.append(.body(first)) }
        (head, first) = (nil, nil)
        return parts
    }

    /// Writes `parts` on the connection's loop; a body's middle writes are awaited, its end is not.
    private func send(_ parts: [HTTPResponsePart], ended: Bool) async throws {
        let handler = self.handler
        let written =
            handler.eventLoop.inEventLoop
            ? handler.value.send(parts, ended: ended) : try await handler.eventLoop.submit { handler.value.send(parts, ended: ended) }.get()
        if !ended { try await written?.get() }
    }
}
