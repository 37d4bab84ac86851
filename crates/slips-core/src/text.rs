//! Making text from the traffic safe to show to a human.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every character that a terminal or text viewer would interpret instead of
/// show written as an escape: C0 controls (including newline and tab, so one value stays on
/// one line), DEL, C1 controls (`\x9b` is a CSI on some terminals) and the Unicode bidi
/// overrides and isolates that reorder what is displayed. ASCII ones come out Zeek-style
/// (`\x1b`), others as `\u{202e}`; a backslash stays a backslash. Borrowed when there is
/// nothing to escape, which is the common case.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_borrowed() {
        assert!(matches!(
            escape_controls("evil.com ünïcode"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("a\x1b]0;pwned\x07b\nc\td\x7f"),
            "a\\x1b]0;pwned\\x07b\\x0ac\\x09d\\x7f"
        );
        assert_eq!(escape_controls("x\u{9b}2J"), "x\\u{9b}2J");
        assert_eq!(escape_controls("moc.\u{202e}exe"), "moc.\\u{202e}exe");
        assert_eq!(escape_controls("back\\slash"), "back\\slash");
    }
}
