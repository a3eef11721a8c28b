//! The verification code: sanitising what the one real `<input>` receives (typing, paste,
//! SMS/e-mail autofill) and the view of it as one slot per digit.
//!
//! The number of digits comes from the server (`display_config.code_length`, `[codes] length`),
//! so the input and the server cannot disagree.

/// Digits in a code when the server does not say (and Clerk's).
pub const DEFAULT_CODE_LEN: usize = 6;

/// The code length to use for what the server announced: 4 to 10 digits, 6 when absent.
pub fn code_length(announced: Option<usize>) -> usize {
    announced.unwrap_or(DEFAULT_CODE_LEN).clamp(4, 10)
}

/// Keeps the digits of `input` (ASCII and full-width, as some keyboards produce) and cuts to
/// `len`. Autofill and paste deliver the whole code at once, often with spaces or dashes
/// ("424 242", "424-242") or surrounding text ("Your code is 424242"); all of that reduces to
/// the digits.
pub fn sanitize_code(input: &str, len: usize) -> String {
    input
        .chars()
        .filter_map(|ch| match ch {
            '0'..='9' => Some(ch),
            '０'..='９' => char::from_u32(ch as u32 - '０' as u32 + '0' as u32),
            _ => None,
        })
        .take(len)
        .collect()
}

/// True when the code has all its `len` digits (time to submit).
pub fn is_complete(code: &str, len: usize) -> bool {
    code.len() == len && code.chars().all(|ch| ch.is_ascii_digit())
}

/// The `len` slots to draw: the digit in each slot, if any.
pub fn slots(code: &str, len: usize) -> Vec<Option<char>> {
    let mut digits = code.chars();
    (0..len).map(|_| digits.next()).collect()
}

/// Index of the slot that shows the caret: the next empty one, or the last one when full.
pub fn active_slot(code: &str, len: usize) -> usize {
    code.chars().count().min(len.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_non_digits_and_truncates() {
        assert_eq!(sanitize_code("424242", 6), "424242");
        assert_eq!(sanitize_code("424 242", 6), "424242");
        assert_eq!(sanitize_code("424-242", 6), "424242");
        assert_eq!(sanitize_code("1a2b3c", 6), "123");
        assert_eq!(sanitize_code("Your code is 424242.", 6), "424242");
        assert_eq!(sanitize_code("12345678", 6), "123456");
        assert_eq!(sanitize_code("12345678", 8), "12345678");
        assert_eq!(sanitize_code("４２４２４２", 6), "424242");
        assert_eq!(sanitize_code("", 6), "");
        assert_eq!(sanitize_code("abc", 6), "");
    }

    #[test]
    fn completeness() {
        assert!(is_complete("424242", 6));
        assert!(!is_complete("42424", 6));
        assert!(!is_complete("42424a", 6));
        assert!(!is_complete("", 6));
        assert!(!is_complete("424242", 8));
        assert!(is_complete("4242", 4));
    }

    #[test]
    fn slot_view() {
        assert_eq!(
            slots("42", 6),
            [Some('4'), Some('2'), None, None, None, None]
        );
        assert_eq!(slots("", 4), [None; 4]);
        assert_eq!(slots("12345678", 8).len(), 8);
        assert_eq!(active_slot("", 6), 0);
        assert_eq!(active_slot("424", 6), 3);
        assert_eq!(active_slot("424242", 6), 5);
        assert_eq!(active_slot("4242", 4), 3);
    }

    #[test]
    fn the_announced_length_is_kept_within_four_to_ten() {
        assert_eq!(code_length(None), 6);
        assert_eq!(code_length(Some(8)), 8);
        assert_eq!(code_length(Some(0)), 4);
        assert_eq!(code_length(Some(99)), 10);
    }
}
