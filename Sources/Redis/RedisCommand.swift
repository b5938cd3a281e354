import NIOCore

/// One command: its words as bytes, and the key that decides which cluster node runs it.
public struct RedisCommand: Sendable, Hashable {
    public var arguments: [[UInt8]]
    /// The key whose hash slot routes this command on a cluster; nil for commands that any node may run.
    public var key: [UInt8]?

    /// A command of `name` and byte arguments; `key` routes it on a cluster.
    public init(_ name: String, _ arguments: [[UInt8]] = [], key: [UInt8]? = nil) {
        self.arguments = [Array(name.utf8)] + arguments
        self.key = key
    }

    /// A command whose first argument after the name is its key, e.g. `RedisCommand(keyed: "HGETALL", key)`.
    public init(keyed name: String, _ key: [UInt8], _ arguments: [[UInt8]] = []) {
        self.init(name, [key] + arguments, key: key)
    }

    /// A command written as words, e.g. `RedisCommand(words: "CLUSTER", "SLOTS")`.
    public init(words: String...) {
        arguments = words.map { Array($0.utf8) }
        key = nil
    }

    /// The command's name, for errors.
    public var name: String { arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    /// Appends the command as a RESP array of bulk strings.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        buffer.writeString(String(arguments.count))
        buffer.writeInteger(UInt16(0x0D0A))
        for argument in arguments {
            buffer.writeInteger(UInt8(ascii: "$"))
            buffer.writeString(String(argument.count))
            buffer.writeInteger(UInt16(0x0D0A))
            buffer.writeBytes(argument)
            buffer.writeInteger(UInt16(0x0D0A))
        }
    }
}
