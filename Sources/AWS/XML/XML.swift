/// A small, immutable XML element tree for the query-protocol responses of EC2, Auto Scaling and STS.
///
/// Built by ``parse(_:)`` with libxml2's streaming reader; elements keep their local names (namespace prefixes and
/// attributes are dropped: AWS query responses carry their data in elements only).
///
/// See <https://smithy.io/2.0/aws/protocols/aws-query-protocol.html> and
/// <https://smithy.io/2.0/aws/protocols/aws-ec2-query-protocol.html>.
public enum XML {
    /// One element: its local name, its own text and its child elements, in document order.
    public struct Element: Sendable, Equatable {
        /// The local name, e.g. `instanceId` (no namespace prefix).
        public let name: String
        /// The concatenated text and CDATA directly inside this element (not inside its children).
        public internal(set) var text: String
        /// The child elements, in document order.
        public internal(set) var children: [Element]

        /// Creates an element.
        ///
        /// - Parameters:
        ///   - name: the local name.
        ///   - text: the element's own text.
        ///   - children: the child elements.
        public init(name: String, text: String = "", children: [Element] = []) {
            self.name = name
            self.text = text
            self.children = children
        }

        /// The first child element called `name`, or `nil`.
        ///
        /// - Parameter name: the local name to look for.
        /// - Returns: the first matching direct child.
        public func child(_ name: String) -> Element? {
            children.first { $0.name == name }
        }

        /// Every child element called `name`, in document order.
        ///
        /// - Parameter name: the local name to look for.
        /// - Returns: the matching direct children.
        public func children(_ name: String) -> [Element] {
            children.filter { $0.name == name }
        }

        /// The element at the end of a path of child names, e.g. `element(at: "instanceState", "name")`.
        ///
        /// - Parameter path: local names of successive direct children.
        /// - Returns: the element, or `nil` when a step is missing.
        public func element(at path: String...) -> Element? {
            element(at: path)
        }

        /// The element at the end of a path of child names.
        ///
        /// - Parameter path: local names of successive direct children.
        /// - Returns: the element, or `nil` when a step is missing.
        public func element(at path: [String]) -> Element? {
            var current = self
            for name in path {
                guard let next = current.child(name) else { return nil }
                current = next
            }
            return current
        }

        /// The trimmed text of the element at the end of a path of child names, e.g. `value(at: "Code")`.
        ///
        /// - Parameter path: local names of successive direct children.
        /// - Returns: the text with surrounding whitespace removed, or `nil` when a step is missing.
        public func value(at path: String...) -> String? {
            element(at: path).map { $0.text.trimmingASCIIWhitespace() }
        }

        /// The first element called `name` in this subtree (this element included), depth first.
        ///
        /// - Parameter name: the local name to look for.
        /// - Returns: the first match in document order, or `nil`.
        public func firstDescendant(_ name: String) -> Element? {
            if self.name == name { return self }
            var stack: [Element] = children.reversed()
            while let element = stack.popLast() {
                if element.name == name { return element }
                stack.append(contentsOf: element.children.reversed())
            }
            return nil
        }
    }

    /// Why a body is not well-formed XML.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// libxml2's message, or our own for an empty body or too deep a tree.
        public let message: String
        /// The 1-based line of the problem, or 0 when unknown.
        public let line: Int

        /// Creates an error.
        ///
        /// - Parameters:
        ///   - message: what is wrong.
        ///   - line: the 1-based line, or 0.
        public init(message: String, line: Int = 0) {
            self.message = message
            self.line = line
        }

        /// The message with its line.
        public var description: String {
            line > 0 ? "malformed XML at line \(line): \(message)" : "malformed XML: \(message)"
        }
    }

    /// Elements nested deeper than this are refused (AWS responses nest about ten levels).
    public static let maximumDepth = 64
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
