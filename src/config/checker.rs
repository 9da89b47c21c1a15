//! [`Checker`]: collects every problem of a configuration by key while it is validated, and the
//! small checks every section shares (unknown keys, secrets inline or in files, URLs).

use std::collections::BTreeMap;
use std::path::PathBuf;

use secrecy::SecretString;

use super::Problem;

/// Collects problems while validating.
#[derive(Default)]
pub(super) struct Checker {
    pub problems: Vec<Problem>,
}

impl Checker {
    pub fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    pub fn unknown(
        &mut self,
        prefix: &str,
        unknown: &BTreeMap<String, toml::Value>,
        known: &[&str],
    ) {
        for key in unknown.keys() {
            self.add(
                join(prefix, key),
                format!("unknown key (expected one of: {})", known.join(", ")),
            );
        }
    }

    /// A secret given inline or as a file; both at once is ambiguous.
    pub fn secret(
        &mut self,
        key: &str,
        inline: Option<&String>,
        file: Option<&PathBuf>,
    ) -> Option<SecretString> {
        match (inline, file) {
            (Some(_), Some(_)) => {
                self.add(key, format!("set either {key} or {key}_file, not both"));
                None
            }
            (Some(v), None) if v.trim().is_empty() => None,
            (Some(v), None) => Some(SecretString::from(v.trim().to_string())),
            (None, Some(path)) => match std::fs::read_to_string(path) {
                Ok(text) if text.trim().is_empty() => {
                    self.add(
                        format!("{key}_file"),
                        format!("'{}' is empty", path.display()),
                    );
                    None
                }
                Ok(text) => Some(SecretString::from(text.trim().to_string())),
                Err(e) => {
                    self.add(
                        format!("{key}_file"),
                        format!("cannot read '{}': {e}", path.display()),
                    );
                    None
                }
            },
            (None, None) => None,
        }
    }
}

pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

pub(super) fn check_url(c: &mut Checker, key: &str, value: &str) -> Option<String> {
    match url::Url::parse(value) {
        // The same rule holds the instance_url a token grant names.
        Ok(_) if crate::salesforce::auth::is_secure_base_url(value) => {
            Some(value.trim_end_matches('/').to_string())
        }
        Ok(_) => {
            c.add(
                key,
                format!(
                    "'{value}' must be an https:// URL (plain http is allowed only on loopback)"
                ),
            );
            None
        }
        Err(e) => {
            c.add(key, format!("'{value}' is not a URL: {e}"));
            None
        }
    }
}
