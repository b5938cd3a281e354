import Hummingbird
import HummingbirdCore
import KiteCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// `kite serve`'s HTTP/1.1 connections: SwiftNIO's HTTP codec and protocol-error handler (a malformed request
/// gets 400 and the connection closes), `ConnectionPersistence` (HTTP/1.0's closing), Hummingbird's idle-timeout and graceful-shutdown handler, and
/// `HTTPRequestHandler`, which answers each request with the router in a task of its own on the connection's
/// event loop. Hummingbird's own `HTTP1Channel` carries every request part and response part through an
/// `NIOAsyncChannel` (an async sequence in, an async writer out), which cost ~20 µs of CPU a request in reference
/// counting, locks and generic metadata (a bare Hummingbird app 37 µs, bare NIO 16 µs); here a request reaches
/// the router in one step and its answer goes out in one write. Routing, middleware, contexts and response bodies
/// are Hummingbird's.
struct HTTPConnection: ServerChildChannel {
    /// What each request gets answered with: the router behind Kite's middleware.
    typealias Responder = @Sendable (Request, any Channel) async -> Response

    /// An open connection; it is served by its handler until it closes.
    struct Open: ServerChildChannelValue {
        let channel: any Channel
    }

    let responder: Responder
    let idleTimeout: Duration?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Open> {
        channel.eventLoop.makeCompletedFuture {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = 80 * 1024
            limits.maxHeaderListSize = 80 * 1024
            limits.maxHeaderFieldCount = 1000
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: true, withOutboundHeaderValidation: false, withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(ConnectionPersistence())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
            try pipeline.addHandler(HTTPRequestHandler(responder: responder, logger: logger))
            return Open(channel: channel)
        }
    }

    func handle(value: Open, logger: Logger) async {
        try? await value.channel.closeFuture.get()
    }
}

extension HTTPConnection {
    /// The server for a Hummingbird application whose requests `responder` answers (Hummingbird's own responder,
    /// which writes through an async channel, goes unused): each response gets the `Date` and `Server` headers
    /// Hummingbird would have added, and an error no middleware turned into a response becomes a bare 500.
    static func server(
        responder: some HTTPResponder<BasicRequestContext>, serverName: String, idleTimeout: Duration?, logger: Logger
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { _ in
            HTTPConnection(
                responder: { request, channel in
                    let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
                    var response: Response
                    do {
                        response = try await responder.respond(to: request, context: context)
                    } catch {
                        logger.debug("unanswered error: \(error)")
                        response = Response(status: .internalServerError)
                    }
                    response.headers[.date] = HTTPDate.now()
                    response.headers[.server] = serverName
                    return response
                }, idleTimeout: idleTimeout)
        }
    }
}
