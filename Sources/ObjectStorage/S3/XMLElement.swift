import KiteCore

/// A small XML tree, enough for S3's responses (elements and text; attributes and namespaces are ignored).
struct XMLElement: Sendable {
    var name: String
    var text = ""
    var children: [XMLElement] = []

    /// The first child named `name`.
    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// All children named `name`.
    func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The text of the first child named `name`.
    func text(_ name: String) -> String? { child(name)?.text }

    /// Parses a document and returns its root element.
    static func parse(_ bytes: [UInt8]) throws -> XMLElement {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        func fail(_ what: String) -> KiteError { KiteError.corrupt("the S3 response is not valid XML (\(what) at byte \(position))") }

        mutating func document() throws -> XMLElement {
            var stack: [XMLElement] = []
            var root: XMLElement?
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "<") {
                    let end = try find(UInt8(ascii: ">"))
                    let tag = Array(bytes[(position + 1)..<end])
                    position = end + 1
                    guard let first = tag.first else { throw fail("empty tag") }
                    if first == UInt8(ascii: "?") || first == UInt8(ascii: "!") { continue }
                    if first == UInt8(ascii: "/") {
                        guard var closed = stack.popLast() else { throw fail("unexpected closing tag") }
                        closed.text = Self.unescape(closed.text)
                        if stack.isEmpty { root = closed } else { stack[stack.count - 1].children.append(closed) }
                        continue
                    }
                    let selfClosing = tag.last == UInt8(ascii: "/")
                    let nameBytes = tag.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\n") }
                    let element = XMLElement(name: String(decoding: nameBytes, as: UTF8.self))
                    if selfClosing {
                        if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
                    } else {
                        guard stack.count < 32 else { throw fail("nesting too deep") }
                        stack.append(element)
                    }
                } else {
                    let end = bytes[position...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                    if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: bytes[position..<end], as: UTF8.self) }
                    position = end
                }
            }
            guard stack.isEmpty, let root else { throw fail("unclosed element") }
            return root
        }

        func find(_ byte: UInt8) throws -> Int {
            guard let index = bytes[position...].firstIndex(of: byte) else { throw fail("unterminated tag") }
            return index
        }

        static func unescape(_ text: String) -> String {
            guard text.contains("&") else { return text }
            var out = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { break }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    if entity.hasPrefix("#x"), let v = UInt32(entity.dropFirst(2), radix: 16), let s = Unicode.Scalar(v) {
                        out.unicodeScalars.append(s)
                    } else if entity.hasPrefix("#"), let v = UInt32(entity.dropFirst()), let s = Unicode.Scalar(v) {
                        out.unicodeScalars.append(s)
                    } else {
                        out += rest[amp...semi]
                    }
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }
}

extension String {
    /// The text with `& < > " '` escaped for XML.
    var xmlEscaped: String {
        var out = ""
        for character in self {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
