//! The one way mpatch runs work on several threads: scoped workers that
//! pull tasks until done, stop at the first error, and share one cap.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// The most threads a run works with (`--threads`, and the cores a scan
/// splits across): the SIGBUS guard's table has room for this many.
pub const MAX_THREADS: usize = 64;

/// A flag every worker checks: set by the first failure, or by anyone.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// // One worker fails: the pool sets the flag, which ends the other's wait.
/// let failed = AtomicBool::new(false);
/// let result = mpatch::pool::run(2, |stop| {
///     if !failed.swap(true, Ordering::SeqCst) {
///         return Err("disk full");
///     }
///     while !stop.is_set() {
///         std::thread::yield_now();
///     }
///     Ok(())
/// });
/// assert_eq!(result, Err("disk full"));
/// ```
#[derive(Debug, Default)]
pub struct Stop(AtomicBool);

impl Stop {
    /// Whether work should stop.
    ///
    /// ```
    /// let stop = mpatch::pool::Stop::default();
    /// assert!(!stop.is_set(), "a new flag lets work go on");
    /// stop.set();
    /// assert!(stop.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Asks every worker to stop after its task.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// // Two workers look for task 7; the one that takes it stops the other.
    /// let next = AtomicUsize::new(0);
    /// mpatch::pool::run(2, |stop| {
    ///     while !stop.is_set() {
    ///         if next.fetch_add(1, Ordering::SeqCst) == 7 {
    ///             stop.set();
    ///         }
    ///     }
    ///     Ok::<(), ()>(())
    /// })
    /// .unwrap();
    /// // Each worker took at most one task after it was found.
    /// assert!(next.into_inner() <= 9);
    /// ```
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
    let cpus = (threads > 1).then(Cpus::now).flatten();
    std::thread::scope(|scope| {
        for k in 1..threads {
            let (cpus, worker) = (&cpus, &worker);
            scope.spawn(move || {
                if let Some(cpus) = cpus {
                    cpus.move_to(k);
                }
                worker()
            });
        }
        worker();
    });
    match unpoison(first.into_inner()) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// The CPUs this process may run on, and those of them its calling thread
/// is not on, where its workers start.
struct Cpus {
    allowed: rustix::thread::CpuSet,
    others: Vec<usize>,
}

impl Cpus {
    /// `None` if the process may not read its CPUs.
    fn now() -> Option<Cpus> {
        use rustix::thread::{CpuSet, sched_getaffinity, sched_getcpu};
        let allowed = sched_getaffinity(None).ok()?;
        let caller = sched_getcpu();
        let others = (0..CpuSet::MAX_CPU)
            .filter(|&cpu| cpu != caller && allowed.is_set(cpu))
            .collect();
        Some(Cpus { allowed, others })
    }

