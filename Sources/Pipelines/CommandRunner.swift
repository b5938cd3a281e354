import Foundation
import KiteCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a step's `kite` command as a child process in the project: output (standard output and error) to a log
/// file, stopped (SIGTERM, then SIGKILL after a grace period) when it outlives its timeout or the task running it
/// is cancelled.
public struct CommandRunner: Sendable {
    /// How a command ended.
    public enum Outcome: Sendable, Equatable {
        case exited(Int32)
        case timedOut
        case cancelled

        public var succeeded: Bool { self == .exited(0) }
    }

    /// The `kite` executable.
    public let executable: String
    /// The project folder, passed to every command as `--project`.
    public let project: String
    /// How long a stopped command has to exit before it is killed.
    public var grace: Duration = .seconds(10)

    public init(executable: String, project: String) {
        self.executable = executable
        self.project = project
    }

    /// Runs `kite ARGUMENTS --project PROJECT`, writing its output to `logFile`.
    public func run(_ arguments: [String], timeout: TimeSpan?, logFile: String) async throws -> Outcome {
        guard FileManager.default.createFile(atPath: logFile, contents: Data("$ kite \(arguments.joined(separator: " "))\n".utf8)),
            let log = FileHandle(forWritingAtPath: logFile)
        else { throw KiteError(.io, "cannot write the step log \(logFile)") }
        defer { try? log.close() }
        _ = try? log.seekToEnd()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["--project", project]
        process.currentDirectoryURL = URL(fileURLWithPath: project)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        let pid = process.processIdentifier
        let grace = grace
        let stop: @Sendable () -> Void = {
            kill(pid, SIGTERM)
            Task {
                try? await Task.sleep(for: grace)
                kill(pid, SIGKILL)
            }
        }
        return await withTaskCancellationHandler {
            await withTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    for await status in exited.stream { return .exited(status) }
                    return .exited(-1)
                }
                if let timeout {
                    group.addTask {
                        guard (try? await Task.sleep(for: .microseconds(timeout.microseconds))) != nil else { return nil }
                        return .timedOut
                    }
                }
                var outcome: Outcome?
                while let next = await group.next() {
                    switch next {
                    case .timedOut?:
                        stop()  // and wait for it to exit
                        outcome = .timedOut
                    case .exited(let status)?:
                        if outcome == nil { outcome = Task.isCancelled ? .cancelled : .exited(status) }
                        group.cancelAll()
                    case .cancelled?, nil:
                        continue
                    }
                }
                return outcome ?? .cancelled
            }
        } onCancel: {
            stop()
        }
    }
}
