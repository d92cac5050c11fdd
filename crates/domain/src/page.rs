//! Pagination and search of lists that can grow.

use serde::Serialize;

/// A page request: 1-based number, bounded size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    number: u32,
    size: u32,
}

impl Page {
    pub const DEFAULT_SIZE: u32 = 50;
    pub const MAX_SIZE: u32 = 500;

    /// Out-of-range values are brought back into range rather than refused:
    /// a hand-edited `?page=0` shows the first page.
    pub fn new(number: Option<u32>, size: Option<u32>) -> Self {
        Page {
            number: number.unwrap_or(1).max(1),
            size: size.unwrap_or(Self::DEFAULT_SIZE).clamp(1, Self::MAX_SIZE),
        }
    }
    pub fn number(&self) -> u32 {
        self.number
    }
    pub fn size(&self) -> u32 {
        self.size
    }
    pub fn offset(&self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.size)
    }
    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(None, None)
    }
}

/// One page of results and the total count.
#[derive(Debug, Clone, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> u32 {
        let size = i64::from(self.page_size.max(1));
        u32::try_from((self.total + size - 1) / size)
            .unwrap_or(u32::MAX)
            .max(1)
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        let p = Page::new(Some(0), Some(10_000));
        assert_eq!((p.number(), p.size()), (1, Page::MAX_SIZE));
        assert_eq!(Page::new(Some(3), Some(20)).offset(), 40);
        let r: Paged<()> = Paged {
            items: vec![],
            total: 41,
            page: 2,
            page_size: 20,
        };
        assert_eq!(r.pages(), 3);
        assert!(r.has_next());
    }
}
