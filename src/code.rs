//! The verification code: sanitising what the one real `<input>` receives (typing, paste,
//! SMS/e-mail autofill) and the view of it as six slots.

/// Number of digits in a verification code.
pub const CODE_LEN: usize = 6;

/// Keeps the digits of `input` (ASCII and full-width, as some keyboards produce) and cuts to
/// [`CODE_LEN`]. Autofill and paste deliver the whole code at once, often with spaces or dashes
/// ("424 242", "424-242") or surrounding text ("Your code is 424242"); all of that reduces to
/// the digits.
pub fn sanitize_code(input: &str) -> String {
    input
        .chars()
        .filter_map(|ch| match ch {
            '0'..='9' => Some(ch),
            '０'..='９' => char::from_u32(ch as u32 - '０' as u32 + '0' as u32),
            _ => None,
        })
        .take(CODE_LEN)
        .collect()
}

/// True when the code has all its digits (time to submit).
pub fn is_complete(code: &str) -> bool {
    code.len() == CODE_LEN && code.chars().all(|ch| ch.is_ascii_digit())
}

/// The six slots to draw: the digit in each slot, if any.
pub fn slots(code: &str) -> [Option<char>; CODE_LEN] {
    let mut out = [None; CODE_LEN];
    for (slot, ch) in out.iter_mut().zip(code.chars()) {
        *slot = Some(ch);
    }
    out
}

/// Index of the slot that shows the caret: the next empty one, or the last one when full.
pub fn active_slot(code: &str) -> usize {
    code.chars().count().min(CODE_LEN - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_non_digits_and_truncates() {
        assert_eq!(sanitize_code("424242"), "424242");
        assert_eq!(sanitize_code("424 242"), "424242");
        assert_eq!(sanitize_code("424-242"), "424242");
        assert_eq!(sanitize_code("1a2b3c"), "123");
        assert_eq!(sanitize_code("Your code is 424242."), "424242");
        assert_eq!(sanitize_code("12345678"), "123456");
        assert_eq!(sanitize_code("４２４２４２"), "424242");
        assert_eq!(sanitize_code(""), "");
        assert_eq!(sanitize_code("abc"), "");
    }

    #[test]
    fn completeness() {
        assert!(is_complete("424242"));
        assert!(!is_complete("42424"));
        assert!(!is_complete("42424a"));
        assert!(!is_complete(""));
    }

    #[test]
    fn slot_view() {
        assert_eq!(slots("42"), [Some('4'), Some('2'), None, None, None, None]);
        assert_eq!(slots(""), [None; CODE_LEN]);
        assert_eq!(active_slot(""), 0);
        assert_eq!(active_slot("424"), 3);
        assert_eq!(active_slot("424242"), 5);
    }
}
