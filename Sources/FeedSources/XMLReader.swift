/// One element of a parsed XML document: its name, attributes in document order, child elements
/// and the text directly inside it (character data and CDATA, joined).
struct XMLElement: Sendable {
    var name: String
    var attributes: [(name: String, value: String)]
    var children: [XMLElement]
    var text: String

    /// The value of the attribute `name`, or nil.
    func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The first child element called `name`, or nil.
    func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }
}

/// A small XML reader for provider payloads, bounded against hostile input.
///
/// It reads what providers send — an XML declaration, processing instructions, comments,
/// elements with attributes, character data, CDATA sections, the five predefined entities and
/// character references — and refuses the rest whole with a ``FeedError``:
///
/// - **No DTD at all.** A `<!DOCTYPE` is refused before anything in it is read, so no entity is
///   ever declared: "billion laughs" expansion and external entities (files, URLs) cannot happen,
///   and an undeclared `&name;` is an error, not a lookup.
/// - **Budgets.** The payload's size, nesting depth, number of elements, attributes per element,
///   the length of a name, of an attribute value and of an element's text are all capped; a
///   payload over any of them is refused (`too_large`) as soon as the cap is passed.
/// - **Well-formed or nothing.** Mismatched or unclosed tags, a duplicate attribute, text or a
///   second element outside the root, invalid UTF-8 or a character XML forbids: `malformed`; a
///   document that stops in the middle: `truncated`.
///
/// Namespaces are not resolved: names keep their prefix, and `xmlns` attributes are kept as
/// attributes (the providers' schemas use a default namespace only).
enum XMLReader {
    /// The budgets of one document.
    struct Limits: Sendable {
        /// Largest document, in bytes.
        var maximumBytes = 32 << 20
        /// Deepest nesting of elements.
        var maximumDepth = 64
        /// Most elements in the document.
        var maximumElements = 1_000_000
        /// Most attributes on one element.
        var maximumAttributes = 64
        /// Longest element or attribute name, in bytes.
        var maximumNameBytes = 128
        /// Longest attribute value, in bytes (after references are replaced).
        var maximumAttributeBytes = 8 << 10
        /// Longest text of one element, in bytes.
        var maximumTextBytes = 64 << 10

        /// The budgets for provider payloads.
        static let providerPayload = Limits()
    }

    /// Parses a whole document into its root element.
    static func parse(_ bytes: [UInt8], limits: Limits = .providerPayload) throws(FeedError) -> XMLElement {
        guard bytes.count <= limits.maximumBytes else {
            throw FeedError("XML payload of \(bytes.count) bytes, more than the \(limits.maximumBytes) accepted", category: .tooLarge)
        }
        var reader = Cursor(bytes: bytes, limits: limits)
        return try reader.document()
    }

    private struct Cursor {
        let bytes: [UInt8]
        let limits: Limits
        var offset = 0
        var elements = 0

        init(bytes: [UInt8], limits: Limits) {
            self.bytes = bytes
            self.limits = limits
            // A UTF-8 byte order mark is tolerated, as the JSON reader does.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
        }

        // MARK: Errors

        func malformed(_ what: String, at position: Int? = nil) -> FeedError {
            FeedError("invalid XML at byte \(position ?? offset) of \(bytes.count): \(what)", category: .malformed)
        }

        func truncated(_ what: String) -> FeedError {
            FeedError("invalid XML: the payload ends early after \(bytes.count) bytes, \(what) (truncated?)", category: .truncated)
        }

        func tooLarge(_ what: String) -> FeedError {
            FeedError("invalid XML at byte \(offset) of \(bytes.count): \(what)", category: .tooLarge)
        }

        // MARK: Document

