import KiteCore

/// MLflow's times are milliseconds since the epoch; Kite's are microseconds. The conversion happens here and
/// nowhere else.
enum MLflowTime {
    /// A Kite time in MLflow's milliseconds.
    static func json(_ micros: Int64) -> JSONValue { .integer(micros / 1000) }

    /// An optional Kite time in MLflow's milliseconds.
    static func json(_ micros: Int64?) -> JSONValue? { micros.map(json) }
}

extension APIParameters {
    /// An optional MLflow time (milliseconds since the epoch) as Kite's microseconds.
    func time(_ key: String) throws -> Int64? {
        guard let millis = try integer(key) else { return nil }
        let (micros, overflow) = millis.multipliedReportingOverflow(by: 1000)
        guard !overflow else { throw KiteError.invalidArgument("'\(key)' \(millis) is not a time in milliseconds since the epoch") }
        return micros
    }
}
