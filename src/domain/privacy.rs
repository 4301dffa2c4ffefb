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

/// A resident identity card number (GB 11643-1999): 17 digits and a check character (a digit
/// or X), the check computed with ISO 7064 MOD 11-2. Spaces are ignored and a lowercase x is
/// accepted; the normalised number is returned. Only its keyed hash is ever stored.
pub fn normalise_id_number(text: &str) -> Option<String> {
    let id: String = text.chars().filter(|c| *c != ' ').map(|c| c.to_ascii_uppercase()).collect();
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    (bytes[17] == check).then_some(id)
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
    fn id_numbers_are_checked_by_their_check_character() {
        // The standard's own example, and one whose check character is X.
        assert_eq!(normalise_id_number("11010519491231002X").as_deref(), Some("11010519491231002X"));
        assert_eq!(normalise_id_number("11010519491231002x").as_deref(), Some("11010519491231002X"));
        assert_eq!(normalise_id_number("440524 18800101 0014").as_deref(), Some("440524188001010014"));
        for bad in ["110105194912310021", "11010519491231002", "11010519491231002XX", "A10105194912310020", ""] {
            assert_eq!(normalise_id_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "****");
    }
}