        mutating func document() throws(FeedError) -> XMLElement {
            var root: XMLElement?
            while true {
                skipSpaces()
                guard offset < bytes.count else { break }
                guard bytes[offset] == UInt8(ascii: "<") else {
                    throw malformed(root == nil ? "text before the root element" : "text after the root element")
                }
                if starts(with: "<?") {
                    try skipProcessingInstruction()
                } else if starts(with: "<!--") {
                    try skipComment()
                } else if starts(with: "<!DOCTYPE") || starts(with: "<!doctype") {
                    throw malformed("a DOCTYPE: document type declarations (and so entity declarations) are refused")
                } else if starts(with: "<!") {
                    if isCutMarkup() { throw truncated("inside a comment or declaration") }
                    throw malformed("a markup declaration outside the root element")
                } else {
                    guard root == nil else { throw malformed("a second root element") }
                    root = try element(depth: 1)
                }
            }
            guard let root else {
                let blank = bytes.allSatisfy { [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
                if blank { throw FeedError("empty payload: no XML element", category: .empty) }
                throw truncated("before the root element")
            }
            return root
        }

        // MARK: Elements

        mutating func element(depth: Int) throws(FeedError) -> XMLElement {
            guard depth <= limits.maximumDepth else {
                throw tooLarge("elements nested deeper than \(limits.maximumDepth) levels")
            }
            elements += 1
            guard elements <= limits.maximumElements else {
                throw tooLarge("more than \(limits.maximumElements) elements")
            }
            offset += 1  // "<"
            let name = try self.name()
            var element = XMLElement(name: name, attributes: [], children: [], text: "")
            while true {
                let spaced = skipSpaces()
                guard offset < bytes.count else { throw truncated("inside the tag <\(Excerpt.cut(name))>") }
                if starts(with: "/>") {
                    offset += 2
                    return element
                }
                if bytes[offset] == UInt8(ascii: ">") {
                    offset += 1
                    break
                }
                guard spaced else { throw malformed("expected a space, \"/>\" or \">\" in the tag <\(Excerpt.cut(name))>") }
                let attribute = try self.attribute()
                guard element.attribute(attribute.name) == nil else {
                    throw malformed("the attribute \(Excerpt.quoted(attribute.name)) appears twice in <\(Excerpt.cut(name))>")
                }
                guard element.attributes.count < limits.maximumAttributes else {
                    throw tooLarge("more than \(limits.maximumAttributes) attributes in <\(Excerpt.cut(name))>")
                }
                element.attributes.append(attribute)
            }
            var text: [UInt8] = []
            while true {
                guard offset < bytes.count else { throw truncated("inside <\(Excerpt.cut(name))>, which is never closed") }
                if starts(with: "</") {
                    let start = offset
                    offset += 2
                    let closing = try self.name()
                    skipSpaces()
                    guard offset < bytes.count else { throw truncated("inside the closing tag </\(Excerpt.cut(closing))>") }
                    guard bytes[offset] == UInt8(ascii: ">") else { throw malformed("expected \">\" after </\(Excerpt.cut(closing))") }
                    guard closing == name else {
                        throw malformed("</\(Excerpt.cut(closing))> closes <\(Excerpt.cut(name))>", at: start)
                    }
                    offset += 1
                    element.text = try string(text, what: "text of <\(Excerpt.cut(name))>")
                    return element
                }
                if starts(with: "<!--") {
                    try skipComment()
                } else if starts(with: "<![CDATA[") {
                    offset += 9
                    guard let end = find("]]>") else { throw truncated("inside a CDATA section") }
                    try append(bytes[offset..<end], to: &text, element: name)
                    offset = end + 3
                } else if starts(with: "<?") {
                    try skipProcessingInstruction()
                } else if starts(with: "<!") {
                    if isCutMarkup() { throw truncated("inside a comment or CDATA section") }
                    throw malformed("a markup declaration inside <\(Excerpt.cut(name))>")
                } else if bytes[offset] == UInt8(ascii: "<") {
                    element.children.append(try self.element(depth: depth + 1))
                } else {
                    let start = offset
                    while offset < bytes.count, bytes[offset] != UInt8(ascii: "<"), bytes[offset] != UInt8(ascii: "&") { offset += 1 }
                    // Indentation between child elements is not text worth keeping (or budgeting).
                    let chunk = bytes[start..<offset]
                    if !chunk.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { try append(chunk, to: &text, element: name) }
                    if offset < bytes.count, bytes[offset] == UInt8(ascii: "&") {
                        let replaced = try reference()
                        try append(replaced, to: &text, element: name)
                    }
                }
            }
        }

        func append(_ chunk: some Collection<UInt8>, to text: inout [UInt8], element: String) throws(FeedError) {
            guard text.count + chunk.count <= limits.maximumTextBytes else {
                throw tooLarge("the text of <\(Excerpt.cut(element))> is longer than \(limits.maximumTextBytes) bytes")
            }
            text.append(contentsOf: chunk)
        }

        mutating func attribute() throws(FeedError) -> (name: String, value: String) {
            let name = try self.name()
            skipSpaces()
            guard offset < bytes.count else { throw truncated("after the attribute \(Excerpt.quoted(name))") }
            guard bytes[offset] == UInt8(ascii: "=") else { throw malformed("expected \"=\" after the attribute \(Excerpt.quoted(name))") }
            offset += 1
            skipSpaces()
            guard offset < bytes.count else { throw truncated("before the value of \(Excerpt.quoted(name))") }
            let quote = bytes[offset]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw malformed("the value of \(Excerpt.quoted(name)) is not quoted")
            }
            offset += 1
            var value: [UInt8] = []
            while true {
                guard offset < bytes.count else { throw truncated("inside the value of \(Excerpt.quoted(name))") }
                let byte = bytes[offset]
                if byte == quote {
                    offset += 1
                    break
                }
                guard byte != UInt8(ascii: "<") else { throw malformed("\"<\" in the value of \(Excerpt.quoted(name))") }
                if byte == UInt8(ascii: "&") {
                    value.append(contentsOf: try reference())
                } else {
                    // Attribute-value normalisation: tabs and line breaks read as spaces.
                    value.append(byte == 0x09 || byte == 0x0A || byte == 0x0D ? 0x20 : byte)
                    offset += 1
                }
                guard value.count <= limits.maximumAttributeBytes else {
                    throw tooLarge("the value of \(Excerpt.quoted(name)) is longer than \(limits.maximumAttributeBytes) bytes")
                }
            }
            return (name, try string(value, what: "the value of \(Excerpt.quoted(name))"))
        }

        /// A name: letters, digits, "_", "-", ".", ":" and any non-ASCII byte (checked as UTF-8),
        /// not starting with a digit, "-" or ".".
        mutating func name() throws(FeedError) -> String {
            let start = offset
            while offset < bytes.count {
                let byte = bytes[offset]
                let isStart =
                    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte >= 0x80
                let isLater =
                    isStart || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: ".")
                guard offset == start ? isStart : isLater else { break }
                offset += 1
                guard offset - start <= limits.maximumNameBytes else {
                    throw tooLarge("a name longer than \(limits.maximumNameBytes) bytes")
                }
            }
            guard offset > start else {
                if offset >= bytes.count { throw truncated("where a name was expected") }
                throw malformed("expected a name")
            }
            return try string(bytes[start..<offset], what: "a name")
        }

