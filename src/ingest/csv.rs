//! CSV lists (to be written).
