//! Correlation: links between values, warninglists, scores.

pub mod annotate;
pub mod pivot;
pub mod rules;
pub mod score;
pub mod warninglist;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_index;
