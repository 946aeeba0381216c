// Numbers straight from bytes: an exact fast path for ordinary decimals, the standard
// library's parser otherwise.

/// 10^0 … 10^22, all exactly representable as Double.
private let _powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// The number written in bytes [start, end) (no surrounding whitespace), or nil when it is
/// not a plain decimal the fast path can convert exactly.
///
/// Accepts `[+-]digits[.digits][(e|E)[+-]digits]` (either digit run may be empty, not both).
/// With at most 19 significant digits, a mantissa ≤ 2^53 and a decimal exponent in
/// -22…22, both the mantissa and the power of ten are exact doubles, so one IEEE
/// multiplication or division gives the correctly rounded result (Clinger's fast path).
@inline(__always)
func _fastParseDouble(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    var i = start
    guard i < end else { return nil }
    var negative = false
    if p[i] == 0x2D { negative = true; i += 1 } else if p[i] == 0x2B { i += 1 }
    var mantissa: UInt64 = 0
    var significant = 0
    var digits = 0
    var exponent = 0
    while i < end {
        let d = p[i] &- 0x30
        if d > 9 { break }
        if mantissa != 0 || d != 0 { significant += 1 }
        mantissa = mantissa &* 10 &+ UInt64(d)
        digits += 1; i += 1
    }
    if i < end && p[i] == 0x2E {
        i += 1
        while i < end {
            let d = p[i] &- 0x30
            if d > 9 { break }
            if mantissa != 0 || d != 0 { significant += 1 }
            mantissa = mantissa &* 10 &+ UInt64(d)
            digits += 1; exponent -= 1; i += 1
        }
    }
    guard digits > 0 else { return nil }
    if i < end && (p[i] | 0x20) == 0x65 {  // e or E
        i += 1
        var negativeExponent = false
        if i < end && p[i] == 0x2D { negativeExponent = true; i += 1 } else if i < end && p[i] == 0x2B { i += 1 }
        var e = 0
        var exponentDigits = 0
        while i < end {
            let d = p[i] &- 0x30
            if d > 9 { break }
            if e < 1_000_000 { e = e * 10 + Int(d) }
            exponentDigits += 1; i += 1
        }
        guard exponentDigits > 0 else { return nil }
        exponent += negativeExponent ? -e : e
    }
    guard i == end, significant <= 19 else { return nil }
    if mantissa == 0 { return negative ? -0.0 : 0.0 }
    guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
    var value = Double(mantissa)
    value = exponent < 0 ? value / _powersOfTen[-exponent] : value * _powersOfTen[exponent]
    return negative ? -value : value
}

/// Any other number `Double(String)` reads from bytes [start, end): long mantissas, large
/// exponents, `inf`, `nan`, hexadecimal. Nil if the text is not wholly a number.
///
/// This is the standard library's correctly rounded parser (strtod-like, but always in the
/// C locale, whatever `setlocale` says); it costs one small allocation, on this rare path only.
/// It reads the text as a C string, so a NUL byte would end the number early (`39\01` → 39):
/// text holding one is not a number.
func _slowParseDouble(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    guard end > start else { return nil }
    let first = p[start]
    // A number starts with a sign, a digit, '.' or a letter (inf, nan); never whitespace.
    guard first == 0x2B || first == 0x2D || first == 0x2E || (first &- 0x30) < 10 || ((first | 0x20) &- 0x61) < 26
    else { return nil }
    for i in start..<end where p[i] == 0 { return nil }
    return Double(String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self))
}

/// The number in bytes [start, end) after trimming spaces and tabs, or nil if there is none.
@inline(__always)
func _parseDouble(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    var s = start, e = end
    while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
    while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
    if let v = _fastParseDouble(p, s, e) { return v }
    return _slowParseDouble(p, s, e)
}
