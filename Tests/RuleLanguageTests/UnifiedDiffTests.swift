import Testing
@testable import RuleLanguage

/// `fmt --check`'s diff: the format of `diff -u`, hunks with three lines of context.
struct UnifiedDiffTests {
    static let old = (1...20).map { "line \($0)\n" }.joined()

    @Test func equalTextsHaveNoDiff() {
        #expect(UnifiedDiff.diff(Self.old, Self.old, oldName: "a", newName: "b") == "")
    }

    @Test func distantChangesMakeSeparateHunks() {
        let new = Self.old.replacingOccurrences(of: "line 2\n", with: "line two\n")
            .replacingOccurrences(of: "line 15\n", with: "")
            .replacingOccurrences(of: "line 20\n", with: "line 20\nline 21\n")
        #expect(UnifiedDiff.diff(Self.old, new, oldName: "a", newName: "b") == """
            --- a
            +++ b
            @@ -1,5 +1,5 @@
             line 1
            -line 2
            +line two
             line 3
             line 4
             line 5
            @@ -12,9 +12,9 @@
             line 12
             line 13
             line 14
            -line 15
             line 16
             line 17
             line 18
             line 19
             line 20
            +line 21

            """)
    }

    @Test func aMissingFinalLineBreakIsShown() {
        #expect(UnifiedDiff.diff("a\nb", "a\nb\n", oldName: "x", newName: "y") == """
            --- x
            +++ y
            @@ -1,2 +1,2 @@
             a
            -b
            \\ No newline at end of file
            +b

            """)
        #expect(UnifiedDiff.diff("", "a\n", oldName: "x", newName: "y") == "--- x\n+++ y\n@@ -0,0 +1 @@\n+a\n")
    }
}