    /// Moves the calling worker, the `k`th, to a CPU of its own (another
    /// than the caller's, in turn), then lets it run anywhere allowed
    /// again. Right after a copy of the file ran on the other core, the
    /// kernel started the worker beside its parent, and the two took
    /// turns on one core for 16 ms while the other idled (`perf sched
    /// timehist`), a third of a 1 GiB count's 0.04 s. Nothing if the
    /// process may not set its CPUs.
    fn move_to(&self, k: usize) {
        use rustix::thread::{CpuSet, sched_setaffinity};
        if self.others.is_empty() {
            return;
        }
        let mut one = CpuSet::new();
        one.set(self.others[(k - 1) % self.others.len()]);
        if sched_setaffinity(None, &one).is_ok() {
            let _ = sched_setaffinity(None, &self.allowed);
        }
    }
}

/// The items of an iterator (a walk of directories, a list of names)
/// shared by workers that take them in order, numbered. The worker that
/// finds few left takes the next batch from the iterator while the others
/// go on with those queued, as ripgrep's workers walk between searches:
/// nobody waits for a walk while there is work, and no thread only walks.
///
/// ```
/// use mpatch::pool::{Feed, lock, run};
/// use std::sync::Mutex;
/// let feed = Feed::new(["b.log", "a.log", "c.log"].into_iter(), 8);
/// let taken = Mutex::new(Vec::new());
/// run(2, |_| {
///     while let Some(numbered) = feed.next() {
///         lock(&taken).push(numbered);
///     }
///     Ok::<(), ()>(())
/// })
/// .unwrap();
/// // Whichever worker took each, its number puts it back in order.
/// let mut taken = taken.into_inner().unwrap();
/// taken.sort();
/// assert_eq!(taken, [(0, "b.log"), (1, "a.log"), (2, "c.log")]);
/// ```
pub struct Feed<I: Iterator> {
    /// Taken from by one worker at a time (the one whose turn it is to
    /// walk: see `Queue::walking`).
    items: Mutex<I>,
    queue: Mutex<Queue<I::Item>>,
    /// Told each time the walking worker hands over items, or stops.
    ready: Condvar,
    batch: usize,
}

struct Queue<T> {
    items: VecDeque<T>,
    /// Items handed out so far: the next one's number.
    taken: u64,
    /// The iterator has no more.
    ended: bool,
    /// A worker is taking the next batch from the iterator.
    walking: bool,
}

impl<T> Queue<T> {
    fn pop(&mut self) -> Option<(u64, T)> {
        let item = self.items.pop_front()?;
        self.taken += 1;
        Some((self.taken - 1, item))
    }
}

/// The walking worker hands over what it took this many at a time, so a
/// worker that ran out waits for a few items, not for the whole batch.
const HAND_OVER: usize = 8;

impl<I: Iterator> Feed<I> {
    /// The items of `items`, taken `batch` at a time (1: each as it comes,
    /// for a list read from a pipe that may be slow to give the next).
    ///
    /// ```
    /// let feed = mpatch::pool::Feed::new("a b c".split(' '), 1);
    /// assert_eq!(feed.next(), Some((0, "a")));
    /// assert_eq!(feed.next(), Some((1, "b")));
    /// assert_eq!(feed.next(), Some((2, "c")));
    /// assert_eq!(feed.next(), None);
    /// ```
    pub fn new(items: I, batch: usize) -> Feed<I> {
        Feed {
            items: Mutex::new(items),
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                taken: 0,
                ended: false,
                walking: false,
            }),
            ready: Condvar::new(),
            batch: batch.max(1),
        }
    }

    /// The next item and its number (items are numbered in the iterator's
    /// order); `None` once there are none left.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// let feed = mpatch::pool::Feed::new(1..=100u64, 8);
    /// let sum = AtomicU64::new(0);
    /// mpatch::pool::run(2, |_| {
    ///     while let Some((number, n)) = feed.next() {
    ///         assert_eq!(number + 1, n, "numbered in the iterator's order");
    ///         sum.fetch_add(n, Ordering::Relaxed);
    ///     }
    ///     Ok::<(), ()>(())
    /// })
    /// .unwrap();
    /// assert_eq!(sum.into_inner(), 5050);
    /// ```
    pub fn next(&self) -> Option<(u64, I::Item)> {
        // Refill when no more than this many are left.
        let low = self.batch / 4;
        let mut queue = lock(&self.queue);
        loop {
            if queue.items.len() > low || queue.ended {
                return queue.pop();
            }
            if !queue.walking {
                queue.walking = true;
                drop(queue);
                self.walk();
                queue = lock(&self.queue);
                continue;
            }
            // Another worker walks: go on with one queued, or wait for
            // the next it hands over.
            if let Some(item) = queue.pop() {
                return Some(item);
            }
            queue = unpoison(self.ready.wait(queue));
        }
    }

    /// Takes the next batch from the iterator, handing it over to the
    /// queue [`HAND_OVER`] items at a time.
    fn walk(&self) {
        // Whatever happens (a panic in the iterator included), the walk
        // ends and the waiting workers are told: none waits for ever.
        struct Done<'f, T>(&'f Mutex<Queue<T>>, &'f Condvar, bool);
        impl<T> Drop for Done<'_, T> {
            fn drop(&mut self) {
                let mut queue = lock(self.0);
                queue.walking = false;
                queue.ended |= self.2 || std::thread::panicking();
                drop(queue);
                self.1.notify_all();
            }
        }
        let mut done = Done(&self.queue, &self.ready, false);
        let mut items = lock(&self.items);
        let mut left = self.batch;
        while left > 0 {
            let want = HAND_OVER.min(left);
            let taken: Vec<I::Item> = items.by_ref().take(want).collect();
            left -= want;
            done.2 = taken.len() < want;
            lock(&self.queue).items.extend(taken);
            if done.2 {
                break;
            }
            self.ready.notify_all();
        }
    }
}

