import KiteCLI
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let invocation = KiteCommand.Invocation(arguments: Array(CommandLine.arguments.dropFirst()))
// In `kite serve`, Swift Concurrency's jobs run on SwiftNIO's event loops: a request handler that awaits the network
// (a Redis read, the response write) continues on the loop that did the I/O instead of hopping between two thread
// pools. Not for the other commands: a task started on a loop stays on it, so their task groups and read-ahead
// tasks would share one core.
if invocation.servesRequests, getenv("KITE_NIO_EXECUTOR").map({ String(cString: $0) }) != "0" {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}
exit(await invocation.run())
