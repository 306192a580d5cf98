import Foundation
import JSONValues

/// Storage's bounded MVCC history, so that reads at a past revision see the objects as they were, as etcd's do.
///
/// The design is an undo log: for every revision, the table and key it wrote and the object that key held just
/// before (`nil` when the write created it). Storage itself keeps only the current state; the state at revision X is
/// the current state with every key written after X set back to its value before the oldest such write. A read at X
/// costs the writes since X, and memory is one superseded object per revision kept (shared copy-on-write with the
/// watch history, which holds the same values).
///
/// Compaction drops the oldest entries, as etcd's compaction does (`kubernetes/apiserver` compacts every 5 minutes):
/// after dropping the entry of revision R, revisions before R cannot be rebuilt and reads at them are 410 Expired.
/// Revision ``compactedRevision`` itself can still be read (etcd allows reading at the compaction revision).
struct StorageHistory: Sendable {
    /// One write: what `key` of table `table` held before revision `revision` changed it.
    struct Entry: Sendable {
        var revision: Int64
        var table: String
        var key: ObjectKey
        var previous: JSONValue?
        var time: ContinuousClock.Instant
    }

    /// Entries in revision order; those before `start` are dropped and removed from the array in batches.
    private var entries: [Entry] = []
    private var start = 0
    /// The oldest revision that can still be read; reads at older ones are 410 Expired.
    private(set) var compactedRevision: Int64 = 0

    /// The number of entries kept.
    var count: Int { entries.count - start }

    /// Records the write of revision `revision`.
    mutating func record(_ entry: Entry) {
        entries.append(entry)
    }

    /// Drops entries beyond the limits: older than `window` before `now`, and beyond the newest `maxRevisions`.
    mutating func compact(now: ContinuousClock.Instant, window: Duration?, maxRevisions: Int) {
        var drop = max(0, count - max(0, maxRevisions))
        if let window {
            let cutoff = now.advanced(by: .zero - window)
            while start + drop < entries.count, entries[start + drop].time < cutoff { drop += 1 }
        }
        dropOldest(drop)
    }

    /// Drops every entry up to and including `revision`: reads before it are 410 afterwards.
    mutating func compact(through revision: Int64) {
        var drop = 0
        while start + drop < entries.count, entries[start + drop].revision <= revision { drop += 1 }
        dropOldest(drop)
        compactedRevision = max(compactedRevision, revision)
    }

    private mutating func dropOldest(_ drop: Int) {
        guard drop > 0 else { return }
        compactedRevision = max(compactedRevision, entries[start + drop - 1].revision)
        start += drop
        if start == entries.count {
            entries.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1024, start * 2 > entries.count {
            entries.removeFirst(start)
            start = 0
        }
    }

    /// The keys of `table` written after `revision`, each with the value it held at `revision` (`nil`: absent).
    func stateBefore(table: String, after revision: Int64) -> [ObjectKey: JSONValue?] {
        // Entries are in revision order: find the first one after `revision`, then keep each key's oldest entry.
        var low = start
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].revision <= revision { low = middle + 1 } else { high = middle }
        }
        var state: [ObjectKey: JSONValue?] = [:]
        for entry in entries[low...] where entry.table == table && state.index(forKey: entry.key) == nil {
            state.updateValue(entry.previous, forKey: entry.key)
        }
        return state
    }
}
