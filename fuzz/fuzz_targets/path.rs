//! `parse_path` on arbitrary UTF-8 text: never panics, every error is `invalidPath`, and a path
//! that parses prints (`Display`) as text that parses back to the same path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_bridge::scim::{parse_path, ScimType};

fuzz_target!(|input: &str| {
    match parse_path(input) {
        Ok(path) => {
            let printed = path.to_string();
            match parse_path(&printed) {
                Ok(again) => assert_eq!(
                    again, path,
                    "input {input:?} printed as {printed:?} parses to another path"
                ),
                Err(e) => panic!(
                    "input {input:?} printed as {printed:?}, which does not parse: {}",
                    e.detail
                ),
            }
        }
        Err(e) => {
            assert_eq!(e.status, 400, "{input:?}: {e:?}");
            assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{input:?}: {e:?}");
        }
    }
});
