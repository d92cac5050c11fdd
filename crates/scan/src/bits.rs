//! Eight bytes tested at once (bit tricks on a `u64`, no SIMD crate):
//! the scanners skip the plain French bytes of a text eight at a time.

pub const ONES: u64 = 0x0101_0101_0101_0101;
pub const HIGH: u64 = 0x8080_8080_8080_8080;

/// Bytes of `x` strictly between `m` and `n` (both ≤ 128), as their high
/// bit, for bytes below 128 (the classic "has between" of bit hacks).
pub const fn between(x: u64, m: u64, n: u64) -> u64 {
    (ONES * (127 + n)).wrapping_sub(x & (ONES * 127))
        & !x
        & (x & (ONES * 127)).wrapping_add(ONES * (127 - m))
        & HIGH
}

/// Bytes of `x` equal to zero, as their high bit, exactly.
pub const fn zeros(x: u64) -> u64 {
    !(((x & !HIGH).wrapping_add(!HIGH)) | x | !HIGH)
}

/// Bytes of `x` equal to `c`, as their high bit.
pub const fn equal(x: u64, c: u8) -> u64 {
    zeros(x ^ (ONES * c as u64))
}

/// The eight bytes at `i` as one number, if there are eight.
pub fn eight(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..i + 8)
        .and_then(|e| <[u8; 8]>::try_from(e).ok())
        .map(u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each test against the byte-by-byte answer, every byte value in
    /// every lane.
    #[test]
    fn bit_tests_are_exact() {
        for lane in 0..8 {
            for v in 0..=255u8 {
                let mut e = *b"azerty  ";
                e[lane] = v;
                let x = u64::from_le_bytes(e);
                let want = |f: &dyn Fn(u8) -> bool| e.iter().any(|c| f(*c));
                assert_eq!(
                    between(x, 0x40, 0x5B) != 0,
                    want(&|c| c.is_ascii_uppercase())
                );
                assert_eq!(between(x, 0x2F, 0x3A) != 0, want(&|c| c.is_ascii_digit()));
                assert_eq!(zeros(x) != 0, want(&|c| c == 0));
                assert_eq!(equal(x, b'@') != 0, want(&|c| c == b'@'));
            }
        }
    }
}
