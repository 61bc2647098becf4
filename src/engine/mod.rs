//! The engine: patterns, the matcher, the one scan that turns matches into
//! edits (on a mapped file, split across cores, or fed by a stream) and the
//! patch format. Pure logic on bytes, plus the pass over a file's view; it
//! may use `io` (views, targets, byte sinks) and `error`, nothing above.

pub mod encoding;
pub mod formats;
pub mod matcher;
pub mod offset;
pub mod pass;
pub mod patchfile;
pub mod pattern;
pub mod signatures;
pub mod stream;
pub mod template;

#[cfg(test)]
mod differential;
