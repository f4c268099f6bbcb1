import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request has not arrived whole within `deadline` of its head:
/// a client trickling its body a byte every few seconds never counts as idle (Hummingbird's
/// idle timeout watches whole HTTP parts, and stops while a request is in progress), so without
/// this it would hold its connection and its request task forever. A request still incomplete
/// at the deadline gets `408 Request Timeout` (unless its response has begun) and the
/// connection is closed. A client trickling its *headers* never produces a request head and is
/// closed by the idle timeout.
///
/// Sits in the channel pipeline after HTTP decoding (Hummingbird's `additionalChannelHandlers`),
/// one per connection, used on its event loop only.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let deadline: TimeAmount
    private let onTimeout: @Sendable () -> Void
    private var timer: Scheduled<Void>?
    private var responseStarted = false
    /// Request heads read, and responses written to their end (HTTP/1.1 pipelining: the
    /// 408 may answer only the request in progress, once every earlier one is answered).
    private var requests = 0
    private var responsesEnded = 0

    init(deadline: TimeAmount, onTimeout: @escaping @Sendable () -> Void) {
        self.deadline = deadline
        self.onTimeout = onTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            timer?.cancel()
            requests += 1
            responseStarted = false
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: deadline) {
                let (handler, context) = loopBound.value
                handler.expire(context)
            }
        case .end:
            timer?.cancel()
            timer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: if responsesEnded == requests - 1 { responseStarted = true }
        case .end: responsesEnded += 1
        case .body: break
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    private func expire(_ context: ChannelHandlerContext) {
        timer = nil
        onTimeout()
        // A response already begun, or an earlier request still being answered: only close.
        guard !responseStarted, responsesEnded == requests - 1 else {
            context.close(promise: nil)
            return
        }
        responseStarted = true
        let body = ByteBuffer(string: "the request did not arrive whole within \(deadline.nanoseconds / 1_000_000_000) s\n")
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .requestTimeout, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