/// Locks `mutex`, whose holder may have panicked: what it guards is kept
/// whole by every holder (no update is left half made), so it is used on.
/// The one place mpatch decides what a poisoned lock means.
///
/// ```
/// use std::sync::Mutex;
/// let count = Mutex::new(0);
/// let _ = std::panic::catch_unwind(|| {
///     let _held = count.lock().unwrap();
///     panic!("a worker fails while it holds the lock");
/// });
/// // `Mutex::lock` now fails for ever; this lock is used on.
/// assert!(count.lock().is_err());
/// *mpatch::pool::lock(&count) += 1;
/// assert_eq!(*mpatch::pool::lock(&count), 1);
/// ```
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    unpoison(mutex.lock())
}

/// What a lock (or a wait on it, or its end) gives, poisoned or not: see
/// [`lock`].
///
/// ```
/// use std::sync::Mutex;
/// let names = Mutex::new(vec!["a.log"]);
/// let _ = std::panic::catch_unwind(|| {
///     let mut held = names.lock().unwrap();
///     held.push("b.log");
///     panic!("a worker fails holding the lock, its update made whole");
/// });
/// // The end of a poisoned lock: what it guards, all the same.
/// assert_eq!(mpatch::pool::unpoison(names.into_inner()), ["a.log", "b.log"]);
/// ```
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

    /// The CPUs of a set, in order.
    fn cpus(set: rustix::thread::CpuSet) -> Vec<usize> {
        (0..rustix::thread::CpuSet::MAX_CPU)
            .filter(|&cpu| set.is_set(cpu))
            .collect()
    }

    #[test]
    fn each_worker_is_left_free_to_run_on_every_allowed_cpu() {
        // Workers are moved to a CPU of their own as they start; none may
        // stay pinned there.
        let allowed = cpus(rustix::thread::sched_getaffinity(None).unwrap());
        let seen = Mutex::new(Vec::new());
        run(4, |_| {
            let now = cpus(rustix::thread::sched_getaffinity(None).unwrap());
            lock(&seen).push(now);
            Ok::<(), ()>(())
        })
        .unwrap();
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 4);
        assert!(
            seen.iter().all(|now| *now == allowed),
            "{seen:?} against {allowed:?}"
        );
    }

    #[test]
    fn workers_keep_to_the_cpus_the_process_is_held_to() {
        // As under `taskset -c N`: a thread held to one CPU starts workers
        // that stay on it (none is moved to another, nor let loose).
        use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};
        let first = cpus(sched_getaffinity(None).unwrap())[0];
        let seen = std::thread::spawn(move || {
            let mut one = CpuSet::new();
            one.set(first);
            sched_setaffinity(None, &one).unwrap();
            let seen = Mutex::new(Vec::new());
            run(3, |_| {
                lock(&seen).push(cpus(sched_getaffinity(None).unwrap()));
                Ok::<(), ()>(())
            })
            .unwrap();
            seen.into_inner().unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(seen, vec![vec![first]; 3]);
    }

    #[test]
    fn a_walk_that_panics_leaves_no_worker_waiting() {
        // Items come slowly, so the other worker waits for the walking one
        // when the walk panics; without the walk's end told, it never
        // returns and neither does this test.
        let items = (0..1000u32).inspect(|&n| {
            std::thread::sleep(std::time::Duration::from_micros(200));
            assert!(n != 40, "the walk fails here");
        });
        let (told, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let feed = Feed::new(items, 16);
            let seen = AtomicUsize::new(0);
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run(2, |_| {
                    while feed.next().is_some() {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok::<(), ()>(())
                })
            }));
            let _ = told.send((result.is_err(), seen.into_inner()));
        });
        let (panicked, seen) = heard
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("a worker still waits for the walk that panicked");
        assert!(panicked, "the panic reaches the caller");
        assert!(seen <= 40);
    }

    #[test]
    fn every_item_comes_once_in_order_whatever_the_batch() {
        for (batch, threads) in [(1, 2), (3, 3), (8, 2), (64, 4)] {
            let feed = Feed::new(0..1000u32, batch);
            let got = Mutex::new(Vec::new());
            run(threads, |_| {
                while let Some((number, n)) = feed.next() {
                    assert_eq!(number, u64::from(n));
                    lock(&got).push(n);
                }
                Ok::<(), ()>(())
            })
            .unwrap();
            let mut got = got.into_inner().unwrap();
            got.sort_unstable();
            assert_eq!(got, (0..1000).collect::<Vec<_>>(), "batch {batch}");
        }
    }
}
