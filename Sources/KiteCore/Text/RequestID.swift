import Synchronization

/// Random version-4 UUIDs (`1b4e28ba-2fa1-4d2b-883f-0016d3cca427`) for request ids, from a generator seeded once
/// per process by the system's: Foundation's `UUID()` opens, reads and closes `/dev/urandom` for each one — three
/// system calls on every served prediction.
public enum RequestID {
    /// A new random UUID, lowercase.
    public static func make() -> String {
        let (high, low) = generator.withLock { ($0.next(), $0.next()) }
        var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        let digits = Array("0123456789abcdef".utf8)
        // Version 4 in the 13th hex digit, the RFC 4122 variant in the 17th.
        let value = (high & ~0xF000 | 0x4000, low & ~(0xC << 60) | (0x8 << 60))
        var position = 0
        for word in [value.0, value.1] {
            for shift in stride(from: 60, through: 0, by: -4) {
                if position == 8 || position == 13 || position == 18 || position == 23 { position += 1 }
                bytes[position] = digits[Int(word >> UInt64(shift) & 0xF)]
                position += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let generator = Mutex(SeededGenerator(seed: UInt64.random(in: .min ... .max)))
}
