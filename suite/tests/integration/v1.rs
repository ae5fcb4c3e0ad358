//! v1 tokens (header `{"typ":"jwt","alg":"ed25519"}`, signature over the payload segment,
//! top-level `type`/`tags`) decode, verify and migrate to v2 structures as Go does.
use crate::common::tokens::{V1_HEADER, signed_v1};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use natsjwt::jws::HEADER_B64;
use natsjwt::types::ExportType;
use natsjwt::{
    ActivationClaims, AnyClaims, ClaimsError, GenericClaims, KeyPair, OperatorClaims, UserClaims,
    decode,
};

/// The v1 activation from Go's `TestUsingURLDecoder` (nats-io/jwt v2/decoder_test.go).
const GO_V1_ACTIVATION: &str = "eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5In0.eyJqdGkiOiJGQ1lZRjJLR0EzQTZHTlZQR0pIVjNUSExYR1VZWkFUREZLV1JTT1czUUo1T0k3QlJST0ZRIiwiaWF0IjoxNTQzOTQzNjc1LCJpc3MiOiJBQ1NKWkhOWlI0QUFUVE1KNzdUV1JONUJHVUZFWFhUS0gzWEtGTldDRkFCVzJRWldOUTRDQkhRRSIsInN1YiI6IkFEVEFHWVZYRkpPRENRM0g0VUZQQU43R1dXWk1BVU9FTTJMMkRWQkFWVFdLM01TU0xUS1JUTzVGIiwidHlwZSI6ImFjdGl2YXRpb24iLCJuYXRzIjp7InN1YmplY3QiOiJmb28iLCJ0eXBlIjoic2VydmljZSJ9fQ.HCZTCF-7wolS3Wjx3swQWMkoDhoo_4gp9EsuM5diJfZrH8s6NTpO0iT7_fKZm7dNDeEoqjwU--3ebp8j-Mm_Aw";

/// A v1 operator with three signing keys, from Go's creds_utils_test.go.
const GO_V1_OPERATOR: &str = "eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5In0.eyJhdWQiOiJURVNUUyIsImV4cCI6MTg1OTEyMTI3NSwianRpIjoiWE5MWjZYWVBIVE1ESlFSTlFPSFVPSlFHV0NVN01JNVc1SlhDWk5YQllVS0VRVzY3STI1USIsImlhdCI6MTU0Mzc2MTI3NSwiaXNzIjoiT0NBVDMzTVRWVTJWVU9JTUdOR1VOWEo2NkFIMlJMU0RBRjNNVUJDWUFZNVFNSUw2NU5RTTZYUUciLCJuYW1lIjoiU3luYWRpYSBDb21tdW5pY2F0aW9ucyBJbmMuIiwibmJmIjoxNTQzNzYxMjc1LCJzdWIiOiJPQ0FUMzNNVFZVMlZVT0lNR05HVU5YSjY2QUgyUkxTREFGM01VQkNZQVk1UU1JTDY1TlFNNlhRRyIsInR5cGUiOiJvcGVyYXRvciIsIm5hdHMiOnsic2lnbmluZ19rZXlzIjpbIk9EU0tSN01ZRlFaNU1NQUo2RlBNRUVUQ1RFM1JJSE9GTFRZUEpSTUFWVk40T0xWMllZQU1IQ0FDIiwiT0RTS0FDU1JCV1A1MzdEWkRSVko2NTdKT0lHT1BPUTZLRzdUNEhONk9LNEY2SUVDR1hEQUhOUDIiLCJPRFNLSTM2TFpCNDRPWTVJVkNSNlA1MkZaSlpZTVlXWlZXTlVEVExFWjVUSzJQTjNPRU1SVEFCUiJdfX0.hyfz6E39BMUh0GLzovFfk3wT4OfualftjdJ_eYkLfPvu5tZubYQ_Pn9oFYGCV_6yKy3KMGhWGUCyCdHaPhalBw";

