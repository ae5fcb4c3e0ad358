//! Reading v1 payloads: the top-level members that v2 moved under `nats`.

use serde::de::DeserializeOwned;

use super::Claims;
use crate::go::json::{from_json_bytes, go_fields, go_object};
use crate::types::TagList;

/// Top-level members of v1 tokens that v2 moved under `nats`.
#[derive(Debug, Default)]
pub(crate) struct V1Deleted {
    pub(crate) claim_type: String,
    pub(crate) tags: TagList,
    pub(crate) issuer_account: String,
}

go_fields!(V1Deleted => [
    (omitempty claim_type "type")
    (omitempty tags "tags")
    (omitempty issuer_account "issuer_account")
]);
go_object!(V1Deleted);

/// Reads a v1 payload: the claims with the v1 body `B`, and the v1 top-level members.
pub(crate) fn read_v1_parts<B: DeserializeOwned + Default>(
    payload: &[u8],
) -> Result<(Claims<B>, V1Deleted), serde_json::Error> {
    let claims = from_json_bytes::<super::decode::PlainClaims<B>>(payload)?.0;
    let deleted: V1Deleted = from_json_bytes(payload)?;
    Ok((claims, deleted))
}
