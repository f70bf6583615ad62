//! MISP event JSON (to be written).
