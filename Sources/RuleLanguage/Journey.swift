import Foundation

/// A checked journey: steps separated by waits, entered when `entry` holds and ended early when
/// its goal (`exit`) holds.
///
/// This is the contract between the language (which builds it from `journey "NAME" { … }`) and
/// the engine (which enrols customers and advances them through `steps`).
public struct Journey: Sendable {
    public let name: String
    public let description: String?
    /// `enter when CONDITION`.
    public let entry: Condition
    /// `exit when CONDITION`: the goal, checked on every tick and again right before every send.
    public let exit: Condition?
    /// `reenter after N days`: a customer may enter again N days after their previous entry;
    /// nil (no clause): a customer enters this journey once ever.
    public let reenterAfterDays: Int?
    /// Percentage (0 ≤ p < 100) of entrants held out at entry, stable per (journey, customer).
    public let holdoutPercent: Decimal
    /// Higher wins when rules and journey steps compete for the same customer; 0 when not given.
    public let priority: Int
    /// In source order; never empty, names unique.
    public let steps: [JourneyStep]
    public let file: SourceFile
    public let nameRange: Range<Int>
    /// From `journey` to the closing brace.
    public let range: Range<Int>

    public init(
        name: String, description: String?, entry: Condition, exit: Condition?, reenterAfterDays: Int?,
        holdoutPercent: Decimal, priority: Int, steps: [JourneyStep], file: SourceFile,
        nameRange: Range<Int>, range: Range<Int>
    ) {
        self.name = name
        self.description = description
        self.entry = entry
        self.exit = exit
        self.reenterAfterDays = reenterAfterDays
        self.holdoutPercent = holdoutPercent
        self.priority = priority
        self.steps = steps
        self.file = file
        self.nameRange = nameRange
        self.range = range
    }

    /// The journey file's path as given to the loader.
    public var filePath: String { file.name }
    /// 64-bit FNV-1a of the journey file's bytes, 16 hex digits: the version recorded on each enrolment.
    public var contentHash: String { file.contentHash }

    public func step(named name: String) -> JourneyStep? {
        steps.first { $0.name == name }
    }

    /// The name a step's sends carry in the send log's `rule` column, and that `received "…"`
    /// refers to: `JOURNEY/STEP`. (`/` is not allowed in journey or step names.)
    public func sendName(of step: JourneyStep) -> String {
        "\(name)/\(step.name)"
    }
}

/// One step of a journey: an optional condition, then one send.
public struct JourneyStep: Sendable {
    public let name: String
    /// The `wait` written before this step (after the previous step, or after entry for the
    /// first step); nil: the step follows the previous one in the same tick.
    public let waitBefore: JourneyWait?
    /// `when CONDITION` inside the step: false means the step is skipped and the journey goes on.
    public let condition: Condition?
    public let channel: Channel
    /// The template name (email, letter) or webhook endpoint name (webhook).
    public let target: String
    /// `send CHANNEL "A" or "B"`: two or more variants (then `target` is the first's); empty for one target.
    public let variants: [SendVariant]
    public let quietHours: QuietHours?
    /// `purpose …`, else the channel's default.
    public let purpose: MessagePurpose
    /// `coupon from pool "NAME"`: each send takes one code of this pool; nil: the derived code.
    public let couponPool: String?
    public let nameRange: Range<Int>
    /// From `step` to the closing brace.
    public let range: Range<Int>

    public init(
        name: String, waitBefore: JourneyWait?, condition: Condition?, channel: Channel, target: String,
        variants: [SendVariant] = [], quietHours: QuietHours?, purpose: MessagePurpose? = nil, couponPool: String? = nil,
        nameRange: Range<Int>, range: Range<Int>
    ) {
        self.purpose = purpose ?? MessagePurpose.defaultPurpose(for: channel)
        self.couponPool = couponPool
        self.name = name
        self.waitBefore = waitBefore
        self.condition = condition
        self.channel = channel
        self.target = target
        self.variants = variants
        self.quietHours = quietHours
        self.nameRange = nameRange
        self.range = range
    }

    /// Every template or endpoint the step may send: its variants', or its one target.
    public var targets: [String] { variants.isEmpty ? [target] : variants.map(\.target) }
}

/// `wait N days [at HH:MM]`: N×24 hours, then (with `at`) the next such wall-clock time in the
/// customer's time zone, else the business time zone.
public struct JourneyWait: Hashable, Sendable {
    public let days: Int
    public let at: TimeOfDay?
    public let range: Range<Int>

    public init(days: Int, at: TimeOfDay?, range: Range<Int>) {
        self.days = days
        self.at = at
        self.range = range
    }
}
