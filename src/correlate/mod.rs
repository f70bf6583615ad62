//! Correlation: links between values, warninglists, scores.

pub mod rules;
pub mod score;
pub mod warninglist;
