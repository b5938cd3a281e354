#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Facts about the process's terminal and plain writes to its streams.
enum Terminal {
    /// Whether standard output is a terminal (a person is reading) rather than a pipe or file.
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    /// Whether standard error is a terminal, where progress is shown.
    static var isInteractive: Bool { isatty(STDERR_FILENO) != 0 }

    /// Writes a line to standard error.
    static func standardError(_ line: String) {
        standardErrorRaw(line.hasSuffix("\n") ? line : line + "\n")
    }

    /// Writes text to standard error as it is.
    static func standardErrorRaw(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    }

    /// Writes text to standard output without buffering surprises.
    static func standardOutput(_ text: String) {
        var text = text
        text.withUTF8 { raw in
            var done = 0
            while done < raw.count {
                let n = write(STDOUT_FILENO, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { return }
                done += n
            }
        }
    }
}
