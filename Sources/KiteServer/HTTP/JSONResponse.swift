import Hummingbird
import NIOCore

/// JSON answers.
enum JSONResponse {
    /// A response carrying `value` as `application/json`.
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.bytes)))
    }

    /// A plain-text answer (health checks).
    static func text(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
