//! Files and the system: mappings and the SIGBUS guard (the only `unsafe`),
//! safe system calls, targets, the writer, journal files, walks and lists.
//! It uses nothing of mpatch but `error`: no command line, no messages.

// The one module with `unsafe` code: mapping files and the SIGBUS guard.
#[allow(unsafe_code)]
pub mod map;

pub mod journal;
pub mod spill;
pub mod sys;
pub mod target;
pub mod walk;
pub mod writer;

/// Copies `src` over `dst` (as long as it). A change is a few bytes (a
/// word of a log): up to 16 are moved as two overlapping words, without
/// the call into `memcpy` that a copy of unknown length costs.
#[inline(always)]
pub fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    match n {
        8..=16 => {
            let (head, tail) = (word::<8>(src, 0), word::<8>(src, n - 8));
            dst[..8].copy_from_slice(&head);
            dst[n - 8..n].copy_from_slice(&tail);
        }
        4..=7 => {
            let (head, tail) = (word::<4>(src, 0), word::<4>(src, n - 4));
            dst[..4].copy_from_slice(&head);
            dst[n - 4..n].copy_from_slice(&tail);
        }
        _ => dst.copy_from_slice(src),
    }
}

/// Whether `a` and `b` (as long as each other) hold the same bytes: up to
/// 16 as two overlapping words each, as [`copy_short`] copies them,
/// without the call into `bcmp` a comparison of unknown length costs.
#[inline(always)]
pub fn same_short(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        _ => a == b,
    }
}

#[inline(always)]
fn word<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    bytes[at..at + N].try_into().expect("N bytes")
}
