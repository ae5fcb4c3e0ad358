//! [`Info`]: the description and link of an account or export.

use crate::go::json::{go_fields, go_object};
use crate::go::url;
use crate::validation::ValidationResults;

/// A description and a link (`description`, `info_url`), on accounts and exports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info {
    /// Free text (`description`), at most [`Info::MAX_LENGTH`] bytes.
    pub description: String,
    /// A URL with scheme and host (`info_url`), at most [`Info::MAX_LENGTH`] bytes.
    pub info_url: String,
}

go_fields!(Info => [
    (omitempty description "description")
    (omitempty info_url "info_url")
]);
go_object!(Info);

impl Info {
    /// Longest description or info URL Go accepts (8 KiB).
    pub const MAX_LENGTH: usize = 8 * 1024;

    /// Go's `Info.Validate`.
    pub(crate) fn validate(&self, vr: &mut ValidationResults) {
        if self.description.len() > Self::MAX_LENGTH {
            vr.add_error("Description is too long");
        }
        if !self.info_url.is_empty() {
            if self.info_url.len() > Self::MAX_LENGTH {
                vr.add_error("Info URL is too long");
            }
            match url::parse(&self.info_url) {
                Ok(u) if u.hostname().is_empty() || u.scheme.is_empty() => {
                    vr.add_error("error parsing info url: no hostname or scheme")
                }
                Ok(_) => {}
                Err(e) => vr.add_error(format!("error parsing info url: {e}")),
            }
        }
    }
}