        /// A reference at `&`: one of the five predefined entities or a character reference.
        mutating func reference() throws(FeedError) -> [UInt8] {
            let start = offset
            offset += 1
            var body: [UInt8] = []
            while offset < bytes.count, bytes[offset] != UInt8(ascii: ";") {
                body.append(bytes[offset])
                offset += 1
                guard body.count <= 12 else { throw malformed("an unterminated or unknown reference", at: start) }
            }
            guard offset < bytes.count else { throw truncated("inside a reference") }
            offset += 1  // ";"
            switch body {
            case Array("lt".utf8): return [UInt8(ascii: "<")]
            case Array("gt".utf8): return [UInt8(ascii: ">")]
            case Array("amp".utf8): return [UInt8(ascii: "&")]
            case Array("quot".utf8): return [UInt8(ascii: "\"")]
            case Array("apos".utf8): return [UInt8(ascii: "'")]
            default: break
            }
            guard body.first == UInt8(ascii: "#") else {
                let name = String(decoding: body, as: UTF8.self)
                throw malformed(
                    "the entity \(Excerpt.quoted("&\(name);")) is not declared (only &lt; &gt; &amp; &quot; &apos; are read)", at: start)
            }
            let hex = body.dropFirst().first == UInt8(ascii: "x")
            let digits = String(decoding: body.dropFirst(hex ? 2 : 1), as: UTF8.self)
            guard !digits.isEmpty, let value = UInt32(digits, radix: hex ? 16 : 10), let scalar = Unicode.Scalar(value),
                Self.isAllowed(scalar)
            else {
                throw malformed("an invalid character reference", at: start)
            }
            return Array(String(Character(scalar)).utf8)
        }

