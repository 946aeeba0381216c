import Foundation

/// Skipping ahead in the generator's sequence without drawing: `advance(by: n)` leaves the state
/// `n` calls of `next()` would, in about 256 steps of the generator whatever n is.
///
/// xoshiro256's state update is linear over GF(2): s ← T·s for a 256×256 bit matrix T. With P
/// the characteristic polynomial of T (P(T) = 0, Cayley–Hamilton) and J = xⁿ mod P, Tⁿ = J(T),
/// so Tⁿ·s = Σ_{i: jᵢ = 1} Tⁱ·s: the XOR of the states reached after i steps for the set bits
/// of J (the method of the generator's authors' `jump()`, for any n instead of 2¹²⁸). P is found
/// once, by Berlekamp–Massey on 512 output bits of the state's lowest bit; J is cached per n.
extension RNG {
    /// The state after `n` draws, without drawing them.
    public mutating func advance(by n: Int) {
        precondition(n >= 0, "cannot go back in the sequence")
        if n < 256 {  // drawing is cheaper than the polynomial
            for _ in 0..<n { _ = next() }
            return
        }
        let j = JumpPolynomials.shared.power(n)
        var acc: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for i in 0..<256 {
            if j[i >> 6] >> UInt64(i & 63) & 1 == 1 {
                acc.0 ^= s.0; acc.1 ^= s.1; acc.2 ^= s.2; acc.3 ^= s.3
            }
            _ = next()
        }
        s = acc
    }
}

/// xⁿ mod P over GF(2) for xoshiro256's characteristic polynomial P (degree 256), cached.
final class JumpPolynomials: @unchecked Sendable {
    static let shared = JumpPolynomials()

    /// Polynomials over GF(2), bit i = coefficient of xⁱ, 64 bits a word.
    typealias Poly = [UInt64]

    /// The coefficients of x⁰ … x²⁵⁵ of P (P = x²⁵⁶ + these).
    let low: Poly
    private var cache: [Int: Poly] = [:]
    private let lock = NSLock()

    init() {
        // The lowest bit of s.0 over 512 steps from a fixed state; its minimal polynomial is P
        // (the generator has full period 2²⁵⁶ − 1, so P is primitive and every non-zero bit
        // sequence of the state has P as minimal polynomial).
        var rng = RNG(seed: 1)
        var bits = [UInt8]()
        for _ in 0..<512 { bits.append(UInt8(rng.s.0 & 1)); _ = rng.next() }
        let c = Self.berlekampMassey(bits)
        precondition(c.count == 257, "xoshiro256's characteristic polynomial has degree 256, found \(c.count - 1)")
        // The connection polynomial C(x) = 1 + c₁x + … + c₂₅₆x²⁵⁶ is P's reciprocal: P(x) = x²⁵⁶·C(1/x).
        var p = Poly(repeating: 0, count: 4)
        for i in 0..<256 where c[256 - i] == 1 { p[i >> 6] |= 1 << UInt64(i & 63) }
        low = p
    }

    /// The shortest linear recurrence of `s` (GF(2)): coefficients c₀ = 1, c₁ … c_L.
    static func berlekampMassey(_ s: [UInt8]) -> [UInt8] {
        var c = [UInt8](repeating: 0, count: s.count + 1), b = c
        c[0] = 1; b[0] = 1
        var l = 0, m = 1
        for n in 0..<s.count {
            var d = s[n]
            if l > 0 { for i in 1...l { d ^= c[i] & s[n - i] } }
            if d == 0 { m += 1; continue }
            let t = c
            for i in 0..<(s.count + 1 - m) { c[i + m] ^= b[i] }
            if 2 * l <= n { l = n + 1 - l; b = t; m = 1 } else { m += 1 }
        }
        return Array(c[0...l])
    }

    /// xⁿ mod P.
    func power(_ n: Int) -> Poly {
        if let hit = lock.withLock({ cache[n] }) { return hit }
        var result: Poly = [1, 0, 0, 0]
        var base: Poly = [2, 0, 0, 0]  // x
        var e = n
        while e > 0 {
            if e & 1 == 1 { result = multiply(result, base) }
            base = multiply(base, base)
            e >>= 1
        }
        lock.withLock { if cache.count < 4096 { cache[n] = result } }
        return result
    }

    /// a·b mod P (a, b of degree < 256).
    func multiply(_ a: Poly, _ b: Poly) -> Poly {
        // Carry-less product, 8 words.
        var wide = [UInt64](repeating: 0, count: 8)
        for i in 0..<4 where a[i] != 0 {
            for bit in 0..<64 where a[i] >> UInt64(bit) & 1 == 1 {
                for j in 0..<4 {
                    let w = b[j]
                    wide[i + j] ^= w << UInt64(bit)
                    if bit > 0 { wide[i + j + 1] ^= w >> UInt64(64 - bit) }
                }
            }
        }
        // Reduce from the top: x^(256+k) = x^k · (P − x²⁵⁶) = x^k · low.
        for k in stride(from: 255, through: 0, by: -1) where wide[4 + (k >> 6)] >> UInt64(k & 63) & 1 == 1 {
            wide[4 + (k >> 6)] ^= 1 << UInt64(k & 63)
            let word = k >> 6, bit = k & 63
            for j in 0..<4 {
                let w = low[j]
                wide[word + j] ^= w << UInt64(bit)
                if bit > 0 { wide[word + j + 1] ^= w >> UInt64(64 - bit) }
            }
        }
        return Array(wide[0..<4])
    }
}
