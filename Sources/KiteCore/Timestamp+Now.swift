import Foundation

extension Timestamp {
    /// The current time in microseconds since the epoch, UTC.
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }
}
