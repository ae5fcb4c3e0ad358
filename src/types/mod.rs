//! The building blocks of claims: permissions (with a JetStream preset), limits (with
//! JetStream replica tiers), exports, imports, signing keys and their scopes, revocations,
//! mappings and lists, each written as Go writes it.
//!
//! The rules that check them run as part of [`Claims::validate`](crate::Claims::validate).

mod exports;
mod imports;
mod info;
mod jetstream;
mod limits;
mod lists;
mod mappings;
mod permissions;
mod revocations;
mod signing_keys;
pub(crate) mod subjects;

pub use exports::{Export, ExportType, SamplingRate, ServiceLatency, response_type};
pub use imports::Import;
pub use info::Info;
pub use jetstream::{ByteSize, InboxPrefixError, ReplicaTier};
pub use limits::{JetStreamLimits, Limits, NO_LIMIT, OperatorLimits, UserPermissionLimits};
pub use lists::{CidrList, TagList};
pub use mappings::{Mapping, WeightedMapping};
pub use permissions::{GoDuration, Permission, Permissions, ResponsePermission, TimeRange};
pub use revocations::RevocationList;
pub use signing_keys::{SigningKey, SigningKeys, TemplateError, UserScope};

pub(crate) use exports::validate_exports;
pub(crate) use imports::validate_imports;
pub(crate) use mappings::validate_mappings;
pub(crate) use signing_keys::TemplateContext;