        // MARK: Skipping

        @discardableResult
        mutating func skipSpaces() -> Bool {
            let start = offset
            while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
            return offset > start
        }

        mutating func skipComment() throws(FeedError) {
            offset += 4
            guard let end = find("-->") else { throw truncated("inside a comment") }
            offset = end + 3
        }

        mutating func skipProcessingInstruction() throws(FeedError) {
            let start = offset
            guard let end = find("?>") else { throw truncated("inside a processing instruction") }
            // The declaration's encoding, when given, must be UTF-8: the bytes are read as UTF-8.
            let instruction = String(decoding: bytes[start..<end], as: UTF8.self)
            if instruction.hasPrefix("<?xml "), let range = Self.range(of: "encoding=", in: instruction) {
                let value = instruction[range.upperBound...].dropFirst().prefix { $0 != "\"" && $0 != "'" }.lowercased()
                guard value == "utf-8" || value == "utf8" else {
                    throw malformed("the encoding \(Excerpt.quoted(value)): only UTF-8 is read", at: start)
                }
            }
            offset = end + 2
        }

        // MARK: Helpers

        func starts(with text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard offset + count <= bytes.count else { return false }
            return text.withUTF8Buffer { pattern in
                (0..<count).allSatisfy { bytes[offset + $0] == pattern[$0] }
            }
        }

        /// Whether the document ends inside the opening of a comment or a CDATA section
        /// (`<!-`, `<![CDA`): a cut document, not a declaration.
        func isCutMarkup() -> Bool {
            let rest = bytes[offset...]
            return ["<!--", "<![CDATA["].contains { rest.count < $0.utf8.count && $0.utf8.starts(with: rest) }
        }

        func find(_ text: StaticString) -> Int? {
            let count = text.utf8CodeUnitCount
            return text.withUTF8Buffer { pattern -> Int? in
                var index = offset
                while index + count <= bytes.count {
                    if bytes[index] == pattern[0], (1..<count).allSatisfy({ bytes[index + $0] == pattern[$0] }) { return index }
                    index += 1
                }
                return nil
            }
        }

        func string(_ chunk: some Collection<UInt8>, what: String) throws(FeedError) -> String {
            guard let text = String(validating: chunk, as: UTF8.self) else { throw malformed("\(what) is not valid UTF-8") }
            guard text.unicodeScalars.allSatisfy(Self.isAllowed) else { throw malformed("\(what) holds a character XML forbids") }
            return text
        }

        /// The first range of `needle` in `text` (without Foundation).
        static func range(of needle: String, in text: String) -> Range<String.Index>? {
            var start = text.startIndex
            while start < text.endIndex {
                if text[start...].hasPrefix(needle) { return start..<text.index(start, offsetBy: needle.count) }
                start = text.index(after: start)
            }
            return nil
        }

        /// XML 1.0's `Char`: tab, line feed, carriage return and U+0020 onwards, minus surrogates
        /// (never scalars) and U+FFFE/U+FFFF.
        static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
            let value = scalar.value
            return value == 0x09 || value == 0x0A || value == 0x0D || (value >= 0x20 && value != 0xFFFE && value != 0xFFFF)
        }
    }
}
