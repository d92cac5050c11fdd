//! Finding the next byte of a class, sixty-four bytes at a time (SIMD
//! through `wide`, in safe code): a scanner jumps from one byte that may
//! open a candidate to the next without looking at the plain French
//! bytes between them (issue 19: line rate).

use wide::u8x16;

/// A class of bytes: given sixteen bytes and the sixteen that follow each
/// of them by one, the lanes that belong (all ones). A class never holds
/// the zero byte, with which a text's last block is padded.
pub trait Class: Fn(u8x16, u8x16) -> u8x16 {}

impl<F: Fn(u8x16, u8x16) -> u8x16> Class for F {}

/// Lanes of `x` in `lo..lo + n` (`n` ≥ 1).
pub fn within(x: u8x16, lo: u8, n: u8) -> u8x16 {
    let d = x - u8x16::splat(lo);
    d.min(u8x16::splat(n - 1)).simd_eq(d)
}

/// Lanes of `x` equal to `c`.
pub fn equal(x: u8x16, c: u8) -> u8x16 {
    x.simd_eq(u8x16::splat(c))
}

const BLOCK: usize = 64;

fn lanes(s: &[u8; BLOCK + 16], at: usize) -> u8x16 {
    let mut a = [0u8; 16];
    a.copy_from_slice(&s[at..at + 16]);
    u8x16::from(a)
}

/// The bytes of `class` among the 64 from `at`, as bits (byte `at + i` is
/// bit `i`).
fn block(b: &[u8], at: usize, class: &impl Class) -> u64 {
    match b
        .get(at..at + BLOCK + 16)
        .and_then(|s| <&[u8; BLOCK + 16]>::try_from(s).ok())
    {
        Some(s) => bits_of(s, class),
        None => {
            // The text's last bytes, padded with zeros (never of a class).
            let mut pad = [0u8; BLOCK + 16];
            let rest = b.get(at..).unwrap_or_default();
            pad[..rest.len()].copy_from_slice(rest);
            bits_of(&pad, class)
        }
    }
}

fn bits_of(s: &[u8; BLOCK + 16], class: &impl Class) -> u64 {
    let mut m = 0;
    for k in 0..BLOCK / 16 {
        let bits = class(lanes(s, k * 16), lanes(s, k * 16 + 1)).to_bitmask();
        m |= u64::from(bits) << (16 * k);
    }
    m
}

/// The bytes of one class in a text, found in order: the block last
/// classified is kept, so that successive searches inside it cost a bit
/// scan.
pub struct Marks<'a, C> {
    b: &'a [u8],
    class: C,
    /// Where the block starts and its bits.
    block: Option<(usize, u64)>,
}

impl<'a, C: Class> Marks<'a, C> {
    pub fn new(b: &'a [u8], class: C) -> Self {
        Marks {
            b,
            class,
            block: None,
        }
    }

    /// The first byte of the class at or after `from`, if any.
    pub fn next_from(&mut self, mut from: usize) -> Option<usize> {
        while from < self.b.len() {
            let (at, bits) = match self.block {
                Some((at, bits)) if (at..at + BLOCK).contains(&from) => (at, bits),
                _ => {
                    let bits = block(self.b, from, &self.class);
                    self.block = Some((from, bits));
                    (from, bits)
                }
            };
            let left = bits & (u64::MAX << (from - at));
            if left != 0 {
                return Some(at + left.trailing_zeros() as usize);
            }
            from = at + BLOCK;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits_or_at(x: u8x16, _: u8x16) -> u8x16 {
        within(x, b'0', 10) | equal(x, b'@')
    }

    fn capital_after_a(x: u8x16, next: u8x16) -> u8x16 {
        equal(x, b'a') & within(next, b'A', 26)
    }

    /// Every byte of the class is found, and only those, wherever the
    /// text's blocks fall and whatever byte sits in any lane.
    #[test]
    fn marks_find_exactly_the_class() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in (0..300).chain([1000, 4097]) {
            let mut text = vec![0u8; len];
            for c in &mut text {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *c = if x.is_multiple_of(5) {
                    (x >> 8) as u8
                } else {
                    b"abc Z"[(x % 5) as usize]
                };
            }
            for (class, want) in [
                (
                    digits_or_at as fn(u8x16, u8x16) -> u8x16,
                    &(|t: &[u8], i: usize| t[i].is_ascii_digit() || t[i] == b'@')
                        as &dyn Fn(&[u8], usize) -> bool,
                ),
                (capital_after_a, &|t: &[u8], i: usize| {
                    t[i] == b'a' && t.get(i + 1).is_some_and(u8::is_ascii_uppercase)
                }),
            ] {
                let expected: Vec<usize> = (0..len).filter(|i| want(&text, *i)).collect();
                // From each found byte to the next…
                let mut marks = Marks::new(&text, class);
                let mut found = Vec::new();
                let mut from = 0;
                while let Some(i) = marks.next_from(from) {
                    found.push(i);
                    from = i + 1;
                }
                assert_eq!(found, expected, "len {len}");
                // …and from every byte, inside a block kept and past it.
                for step in [1, 5, 63] {
                    let mut marks = Marks::new(&text, class);
                    for from in (0..len + 2).step_by(step) {
                        let first = expected.iter().copied().find(|i| *i >= from);
                        assert_eq!(marks.next_from(from), first, "len {len}, from {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn ranges_are_exact_for_every_byte() {
        for v in 0..=255u8 {
            let x = u8x16::splat(v);
            assert_eq!(
                within(x, b'A', 26).to_bitmask() != 0,
                v.is_ascii_uppercase()
            );
            assert_eq!(within(x, 0xC4, 60).to_bitmask() != 0, v >= 0xC4);
            assert_eq!(equal(x, b'@').to_bitmask() != 0, v == b'@');
        }
    }
}
