//! Files and the system: mappings and the SIGBUS guard (the only `unsafe`),
//! safe system calls, targets, the writer, journal files, walks and lists.
//! It uses nothing of mpatch but `error`: no command line, no messages.

// The one module with `unsafe` code: mapping files and the SIGBUS guard.
#[allow(unsafe_code)]
pub mod map;

pub mod journal;
pub mod sys;
pub mod target;
pub mod walk;
pub mod writer;
