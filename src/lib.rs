pub mod ingest;
pub mod model;
pub mod safe_text;
pub mod store;
// Enabled once the parsers they call have landed:
// pub mod cli;
// pub mod pipeline;
