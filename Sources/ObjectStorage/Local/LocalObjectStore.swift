import KiteCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Objects as files under a root folder. Writes are atomic (temporary file, fsync, rename); keys cannot escape
/// the root (`..`, absolute keys and symbolic links that lead outside are refused).
public struct LocalObjectStore: ObjectStore {
    /// The root folder, resolved to an absolute path without symbolic links.
    public let root: String
    public var url: String { "file:" + root }

    /// A store rooted at `root`; the folder must exist unless `create` is set.
    public init(root: String, create: Bool = false) throws {
        if create { try Self.makeDirectories(root) }
        guard let resolved = Self.realPath(root) else {
            throw KiteError(.notFound, "the folder \(root) does not exist")
        }
        var info = stat()
        guard stat(resolved, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw KiteError.invalidArgument("\(root) is not a folder")
        }
        self.root = resolved
    }

    // MARK: Keys and paths

    /// The path of `key`, after checking that the key is relative, has no `.`/`..` segments and, through any
    /// symbolic links that already exist, stays inside the root.
    func path(for key: String) throws -> String {
        guard !key.isEmpty, !key.hasPrefix("/"), !key.contains("\0") else {
            throw KiteError.invalidArgument("'\(key)' is not a valid key: keys are relative paths like 'a/b.parquet'")
        }
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            throw KiteError.invalidArgument("key '\(key)' may not contain '.', '..' or empty segments")
        }
        let path = root == "/" ? "/" + key : root + "/" + key
        // The deepest existing ancestor must resolve inside the root (a symbolic link could point elsewhere).
        var probe = path
        while true {
            if let resolved = Self.realPath(probe) {
                guard resolved == root || resolved.hasPrefix(root == "/" ? "/" : root + "/") else {
                    throw KiteError(.permissionDenied, "key '\(key)' leads outside \(root) through a symbolic link")
                }
                break
            }
            guard let slash = probe.lastIndex(of: "/"), probe[..<slash].count >= root.count else { break }
            probe = String(probe[..<slash])
        }
        return path
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw KiteError(.io, "cannot create the folder \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    private func parentFolder(of path: String) throws {
        if let slash = path.lastIndex(of: "/"), slash > path.startIndex {
            try Self.makeDirectories(String(path[..<slash]))
        }
    }

    // MARK: ObjectStore

    public func put(_ key: String, bytes: [UInt8]) async throws {
        var sink = try await makeSink(for: key)
        try await sink.writeAndCommit(bytes)
    }

    public func makeSink(for key: String) async throws -> any ByteSink {
        let path = try path(for: key)
        try parentFolder(of: path)
        return try LocalFileSink(path: path)
    }

    public func get(_ key: String) async throws -> [UInt8] {
        let source = try openSource(key)
        return try source.readSync(0..<(try await source.size()))
    }

    public func get(_ key: String, range: Range<Int>) async throws -> [UInt8] {
        let source = try openSource(key)
        try validate(range: range, size: try await source.size(), key: key)
        return try source.readSync(range)
    }

    private func openSource(_ key: String) throws -> LocalFileSource {
        do {
            return try LocalFileSource(path: try path(for: key))
        } catch let error as KiteError where error.code == .notFound {
            throw KiteError(.notFound, "no object '\(key)' in \(url)", cause: "NoSuchKey")
        }
    }

    public func head(_ key: String) async throws -> ObjectInfo {
        try info(key, at: try path(for: key))
    }

    /// What `stat` says of the file at `path`, as the object `key`.
    private func info(_ key: String, at path: String) throws -> ObjectInfo {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw KiteError(.notFound, "no object '\(key)' in \(url)", cause: "NoSuchKey")
        }
        let micros = Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1000
        let etag = String(UInt64(bitPattern: micros), radix: 16) + "-" + String(info.st_size, radix: 16)
        return ObjectInfo(key: key, size: Int(info.st_size), etag: etag, lastModified: micros)
    }

    public func delete(_ key: String) async throws {
        let path = try path(for: key)
        if unlink(path) != 0 && errno != ENOENT {
            throw KiteError(.io, "cannot delete '\(key)': \(String(cString: strerror(errno)))")
        }
    }

    public func copy(from source: String, to destination: String) async throws {
        try await write(destination, from: try openSource(source))
    }

    public func rename(from source: String, to destination: String) async throws {
        let from = try path(for: source)
        let to = try path(for: destination)
        _ = try await head(source)
        try parentFolder(of: to)
        guard Glibc.rename(from, to) == 0 else {
            throw KiteError(.io, "cannot rename '\(source)' to '\(destination)': \(String(cString: strerror(errno)))")
        }
    }

    public func list(prefix: String, delimiter: String?) -> ObjectListing {
        let store = self
        return ObjectListing { _ in
            (try store.listAll(prefix: prefix, delimiter: delimiter), nil)
        }
    }

    /// Every key under the root in byte order, filtered and grouped as S3 would.
    private func listAll(prefix: String, delimiter: String?) throws -> [ObjectListEntry] {
        var keys: [String] = []
        try walk(folder: root, relative: "", into: &keys)
        keys.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var entries: [ObjectListEntry] = []
        var lastPrefix: String?
        for key in keys where key.hasPrefix(prefix) {
            if let delimiter, !delimiter.isEmpty,
                let range = key.dropFirst(prefix.count).firstRange(of: delimiter)
            {
                let common = String(key[..<range.upperBound])
                if common != lastPrefix {
                    entries.append(.commonPrefix(common))
                    lastPrefix = common
                }
                continue
            }
            entries.append(.object(try info(key, at: root + "/" + key)))
        }
        return entries
    }

    private func walk(folder: String, relative: String, into keys: inout [String]) throws {
        guard let directory = opendir(folder) else {
            throw KiteError(.io, "cannot list \(folder): \(String(cString: strerror(errno)))")
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." || (name.hasPrefix(".") && name.hasSuffix(".kite-tmp")) { continue }
            let path = folder + "/" + name
            let key = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try walk(folder: path, relative: key, into: &keys)
            case S_IFREG: keys.append(key)
            default: continue  // symbolic links and devices are not objects
            }
        }
    }
}
