/// `active from DATE until DATE`: both days inclusive, in the business time zone; either bound may
/// be left out.
public struct ActiveWindow: Hashable, Sendable {
    public let from: CalendarDate?
    public let until: CalendarDate?
}
