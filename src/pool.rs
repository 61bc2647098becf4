//! The one way mpatch runs work on several threads: scoped workers that
//! pull tasks until done, stop at the first error, and share one cap.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The most threads a run works with (`--threads`, and the cores a scan
/// splits across): the SIGBUS guard's table has room for this many.
pub const MAX_THREADS: usize = 64;

/// A flag every worker checks: set by the first failure, or by anyone.
#[derive(Debug, Default)]
pub struct Stop(AtomicBool);

impl Stop {
    /// Whether work should stop.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Asks every worker to stop after its task.
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs `work` on `threads` workers (at most [`MAX_THREADS`]; the calling
/// thread is one of them). Each worker calls `work` once, which pulls its
/// tasks until none is left or `stop` is set. The first error sets `stop`
/// and is returned once every worker has finished.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let (next, sum) = (AtomicUsize::new(0), AtomicUsize::new(0));
/// let done = mpatch::pool::run(2, |stop| {
///     while !stop.is_set() {
///         let task = next.fetch_add(1, Ordering::SeqCst);
///         if task >= 10 {
///             break;
///         }
///         sum.fetch_add(task, Ordering::SeqCst);
///     }
///     Ok::<(), String>(())
/// });
/// assert_eq!((done, sum.into_inner()), (Ok(()), 45));
/// ```
pub fn run<E: Send>(threads: usize, work: impl Fn(&Stop) -> Result<(), E> + Sync) -> Result<(), E> {
    let stop = Stop::default();
    let first = Mutex::new(None);
    let worker = || {
        if let Err(error) = work(&stop) {
            stop.set();
            lock(&first).get_or_insert(error);
        }
    };
    let threads = threads.clamp(1, MAX_THREADS);
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(worker);
        }
        worker();
    });
    match unpoison(first.into_inner()) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Locks `mutex`, whose holder may have panicked: what it guards is kept
/// whole by every holder (no update is left half made), so it is used on.
/// The one place mpatch decides what a poisoned lock means.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    unpoison(mutex.lock())
}

/// What a lock (or a wait on it, or its end) gives, poisoned or not: see
/// [`lock`].
pub fn unpoison<T>(result: std::sync::LockResult<T>) -> T {
    result.unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn every_worker_runs_and_the_first_error_stops_the_others() {
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let result = run(3, |stop| {
            while !stop.is_set() {
                let task = next.fetch_add(1, Ordering::SeqCst);
                if task >= 100 {
                    return Ok(());
                }
                if task == 10 {
                    return Err(task);
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        });
        assert_eq!(result, Err(10));
        assert!(done.load(Ordering::SeqCst) < 100);
        assert_eq!(run(2, |_| Ok::<(), ()>(())), Ok(()));
    }
}
