//! `parse_filter` on arbitrary UTF-8 text: never panics, every error is `invalidFilter`, and a
//! filter that parses prints (`Display`) as text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_bridge::scim::{parse_filter, ScimType};

fuzz_target!(|input: &str| {
    match parse_filter(input) {
        Ok(filter) => {
            let printed = filter.to_string();
            match parse_filter(&printed) {
                Ok(again) => assert_eq!(
                    again, filter,
                    "input {input:?} printed as {printed:?} parses to another tree"
                ),
                Err(e) => panic!(
                    "input {input:?} printed as {printed:?}, which does not parse: {}",
                    e.detail
                ),
            }
        }
        Err(e) => {
            assert_eq!(e.status, 400, "{input:?}: {e:?}");
            assert_eq!(
                e.scim_type,
                Some(ScimType::InvalidFilter),
                "{input:?}: {e:?}"
            );
        }
    }
});
