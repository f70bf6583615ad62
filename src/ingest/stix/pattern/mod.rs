//! STIX 2.x patterning (STANDARDS.md §1.3): a tokenizer and a recursive-descent parser for the
//! whole grammar, so that a simple shape is recognised as simple and everything else is known
//! to be something else (and kept verbatim by the caller).

mod lexer;

use lexer::{Tok, tokenize};

/// Longer patterns are not parsed (the caller keeps them verbatim).
pub const MAX_PATTERN_LEN: usize = 64 * 1024;
/// Nesting cap for parentheses and brackets: the parser recurses once per level.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    /// Floats, booleans, `t'…'`, `h'…'`, `b'…'` and `IN (…)` lists: never part of a simple shape.
    Other,
}

/// One step of an object path after `<type>:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Prop(String),
    /// `[n]`; `None` for `[*]`.
    Index(Option<u64>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub object_type: String,
    pub steps: Vec<Step>,
}

impl Path {
    /// The property names, list indexes left out: `dst_ref.value`, `hashes.SHA-256`.
    pub fn props(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Prop(p) => Some(p.as_str()),
                Step::Index(_) => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    /// Any other operator: `!=`, `<`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `EXISTS`, ...
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub path: Path,
    pub op: Op,
    pub negated: bool,
    pub value: Literal,
}

impl Comparison {
    /// `path = 'string'` or `path = 123`, not negated.
    pub fn is_simple_eq(&self) -> bool {
        self.op == Op::Eq && !self.negated && !matches!(self.value, Literal::Other)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CompExpr {
    Cmp(Comparison),
    And(Vec<CompExpr>),
    Or(Vec<CompExpr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObsExpr {
    Observation(CompExpr),
    And(Vec<ObsExpr>),
    Or(Vec<ObsExpr>),
    FollowedBy(Vec<ObsExpr>),
    /// `WITHIN`, `REPEATS` or `START … STOP` applied to the inner expression.
    Qualified(Box<ObsExpr>),
}

/// Parse a STIX pattern; the error says what was wrong and where (byte offset).
pub fn parse(pattern: &str) -> Result<ObsExpr, String> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(format!("pattern longer than {MAX_PATTERN_LEN} bytes"));
    }
    let toks = tokenize(pattern)?;
    let mut p = Parser { toks, pos: 0 };
    let e = p.obs_followed_by(0)?;
    match p.toks.get(p.pos) {
        None => Ok(e),
        Some((t, at)) => Err(format!("unexpected {t:?} at {at}")),
    }
}

/// The observations of a simple pattern: groups of `=` comparisons, each group one observation
/// whose comparisons are ANDed (usually one). `None` when the pattern has any other shape:
/// other operators, qualifiers, FOLLOWEDBY, an AND of observations, OR inside AND.
pub fn simple_groups(e: &ObsExpr) -> Option<Vec<Vec<&Comparison>>> {
    match e {
        ObsExpr::Observation(c) => comp_groups(c),
        ObsExpr::Or(items) => {
            let mut out = Vec::new();
            for it in items {
                out.extend(simple_groups(it)?);
            }
            Some(out)
        }
        ObsExpr::And(_) | ObsExpr::FollowedBy(_) | ObsExpr::Qualified(_) => None,
    }
}

fn comp_groups(c: &CompExpr) -> Option<Vec<Vec<&Comparison>>> {
    match c {
        CompExpr::Cmp(cmp) => cmp.is_simple_eq().then(|| vec![vec![cmp]]),
        // OR of comparisons: each one its own observation.
        CompExpr::Or(items) => {
            let mut out = Vec::new();
            for it in items {
                out.extend(comp_groups(it)?);
            }
            Some(out)
        }
        // AND: one group, only of plain comparisons (an OR below an AND is not simple).
        CompExpr::And(items) => {
            let mut group = Vec::new();
            for it in items {
                match it {
                    CompExpr::Cmp(cmp) if cmp.is_simple_eq() => group.push(cmp),
                    CompExpr::And(_) => group.extend(comp_groups(it)?.into_iter().flatten()),
                    _ => return None,
                }
            }
            Some(vec![group])
        }
    }
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn next(&mut self) -> Result<Tok, String> {
        let t = self
            .toks
            .get(self.pos)
            .map(|t| t.0.clone())
            .ok_or("unexpected end of pattern")?;
        self.pos += 1;
        Ok(t)
    }

    fn expect(&mut self, want: &Tok) -> Result<(), String> {
        let at = self.toks.get(self.pos).map(|t| t.1);
        match self.next()? {
            t if &t == want => Ok(()),
            t => Err(format!(
                "expected {want:?}, found {t:?} at {}",
                at.unwrap_or(0)
            )),
        }
    }

    /// Consume keyword `kw` (case-insensitive) if it is next.
    fn keyword(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn obs_followed_by(&mut self, depth: usize) -> Result<ObsExpr, String> {
        let mut items = vec![self.obs_or(depth)?];
        while self.keyword("FOLLOWEDBY") {
            items.push(self.obs_or(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            ObsExpr::FollowedBy(items)
        })
    }

    fn obs_or(&mut self, depth: usize) -> Result<ObsExpr, String> {
        let mut items = vec![self.obs_and(depth)?];
        while self.keyword("OR") {
            items.push(self.obs_and(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            ObsExpr::Or(items)
        })
    }

    fn obs_and(&mut self, depth: usize) -> Result<ObsExpr, String> {
        let mut items = vec![self.obs_qualified(depth)?];
        while self.keyword("AND") {
            items.push(self.obs_qualified(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            ObsExpr::And(items)
        })
    }

    fn obs_qualified(&mut self, depth: usize) -> Result<ObsExpr, String> {
        let mut e = self.obs_primary(depth)?;
        loop {
            if self.keyword("WITHIN") {
                self.number()?;
                self.word("SECONDS")?;
            } else if self.keyword("REPEATS") {
                self.number()?;
                self.word("TIMES")?;
            } else if self.keyword("START") {
                self.expect(&Tok::OtherLit)?;
                self.word("STOP")?;
                self.expect(&Tok::OtherLit)?;
            } else {
                return Ok(e);
            }
            e = ObsExpr::Qualified(Box::new(e));
        }
    }

    fn number(&mut self) -> Result<(), String> {
        match self.next()? {
            Tok::Int(_) | Tok::OtherLit => Ok(()),
            t => Err(format!("expected a number, found {t:?}")),
        }
    }

    fn word(&mut self, kw: &str) -> Result<(), String> {
        if self.keyword(kw) {
            Ok(())
        } else {
            Err(format!("expected {kw}"))
        }
    }

    fn obs_primary(&mut self, depth: usize) -> Result<ObsExpr, String> {
        if depth >= MAX_DEPTH {
            return Err(format!("pattern nested deeper than {MAX_DEPTH}"));
        }
        match self.next()? {
            Tok::LBracket => {
                let c = self.comp_or(depth + 1)?;
                self.expect(&Tok::RBracket)?;
                Ok(ObsExpr::Observation(c))
            }
            Tok::LParen => {
                let e = self.obs_followed_by(depth + 1)?;
                self.expect(&Tok::RParen)?;
                Ok(e)
            }
            t => Err(format!("expected '[' or '(', found {t:?}")),
        }
    }

    fn comp_or(&mut self, depth: usize) -> Result<CompExpr, String> {
        let mut items = vec![self.comp_and(depth)?];
        while self.keyword("OR") {
            items.push(self.comp_and(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            CompExpr::Or(items)
        })
    }

    fn comp_and(&mut self, depth: usize) -> Result<CompExpr, String> {
        let mut items = vec![self.comp_primary(depth)?];
        while self.keyword("AND") {
            items.push(self.comp_primary(depth)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            CompExpr::And(items)
        })
    }

    fn comp_primary(&mut self, depth: usize) -> Result<CompExpr, String> {
        if depth >= MAX_DEPTH {
            return Err(format!("pattern nested deeper than {MAX_DEPTH}"));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let c = self.comp_or(depth + 1)?;
            self.expect(&Tok::RParen)?;
            return Ok(c);
        }
        if self.keyword("EXISTS") {
            let path = self.path()?;
            return Ok(CompExpr::Cmp(Comparison {
                path,
                op: Op::Other,
                negated: false,
                value: Literal::Other,
            }));
        }
        let path = self.path()?;
        let negated = self.keyword("NOT");
        let (op, value) = match self.next()? {
            Tok::Cmp(c) => (if c == "=" { Op::Eq } else { Op::Other }, self.literal()?),
            Tok::Word(w) if w.eq_ignore_ascii_case("IN") => {
                self.expect(&Tok::LParen)?;
                loop {
                    self.literal()?;
                    match self.next()? {
                        Tok::Comma => {}
                        Tok::RParen => break,
                        t => return Err(format!("expected ',' or ')' in IN list, found {t:?}")),
                    }
                }
                (Op::Other, Literal::Other)
            }
            Tok::Word(w)
                if ["LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k)) =>
            {
                self.literal()?;
                (Op::Other, Literal::Other)
            }
            t => return Err(format!("expected a comparison operator, found {t:?}")),
        };
        Ok(CompExpr::Cmp(Comparison {
            path,
            op,
            negated,
            value,
        }))
    }

    fn path(&mut self) -> Result<Path, String> {
        match self.next()? {
            Tok::Path(p) => Ok(p),
            t => Err(format!("expected an object path, found {t:?}")),
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.next()? {
            Tok::Str(s) => Ok(Literal::Str(s)),
            Tok::Int(n) => Ok(Literal::Int(n)),
            Tok::OtherLit => Ok(Literal::Other),
            Tok::Word(w) if w == "true" || w == "false" => Ok(Literal::Other),
            t => Err(format!("expected a literal, found {t:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each group as `type:prop.prop=value` strings.
    fn groups(p: &str) -> Option<Vec<Vec<String>>> {
        let e = parse(p).unwrap_or_else(|err| panic!("{p}: {err}"));
        simple_groups(&e).map(|gs| {
            gs.iter()
                .map(|g| {
                    g.iter()
                        .map(|c| {
                            let v = match &c.value {
                                Literal::Str(s) => s.clone(),
                                Literal::Int(n) => n.to_string(),
                                Literal::Other => "?".into(),
                            };
                            format!("{}:{}={v}", c.path.object_type, c.path.props().join("."))
                        })
                        .collect()
                })
                .collect()
        })
    }

    #[test]
    fn simple_comparisons() {
        assert_eq!(
            groups("[ipv4-addr:value = '198.51.100.7']").unwrap(),
            [["ipv4-addr:value=198.51.100.7"]]
        );
        assert_eq!(
            groups("[ ipv4-addr:value  =  '1.2.3.4' ]").unwrap(),
            [["ipv4-addr:value=1.2.3.4"]]
        );
        assert_eq!(
            groups("[file:hashes.'SHA-256' = 'AB']").unwrap(),
            [["file:hashes.SHA-256=AB"]]
        );
        assert_eq!(
            groups("[file:hashes.MD5 = 'ab']").unwrap(),
            [["file:hashes.MD5=ab"]]
        );
        assert_eq!(
            groups("[autonomous-system:number = 666]").unwrap(),
            [["autonomous-system:number=666"]]
        );
        assert_eq!(
            groups("[email-message:to_refs[*].value = 'v@example.org']").unwrap(),
            [["email-message:to_refs.value=v@example.org"]]
        );
    }

    #[test]
    fn or_gives_one_group_per_comparison() {
        let g = groups(
            "[domain-name:value = 'a.example' OR ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = '5.6.7.8']",
        );
        assert_eq!(g.unwrap().len(), 3);
        // OR between observations is the same thing.
        let g = groups("[url:value = 'http://a/'] OR ([url:value = 'http://b/'])").unwrap();
        assert_eq!(g, [["url:value=http://a/"], ["url:value=http://b/"]]);
    }

    #[test]
    fn and_gives_one_group() {
        let g = groups("[file:name = 'a.exe' AND file:hashes.'SHA-256' = 'ff']").unwrap();
        assert_eq!(g, [["file:name=a.exe", "file:hashes.SHA-256=ff"]]);
        let g = groups(
            "[network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = 443]",
        )
        .unwrap();
        assert_eq!(
            g,
            [[
                "network-traffic:dst_ref.value=1.2.3.4",
                "network-traffic:dst_port=443"
            ]]
        );
    }

    #[test]
    fn escaped_quotes_and_backslashes() {
        let g = groups(r"[windows-registry-key:key = 'HKLM\\Software\\it\'s']").unwrap();
        assert_eq!(g, [[r"windows-registry-key:key=HKLM\Software\it's"]]);
        let g = groups(r"[file:name = 'a AND b OR \'c\']']").unwrap();
        assert_eq!(g, [["file:name=a AND b OR 'c']"]]);
        assert!(parse(r"[file:name = 'bad \x escape']").is_err());
        assert!(parse("[file:name = 'unterminated]").is_err());
    }

    #[test]
    fn other_shapes_are_not_simple() {
        for p in [
            "[url:value MATCHES '^https?://evil\\\\.example/']",
            "[domain-name:value LIKE '%.evil.example']",
            "[file:size > 100]",
            "[file:name != 'a.exe']",
            "[file:name NOT = 'a.exe']",
            "[network-traffic:dst_port IN (80, 443)]",
            "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
            "[EXISTS file:hashes.'SHA-256']",
            "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [domain-name:value = 'x.example'] WITHIN 600 SECONDS",
            "[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES",
            "[ipv4-addr:value = '1.2.3.4'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
            "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example']",
            "[file:name = 'a' AND (file:hashes.MD5 = 'b' OR file:hashes.MD5 = 'c')]",
            "[file:created = t'2016-06-01T00:00:00Z']",
            "[artifact:payload_bin = b'AAAA']",
            "[x:y = true]",
        ] {
            assert_eq!(groups(p), None, "{p}");
        }
    }

    #[test]
    fn syntax_errors_and_limits() {
        for p in [
            "",
            "[",
            "[ipv4-addr:value = ]",
            "ipv4-addr:value = '1'",
            "[a:b = 'x'] garbage",
            "[a: = '1']",
            "[a:b == 'x']",
            "[a:b = \"x\"]",
        ] {
            assert!(parse(p).is_err(), "{p}");
        }
        let deep = format!("{}[a:b = 'x']{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).unwrap_err().contains("nested"));
        let deep = format!("[{}a:b = 'x'{}]", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).unwrap_err().contains("nested"));
        let long = format!("[file:name = '{}']", "a".repeat(MAX_PATTERN_LEN));
        assert!(parse(&long).unwrap_err().contains("longer"));
        // Non-ASCII text inside and outside strings never panics.
        assert!(parse("[file:name = 'é✓']").is_ok());
        assert!(parse("[file:é = 'x']").is_err());
    }
}
