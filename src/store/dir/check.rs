//! [`check`]: everything wrong in an operator store, each with its path.

use std::collections::BTreeMap;
use std::path::Path;

use super::super::file;
use super::super::layout::{Layout, check_name, check_public_key};
use super::super::{StoreError, StoreProblem};
use super::info::{Info, OPERATOR_KIND};
use super::seed;
use crate::keys::redact_seeds;
use crate::{AccountClaims, OperatorClaims, UserClaims};

/// The problems of the store `layout` describes; see [`DirStore::check`](super::DirStore::check).
pub(crate) fn check(layout: &Layout) -> Vec<StoreProblem> {
    let mut problems = Problems(Vec::new());
    check_info(layout, &mut problems);
    let operator = check_operator(layout, &mut problems);
    let seeds = check_seeds(layout, &mut problems);
    check_accounts(layout, operator.as_ref(), &seeds, &mut problems);
    problems.0
}

struct Problems(Vec<StoreProblem>);

/// What is wrong, for a problem that already names the path the error names.
fn detail(error: StoreError) -> String {
    match error {
        StoreError::Corrupt { why, .. } => why,
        StoreError::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

impl Problems {
    fn add(&mut self, path: &Path, problem: impl Into<String>) {
        self.0.push(StoreProblem::new(path, problem));
    }
}

/// What a seed file holds, by the public key it is named after.
#[derive(PartialEq, Eq)]
enum SeedFile {
    Sound,
    Broken,
}

fn check_info(layout: &Layout, problems: &mut Problems) {
    let path = layout.info();
    let bytes = match file::read_optional(&path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return problems.add(&path, "missing: not an nsc store"),
        Err(e) => return problems.add(&path, detail(e)),
    };
    match Info::parse(&bytes) {
        Err(why) => problems.add(&path, format!("not nsc's store description: {why}")),
        Ok(info) => {
            if info.kind != OPERATOR_KIND {
                problems.add(
                    &path,
                    format!(
                        "describes a store of kind {:?}, not an operator's",
                        redact_seeds(&info.kind)
                    ),
                );
            }
            if info.name != layout.operator {
                problems.add(
                    &path,
                    format!(
                        "names operator {:?}, not {:?}",
                        redact_seeds(&info.name),
                        layout.operator
                    ),
                );
            }
        }
    }
}

/// The operator's claims, when its JWT is sound.
fn check_operator(layout: &Layout, problems: &mut Problems) -> Option<OperatorClaims> {
    let path = layout.operator_jwt();
    let jwt = match file::read_text(&path) {
        Ok(Some(jwt)) => jwt,
        Ok(None) => {
            problems.add(&path, "missing operator JWT");
            return None;
        }
        Err(e) => {
            problems.add(&path, detail(e));
            return None;
        }
    };
    match OperatorClaims::decode(jwt.trim()) {
        Ok(claims) => Some(claims.into_claims()),
        Err(e) => {
            problems.add(&path, format!("not a valid operator JWT: {e}"));
            None
        }
    }
}

/// Every seed file under `<keys>/keys`: it must sit where `nsc` files its key and hold
/// that key's seed.
fn check_seeds(layout: &Layout, problems: &mut Problems) -> BTreeMap<String, SeedFile> {
    let mut seeds = BTreeMap::new();
    let root = layout.keys_root();
    let list = |dir: &Path, dirs: bool, problems: &mut Problems| match file::list(dir, dirs) {
        Ok(names) => names,
        Err(e) => {
            problems.add(dir, detail(e));
            Vec::new()
        }
    };
    for kind in list(&root, true, problems) {
        for shard in list(&root.join(&kind), true, problems) {
            let dir = root.join(&kind).join(&shard);
            for name in list(&dir, false, problems) {
                let Some(public_key) = name.strip_suffix(".nk") else {
                    continue; // not a seed file; nsc reads only `.nk`
                };
                let path = dir.join(&name);
                let sound = check_seed(layout, &path, public_key, problems);
                seeds.insert(
                    public_key.to_owned(),
                    if sound {
                        SeedFile::Sound
                    } else {
                        SeedFile::Broken
                    },
                );
            }
        }
    }
    seeds
}

fn check_seed(layout: &Layout, path: &Path, public_key: &str, problems: &mut Problems) -> bool {
    if check_public_key(public_key).is_err() || layout.key(public_key) != path {
        problems.add(path, "not named as nsc names a seed file");
        return false;
    }
    match seed::read_checked(path, public_key) {
        Ok(_) => true,
        Err(e) => {
            problems.add(path, detail(e));
            false
        }
    }
}

fn check_accounts(
    layout: &Layout,
    operator: Option<&OperatorClaims>,
    seeds: &BTreeMap<String, SeedFile>,
    problems: &mut Problems,
) {
    let dir = layout.accounts_dir();
    let names = match file::list(&dir, true) {
        Ok(names) => names,
        Err(e) => return problems.add(&dir, detail(e)),
    };
    if !dir.is_dir() {
        problems.add(&dir, "missing accounts directory");
    }
    let mut subjects: BTreeMap<String, String> = BTreeMap::new();
    for name in names {
        let account_dir = layout.account_dir(&name);
        if let Err(e) = check_name(&name) {
            problems.add(&account_dir, e.to_string());
            continue;
        }
        let Some(account) = check_account(layout, &name, operator, seeds, problems) else {
            continue;
        };
        if let Some(other) = subjects.insert(account.subject.clone(), name.clone()) {
            problems.add(
                &layout.account_jwt(&name),
                format!("account {} is also stored as {other:?}", account.subject),
            );
        }
        check_users(layout, &name, &account, problems);
    }
}

/// Checks one account; returns its claims when its JWT is sound enough to check its
/// users against.
fn check_account(
    layout: &Layout,
    name: &str,
    operator: Option<&OperatorClaims>,
    seeds: &BTreeMap<String, SeedFile>,
    problems: &mut Problems,
) -> Option<AccountClaims> {
    let path = layout.account_jwt(name);
    let jwt = match file::read_text(&path) {
        Ok(Some(jwt)) => jwt,
        Ok(None) => {
            problems.add(&path, "missing account JWT");
            return None;
        }
        Err(e) => {
            problems.add(&path, detail(e));
            return None;
        }
    };
    let claims = match AccountClaims::decode(jwt.trim()) {
        Ok(claims) => claims.into_claims(),
        Err(e) => {
            problems.add(&path, format!("not a valid account JWT: {e}"));
            return None;
        }
    };
    if claims.name != name {
        problems.add(
            &path,
            format!("the account is named {:?}, not {name:?}", claims.name),
        );
    }
    if let Some(operator) = operator {
        let by_operator = claims.issuer == operator.subject
            || operator.nats.signing_keys.contains(&claims.issuer);
        if !by_operator {
            problems.add(
                &path,
                format!(
                    "signed by {}, which is neither operator {} nor one of its signing keys",
                    claims.issuer, operator.subject
                ),
            );
        }
    }
    let keys = || std::iter::once(claims.subject.as_str()).chain(claims.nats.signing_keys.keys());
    // An account none of whose keys are stored is not managed here (pulled from the
    // servers, or imported into nsc from elsewhere); one with some but not all is broken:
    // saves store every seed before the JWT, so no crash leaves that.
    if keys().all(|key| !seeds.contains_key(key)) {
        return Some(claims);
    }
    for key in keys() {
        let missing = match seeds.get(key) {
            Some(SeedFile::Sound) => continue,
            Some(SeedFile::Broken) => continue, // reported with the seed file
            None => key == claims.subject || check_public_key(key).is_ok(),
        };
        if missing {
            let what = if key == claims.subject {
                "the account's"
            } else {
                "its signing key's"
            };
            problems.add(
                &path,
                format!("{what} seed is not stored ({key}): nothing can sign for it"),
            );
        }
    }
    Some(claims)
}

fn check_users(
    layout: &Layout,
    account_name: &str,
    account: &AccountClaims,
    problems: &mut Problems,
) {
    let dir = layout.users_dir(account_name);
    let names = match file::list(&dir, false) {
        Ok(names) => names,
        Err(e) => return problems.add(&dir, detail(e)),
    };
    for file_name in names {
        let Some(user) = file_name.strip_suffix(".jwt") else {
            continue; // nsc lists only `.jwt` files
        };
        let path = dir.join(&file_name);
        if let Err(e) = check_name(user) {
            problems.add(&path, detail(e));
            continue;
        }
        check_user(&path, user, account, problems);
    }
}

fn check_user(path: &Path, name: &str, account: &AccountClaims, problems: &mut Problems) {
    let jwt = match file::read_text(path) {
        Ok(Some(jwt)) => jwt,
        Ok(None) => return, // gone since listed
        Err(e) => return problems.add(path, detail(e)),
    };
    let claims = match UserClaims::decode(jwt.trim()) {
        Ok(claims) => claims.into_claims(),
        Err(e) => return problems.add(path, format!("not a valid user JWT: {e}")),
    };
    if claims.name != name {
        problems.add(
            path,
            format!("the user is named {:?}, not {name:?}", claims.name),
        );
    }
    let issuer = claims.issuer.as_str();
    let issuer_account = claims.nats.issuer_account.as_str();
    if issuer == account.subject {
        if !issuer_account.is_empty() && issuer_account != account.subject {
            problems.add(
                path,
                format!(
                    "issuer_account is {issuer_account}, not its account {}",
                    account.subject
                ),
            );
        }
    } else if account.nats.signing_keys.contains(issuer) {
        if issuer_account != account.subject {
            problems.add(
                path,
                format!(
                    "signed by a signing key of account {}, but issuer_account is {:?}",
                    account.subject, issuer_account
                ),
            );
        }
    } else if issuer_account != account.subject {
        problems.add(
            path,
            format!(
                "signed by {issuer}, which is neither account {} nor one of its signing keys",
                account.subject
            ),
        );
    }
    // Else a signing key the account has since removed signed it: the server refuses
    // such a user, and the store keeps it, as nsc does, like a revoked one.
}
