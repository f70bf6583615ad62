fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let mut s = threatdeck::store::Store::open(&dir).unwrap();
    let before = std::fs::metadata(s.path()).unwrap().len();
    let t = std::time::Instant::now();
    s.compact().unwrap();
    let after = std::fs::metadata(s.path()).unwrap().len();
    println!("{before} -> {after} in {:?}", t.elapsed());
}
