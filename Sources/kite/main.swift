import KiteCLI
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Swift Concurrency's jobs run on SwiftNIO's event loops: a request handler that awaits the network (a Redis read,
// the response write) continues on the loop that did the I/O instead of hopping between two thread pools.
// Compute-heavy work (Parallel, SQLite) runs on Dispatch's threads either way.
if getenv("KITE_NIO_EXECUTOR").map({ String(cString: $0) }) != "0" {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}
exit(await KiteCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
