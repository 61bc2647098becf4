//! One pass over a mapped file: walk the scanner's matches, select them,
//! write replacements, report each. Find, replace, its dry run, `--expect`
//! and the journal all run through here; only the mapping kind differs.

use std::io;

use crate::map::{self, MapKind, Mapping};
use crate::progress::Progress;
use crate::scan::{Scanner, Split, Step};
use crate::target::Target;

/// Walks and settles the file this many bytes at a time.
pub const SEGMENT: usize = 8 << 20;
/// Below this, one thread is faster than starting a second.
const SPLIT_MIN: usize = 64 << 20;

/// What a pass looks for and does.
pub struct Plan<'a> {
    pub scanner: &'a Scanner,
    /// Written over each selected match; `None` only reads.
    pub replacement: Option<&'a [u8]>,
    /// Matches must lie entirely inside `[start, end)`.
    pub range: (usize, usize),
    /// Only the Nth match (1-based).
    pub nth: Option<u64>,
    /// Stop after this many selected matches.
    pub max: Option<u64>,
    /// Bytes either side of a match that a report shows.
    pub context: usize,
}

/// A selected match, as reported: `before` is the window
/// `[offset - lead, offset + len + trail)` as it was before the write, and
/// `after` the same window after it (replace only).
pub struct Hit<'a> {
    pub offset: usize,
    pub lead: usize,
    pub len: usize,
    pub before: &'a [u8],
    pub after: Option<&'a [u8]>,
}

impl Hit<'_> {
    pub fn old(&self) -> &[u8] {
        &self.before[self.lead..self.lead + self.len]
    }

    pub fn replaced(&self) -> Option<&[u8]> {
        self.after
            .map(|after| &after[self.lead..self.lead + self.len])
    }
}

/// What a pass did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub matches: u64,
    pub scanned: u64,
}

pub type OnHit<'a> = &'a mut dyn FnMut(&Hit) -> anyhow::Result<()>;

/// Runs `plan` over `mapping` of `target`. With no `on_hit` and no limits,
/// large ranges are split across threads.
pub fn run(
    target: &Target,
    mapping: &mut Mapping,
    plan: &Plan,
    on_hit: Option<OnHit>,
    progress: &Progress,
) -> anyhow::Result<Tally> {
    let (start, end) = plan.range;
    if plan.max == Some(0) || end < start + plan.scanner.pattern_len() {
        return Ok(Tally::default());
    }
    let settler = mapping.settler();
    let unlimited = plan.nth.is_none() && plan.max.is_none();
    // Split only patterns much shorter than a segment, so that a match
    // crossing a boundary touches just the two segments around it.
    let splittable = plan.scanner.can_split() && plan.scanner.pattern_len() <= SEGMENT / 2;
    if on_hit.is_none() && unlimited && splittable && end - start >= SPLIT_MIN {
        // Copy-on-write faults flush the TLB of every CPU running one of our
        // threads; a dry run's writes are cheaper from one thread.
        let threads = match (mapping.kind(), plan.replacement) {
            (MapKind::Private, Some(_)) => 1,
            _ => std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(8),
        };
        let split = Split {
            threads,
            segment: SEGMENT,
        };
        let done = |offset: usize, len: usize, _matches: u64| {
            progress.add(len as u64);
            settler.settle(offset, len);
        };
        let matches = match plan.replacement {
            None => plan
                .scanner
                .count_split(mapping.scan_bytes(), start..end, split, &done),
            Some(with) => {
                let new_patcher = || {
                    let mut writer = PageWriter::new(with, target);
                    move |region: &mut [u8], _: usize| writer.write(region)
                };
                plan.scanner
                    .patch_split(
                        mapping.views().map_err(|e| target.write_failure(&e))?,
                        start..end,
                        split,
                        &new_patcher,
                        &done,
                    )
                    .map_err(|e| target.write_failure(&e))?
            }
        };
        return Ok(Tally {
            matches,
            scanned: (end - start) as u64,
        });
    }
    walk(target, mapping, plan, on_hit, progress, settler)
}

fn walk(
    target: &Target,
    mapping: &mut Mapping,
    plan: &Plan,
    mut on_hit: Option<OnHit>,
    progress: &Progress,
    settler: map::Settler,
) -> anyhow::Result<Tally> {
    let (start, end) = plan.range;
    let m = plan.scanner.pattern_len();
    let file_len = mapping.bytes().len();
    let mut cursor = plan.scanner.cursor(start, end, SEGMENT);
    let mut writer = plan.replacement.map(|with| PageWriter::new(with, target));
    let mut before = Vec::new();
    let mut tally = Tally::default();
    let mut seen = 0u64;
    // Bytes behind the scan stay unsettled for as long as a report may
    // still show them as context.
    let keep = plan.context + m;
    let mut settled = start;
    while let Some(step) = cursor.next(plan.scanner, mapping.scan_bytes()) {
        let at = match step {
            Step::Scanned(upto) => {
                progress.set((upto - start) as u64);
                tally.scanned = (upto - start) as u64;
                let settle_to = upto.saturating_sub(keep).max(settled);
                settler.settle(settled, settle_to - settled);
                settled = settle_to;
                continue;
            }
            Step::Match(at) => at,
        };
        seen += 1;
        if plan.nth.is_some_and(|nth| seen < nth) {
            continue;
        }
        tally.matches += 1;
        let lead = plan.context.min(at);
        let window = at - lead..(at + m + plan.context).min(file_len);
        if let Some(writer) = writer.as_mut() {
            if on_hit.is_some() {
                before.clear();
                before.extend_from_slice(&mapping.bytes()[window.clone()]);
            }
            let hay = mapping.bytes_mut().map_err(|e| target.write_failure(&e))?;
            writer
                .write(&mut hay[at..at + m])
                .map_err(|e| target.write_failure(&e))?;
        }
        if let Some(report) = on_hit.as_mut() {
            let bytes = mapping.bytes();
            let hit = match writer {
                Some(_) => Hit {
                    offset: at,
                    lead,
                    len: m,
                    before: &before,
                    after: Some(&bytes[window]),
                },
                None => Hit {
                    offset: at,
                    lead,
                    len: m,
                    before: &bytes[window],
                    after: None,
                },
            };
            report(&hit)?;
        }
        if plan.nth.is_some() || plan.max == Some(tally.matches) {
            tally.scanned = (at + m - start) as u64;
            break;
        }
    }
    Ok(tally)
}

/// Writes a replacement into mapped bytes. Where a write may need new
/// blocks, their pages are first made writable (once per page), so that a
/// full disk is an error here rather than a SIGBUS in the middle of a write.
pub struct PageWriter<'a> {
    with: &'a [u8],
    prefault: bool,
    ready_until: usize,
}

impl<'a> PageWriter<'a> {
    pub fn new(with: &'a [u8], target: &Target) -> PageWriter<'a> {
        PageWriter {
            with,
            prefault: target.writes_may_allocate,
            ready_until: 0,
        }
    }

    pub fn write(&mut self, region: &mut [u8]) -> io::Result<()> {
        let region_end = region.as_ptr() as usize + region.len();
        if self.prefault && region_end > self.ready_until {
            map::prefault_write(region)?;
            self.ready_until = region_end.next_multiple_of(map::page_size());
        }
        region.copy_from_slice(self.with);
        Ok(())
    }
}
