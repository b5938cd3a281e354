import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Shows progress of long work on standard error (count, percent, rate, ETA), only when it is a terminal.
struct ProgressReporter {
    private let total: Int
    private let unit: String
    private let enabled: Bool
    private let start = DispatchTime.now().uptimeNanoseconds
    private var done = 0
    private var lastDraw: UInt64 = 0

    /// Starts reporting on work of `total` `unit`s.
    init(total: Int, unit: String) {
        self.total = total
        self.unit = unit
        enabled = isatty(STDERR_FILENO) != 0
    }

    /// Records `count` more units done and redraws at most five times a second, with `detail` after the counts.
    mutating func advance(by count: Int, detail: String = "") {
        done += count
        let now = DispatchTime.now().uptimeNanoseconds
        guard enabled, now - lastDraw > 200_000_000 || done == total else { return }
        lastDraw = now
        let seconds = Double(now - start) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let percent = total > 0 ? 100 * done / total : 100
        let eta = rate > 0 ? Int(Double(total - done) / rate) : 0
        Terminal.standardErrorRaw(
            "\r\(done) / \(total) \(unit)  \(percent)%  \(Int(rate)) \(unit)/s  ETA \(eta)s\(detail.isEmpty ? "" : "  " + detail)\u{1B}[K")
    }

    /// Records that `count` units are done in all.
    mutating func advance(to count: Int, detail: String = "") {
        advance(by: count - done, detail: detail)
    }

    /// Ends the progress line.
    func finish() {
        if enabled && done > 0 { Terminal.standardErrorRaw("\r\u{1B}[K") }
    }
}
