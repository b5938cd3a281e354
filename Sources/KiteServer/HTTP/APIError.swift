import KiteCore

/// MLflow's error answer: `{"error_code": …, "message": …}` with the HTTP status MLflow's server uses.
struct APIError {
    var status: Int
    var errorCode: String
    var message: String

    /// The answer for an error thrown by a handler: Kite's codes map to MLflow's; anything else is a 500.
    init(_ error: any Error) {
        guard let error = error as? KiteError else {
            self.init(status: 500, errorCode: "INTERNAL_ERROR", message: "\(error)")
            return
        }
        switch error.code {
        case .notFound: self.init(status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST", message: error.message)
        case .alreadyExists: self.init(status: 400, errorCode: "RESOURCE_ALREADY_EXISTS", message: error.message)
        case .invalidArgument, .mismatch, .corruptData: self.init(status: 400, errorCode: "INVALID_PARAMETER_VALUE", message: error.message)
        case .unsupported: self.init(status: 501, errorCode: "NOT_IMPLEMENTED", message: error.message)
        case .permissionDenied: self.init(status: 403, errorCode: "PERMISSION_DENIED", message: error.message)
        default: self.init(status: 500, errorCode: "INTERNAL_ERROR", message: error.message)
        }
    }

    init(status: Int, errorCode: String, message: String) {
        self.status = status
        self.errorCode = errorCode
        self.message = message
    }

    var body: JSONValue { .object(["error_code": .string(errorCode), "message": .string(message)]) }
}
