//! MISP feed directories (to be written).
