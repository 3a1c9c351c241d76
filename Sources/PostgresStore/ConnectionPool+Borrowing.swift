import PostgresNIO
import Synchronization

extension ConnectionPool {
    /// One connection borrowed from a pool by a task of its own (the lender) and handed to the
    /// caller, whose wait ends at a deadline, or when the caller is cancelled, whatever the pool
    /// does. The lender holds the lease until `giveBack()`; a connection lent after the caller
    /// stopped waiting goes straight back to the pool. Used once.
    final class Borrowing: Sendable {
        /// The deadline passed before the pool lent a connection.
        struct Late: Error {}

        private enum State {
            /// `connection()` not called yet.
            case idle
            case waiting(CheckedContinuation<PostgresConnection, any Error>)
            /// The caller has its answer: the connection (`handedOver`) or an error.
            case over(handedOver: Bool)
        }

        private let client: PostgresClient
        private let deadline: Duration
        private let state = Mutex(State.idle)
        private let tasks = Mutex<(lender: Task<Void, Never>, timer: Task<Void, Never>)?>(nil)
        private let given = Mutex<(back: Bool, lender: CheckedContinuation<Void, Never>?)>((false, nil))

        init(from client: PostgresClient, within deadline: Duration) {
            self.client = client
            self.deadline = deadline
        }

        /// Waits for the connection: throws `Late` after the deadline, `CancellationError` when
        /// the calling task is cancelled, or the pool's own error.
        func connection() async throws -> PostgresConnection {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let waits = state.withLock { state -> Bool in
                        guard case .idle = state else { return false }
                        state = .waiting(continuation)
                        return true
                    }
                    guard waits else { return continuation.resume(throwing: CancellationError()) }
                    start()
                }
            } onCancel: {
                answer(.failure(CancellationError()))
            }
        }

        /// Returns the connection to the pool (ends the lender's lease).
        func giveBack() {
            let lender = given.withLock { given in
                given.back = true
                defer { given.lender = nil }
                return given.lender
            }
            lender?.resume()
        }

        private func start() {
            let lender = Task { [client] in
                do {
                    try await client.withConnection { connection in
                        guard self.answer(.success(connection)) else { return }
                        await self.untilGivenBack()
                    }
                } catch {
                    self.answer(.failure(error))
                }
            }
            let timer = Task { [deadline] in
                try? await Task.sleep(for: deadline)
                guard !Task.isCancelled else { return }
                self.answer(.failure(Late()))
            }
            tasks.withLock { $0 = (lender, timer) }
            // Answered before the tasks were stored: stop what `answer` could not.
            if case .over(let handedOver) = state.withLock({ $0 }) { stop(lender: !handedOver) }
        }

        /// Resumes the caller once; false when it had its answer already.
        @discardableResult
        private func answer(_ result: Result<PostgresConnection, any Error>) -> Bool {
            let handedOver = (try? result.get()) != nil
            let waiting = state.withLock { state -> CheckedContinuation<PostgresConnection, any Error>?? in
                switch state {
                case .idle:
                    state = .over(handedOver: false)
                    return .some(nil)
                case .waiting(let continuation):
                    state = .over(handedOver: handedOver)
                    return continuation
                case .over:
                    return nil
                }
            }
            guard let waiting else { return false }
            waiting?.resume(with: result)
            stop(lender: !handedOver)
            return true
        }

        /// Cancels the timer, and the lender when it holds no connection for the caller (its
        /// lease request is withdrawn, if the pool still has it).
        private func stop(lender cancelLender: Bool) {
            guard let (lender, timer) = tasks.withLock({ $0 }) else { return }
            timer.cancel()
            if cancelLender { lender.cancel() }
        }

        private func untilGivenBack() async {
            await withCheckedContinuation { continuation in
                let back = given.withLock { given -> Bool in
                    if !given.back { given.lender = continuation }
                    return given.back
                }
                if back { continuation.resume() }
            }
        }
    }
}
