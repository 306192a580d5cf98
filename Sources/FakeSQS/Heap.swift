/// A binary min-heap: the queue's visible messages by send order, its hidden messages by the time they show again.
///
/// Entries are never removed from the middle: a message that changes state gets a new entry, and the stale one is
/// skipped when it reaches the top (the caller checks each popped entry against the message).
struct Heap<Element: Comparable & Sendable>: Sendable {
    private var storage: [Element] = []

    /// The number of entries, stale ones included.
    var count: Int { storage.count }

    /// The smallest entry, or `nil` when empty.
    var min: Element? { storage.first }

    /// Adds `element`.
    mutating func push(_ element: Element) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[child] < storage[parent] else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the smallest entry, or `nil` when empty.
    mutating func pop() -> Element? {
        guard let first = storage.first else { return nil }
        let last = storage.removeLast()
        guard !storage.isEmpty else { return first }
        storage[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < storage.count, storage[left] < storage[smallest] { smallest = left }
            if right < storage.count, storage[right] < storage[smallest] { smallest = right }
            guard smallest != parent else { break }
            storage.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    /// Removes every entry.
    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
    }
}
