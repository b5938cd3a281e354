#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Random access to the bytes of a file or object; the Parquet reader asks for the footer first and then only
/// the column chunks it needs.
public protocol ByteSource: Sendable {
    /// The total size in bytes.
    func size() async throws -> Int
    /// The bytes in `range`, which must lie within `0..<size`.
    func read(_ range: Range<Int>) async throws -> [UInt8]
    /// A name for error messages (a path or URL).
    var name: String { get }
}

/// A local file read with `pread`, safe to share between tasks.
public final class LocalFileSource: ByteSource {
    public let name: String
    private let descriptor: Int32
    private let fileSize: Int

    /// Opens `path` for reading; a missing or unreadable file is a `not_found` or `io_error`.
    public init(path: String) throws {
        name = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            throw KiteError(code == ENOENT ? .notFound : .io, "cannot open \(path): \(String(cString: strerror(code)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw KiteError(.io, "cannot stat \(path)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw KiteError.invalidArgument("\(path) is not a regular file")
        }
        descriptor = fd
        fileSize = Int(info.st_size)
    }

    deinit { close(descriptor) }

    public func size() async throws -> Int { fileSize }

    public func read(_ range: Range<Int>) async throws -> [UInt8] {
        try readSync(range)
    }

    /// Reads `range` on the calling thread.
    public func readSync(_ range: Range<Int>) throws -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= fileSize else {
            throw KiteError.corrupt("\(name): read of bytes \(range) outside the file's \(fileSize) bytes")
        }
        return try [UInt8](unsafeUninitializedCapacity: range.count) { buffer, initialized in
            var done = 0
            while done < range.count {
                let n = pread(descriptor, buffer.baseAddress! + done, range.count - done, off_t(range.lowerBound + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    initialized = done
                    throw KiteError(.io, "\(name): read failed at byte \(range.lowerBound + done)")
                }
                done += n
            }
            initialized = done
        }
    }
}

/// Bytes already in memory.
public struct MemorySource: ByteSource {
    public let name: String
    /// The whole content.
    public let bytes: [UInt8]

    /// Wraps `bytes`.
    public init(_ bytes: [UInt8], name: String = "<memory>") {
        self.bytes = bytes
        self.name = name
    }

    public func size() async throws -> Int { bytes.count }

    public func read(_ range: Range<Int>) async throws -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
            throw KiteError.corrupt("\(name): read of bytes \(range) outside its \(bytes.count) bytes")
        }
        return Array(bytes[range])
    }
}
