//! The analyst workbench: a ratatui TUI over the store, with the sync engine running in the
//! same process.

pub mod command;
pub mod keymap;
pub mod keys;
pub mod theme;
