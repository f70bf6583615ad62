//! Selection and scrolling over a list of any length: views build rows only for the window
//! on screen, so a million rows cost what twenty do.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Nav {
    pub selected: usize,
    pub offset: usize,
    pub len: usize,
}

impl Nav {
    pub fn set_len(&mut self, len: usize) {
        self.len = len;
        if self.selected >= len {
            self.selected = len.saturating_sub(1);
        }
    }

    pub fn up(&mut self, n: usize) {
        self.selected = self.selected.saturating_sub(n);
    }

    pub fn down(&mut self, n: usize) {
        self.selected = (self.selected + n).min(self.len.saturating_sub(1));
    }

    pub fn top(&mut self) {
        self.selected = 0;
    }

    pub fn bottom(&mut self) {
        self.selected = self.len.saturating_sub(1);
    }

    /// The rows to draw in `height` lines, keeping the selection in view.
    pub fn window(&mut self, height: usize) -> std::ops::Range<usize> {
        let h = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        self.offset = self.offset.min(self.len.saturating_sub(1));
        self.offset..(self.offset + h).min(self.len)
    }

    pub fn get(&self) -> Option<usize> {
        (self.selected < self.len).then_some(self.selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_selection_on_screen() {
        let mut n = Nav::default();
        n.set_len(1_000_000);
        assert_eq!(n.window(10), 0..10);
        n.down(15);
        assert_eq!(n.window(10), 6..16);
        n.bottom();
        assert_eq!(n.window(10), 999_990..1_000_000);
        n.up(3);
        assert_eq!(n.window(10), 999_990..1_000_000);
        n.top();
        assert_eq!(n.window(10), 0..10);
        n.set_len(0);
        assert_eq!(n.get(), None);
        assert!(n.window(10).is_empty());
        n.down(1);
        assert_eq!(n.selected, 0);
    }
}
