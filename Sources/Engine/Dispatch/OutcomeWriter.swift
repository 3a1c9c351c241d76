import CustomerStore
import Synchronization

/// Group commit for the record stage: outcomes that finish while a write transaction is running
/// wait for it, then go together in the next one. There is no timer: a batch is written as soon
/// as the previous one is committed, so a lone outcome is written at once.
///
/// The first sender to find no write running writes its outcome with everything that waited,
/// then hands the writing to the first sender that arrived meanwhile (so nobody writes for others
/// more than once). `commit` returns only once the outcome is committed, or throws the store's
/// error (the whole batch is rolled back; each sender writes its outcome again).
final class OutcomeWriter: Sendable {
    private let store: any DispatchStore
    private let state = Mutex(State())

    private struct State {
        var writing = false
        var waiting: [Waiter] = []
    }

    private struct Waiter: Sendable {
        let outcome: SendOutcome
        let continuation: CheckedContinuation<Turn, any Error>
    }

    /// What a waiting sender is resumed with.
    private enum Turn: Sendable {
        /// Its outcome was committed by another sender's write.
        case committed
        /// It writes now: its outcome and everything waiting.
        case write
    }

    init(store: any DispatchStore) {
        self.store = store
    }

    /// Returns once `outcome` is committed; throws when the store refused the transaction it was in.
    func commit(_ outcome: SendOutcome) async throws {
        let turn = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Turn, any Error>) in
            let writeNow = state.withLock { state in
                if state.writing {
                    state.waiting.append(Waiter(outcome: outcome, continuation: continuation))
                    return false
                }
                state.writing = true
                return true
            }
            if writeNow { continuation.resume(returning: .write) }
        }
        guard case .write = turn else { return }
        let others = state.withLock { state in
            let taken = state.waiting
            state.waiting.removeAll(keepingCapacity: true)
            return taken
        }
        var failure: (any Error)?
        do {
            try await store.record([outcome] + others.map(\.outcome))
        } catch {
            failure = error
        }
        for waiter in others {
            if let failure { waiter.continuation.resume(throwing: failure) } else { waiter.continuation.resume(returning: .committed) }
        }
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.writing = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .write)
        if let failure { throw failure }
    }
}
