//! Pages of a list: bounded page numbers and overflow-free offsets.

use crate::i18n::Text;

/// The largest page number a list accepts: a typo guard that keeps every
/// offset far below what a database takes.
pub const MAX_PAGE: u64 = 100_000;

/// A requested page (0 counts as 1), or why it is refused.
pub fn check_page(page: u64) -> Result<u64, Text> {
    match page {
        0 => Ok(1),
        p if p <= MAX_PAGE => Ok(p),
        _ => Err(Text::new(
            "「頁碼」最大為 100,000",
            "Page must be at most 100,000",
        )),
    }
}

/// Rows before `page` (1-based) at `per_page` rows a page, saturating.
pub fn offset(page: u64, per_page: u64) -> u64 {
    page.max(1).saturating_sub(1).saturating_mul(per_page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_page_is_refused_and_offsets_never_overflow() {
        assert_eq!(check_page(0), Ok(1));
        assert_eq!(check_page(MAX_PAGE), Ok(MAX_PAGE));
        assert!(check_page(100_000_000_000_000_000).is_err());
        assert_eq!(offset(3, 50), 100);
        assert_eq!(offset(u64::MAX, 1000), u64::MAX);
    }
}
