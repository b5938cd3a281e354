import Hummingbird
import KiteCore

/// An error answer: the HTTP status, a code and a message, written in the format of the API family that
/// answers (MLflow's or Kite's own).
struct APIError: Error {
    var status: Int
    var errorCode: String
    var message: String
    /// Headers the answer carries (`WWW-Authenticate` on 401, `Retry-After` on 503).
    var headers: HTTPFields = [:]

    /// The answer for an error thrown by a handler: Kite's codes map to statuses in this one table; anything
    /// that is not a `KiteError` or an HTTP error is a 500.
    init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as KiteError:
            switch error.code {
            case .notFound: self.init(status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST", message: error.message)
            case .alreadyExists: self.init(status: 400, errorCode: "RESOURCE_ALREADY_EXISTS", message: error.message)
            case .invalidArgument, .mismatch, .corruptData: self.init(status: 400, errorCode: "INVALID_PARAMETER_VALUE", message: error.message)
            case .unprocessable: self.init(status: 422, errorCode: "UNPROCESSABLE_ENTITY", message: error.message)
            case .unsupported: self.init(status: 501, errorCode: "NOT_IMPLEMENTED", message: error.message)
            case .permissionDenied: self.init(status: 403, errorCode: "PERMISSION_DENIED", message: error.message)
            case .unavailable: self.init(status: 503, errorCode: "TEMPORARILY_UNAVAILABLE", message: error.message)
            default: self.init(status: 500, errorCode: "INTERNAL_ERROR", message: error.message)
            }
        case let error as HTTPError:
            let status = Int(error.status.code)
            let code = status == 413 ? "REQUEST_LIMIT_EXCEEDED" : status == 404 ? "ENDPOINT_NOT_FOUND" : status < 500 ? "BAD_REQUEST" : "INTERNAL_ERROR"
            self.init(status: status, errorCode: code, message: error.body ?? error.status.reasonPhrase)
        default:
            self.init(status: 500, errorCode: "INTERNAL_ERROR", message: "\(error)")
        }
    }

    init(status: Int, errorCode: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.errorCode = errorCode
        self.message = message
        self.headers = headers
    }

    /// No endpoint has this path.
    static func notFound(_ request: Request) -> APIError {
        APIError(status: 404, errorCode: "ENDPOINT_NOT_FOUND", message: "no endpoint \(request.method) \(request.uri.path)")
    }

    /// The path exists, but not with this method.
    static func methodNotAllowed(_ request: Request, allowed: [HTTPRequest.Method]) -> APIError {
        let names = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        return APIError(status: 405, errorCode: "BAD_REQUEST", message: "\(request.method) is not allowed on \(request.uri.path); use \(names)")
    }
}

/// How an API family writes its errors.
enum APIErrorFormat: Sendable {
    /// MLflow's `{"error_code": …, "message": …}` (under `/api/2.0/mlflow/` and `/ajax-api/`).
    case mlflow
    /// Kite's own `{"error": {"code": …, "message": …}}`, with the code in lower case.
    case kite
    /// The Open Inference Protocol's `{"error": "…"}` (under `/v2/`).
    case inference

    /// The JSON body of `error` in this format.
    func body(_ error: APIError) -> JSONValue {
        switch self {
        case .mlflow:
            .object(["error_code": .string(error.errorCode), "message": .string(error.message)])
        case .kite:
            .object(["error": .object(["code": .string(error.errorCode.lowercased()), "message": .string(error.message)])])
        case .inference:
            .object(["error": .string(error.message)])
        }
    }
}
