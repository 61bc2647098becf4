//! Standard output shared by the threads that work on many files at once:
//! each file's output is written whole, never interleaved, in order if asked.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::output::Output;

/// A file's output is held until it reaches this size; then the file waits
/// for its turn and writes straight through, so memory stays bounded
/// however much one file prints.
const HOLD: usize = 64 << 10;
/// In order, finished files wait for an earlier one; past this many bytes
/// waiting, no new file is started until they are printed.
const WAITING_MAX: usize = 8 << 20;

/// The run's stdout, lent to its threads. Files are numbered in the order
/// they were taken; `ordered` prints them in that order.
pub struct Shared<'o> {
    state: Mutex<State<'o>>,
    turn: Condvar,
    ordered: bool,
    closed: AtomicBool,
}

struct State<'o> {
    out: &'o mut Output,
    /// The file whose output is printed next, when in order.
    next: u64,
    /// The file writing straight through, whose turn it is.
    streaming: Option<u64>,
    /// Files finished but not yet printed: their output and error line.
    done: BTreeMap<u64, (Vec<u8>, Option<String>)>,
    /// The bytes in `done`.
    done_bytes: usize,
    /// Threads waiting: for their turn to write straight through, or for
    /// room to start another file.
    waiting: usize,
}

impl<'o> Shared<'o> {
    pub fn new(out: &'o mut Output, ordered: bool) -> Shared<'o> {
        let closed = AtomicBool::new(!out.is_open());
        Shared {
            state: Mutex::new(State {
                out,
                next: 0,
                streaming: None,
                done: BTreeMap::new(),
                done_bytes: 0,
                waiting: 0,
            }),
            turn: Condvar::new(),
            ordered,
            closed,
        }
    }

    /// Whether what is printed still goes somewhere.
    pub fn is_open(&self) -> bool {
        !self.closed.load(Ordering::SeqCst)
    }

    /// The output of file number `seq`.
    pub fn part(&self, seq: u64) -> Part<'_, 'o> {
        Part {
            shared: self,
            seq,
            held: Vec::new(),
            streaming: false,
            finished: false,
        }
    }

    /// Waits until the output held for files not yet printed leaves room
    /// for another file's. The file printed next is already being worked
    /// on, so the wait ends.
    pub fn room(&self) {
        let mut state = self.lock();
        while state.done_bytes > WAITING_MAX {
            state = self.wait(state);
        }
    }

    fn wait<'g>(&self, mut state: MutexGuard<'g, State<'o>>) -> MutexGuard<'g, State<'o>> {
        state.waiting += 1;
        let mut state = crate::pool::unpoison(self.turn.wait(state));
        state.waiting -= 1;
        state
    }

    fn lock(&self) -> MutexGuard<'_, State<'o>> {
        // A thread that panicked holding the lock left whole writes behind.
        crate::pool::lock(&self.state)
    }

    fn may_stream(&self, state: &State, seq: u64) -> bool {
        state.streaming.is_none() && (!self.ordered || state.next == seq)
    }

    /// Prints the finished files whose turn has come.
    fn print_done(&self, state: &mut State) {
        while state.streaming.is_none() {
            let first = match self.ordered {
                true => state
                    .done
                    .remove(&state.next)
                    .map(|done| (state.next, done)),
                false => state.done.pop_first(),
            };
            let Some((seq, (bytes, error))) = first else {
                break;
            };
            state.done_bytes -= bytes.len();
            state.out.bytes(&bytes);
            report(state, error);
            state.next = seq + 1;
        }
        self.note(state);
    }

    fn note(&self, state: &State) {
        if !state.out.is_open() {
            self.closed.store(true, Ordering::SeqCst);
        }
    }
}

/// The error line of a file, after its output: stdout is flushed first so
/// that the two read in order on a terminal.
fn report(state: &mut State, error: Option<String>) {
    if let Some(error) = error {
        state.out.flush();
        crate::say!("{error}");
    }
}

/// One file's output: held until the file is done or, once large, passed
/// on in its turn, a chunk at a time.
pub struct Part<'s, 'o> {
    shared: &'s Shared<'o>,
    seq: u64,
    held: Vec<u8>,
    streaming: bool,
    finished: bool,
}

impl Part<'_, '_> {
    /// Ends the file's output, with its error line if it failed; the file
    /// is printed when its turn comes.
    pub fn finish(mut self, error: Option<String>) {
        self.end(error);
    }

    fn end(&mut self, error: Option<String>) {
        self.finished = true;
        let shared = self.shared;
        let held = std::mem::take(&mut self.held);
        let mut state = shared.lock();
        if self.streaming {
            state.out.bytes(&held);
            report(&mut state, error);
            state.streaming = None;
            state.next = self.seq + 1;
        } else {
            state.done_bytes += held.len();
            state.done.insert(self.seq, (held, error));
        }
        shared.print_done(&mut state);
        // Waking costs a system call; most runs never have a waiter.
        let waiting = state.waiting > 0;
        drop(state);
        if waiting {
            shared.turn.notify_all();
        }
    }

    /// Writes what is held, after waiting for this file's turn.
    fn pass_on(&mut self) -> io::Result<()> {
        let shared = self.shared;
        let mut state = shared.lock();
        while !self.streaming && !shared.may_stream(&state, self.seq) {
            state = shared.wait(state);
        }
        self.streaming = true;
        state.streaming = Some(self.seq);
        state.out.bytes(&self.held);
        self.held.clear();
        shared.note(&state);
        match state.out.is_open() {
            true => Ok(()),
            false => Err(closed()),
        }
    }
}

/// A file's output ends even if its thread panicked, so the files after it
/// still get their turn instead of waiting for ever.
impl Drop for Part<'_, '_> {
    fn drop(&mut self) {
        if !self.finished {
            self.end(None);
        }
    }
}

fn closed() -> io::Error {
    io::ErrorKind::BrokenPipe.into()
}

impl Write for Part<'_, '_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if !self.shared.is_open() {
            return Err(closed());
        }
        self.held.extend_from_slice(bytes);
        if self.held.len() >= HOLD {
            self.pass_on()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_waits_for_its_turn_in_order() {
        let mut out = Output::stdout();
        let shared = Shared::new(&mut out, true);
        shared.part(1).finish(None);
        {
            let state = shared.lock();
            assert_eq!(state.next, 0);
            assert_eq!(state.done.len(), 1, "file 1 waits for file 0");
        }
        shared.part(0).finish(None);
        let state = shared.lock();
        assert_eq!((state.next, state.done.len()), (2, 0));
    }
}
