//! Personal data rules: phone numbers are checked, stored only where needed and shown masked.

/// A mainland China mobile number: 11 digits starting with 1 and then 3–9. Spaces and dashes
/// are ignored; the normalised number is returned.
pub fn normalise_mobile(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let valid = digits.len() == 11
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.starts_with('1')
        && matches!(digits.as_bytes()[1], b'3'..=b'9');
    valid.then_some(digits)
}

/// `张三` → `张*`, `欧阳娜娜` → `欧***`: the first character only.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => "*".into(),
    }
}

/// `13812345678` → `138****5678`. Anything else is masked entirely.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_checked_and_normalised() {
        assert_eq!(normalise_mobile("138 1234 5678").as_deref(), Some("13812345678"));
        assert_eq!(normalise_mobile("138-1234-5678").as_deref(), Some("13812345678"));
        for bad in ["12812345678", "1381234567", "138123456789", "1381234567a", "", "２３８１２３４５６７８"]
        {
            assert_eq!(normalise_mobile(bad), None, "{bad}");
        }
    }

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "****");
    }
}
