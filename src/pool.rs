//! The one way mpatch runs work on several threads: scoped workers that
//! pull tasks until done, stop at the first error, and share one cap.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

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

/// The items of an iterator that a thread of its own takes ahead of the
/// workers: see [`ahead`].
pub struct Ahead<T> {
    state: Mutex<Queue<T>>,
    /// Signalled when an item comes or the items end (workers wait).
    came: Condvar,
    /// Signalled when an item is taken or the workers are done (the
    /// taking thread waits for room).
    left: Condvar,
}

struct Queue<T> {
    items: VecDeque<T>,
    /// No more items will come.
    ended: bool,
    /// The workers are done: take no more.
    done: bool,
    /// Workers waiting for an item (only then is one woken: a thread
    /// switch for each item costs more than a walk's step).
    waiting: usize,
    /// The taking thread waits for room: it is woken once half the room
    /// is free, not for each item taken.
    full: bool,
    room: usize,
}

impl<T> Ahead<T> {
    /// The next item, waiting for it; `None` once there is none left.
    pub fn next(&self) -> Option<T> {
        let mut queue = lock(&self.state);
        loop {
            if let Some(item) = queue.items.pop_front() {
                if queue.full && queue.items.len() <= queue.room / 2 {
                    queue.full = false;
                    self.left.notify_one();
                }
                return Some(item);
            }
            if queue.ended {
                return None;
            }
            queue.waiting += 1;
            queue = unpoison(self.came.wait(queue));
            queue.waiting -= 1;
        }
    }

    /// Adds `item`, waiting for room; `false` once the workers are done.
    fn give(&self, item: T) -> bool {
        let mut queue = lock(&self.state);
        while queue.items.len() >= queue.room && !queue.done {
            queue.full = true;
            queue = unpoison(self.left.wait(queue));
        }
        if queue.done {
            return false;
        }
        queue.items.push_back(item);
        if queue.waiting > 0 {
            self.came.notify_one();
        }
        true
    }

    /// Marks the items ended (by the taking thread) or the workers done.
    fn end(&self, workers_done: bool) {
        let mut queue = lock(&self.state);
        match workers_done {
            true => queue.done = true,
            false => queue.ended = true,
        }
        self.came.notify_all();
        self.left.notify_all();
    }
}

/// Runs `work` while a thread of its own takes `items`, at most `room`
/// ahead: a walk of directories goes on beside the workers instead of
/// one worker walking while the others wait for it. The thread stops once
/// `work` returns (what it had taken is dropped).
///
/// ```
/// let sum = mpatch::pool::ahead(1..=10, 4, |items| {
///     let mut sum = 0;
///     while let Some(n) = items.next() {
///         sum += n;
///     }
///     sum
/// });
/// assert_eq!(sum, 55);
/// ```
pub fn ahead<T: Send, R>(
    items: impl Iterator<Item = T> + Send,
    room: usize,
    work: impl FnOnce(&Ahead<T>) -> R,
) -> R {
    let ahead = Ahead {
        state: Mutex::new(Queue {
            items: VecDeque::new(),
            ended: false,
            done: false,
            waiting: 0,
            full: false,
            room: room.max(2),
        }),
        came: Condvar::new(),
        left: Condvar::new(),
    };
    std::thread::scope(|scope| {
        let taking = &ahead;
        scope.spawn(move || {
            for item in items {
                if !taking.give(item) {
                    break;
                }
            }
            taking.end(false);
        });
        let done = work(&ahead);
        // Before the taking thread is joined: one waiting for room ends.
        ahead.end(true);
        done
    })
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
