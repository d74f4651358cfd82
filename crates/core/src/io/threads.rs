//! Work spread over the machine's cores: items taken one at a time by each
//! worker, results kept in item order; two jobs side by side.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads can run at once here (1 when it cannot be told).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `a()` and `b()` computed side by side; a panic in either is re-raised.
pub fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let first = s.spawn(a);
        let second = b();
        let first = first
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (first, second)
    })
}

/// `f(0), f(1), .., f(n - 1)` computed on up to one thread per core.
pub fn map_in_order<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let threads = cores().min(n);
    if threads <= 1 {
        return (0..n).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= n {
                            return mine;
                        }
                        mine.push((k, f(k)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_unstable_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_item_order() {
        assert_eq!(
            super::map_in_order(100, |k| k * 2),
            (0..100).map(|k| k * 2).collect::<Vec<_>>()
        );
        assert!(super::map_in_order(0, |k| k).is_empty());
    }

    #[test]
    fn join_returns_both_results() {
        assert_eq!(super::join(|| 1 + 1, || "two"), (2, "two"));
    }
}
