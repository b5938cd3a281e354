import NIOCore
import NIOHTTP1

/// Marks a request that does not keep its connection alive — HTTP/1.0 without `Connection: keep-alive`, or any
/// request with `Connection: close` — with `Connection: close` before the HTTP/1.1 head is turned into Swift HTTP
/// Types (which keep no version), so `HTTPRequestHandler` closes the connection after answering it, as RFC 9112
/// asks: an HTTP/1.0 client reading its answer to the end of the connection would otherwise wait for the idle
/// timeout.
final class ConnectionPersistence: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), !head.isKeepAlive else {
            context.fireChannelRead(data)
            return
        }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
