import KiteCLI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

exit(await KiteCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
