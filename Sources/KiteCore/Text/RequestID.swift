import Synchronization

/// Random version-4 UUIDs (`1b4e28ba-2fa1-4d2b-883f-0016d3cca427`) for request ids, from a generator seeded once
/// per process by the system's: Foundation's `UUID()` opens, reads and closes `/dev/urandom` for each one — three
/// system calls on every served prediction.
public enum RequestID {
    /// A new random UUID, lowercase.
    public static func make() -> String {
        let (high, low) = generator.withLock { ($0.next(), $0.next()) }
        // Version 4 in the 13th hex digit, the RFC 4122 variant in the 17th.
        let digits = (high & ~0xF000 | 0x4000, low & ~(0xC << 60) | (0x8 << 60))
        // Written straight into the string's storage: the id is made for every served prediction.
        return String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            for digit in 0..<32 {
                if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                let nibble = UInt8(truncatingIfNeeded: (digit < 16 ? digits.0 : digits.1) >> UInt64(60 - 4 * (digit & 15)) & 0xF)
                text[position] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                position += 1
            }
            return position
        }
    }

    private static let generator = Mutex(SeededGenerator(seed: UInt64.random(in: .min ... .max)))
}
