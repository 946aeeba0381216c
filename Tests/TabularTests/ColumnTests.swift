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
        let texts = ["0x1p-3", "-1e-400", "123456789012345678901234567890",
                     "0.1000000000000000055511151231257827", "4.9e-324", "2.2250738585072011e-308", "-0", "00012"]
        let t = try table("x\n" + texts.joined(separator: "\n"))
        let values = try t.numericColumn(0)
        for (text, value) in zip(texts, values) {
            #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
    }

    @Test func nonFiniteNumbersAreRejectedWithLineAndField() throws {
        for text in ["inf", "-inf", "Infinity", "-Infinity", "INF", "1e400", "-1e400", "NaN", "nan", "NAN", "-nan", "nan(0x1)"] {
            let t = try table("id,x\n1,2\n2, \(text)\n")
            #expect(csvError { try t.numericColumn(1) }
                    == .nonFiniteValue(file: "test.csv", line: 3, field: 2, column: "x", value: text), "\(text)")
        }
        let error = csvError { try table("x\n1e400\n").numericColumn(0) }
        #expect(error?.errorDescription == "test.csv:2:1: non-finite value '1e400' in column 'x'; expected a finite number")
    }

    @Test func aNaNTokenDeclaredMissingIsMissing() throws {
        let t = try table("x\nNaN\n1\n", CSVOptions(missingValues: ["NaN"]))
        #expect(try t.numericColumn(0).map { $0.isNaN } == [true, false])
    }

    @Test func malformedNumbersAreRejected() throws {
        for text in ["1e", "1.2.3", "--1", "1-", ".", "+", "e5", "1 2", "0x", "12k"] {
            let t = try table("x\n\(text)\n")
            #expect(csvError { try t.numericColumn(0) } == .nonNumericValue(file: "test.csv", line: 2, field: 1, column: "x", value: text))
        }
    }

    @Test func aNulByteInsideANumberMakesItNonNumeric() throws {
        // strtod would stop at the NUL and read 39; both the fast and the slow path must refuse.
        for text in ["39\u{0}1", "39\u{0}", "1.5e400\u{0}", "123456789012345678901234\u{0}5"] {
            let t = try table("a,b\n7,\(text)\n")
            #expect(csvError { try t.numericColumn(1) }
                    == .nonNumericValue(file: "test.csv", line: 2, field: 2, column: "b", value: text), "\(text)")
        }
        let error = csvError { try table("a,b\n7,39\u{0}1\n").numericColumn(1) }
        #expect(error?.errorDescription == "test.csv:2:2: non-numeric value '39\\01' in column 'b'")
    }

    @Test func parsingIsExactOnRandomDecimalStrings() throws {
        // Random mantissas (up to 22 digits), decimal points anywhere, exponents −330…330:
        // each finite one must give the same bits as Double(String), which is correctly rounded.
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
            if Double(text)!.isFinite { texts.append(text) }  // overflow to inf is refused (tested above)
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
        let (codes, categories) = try t.categoricalColumn(0)
        #expect(categories == ["b", "a", "c"])
        #expect(codes == [0, 1, -1, 0, -1, 2, 1])
    }

    @Test func quotedAndUnquotedSpellingsOfOneTextAreOneCategory() throws {
        let t = try table("c\n\"say \"\"hi\"\"\"\nsay \"hi\"\n\"x\"\nx\n")
        let (codes, categories) = try t.categoricalColumn(0)
        #expect(categories == ["say \"hi\"", "x"])
        #expect(codes == [0, 0, 1, 1])
    }

    @Test func manyDistinctCategoriesOfVariousLengthsKeepTheirCodes() throws {
        // Enough categories to grow the hash table several times; keys of 1 to 40 bytes.
        let names = (0..<5_000).map { i in "k\(i)" + String(repeating: "z", count: i % 35) }
        let rows = (0..<20_000).map { names[($0 * 7919) % names.count] }
        let t = try table("c\n" + rows.joined(separator: "\n"))
        let (codes, categories) = try t.categoricalColumn(0)
        #expect(categories.count == 5_000)
        #expect(codes.map { categories[Int($0)] } == rows)
        #expect(Set(categories).count == categories.count)
    }

    @Test func controlCharactersInTextAreRejectedWithLineAndField() throws {
        for text in ["Ade\u{0}lie", "\u{1B}[31mred", "del\u{7F}"] {
            let t = try table("n,species\n1,Gentoo\n2,\"\(text)\"\n")
            #expect(csvError { try t.categoricalColumn(1) }
                    == .controlCharacter(file: "test.csv", line: 3, field: 2, column: "species", value: text), "\(text)")
        }
        let error = csvError { try table("species\nAde\u{0}lie\n").categoricalColumn(0) }
        #expect(error?.errorDescription == "test.csv:2:1: control character U+0000 in 'Ade\\0lie' (column 'species'); "
                + "text cells may hold tabs and line breaks, no other control characters")
    }

    @Test func tabsAndLineBreaksInQuotedTextAreKept() throws {
        let t = try table("c\n\"a\tb\"\n\"two\nlines\"\n")
        #expect(try t.categoricalColumn(0).categories == ["a\tb", "two\nlines"])
    }

    @Test func bytesThatAreNotUTF8AreRejected() throws {
        // Latin-1 é and è: both would decode to U+FFFD and become one name for two categories.
        let bytes = Array("c\ncaf".utf8) + [0xE9] + Array("\ncaf".utf8) + [0xE8] + [0x0A]
        let t = try CSVTable.parse(bytes, source: "test.csv")
        let error = csvError { try t.categoricalColumn(0) }
        #expect(error == .invalidUTF8(file: "test.csv", line: 2, field: 1, column: "c", value: "caf\u{FFFD}"))
    }

    @Test func aCellAfterAMultiLineQuotedCellIsPlacedOnItsOwnLine() throws {
        let t = try table("a,b\n\"x\ny\",oops\n")
        #expect(t.position(row: 0, column: 1) == (line: 3, field: 2))
        #expect(t.location(row: 0, column: 0) == "test.csv:2:1")
        #expect(csvError { try t.numericColumn(1) } == .nonNumericValue(file: "test.csv", line: 3, field: 2, column: "b", value: "oops"))
    }

    @Test func utf8TextSurvives() throws {
        let t = try table("c\nÅland\nmañana\nÅland\n")
        #expect(try t.categoricalColumn(0).categories == ["Åland", "mañana"])
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
