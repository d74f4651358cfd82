//! Sorting a column's numbers: a least-significant-digit radix sort on the
//! bits of each float, faster than a comparison sort at a million values,
//! in exactly the order of `f64::total_cmp`.

/// Below this, a comparison sort is as fast.
const RADIX_MIN: usize = 2048;
const DIGIT_BITS: u32 = 11;
const BUCKETS: usize = 1 << DIGIT_BITS;
const PASSES: u32 = 64_u32.div_ceil(DIGIT_BITS);

/// The numbers sorted ascending in the order of `f64::total_cmp`. The keys
/// are built straight from `values` and turned back into floats in their
/// own buffer, so a million numbers cost two buffers, not three.
pub fn sorted_floats(values: impl Iterator<Item = f64>, count: usize) -> Vec<f64> {
    let mut keys: Vec<u64> = Vec::with_capacity(count);
    keys.extend(values.map(key));
    if keys.len() < RADIX_MIN {
        keys.sort_unstable();
    } else {
        radix_sort(&mut keys);
    }
    // Same size and alignment: collected in place, no new buffer.
    keys.into_iter().map(value).collect()
}

fn radix_sort(keys: &mut Vec<u64>) {
    let mut spare = vec![0u64; keys.len()];
    let mut counts = vec![[0usize; BUCKETS]; PASSES as usize];
    for k in keys.iter() {
        for (pass, c) in counts.iter_mut().enumerate() {
            c[digit(*k, pass as u32)] += 1;
        }
    }
    for (pass, count) in counts.iter().enumerate() {
        // A digit every key shares moves nothing.
        if count.contains(&keys.len()) {
            continue;
        }
        let mut start = [0usize; BUCKETS];
        let mut sum = 0;
        for (s, c) in start.iter_mut().zip(count) {
            *s = sum;
            sum += c;
        }
        for k in keys.iter() {
            let d = digit(*k, pass as u32);
            spare[start[d]] = *k;
            start[d] += 1;
        }
        std::mem::swap(keys, &mut spare);
    }
}

/// The float's bits turned so unsigned order is `total_cmp` order: flip
/// every bit of a negative number, only the sign bit of a positive one.
fn key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

fn digit(k: u64, pass: u32) -> usize {
    ((k >> (pass * DIGIT_BITS)) as usize) & (BUCKETS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(v: &[f64]) -> Vec<u64> {
        let mut v = v.to_vec();
        v.sort_unstable_by(f64::total_cmp);
        v.iter().map(|x| x.to_bits()).collect()
    }

    fn sort_floats(v: &mut Vec<f64>) {
        *v = sorted_floats(v.iter().copied(), v.len());
    }

    #[test]
    fn sorts_large_samples_like_total_cmp() {
        let mut x: u64 = 0x9E3779B97F4A7C15;
        let mut v: Vec<f64> = (0..50_000)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                match i % 5 {
                    0 => -((x >> 11) as f64),
                    1 => (x % 100) as f64 / 7.0,
                    2 => f64::from_bits(x >> 2),
                    3 => -1e-300 * (x % 3) as f64,
                    _ => 0.0,
                }
            })
            .collect();
        let want = reference(&v);
        sort_floats(&mut v);
        assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
    }

    proptest! {
        #[test]
        fn any_floats_sort_like_total_cmp(v in prop::collection::vec(any::<f64>(), 2048..4000)) {
            let mut sorted = v.clone();
            sort_floats(&mut sorted);
            prop_assert_eq!(sorted.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), reference(&v));
        }
    }
}
