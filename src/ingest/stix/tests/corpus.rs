//! Optional: the shared corpus, skipped when it is absent.

use super::parse;

/// Optional: every STIX file of the shared corpus parses without panicking; prints what each yields.
#[test]
fn corpus_files_parse() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !root.is_dir() {
        eprintln!("corpus absent at {}; skipped", root.display());
        return;
    }
    for dir in [
        "stix21-oasis-examples",
        "stix21-tlp2-markings",
        "stix20-unit42",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let Ok(bytes) = std::fs::read(p) else {
                continue;
            };
            let name = format!(
                "{dir}/{}",
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            match parse(&bytes) {
                Ok(r) => {
                    let attrs: usize = r.events.iter().map(|e| e.attributes.len()).sum();
                    let refs: usize = r.events.iter().map(|e| e.references.len()).sum();
                    let mut types = std::collections::BTreeMap::new();
                    for a in r.events.iter().flat_map(|e| &e.attributes) {
                        *types.entry(a.type_.as_str()).or_insert(0) += 1;
                    }
                    println!(
                        "{name}: {} events, {attrs} attributes, {refs} references {types:?}",
                        r.events.len()
                    );
                    for e in &r.events {
                        let tags: Vec<&str> =
                            e.event.tags.iter().map(|t| t.name.as_str()).collect();
                        let org = e.event.orgc.as_ref().map_or("-", |o| o.name.as_str());
                        println!(
                            "    event {:?} {} org={org} tags={tags:?}",
                            e.event.info, e.event.date
                        );
                    }
                    for w in &r.warnings {
                        println!("    warning: {w}");
                    }
                }
                Err(e) => {
                    assert!(!e.message.is_empty(), "{name}: error without a message");
                    println!("{name}: error: {e}");
                }
            }
        }
    }
}
