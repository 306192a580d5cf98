import CLibXML2
public import Foundation

extension XML {
    /// libxml2 is initialised once per process before any parse (its docs ask for that in threaded programs).
    private static let libraryInitialised: Bool = {
        xmlInitParser()
        return true
    }()

    /// Parses `data` into its root element with libxml2's streaming reader (`xmlReaderForMemory`).
    ///
    /// The reader never touches the network (`XML_PARSE_NONET`), never substitutes entities (no `XML_PARSE_NOENT`,
    /// so no entity-expansion attacks) and reports nothing on stderr. Text and CDATA are kept; comments,
    /// processing instructions and attributes are dropped.
    ///
    /// - Parameter data: the whole document.
    /// - Returns: the root element.
    /// - Throws: ``ParseError`` for an empty, truncated, non-XML (an HTML page that is not well-formed) or too deeply
    ///   nested body.
    public static func parse(_ data: Data) throws(ParseError) -> Element {
        guard libraryInitialised else { throw ParseError(message: "libxml2 did not initialise") }
        guard !data.isEmpty else { throw ParseError(message: "the body is empty") }
        guard data.count < Int(Int32.max) else { throw ParseError(message: "the body is larger than 2 GiB") }
        let result: Result<Element, ParseError> = data.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: CChar.self).baseAddress else {
                return .failure(ParseError(message: "the body is empty"))
            }
            return parse(base, count: Int32(raw.count))
        }
        return try result.get()
    }

    /// Collects the first error libxml2 reports for one parse. Only touched by the parsing thread.
    private final class ErrorSink {
        var message: String?
        var line = 0
    }

    private static func parse(_ buffer: UnsafePointer<CChar>, count: Int32) -> Result<Element, ParseError> {
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        guard let reader = xmlReaderForMemory(buffer, count, nil, nil, options) else {
            return .failure(ParseError(message: "libxml2 could not create a reader"))
        }
        defer { xmlFreeTextReader(reader) }
        let sink = ErrorSink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(
            reader,
            { context, error in
                guard let context, let error else { return }
                let sink = Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue()
                guard sink.message == nil else { return }
                sink.message = error.pointee.message.map { String(cString: $0).trimmingASCIIWhitespace() }
                sink.line = Int(error.pointee.line)
            }, context)
        let outcome = withExtendedLifetime(sink) { build(reader) }
        switch outcome {
        case .success(let root):
            return .success(root)
        case .failure(let error) where error.message.isEmpty:
            return .failure(ParseError(message: sink.message ?? "not well-formed XML", line: sink.line))
        case .failure(let error):
            return .failure(error)
        }
    }

    /// Reads every node and builds the tree with an explicit stack. An empty message in the failure means "ask
    /// libxml2's error sink".
    private static func build(_ reader: xmlTextReaderPtr) -> Result<Element, ParseError> {
        var stack: [Element] = []
        var root: Element?
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { break }
            if status < 0 { return .failure(ParseError(message: "")) }
            switch Int(xmlTextReaderNodeType(reader)) {
            case Int(XML_READER_TYPE_ELEMENT.rawValue):
                guard root == nil else {
                    return .failure(ParseError(message: "content after the root element"))
                }
                guard stack.count < maximumDepth else {
                    return .failure(ParseError(message: "elements nested deeper than \(maximumDepth)"))
                }
                let name = xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
                let element = Element(name: name)
                if xmlTextReaderIsEmptyElement(reader) == 1 {
                    attach(element, to: &stack, root: &root)
                } else {
                    stack.append(element)
                }
            case Int(XML_READER_TYPE_END_ELEMENT.rawValue):
                guard let element = stack.popLast() else {
                    return .failure(ParseError(message: "an end tag without a start tag"))
                }
                attach(element, to: &stack, root: &root)
            case Int(XML_READER_TYPE_TEXT.rawValue), Int(XML_READER_TYPE_CDATA.rawValue),
                Int(XML_READER_TYPE_WHITESPACE.rawValue), Int(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
                if let value = xmlTextReaderConstValue(reader), !stack.isEmpty {
                    stack[stack.count - 1].text += String(cString: value)
                }
            default:
                continue
            }
        }
        guard stack.isEmpty, let root else {
            return .failure(ParseError(message: "the document ends before its root element is closed"))
        }
        return .success(root)
    }

    private static func attach(_ element: Element, to stack: inout [Element], root: inout Element?) {
        if stack.isEmpty {
            root = element
        } else {
            stack[stack.count - 1].children.append(element)
        }
    }
}