/// A v1 operator with service URLs, from Go's creds_utils_test.go.
const GO_V1_OPERATOR_URLS: &str = "eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5In0.eyJqdGkiOiJKV01TUzNRUFpDS0lHSE1BWko3RUpQSlVHN01DTFNQUkJaTEpSUUlRQkRVTkFaUE5MQVVBIiwiaWF0IjoxNTY1ODg5NzEyLCJpc3MiOiJPQU01VlNINDJXRlZWTkpXNFNMRTZRVkpCREpVRTJGUVNYWkxRTk1SRDdBMlBaTTIzTDIyWFlVWSIsIm5hbWUiOiJzeW5hZGlhIiwic3ViIjoiT0FNNVZTSDQyV0ZWVk5KVzRTTEU2UVZKQkRKVUUyRlFTWFpMUU5NUkQ3QTJQWk0yM0wyMlhZVVkiLCJ0eXBlIjoib3BlcmF0b3IiLCJuYXRzIjp7ImFjY291bnRfc2VydmVyX3VybCI6Imh0dHA6Ly9sb2NhbGhvc3Q6NjA2MC9qd3QvdjEiLCJvcGVyYXRvcl9zZXJ2aWNlX3VybHMiOlsibmF0czovL2xvY2FsaG9zdDo0MTQxIl19fQ.XPvAezQj3AxwEvYLVBq-EIssP4OhjoMGLbIaripzBKv1oCtHdPNKz96YwB2vUoY-4OrN9ZOPo9TKR3jVxq0uBQ";

/// Signs `payload` the v1 way: over the payload segment only.
fn v1_token(payload: &str, signer: &KeyPair) -> String {
    signed_v1(V1_HEADER, payload, signer)
}

#[test]
fn go_v1_activation_decodes_and_migrates() {
    let verified = ActivationClaims::decode(GO_V1_ACTIVATION).unwrap();
    assert_eq!(verified.version(), 1);
    let claims = verified.claims();
    assert_eq!(claims.nats.subject, "foo");
    assert_eq!(claims.nats.kind, ExportType::Service);
    assert_eq!(claims.nats.version, 1);
    assert_eq!(claims.issued_at, 1543943675);
    assert_eq!(
        claims.id,
        "FCYYF2KGA3A6GNVPGJHV3THLXGUYZATDFKWRSOW3QJ5OI7BRROFQ"
    );
    // The same token read as any claims.
    assert!(matches!(
        decode(GO_V1_ACTIVATION).unwrap().into_claims(),
        AnyClaims::Activation(_)
    ));
}

#[test]
fn go_v1_operators_decode_and_migrate() {
    let op = OperatorClaims::decode(GO_V1_OPERATOR).unwrap();
    assert_eq!(op.version(), 1);
    assert_eq!(op.claims().name, "Synadia Communications Inc.");
    assert_eq!(op.claims().audience, "TESTS");
    assert_eq!(op.claims().nats.signing_keys.len(), 3);
    assert_eq!(op.claims().nats.version, 1);
    let op = OperatorClaims::decode(GO_V1_OPERATOR_URLS).unwrap();
    assert_eq!(
        op.claims().nats.account_server_url,
        "http://localhost:6060/jwt/v1"
    );
    assert_eq!(
        op.claims().nats.operator_service_urls,
        ["nats://localhost:4141"]
    );
    assert!(
        op.claims()
            .validate_with(&natsjwt::clock::FixedClock(1_600_000_000))
            .is_empty()
    );
}

#[test]
fn tampered_v1_token_fails_v1_verification() {
    let mut parts: Vec<&str> = GO_V1_ACTIVATION.split('.').collect();
    let other: Vec<&str> = GO_V1_OPERATOR.split('.').collect();
    parts[2] = other[2];
    assert!(matches!(
        ActivationClaims::decode(&parts.join(".")),
        Err(ClaimsError::Signature(_))
    ));
}

