//! A keyed hash (HMAC-SHA256) with a server secret: signs cookies, and stands in for personal
//! identifiers that must be compared but never stored in clear (an ID number has too few
//! possible values for a plain hash to hide it).
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct KeyedHash {
    key: Vec<u8>,
}

impl KeyedHash {
    pub fn new(key: &str) -> Self {
        Self { key: key.as_bytes().to_vec() }
    }

    /// The first 16 bytes of HMAC-SHA256(key, text), as 32 hex characters.
    pub fn hex(&self, text: &str) -> String {
        // HMAC takes a key of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(text.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_hashes_alike_only_under_the_same_key() {
        let a = KeyedHash::new("one key");
        assert_eq!(a.hex("11010519491231002X"), a.hex("11010519491231002X"));
        assert_ne!(a.hex("11010519491231002X"), a.hex("110105194912310038"));
        assert_ne!(a.hex("11010519491231002X"), KeyedHash::new("another key").hex("11010519491231002X"));
        assert_eq!(a.hex("x").len(), 32);
    }
}
