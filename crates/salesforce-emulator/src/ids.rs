//! Salesforce record ids: 15-character case-sensitive ids and their 18-character case-safe form
//! (three check characters encoding which of the first 15 characters are upper case).

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// Makes the `n`-th id with a 3-character key prefix. Ids grow in ASCII order with `n`, so
/// `ORDER BY Id` follows creation order, as it does in a real org.
pub fn make(prefix: &str, n: u64) -> String {
    let mut digits = [b'0'; 10];
    let mut v = n;
    for d in digits.iter_mut().rev() {
        *d = BASE62[(v % 62) as usize];
        v /= 62;
    }
    let mut id15 = String::with_capacity(18);
    id15.push_str(prefix);
    id15.push_str("5g");
    id15.extend(digits.iter().map(|&b| b as char));
    let suffix = suffix(&id15);
    id15.push_str(&suffix);
    id15
}

/// The three case-safe check characters of a 15-character id.
fn suffix(id15: &str) -> String {
    let bytes = id15.as_bytes();
    let mut out = String::with_capacity(3);
    for chunk in 0..3 {
        let mut flags = 0usize;
        for i in 0..5 {
            if bytes
                .get(chunk * 5 + i)
                .is_some_and(|c| c.is_ascii_uppercase())
            {
                flags |= 1 << i;
            }
        }
        out.push(SUFFIX[flags] as char);
    }
    out
}

/// Canonicalises an id as Salesforce accepts it: a 15-character id (case-sensitive) or an
/// 18-character one (case-insensitive: the suffix restores the case). `None` if malformed.
pub fn canonical(s: &str) -> Option<String> {
    if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match s.len() {
        15 => {
            let mut id = s.to_string();
            id.push_str(&suffix(s));
            Some(id)
        }
        18 => {
            let bytes = s.as_bytes();
            let mut id15 = String::with_capacity(18);
            for chunk in 0..3 {
                let c = bytes[15 + chunk].to_ascii_uppercase();
                let flags = SUFFIX.iter().position(|&x| x == c)?;
                for i in 0..5 {
                    let b = bytes[chunk * 5 + i];
                    let b = if flags & (1 << i) != 0 {
                        b.to_ascii_uppercase()
                    } else {
                        b.to_ascii_lowercase()
                    };
                    id15.push(b as char);
                }
            }
            let suf = suffix(&id15);
            if !suf.eq_ignore_ascii_case(&s[15..]) {
                return None;
            }
            id15.push_str(&suf);
            Some(id15)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_id_has_eighteen_characters_and_a_known_case_safe_suffix() {
        let id = make("003", 1);
        assert_eq!(id.len(), 18);
        assert_eq!(&id[..15], "0035g0000000001");
        // Only the 0th char block... no upper case letters in "0035g0000000001" → "AAA".
        assert_eq!(&id[15..], "AAA");
    }

    #[test]
    fn an_eighteen_character_id_is_case_insensitive() {
        let id = make("00Q", 987_654_321);
        assert_eq!(canonical(&id.to_ascii_lowercase()), Some(id.clone()));
        assert_eq!(canonical(&id[..15]), Some(id.clone()));
        assert_eq!(canonical("not-an-id"), None);
    }

    #[test]
    fn ids_sort_in_creation_order() {
        assert!(make("003", 61) < make("003", 62));
        assert!(make("003", 9) < make("003", 10));
    }
}
