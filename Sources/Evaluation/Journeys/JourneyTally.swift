/// What one journey's part of a tick did (or, for `plan`, would do).
public struct JourneyTally: Sendable, Equatable {
    public var journey: String
    /// Customers enrolled, of whom `enteredHoldout` in the journey's holdout.
    public var entered = 0
    public var enteredHoldout = 0
    /// Enrolments ended by the goal (exit condition), after the last step, or by leaving (by detail).
    public var goal = 0
    public var completed = 0
    public var left: [String: Int] = [:]
    /// Per step, in the journey's order.
    public var steps: [StepTally]
    /// Rule sends of this tick whose place under the cap a step took (they became
    /// `skipped`/`capped`): the rules had lower priority than the journey.
    public var displaced: [Displaced] = []

    /// One rule send a step displaced, and whether it had been held for quiet hours.
    public struct Displaced: Sendable, Equatable {
        public var rule: String
        public var held: Bool

        public init(rule: String, held: Bool) {
            self.rule = rule
            self.held = held
        }
    }

    public init(journey: String, steps: [String]) {
        self.journey = journey
        self.steps = steps.map { StepTally(step: $0) }
    }

    /// What one step did for the enrolments that reached it.
    public struct StepTally: Sendable, Equatable {
        public var step: String
        /// Enrolments that took the step (whatever its outcome; a capped one is not taken).
        public var advanced = 0
        /// Sends queued (due now), and of them held until quiet hours end.
        public var queued = 0
        public var heldForQuietHours = 0
        /// Holdout rows (never sent).
        public var holdout = 0
        /// Not sent, by reason (`condition false`, `no_consent`, `suppressed`, `missing_address`).
        public var skipped: [String: Int] = [:]
        /// Held at the step by the contact-pressure cap: tried again at the next tick.
        public var capped = 0

        public init(step: String) {
            self.step = step
        }
    }
}
