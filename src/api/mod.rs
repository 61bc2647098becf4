//! The library's operations on bytes and files: searching and replacing
//! (with the scan's settings), the same code the command line runs.

pub mod journal;
pub mod patterns;
pub mod poke;
pub mod replace;
pub mod search;
pub mod sinks;
pub mod undo;
pub mod walk;
