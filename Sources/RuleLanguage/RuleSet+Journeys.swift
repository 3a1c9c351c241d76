extension RuleSet {
    /// This rule set with `journeys` in place of its own: for tests and tools that build
    /// journeys directly (the checker builds them from `journey` blocks).
    public func replacingJourneys(with journeys: [Journey]) -> RuleSet {
        RuleSet(rules: rules, segments: segments, files: files, journeys: journeys)
    }
}
