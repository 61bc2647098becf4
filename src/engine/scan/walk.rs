//! The walk: one thread over a view, left to right, reading only the data
//! of a sparse file; every match goes through the core to the sink.
//!
//! ```
//! use mpatch::scan::{Counter, Driver, Settings};
//! use mpatch::{Matcher, Search};
//! let matcher = Matcher::literal(b"aa").unwrap();
//! // On one thread nothing is split, however large the range.
//! let one = Settings { threads: 1, split_min: 0, split_cold: true, ..Settings::new() };
//! let tally = Search::new(&matcher).settings(one).scan(b"aaaaaaa", &mut Counter).unwrap();
//! // Left to right, each match starting where the last ended.
//! assert_eq!((tally.matches, tally.driver), (3, Driver::Walk));
//! ```

use super::cursor::{Cursor, NoHoles, Step};
use super::{At, Core, Driver, Flow, Plan, Scan, Sink, Tally, View, Wants, Window};
use crate::engine::matcher::{Match, take_upset};
use crate::error::Error;

/// Walks `plan.range` of `view`, showing each selected edit to `sink`.
pub(crate) fn run(
    plan: &Plan,
    view: &dyn View,
    sink: &mut dyn Sink,
    scan: Scan,
) -> Result<Tally, Error> {
    let fault = scan.fault;
    walk(plan, view, sink, scan).map_err(|error| super::or_fault(view, fault, error))
}

fn walk(plan: &Plan, view: &dyn View, sink: &mut dyn Sink, scan: Scan) -> Result<Tally, Error> {
    let (start, end) = plan.range;
    let matcher = plan.matcher;
    let mut core = Core::new(*plan, scan.name, Driver::Walk);
    let look = matcher.look_behind();
    let fault = || match view.faulted() | take_upset() {
        true => Err((scan.fault)()),
        false => Ok(()),
    };
    if plan.selects_none() || end <= start || sink.begin(start..end)? == Flow::Stop {
        let tally = core.finish();
        sink.finish(&tally)?;
        return Ok(tally);
    }
    let mut cursor = cursor(plan, sink, scan.settings.segment);
    let mut no_holes = NoHoles;
    let holes = match scan.holes {
        Some(holes) => holes,
        None => &mut no_holes,
    };
    let at = |frontier: usize, bytes| At {
        frontier,
        settled: frontier.saturating_sub(look),
        window: Window { base: 0, bytes },
    };
    let (mut reported, mut released) = (start, start);
    let mut scanned = end;
    loop {
        let bytes = view.bytes();
        let Some(step) = cursor.next(matcher, &bytes[..end], holes) else {
            break;
        };
        let flow = match step {
            Step::Match(found) => {
                core.found(&bytes[..end], 0, found, &at(found.end, bytes), sink)?
            }
            Step::Run {
                start: from,
                len,
                count,
                pattern,
                hole,
            } => {
                let found = Match {
                    start: from,
                    end: from + len,
                    pattern,
                };
                let frontier = from + len * count as usize;
                let zeros;
                let old = match hole {
                    true => {
                        zeros = vec![0; len];
                        &zeros[..]
                    }
                    false => &bytes[from..from + len],
                };
                core.run(found, count, old, &at(frontier, bytes), sink)?
            }
            Step::Scanned(upto) => {
                scan.meter.add((upto - reported) as u64);
                reported = upto;
                fault()?;
                let here = at(upto, bytes);
                let flow = sink.progress(&here)?;
                // Pages no one reads again are given back, a segment at a time.
                let needed = here.settled.min(sink.needs_from());
                if needed >= released.saturating_add(scan.settings.segment) {
                    view.release(released..needed);
                    released = needed;
                }
                flow
            }
        };
        if flow == Flow::Stop {
            scanned = step.end();
            break;
        }
    }
    fault()?;
    // The end: every window still to show is shown, every edit written.
    sink.progress(&At {
        frontier: usize::MAX,
        settled: usize::MAX,
        window: Window {
            base: 0,
            bytes: view.bytes(),
        },
    })?;
    core.tally.scanned = (scanned.min(end) - start) as u64;
    let tally = core.finish();
    sink.finish(&tally)?;
    fault()?;
    Ok(tally)
}

/// The cursor of a walk of `plan` for `sink`: runs of matches given at
/// once where every match is selected and made the same.
fn cursor(plan: &Plan, sink: &dyn Sink, segment: usize) -> Cursor {
    let (start, end) = plan.range;
    let mut cursor = Cursor::new(start, end, segment);
    // Matches only counted, every one selected: zeros inside a hole are
    // counted by arithmetic (a 1 TiB hole in one step).
    if sink.wants() == Wants::Count && Core::selects_all(plan) {
        cursor.count_runs();
    }
    // One literal replaced by the same bytes each time, every match
    // selected, for sinks that take edits one file stretch at a time:
    // back-to-back matches come as runs, as in the split.
    if sink.wants() != Wants::Ordered && Core::selects_all(plan) && plan.gives_runs() {
        cursor.find_runs();
    }
    cursor
}
