/// A binary min-heap: the timeline player's queue of "which game's next event is due first".
struct MinHeap<Element: Comparable> {
    private var elements: [Element] = []

    /// The smallest element.
    var min: Element? { elements.first }
    /// How many elements the heap holds.
    var count: Int { elements.count }
    /// Whether the heap is empty.
    var isEmpty: Bool { elements.isEmpty }

    /// Adds an element.
    mutating func insert(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the smallest element.
    mutating func popMin() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let smallest = elements.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallestIndex = parent
            if left < elements.count, elements[left] < elements[smallestIndex] { smallestIndex = left }
            if right < elements.count, elements[right] < elements[smallestIndex] { smallestIndex = right }
            guard smallestIndex != parent else { break }
            elements.swapAt(parent, smallestIndex)
            parent = smallestIndex
        }
        return smallest
    }
}
