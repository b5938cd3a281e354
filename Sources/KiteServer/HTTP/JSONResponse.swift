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

    /// MLflow's error answer.
    static func error(_ error: APIError) -> Response {
        make(error.body, status: HTTPResponse.Status(code: error.status))
    }
}
