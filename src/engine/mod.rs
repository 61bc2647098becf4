//! The engine: patterns, the matcher, and the one scan that turns matches
//! into edits (walked, split across cores, or fed by a stream); pure logic on
//! bytes and views. It may use `io` (views, targets) and `error`, nothing
//! above, and never a writer: sinks consume what it makes.

pub mod encoding;
pub mod formats;
pub mod matcher;
pub mod offset;
pub mod patchfile;
pub mod pattern;
pub mod scan;
pub mod signatures;
pub mod template;
