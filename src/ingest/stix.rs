//! STIX 2.1 bundles (to be written).
