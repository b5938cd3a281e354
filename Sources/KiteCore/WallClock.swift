import Foundation

/// Where "now" comes from: the system's clock, or a fixed or stepping one in tests. Libraries take one from
/// their caller instead of reading the system clock themselves.
public struct WallClock: Sendable {
    /// The current time in microseconds since the epoch, UTC.
    public let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) { self.now = now }

    /// The system's clock.
    public static let system = WallClock { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }

    /// A clock that always answers `time`.
    public static func fixed(_ time: Int64) -> WallClock { WallClock { time } }
}
