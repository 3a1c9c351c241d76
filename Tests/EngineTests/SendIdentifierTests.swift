@testable import Engine
import Testing

@Suite("send ids")
struct SendIdentifierTests {
    @Test("32 lowercase hex digits: the milliseconds zero-padded to 12, then 20 random ones that differ id by id")
    func shape() {
        let hex = Set("0123456789abcdef")
        var seen: Set<String> = []
        for now in [0.0, 0.001, 1_795_219_200.25, 281_474_976_710.5] {
            for _ in 0..<100 {
                let id = SendIdentifier.make(now: now)
                #expect(id.count == 32 && id.allSatisfy(hex.contains), "\(id)")
                let digits = String(UInt64((now * 1000).rounded()), radix: 16)
                #expect(id.hasPrefix(String(repeating: "0", count: 12 - digits.count) + digits), "\(id) at \(now)")
                seen.insert(id)
            }
        }
        #expect(seen.count == 400)
    }
}
