import Foundation
import KiteCore

/// A `kite serve` (or any server) process started for a test: it waits until the program prints its
/// `listening on http://HOST:PORT` line and stops it with SIGTERM.
public final class ServerProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    /// The port the server listens on.
    public private(set) var port = 0
    /// Everything it printed so far (after `stop()`, everything).
    public private(set) var log = ""

    /// Starts `executable` with `arguments` in `folder` and waits up to `timeout` seconds for its listening line.
    public init(_ executable: String, _ arguments: [String], in folder: String, timeout: Double = 30) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        let handle = output.fileHandleForReading
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let range = log.range(of: #"listening on http://[^:]+:(\d+)"#, options: .regularExpression),
                let colon = log[range].lastIndex(of: ":"), let number = Int(log[range][log.index(after: colon)...])
            {
                port = number
                return
            }
        }
        process.terminate()
        throw KiteError(.unavailable, "the server did not start listening:\n\(log)")
    }

    /// Sends SIGTERM, waits for the exit and returns its status.
    @discardableResult public func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        log += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}
