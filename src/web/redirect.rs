//! Where a redirect may go: a path of this site, never another site.

use std::fmt::Write;

/// `next` if it is a path of this site, else `/`. Browsers drop tabs and
/// line breaks from addresses and read `\` as `/`, so `/\t/evil.example`
/// would leave the site: any control character, space or backslash makes
/// the target unsafe. Non-ASCII text (a search for 王) is percent-encoded.
pub fn safe_path(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_owned();
    };
    let unsafe_char = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if !n.starts_with('/') || n.starts_with("//") || n.chars().any(unsafe_char) {
        return "/".to_owned();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_kept() {
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "/ /evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_path(None), "/");
        assert_eq!(
            safe_path(Some("/orders?date=2026-12-01")),
            "/orders?date=2026-12-01"
        );
        assert_eq!(safe_path(Some("/customers?q=王")), "/customers?q=%E7%8E%8B");
    }
}
