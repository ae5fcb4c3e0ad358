//! NKeys: key kinds, public keys, seeds, key pairs, signers, and (feature `xkeys`) the
//! curve keys that seal auth callout messages.
//!
//! An nkey is an Ed25519 key (or, for [`KeyKind::Curve`], an X25519 key) written as
//! base32 of `prefix ‖ key ‖ crc16`. Public keys are 56 characters and start with the
//! kind's letter (`O`, `A`, `U`, `N`, `C`, `X`); seeds are 58 characters and start with
//! `S` followed by the kind's letter.

mod encoding;
mod error;
mod kind;
mod pair;
mod public;
mod secret;
mod signer;
mod verifying;
#[cfg(feature = "xkeys")]
mod xkey;

pub use error::{KeyError, SignerError};
pub use kind::KeyKind;
pub use pair::KeyPair;
pub use public::PublicKey;
pub use secret::Secret;
pub use signer::{ExternalSigner, Signer};
pub use verifying::VerifyingKey;
#[cfg(feature = "xkeys")]
pub use xkey::XKey;

pub(crate) use encoding::{check_public_kind, decode_seed, is_public_key_of, redact_seeds};

/// Length in bytes of an Ed25519 signature.
pub(crate) const SIGNATURE_LENGTH: usize = 64;

#[cfg(test)]
#[allow(clippy::string_slice)]
mod tests {
    use super::*;

    // Vector keys from ../shared/vectors (Go nkeys).
    const OPERATOR_SEED: &str = "SOACCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIPAZ4";
    const OPERATOR_PUB: &str = "OCEEXCCX6TVKCYJ4MFIE3M2NJPVPGRSRPIHDDXR43XKNTNBADWOQWDTB";
    const USER_SEED: &str = "SUACGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZDEMRSGIZBOQ";
    const USER_PUB: &str = "UB2PQXG2GTI4E7CGEFEEOMPJCV44HWOGZ7ANSSZIDKQR5ELCAWFKSTJX";

    #[test]
    fn small_order_keys_verify_nothing() {
        // The identity point: (R = identity, s = 0) "signs" any message under it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let key = PublicKey::from_bytes(KeyKind::Account, identity);
        let mut forged = [0u8; 64];
        forged[0] = 1;
        assert_eq!(key.verify(b"anything", &forged), Err(KeyError::WeakKey));
        assert_eq!(VerifyingKey::new(&key), Err(KeyError::WeakKey));
    }

    /// Signing from the kept expansion gives `SigningKey::sign`'s signature, for the
    /// pair and for its clone.
    #[test]
    fn sign_matches_signing_key_sign() {
        use ed25519_dalek::Signer as _;
        for byte in [0u8, 7, 255] {
            let pair = KeyPair::from_raw_seed(KeyKind::Account, &[byte; 32]).unwrap();
            let dalek = ed25519_dalek::SigningKey::from_bytes(&[byte; 32]);
            for message in [&b""[..], b"a", &[byte; 1000]] {
                let expected = dalek.sign(message).to_bytes();
                assert_eq!(pair.sign(message), expected);
                assert_eq!(pair.clone().sign(message), expected);
            }
        }
    }

    #[test]
    fn seeds_give_go_public_keys() {
        let op = KeyPair::from_seed(OPERATOR_SEED).unwrap();
        assert_eq!(op.kind(), KeyKind::Operator);
        assert_eq!(op.public_key().as_str(), OPERATOR_PUB);
        assert_eq!(op.seed().expose(), OPERATOR_SEED);
        let user = KeyPair::from_seed(USER_SEED).unwrap();
        assert_eq!(user.public_key().as_str(), USER_PUB);
    }

    #[test]
    fn all_ones_seed_is_the_spec_operator() {
        let pair = KeyPair::from_raw_seed(KeyKind::Operator, &[1u8; 32]).unwrap();
        assert_eq!(
            pair.seed().expose(),
            "SOAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIATA"
        );
        assert_eq!(
            pair.public_key().as_str(),
            "OCFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVYOCS"
        );
    }

    #[test]
    fn generated_keys_round_trip_through_seed() {
        for kind in KeyKind::ALL.into_iter().filter(|k| k.signs()) {
            let pair = KeyPair::generate(kind).unwrap();
            assert!(pair.public_key().as_str().starts_with(kind.letter()));
            assert_eq!(
                pair.seed().expose().get(..2),
                Some(format!("S{}", kind.letter()).as_str())
            );
            let again = KeyPair::from_seed(pair.seed().expose()).unwrap();
            assert_eq!(again.public_key(), pair.public_key());
            assert_eq!(pair.verifying_key().public_key(), pair.public_key());
        }
    }

