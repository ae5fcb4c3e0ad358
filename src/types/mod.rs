//! The building blocks of claims: permissions, limits, exports, imports, signing keys,
//! revocations, mappings, subjects, time ranges and lists.

pub mod exports;
pub mod imports;
pub mod limits;
pub mod lists;
pub mod mappings;
pub mod permissions;
pub mod revocations;
pub mod signing_keys;
pub mod subjects;
pub(crate) mod url;

pub use exports::{response_type, Export, ExportType, SamplingRate, ServiceLatency};
pub use imports::Import;
pub use limits::{JetStreamLimits, Limits, OperatorLimits, UserPermissionLimits, NO_LIMIT};
pub use lists::{CidrList, TagList};
pub use mappings::{Mapping, WeightedMapping};
pub use permissions::{GoDuration, Permission, Permissions, ResponsePermission, TimeRange};
pub use revocations::RevocationList;
pub use signing_keys::{SigningKeys, UserScope};

use crate::json::{go_fields, go_object};
use crate::validation::ValidationResults;

/// Longest description or info URL Go accepts.
pub const MAX_INFO_LENGTH: usize = 8 * 1024;

/// A description and a link (`description`, `info_url`), on accounts and exports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info {
    /// Free text (`description`), at most 8 KiB.
    pub description: String,
    /// A URL with scheme and host (`info_url`), at most 8 KiB.
    pub info_url: String,
}

go_fields!(Info => [
    (omitempty description "description")
    (omitempty info_url "info_url")
]);
go_object!(Info);

impl Info {
    /// Go's `Info.Validate`.
    pub fn validate(&self, vr: &mut ValidationResults) {
        if self.description.len() > MAX_INFO_LENGTH {
            vr.add_error("Description is too long");
        }
        if !self.info_url.is_empty() {
            if self.info_url.len() > MAX_INFO_LENGTH {
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
