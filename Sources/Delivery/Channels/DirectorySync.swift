import Foundation
import Synchronization

/// `fsync` of one directory shared by concurrent writers (group commit for renames): a caller
/// that finds no sync running syncs the directory for itself and everyone who waited; callers
/// arriving during a sync wait for the next one, which the first of them runs. So a burst of
/// spooled files costs one directory sync per round, not one per file, and `sync()` still returns
/// only once a sync that began after the caller's rename has finished.
final class DirectorySync: Sendable {
    let path: String
    private let state = Mutex(State())

    private struct State {
        var syncing = false
        var waiting: [CheckedContinuation<Turn, Never>] = []
    }

    /// What a waiting caller is resumed with.
    private enum Turn: Sendable {
        /// Another caller's sync covered this one: 0, or the `errno` it failed with.
        case synced(Int32)
        /// This caller runs the next sync.
        case sync
    }

    init(path: String) {
        self.path = path
    }

    /// Returns 0 once the directory's entries as of the call are on disk, else the `errno` of the
    /// failed `open` or `fsync`.
    func sync() async -> Int32 {
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let syncNow = state.withLock { state in
                if state.syncing {
                    state.waiting.append(continuation)
                    return false
                }
                state.syncing = true
                return true
            }
            if syncNow { continuation.resume(returning: .sync) }
        }
        if case .synced(let result) = turn { return result }
        let covered = state.withLock { state in
            let taken = state.waiting
            state.waiting.removeAll()
            return taken
        }
        let result = Self.fsyncDirectory(path)
        for waiter in covered { waiter.resume(returning: .synced(result)) }
        let next = state.withLock { state -> CheckedContinuation<Turn, Never>? in
            guard !state.waiting.isEmpty else {
                state.syncing = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: .sync)
        return result
    }

    private static func fsyncDirectory(_ path: String) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 ? 0 : errno
    }
}