    #[test]
    fn matches_the_nkeys_crate() {
        let ours = KeyPair::new_account().unwrap();
        let theirs = nkeys::KeyPair::from_seed(ours.seed().expose()).unwrap();
        assert_eq!(theirs.public_key(), ours.public_key().as_str());
        assert_eq!(
            Signer::public_key(&theirs).unwrap(),
            Signer::public_key(&ours).unwrap()
        );
        let msg = b"hello";
        assert_eq!(
            Signer::sign(&theirs, msg).unwrap(),
            Signer::sign(&ours, msg).unwrap()
        );
    }

    #[test]
    fn rejects_bad_crc() {
        let mut bad = OPERATOR_PUB.to_string();
        bad.replace_range(10..11, if &bad[10..11] == "A" { "B" } else { "A" });
        assert_eq!(PublicKey::parse(&bad), Err(KeyError::ChecksumMismatch));
        let mut bad_seed = USER_SEED.to_string();
        bad_seed.replace_range(20..21, if &bad_seed[20..21] == "A" { "B" } else { "A" });
        assert_eq!(
            KeyPair::from_seed(&bad_seed).unwrap_err(),
            KeyError::ChecksumMismatch
        );
    }

    #[test]
    fn rejects_bad_encoding_and_kinds() {
        assert_eq!(PublicKey::parse("a!"), Err(KeyError::InvalidEncoding));
        assert_eq!(
            PublicKey::parse(&format!("{OPERATOR_PUB}=")),
            Err(KeyError::InvalidEncoding)
        );
        // A seed is not a public key, nor a public key a seed.
        assert_eq!(
            PublicKey::parse(USER_SEED),
            Err(KeyError::InvalidLength { actual: 33 })
        );
        assert_eq!(
            KeyPair::from_seed(USER_PUB).unwrap_err(),
            KeyError::NotASeed
        );
        assert_eq!(
            PublicKey::parse_kind(OPERATOR_PUB, KeyKind::Account),
            Err(KeyError::WrongKind {
                expected: KeyKind::Account,
                found: KeyKind::Operator
            })
        );
        assert!(is_public_key_of(USER_PUB, KeyKind::User));
        assert!(!is_public_key_of(USER_PUB, KeyKind::Account));
    }

    #[test]
    fn secrets_are_redacted() {
        let pair = KeyPair::from_seed(USER_SEED).unwrap();
        let seed = pair.seed();
        assert_eq!(format!("{seed:?}"), "Secret(<redacted>)");
        assert!(!format!("{pair:?}").contains("SU"));
        assert!(format!("{pair:?}").contains(USER_PUB));
    }

    #[test]
    fn curve_keys_do_not_sign_or_verify() {
        assert_eq!(
            KeyPair::from_raw_seed(KeyKind::Curve, &[1; 32]).unwrap_err(),
            KeyError::UnsupportedKind(KeyKind::Curve)
        );
        let curve = PublicKey::from_bytes(KeyKind::Curve, [9; 32]);
        assert_eq!(
            curve.verify(b"x", &[0; 64]),
            Err(KeyError::UnsupportedKind(KeyKind::Curve))
        );
        assert!(ExternalSigner::new(curve.as_str(), |_: &str, _: &[u8]| Ok(vec![])).is_err());
    }

    #[test]
    fn signatures_verify() {
        let pair = KeyPair::new_user().unwrap();
        let sig = pair.sign(b"abc");
        pair.public_key().verify(b"abc", &sig).unwrap();
        assert_eq!(
            pair.public_key().verify(b"abd", &sig),
            Err(KeyError::BadSignature)
        );
        assert_eq!(
            pair.public_key().verify(b"abc", &sig[..63]),
            Err(KeyError::SignatureLength(63))
        );
        let kept = pair.verifying_key();
        assert_eq!(kept.verify(b"abc", &sig), Ok(()));
        assert_eq!(kept, VerifyingKey::new(pair.public_key()).unwrap());
    }

    #[test]
    fn external_signer_checks_length_and_keeps_its_error() {
        let signer = ExternalSigner::new(USER_PUB, |_: &str, _: &[u8]| Ok(vec![0u8; 10])).unwrap();
        assert_eq!(
            Signer::sign(&signer, b"x"),
            Err(KeyError::SignatureLength(10))
        );
        let failing =
            ExternalSigner::new(USER_PUB, |_: &str, _: &[u8]| Err("hsm offline".into())).unwrap();
        let err = Signer::sign(&failing, b"x").unwrap_err();
        assert_eq!(err.to_string(), "signer failed: hsm offline");
        let KeyError::Signer(source) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(source.to_string(), "hsm offline");
        assert_eq!(err.clone(), err);
    }
}
