/// Validates UTF-8 and replaces every invalid byte with U+FFFD.
enum UTF8Repair {
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// The repaired bytes and the offsets (in the result) of each replacement character inserted.
    static func repair(_ input: [UInt8]) -> (bytes: [UInt8], invalidOffsets: [Int]) {
        if input.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) != nil }) { return (input, []) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var invalid: [Int] = []
        var index = 0
        while index < input.count {
            let length = validSequenceLength(input, at: index)
            if length > 0 {
                output.append(contentsOf: input[index..<index + length])
                index += length
            } else {
                invalid.append(output.count)
                output.append(contentsOf: replacement)
                index += 1
            }
        }
        return (output, invalid)
    }

    /// The length of the valid UTF-8 sequence starting at `index`, or 0 if it is invalid.
    static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let first = bytes[index]
        if first < 0x80 { return 1 }
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        let second = bytes[index + 1]
        guard second >= lowerBound && second <= upperBound else { return 0 }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }
}
