#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KiteCLI

exit(await KiteCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
