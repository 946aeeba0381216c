import Testing
@testable import Tabular

@Suite struct NumericColumnTests {
    @Test func numbersParseWithMissingAsNaN() throws {
        let t = try table("x\n1\n-2.5\n NA\n?\n\n3e2\n\"4\"\n .5\n+7.\n")
        let values = try t.numericColumn(0)
        // The blank line is skipped, so there are 8 rows.
        #expect(values.count == 8)
        #expect(values.map { $0.isNaN ? -999 : $0 } == [1, -2.5, -999, -999, 300, 4, 0.5, 7])
    }

    @Test func emptyCellIsMissing() throws {
        let t = try table("a,b\n1,\n,2\n")
        #expect(try t.numericColumn(1).map(\.isNaN) == [true, false])
    }

    @Test func specialSpellingsParseLikeDoubleFromString() throws {
        let texts = ["inf", "-inf", "Infinity", "0x1p-3", "1e400", "-1e-400", "123456789012345678901234567890",
                     "0.1000000000000000055511151231257827", "4.9e-324", "2.2250738585072011e-308", "-0", "00012"]
        let t = try table("x\n" + texts.joined(separator: "\n"))
        let values = try t.numericColumn(0)
        for (text, value) in zip(texts, values) {
            #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
        #expect(try table("x\nnan").numericColumn(0)[0].isNaN)
    }

    @Test func malformedNumbersAreRejected() throws {
        for text in ["1e", "1.2.3", "--1", "1-", ".", "+", "e5", "1 2", "0x", "12k"] {
            let t = try table("x\n\(text)\n")
            #expect(csvError { try t.numericColumn(0) } == .nonNumericValue(file: "test.csv", line: 2, column: "x", value: text))
        }
    }

    @Test func parsingIsExactOnRandomDecimalStrings() throws {
        // Random mantissas (up to 22 digits), decimal points anywhere, exponents −330…330:
        // each must give the same bits as Double(String), which is correctly rounded.
        var generator = SplitMix64(seed: 42)
        var texts: [String] = []
        for _ in 0..<20_000 {
            let digitCount = Int(generator.next() % 22) + 1
            var digits = (0..<digitCount).map { _ in String(generator.next() % 10) }.joined()
            switch generator.next() % 4 {
            case 0: break
            case 1: digits.insert(".", at: digits.index(digits.startIndex, offsetBy: Int(generator.next() % UInt64(digitCount + 1))))
            case 2: digits = "0." + digits
            default: digits += "."
            }
            var text = (generator.next() % 3 == 0 ? "-" : "") + digits
            if generator.next() % 2 == 0 {
                let exponent = Int(generator.next() % 661) - 330
                text += (generator.next() % 2 == 0 ? "e" : "E") + (exponent >= 0 && generator.next() % 2 == 0 ? "+" : "") + String(exponent)
            }
            texts.append(text)
        }
        let t = try table("x\n" + texts.joined(separator: "\n") + "\n")
        let values = try t.numericColumn(0)
        var mismatches = 0
        for (text, value) in zip(texts, values) where value.bitPattern != Double(text)!.bitPattern {
            mismatches += 1
            if mismatches <= 5 { Issue.record("\(text): parsed \(value), Double(String) gives \(Double(text)!)") }
        }
        #expect(mismatches == 0)
    }
}

@Suite struct CategoricalColumnTests {
    @Test func codesFollowFirstSeenOrderWithMissingAsMinusOne() throws {
        let t = try table("c\n b\na\n?\nb\nNA\nc\na\n")
        let (codes, categories) = t.categoricalColumn(0)
        #expect(categories == ["b", "a", "c"])
        #expect(codes == [0, 1, -1, 0, -1, 2, 1])
    }

    @Test func quotedAndUnquotedSpellingsOfOneTextAreOneCategory() throws {
        let t = try table("c\n\"say \"\"hi\"\"\"\nsay \"hi\"\n\"x\"\nx\n")
        let (codes, categories) = t.categoricalColumn(0)
        #expect(categories == ["say \"hi\"", "x"])
        #expect(codes == [0, 0, 1, 1])
    }

    @Test func manyDistinctCategoriesOfVariousLengthsKeepTheirCodes() throws {
        // Enough categories to grow the hash table several times; keys of 1 to 40 bytes.
        let names = (0..<5_000).map { i in "k\(i)" + String(repeating: "z", count: i % 35) }
        let rows = (0..<20_000).map { names[($0 * 7919) % names.count] }
        let t = try table("c\n" + rows.joined(separator: "\n"))
        let (codes, categories) = t.categoricalColumn(0)
        #expect(categories.count == 5_000)
        #expect(codes.map { categories[Int($0)] } == rows)
        #expect(Set(categories).count == categories.count)
    }

    @Test func utf8TextSurvives() throws {
        let t = try table("c\nÅland\nmañana\nÅland\n")
        #expect(t.categoricalColumn(0).categories == ["Åland", "mañana"])
    }
}

/// A small deterministic generator (SplitMix64), so the random strings are the same each run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
