#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a writer's bytes go: appended in order, then committed at once or abandoned.
public protocol ByteSink {
    /// Appends bytes.
    mutating func write(_ bytes: [UInt8]) async throws
    /// Makes everything written visible under the final name.
    mutating func commit() async throws
    /// Discards everything written; the final name keeps whatever it held before.
    mutating func abort() async
}

extension ByteSink {
    /// Writes `bytes` and commits; if either fails the sink is abandoned, so nothing half-written appears.
    public mutating func writeAndCommit(_ bytes: [UInt8]) async throws {
        do {
            try await write(bytes)
            try await commit()
        } catch {
            await abort()
            throw error
        }
    }
}

/// Writes a local file atomically: bytes go to a temporary file in the same folder, which is synced and renamed
/// over the final path on commit, so readers see the old file or the whole new one, never half a file.
public struct LocalFileSink: ByteSink {
    /// The final path.
    public let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 20

    /// Creates the temporary file next to `path`.
    public init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(directory)/.\(base).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).kite-tmp"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            throw KiteError(
                code == ENOENT ? .notFound : .io,
                "cannot write \(path): \(String(cString: strerror(code)))")
        }
    }

    public mutating func write(_ bytes: [UInt8]) async throws {
        if bytes.count >= Self.bufferSize {
            try flush()
            try writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    private mutating func flush() throws {
        try writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var done = 0
        try bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = systemWrite(descriptor, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw KiteError(.io, "writing \(path) failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    public mutating func commit() async throws {
        do {
            try flush()
            guard fsync(descriptor) == 0 else {
                throw KiteError(.io, "syncing \(path) failed: \(String(cString: strerror(errno)))")
            }
            close(descriptor)
            descriptor = -1
            guard rename(temporaryPath, path) == 0 else {
                throw KiteError(.io, "cannot move the new file into \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            await abort()
            throw error
        }
    }

    public mutating func abort() async {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
