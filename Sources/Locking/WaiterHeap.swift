/// A binary min-heap of a ``PrioritySemaphore``'s waiters, ordered by key, then by arrival (id).
///
/// The semaphore used to keep its waiters in a sorted array: each wait scanned and shifted it, and each grant
/// shifted it again, so a burst of thousands of waiting requests (the client's rate limiter at 5,000 interrupted
/// nodes) cost time quadratic in the waiters. Here a wait and a grant are logarithmic; a cancellation, rare, is a
/// linear search.
struct WaiterHeap<Element: Sendable>: Sendable {
    private var elements: [Element] = []
    private let precedes: @Sendable (Element, Element) -> Bool

    /// An empty heap ordered by `precedes` (a strict order: the least element first).
    init(by precedes: @escaping @Sendable (Element, Element) -> Bool) {
        self.precedes = precedes
    }

    var count: Int { elements.count }
    var isEmpty: Bool { elements.isEmpty }

    mutating func insert(_ element: Element) {
        elements.append(element)
        siftUp(elements.count - 1)
    }

    /// Takes the least element out.
    mutating func popFirst() -> Element? {
        guard !elements.isEmpty else { return nil }
        return remove(at: 0)
    }

    /// Takes out the first element that `matches` (in no particular order).
    mutating func remove(where matches: (Element) -> Bool) -> Element? {
        guard let index = elements.firstIndex(where: matches) else { return nil }
        return remove(at: index)
    }

    private mutating func remove(at index: Int) -> Element {
        elements.swapAt(index, elements.count - 1)
        let removed = elements.removeLast()
        if index < elements.count {
            siftDown(index)
            siftUp(index)
        }
        return removed
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(elements[child], elements[parent]) else { return }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var least = parent
            if left < elements.count, precedes(elements[left], elements[least]) { least = left }
            if right < elements.count, precedes(elements[right], elements[least]) { least = right }
            guard least != parent else { return }
            elements.swapAt(parent, least)
            parent = least
        }
    }
}