#[test]
fn reencoding_a_v1_token_writes_v2() {
    let mut claims = ActivationClaims::decode(GO_V1_ACTIVATION)
        .unwrap()
        .into_claims();
    let account = KeyPair::new_account().unwrap();
    let token = claims.encode_at(&account, 1_700_000_000).unwrap();
    assert!(token.starts_with(HEADER_B64));
    let again = ActivationClaims::decode(&token).unwrap();
    assert_eq!(again.version(), 2);
    let json = again.claims().to_json().unwrap();
    assert!(
        json.ends_with(
            r#""nats":{"subject":"foo","kind":"service","type":"activation","version":2}}"#
        ),
        "{json}"
    );
}

#[test]
fn v1_user_limits_default_to_no_limit_and_fields_move_under_nats() {
    let account = KeyPair::new_account().unwrap();
    let user = KeyPair::new_user().unwrap();
    let payload = format!(
        r#"{{"jti":"X","iat":1543943675,"iss":"{}","sub":"{}","type":"user","tags":["a"],"issuer_account":"{}","nats":{{"pub":{{"allow":["x"]}},"payload":5}}}}"#,
        account.public_key(),
        user.public_key(),
        account.public_key()
    );
    let token = v1_token(&payload, &account);
    let verified = UserClaims::decode(&token).unwrap();
    let claims = verified.claims();
    assert_eq!(verified.version(), 1);
    assert_eq!(claims.nats.limits.subs, -1);
    assert_eq!(claims.nats.limits.data, -1);
    assert_eq!(claims.nats.limits.payload, 5);
    assert_eq!(claims.nats.permissions.publish.allow, ["x"]);
    assert_eq!(claims.nats.tags.as_slice(), ["a"]);
    assert_eq!(claims.nats.issuer_account, account.public_key().as_str());
}

#[test]
fn v1_generic_keeps_type_and_tags_in_data() {
    let operator = KeyPair::new_operator().unwrap();
    let payload = format!(
        r#"{{"iat":1,"iss":"{}","sub":"X","type":"my-thing","tags":["t"],"nats":{{"n":1}}}}"#,
        operator.public_key()
    );
    let token = v1_token(&payload, &operator);
    let generic = GenericClaims::decode(&token).unwrap();
    assert_eq!(generic.version(), 1);
    assert_eq!(generic.claims().nats.type_name(), Some("my-thing"));
    assert_eq!(generic.claims().nats.data["tags"], serde_json::json!(["t"]));
}

#[test]
fn v1_header_and_v2_payload_must_agree() {
    let account = KeyPair::new_account().unwrap();
    let user = KeyPair::new_user().unwrap();
    let v2 = UserClaims::new(user.public_key().as_str())
        .encode(&account)
        .unwrap();
    let payload_segment = v2.split('.').nth(1).unwrap();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload_segment).unwrap()).unwrap();
    let mixed = v1_token(&payload, &account);
    assert_eq!(
        decode(&mixed).unwrap_err(),
        ClaimsError::AlgorithmMismatch {
            alg: "ed25519".into(),
            version: 2
        }
    );
    // And a v1 payload under the v2 header.
    let header = HEADER_B64;
    let v1_payload = GO_V1_ACTIVATION.split('.').nth(1).unwrap();
    let forged = format!(
        "{header}.{v1_payload}.{}",
        GO_V1_ACTIVATION.split('.').nth(2).unwrap()
    );
    assert_eq!(
        decode(&forged).unwrap_err(),
        ClaimsError::AlgorithmMismatch {
            alg: "ed25519-nkey".into(),
            version: 1
        }
    );
}

#[test]
fn v1_cluster_and_server_claims_are_refused() {
    let operator = KeyPair::new_operator().unwrap();
    for kind in ["cluster", "server"] {
        let payload = format!(
            r#"{{"iat":1,"iss":"{}","sub":"X","type":"{kind}","nats":{{}}}}"#,
            operator.public_key()
        );
        assert_eq!(
            decode(&v1_token(&payload, &operator)).unwrap_err(),
            ClaimsError::UnsupportedClaimType(kind.into())
        );
    }
}
