//! Freetext (to be written).
