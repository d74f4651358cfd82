//! Work spread over the machine's cores: items taken one at a time by each
//! worker, results kept in item order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f(0), f(1), .., f(n - 1)` computed on up to one thread per core.
pub fn map_in_order<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(n);
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
}
