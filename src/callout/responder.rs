//! [`Responder`]: opens the requests of one callout set-up and signs its answers.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::CalloutError;
use super::replay::ReplayGuard;
use super::request::{AuthRequest, Delegated, Response};
use crate::claims::{
    ANY_ACCOUNT, AUTHORIZATION_REQUEST_AUDIENCE, AuthorizationRequestClaims,
    AuthorizationResponseClaims, UserClaims,
};
use crate::clock::{Clock, FixedClock, SystemClock};
#[cfg(feature = "xkeys")]
use crate::keys::XKey;
use crate::keys::{KeyKind, PublicKey, Signer, VerifyingKey};
use crate::trust::{Trust, TrustedAccount};
use crate::validation::TimeChecks;

/// How many request identifiers a responder remembers by default to refuse replays.
pub const DEFAULT_REPLAY_CAPACITY: usize = 65_536;
/// How long (seconds) a request without `exp` is remembered. The server always sets `exp`
/// (now + its auth timeout).
pub const DEFAULT_REPLAY_WINDOW: i64 = 120;
/// At most this many server keys are kept read for verifying their requests.
const SERVER_KEYS_KEPT: usize = 1024;

/// Where the server's callout is configured, which decides how users are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// Operator mode: the callout account's JWT sets `authorization` (`auth_users`,
    /// `allowed_accounts`, `xkey`). Users land in the account whose key (or signing key,
    /// with `issuer_account`) signs them.
    Operator,
    /// Config mode: the server configuration's `authorization.auth_callout` block. Users
    /// are signed by the `issuer` key and land in the account their `aud` names.
    Config,
}

/// An account key, or one of its signing keys, that signs for the account.
struct AccountSigner {
    account: String,
    signer: Arc<dyn Signer + Send + Sync>,
    /// The signer's public key.
    key: String,
    /// `issuer_account` of what it signs: the account when `key` is a signing key.
    issuer_account: String,
}

impl AccountSigner {
    fn new(
        role: &'static str,
        account: &str,
        signer: Arc<dyn Signer + Send + Sync>,
    ) -> Result<Self, CalloutError> {
        let account = PublicKey::parse_kind(account, KeyKind::Account)
            .map_err(|source| CalloutError::NotAnAccount {
                role,
                key: account.to_owned(),
                source,
            })?
            .to_string();
        let key = signer.public_key().map_err(CalloutError::SignerKey)?;
        if key.kind() != KeyKind::Account {
            return Err(CalloutError::SignerKind {
                key: key.to_string(),
                kind: key.kind(),
            });
        }
        let key = key.to_string();
        let issuer_account = if key == account {
            String::new()
        } else {
            account.clone()
        };
        Ok(AccountSigner {
            account,
            signer,
            key,
            issuer_account,
        })
    }

    /// Refuses a signer the account's JWT does not know.
    fn check_against(&self, account: &TrustedAccount) -> Result<(), CalloutError> {
        if self.key != self.account && !account.claims().nats.signing_keys.contains(&self.key) {
            return Err(CalloutError::SignerNotOfAccount {
                account: self.account.clone(),
                signer: self.key.clone(),
            });
        }
        Ok(())
    }
}

/// Builds a [`Responder`]; made by [`Responder::operator_mode`] or
/// [`Responder::config_mode`]. Every check happens in [`ResponderBuilder::build`].
pub struct ResponderBuilder {
    mode: Mode,
    account: String,
    signer: Arc<dyn Signer + Send + Sync>,
    placements: Vec<(String, Arc<dyn Signer + Send + Sync>)>,
    #[cfg(feature = "xkeys")]
    xkey: Option<XKey>,
    trust: Trust,
    accounts: Vec<TrustedAccount>,
    clock: Arc<dyn Clock + Send + Sync>,
    replay_capacity: usize,
}

impl fmt::Debug for ResponderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponderBuilder")
            .field("mode", &self.mode)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl ResponderBuilder {
    /// Decrypts requests with `xkey` and seals answers to the server: the curve key whose
    /// public half the callout account's `authorization.xkey` (operator mode) or the
    /// `auth_callout.xkey` setting (config mode) names.
    #[cfg(feature = "xkeys")]
    #[cfg_attr(docsrs, doc(cfg(feature = "xkeys")))]
    pub fn xkey(mut self, xkey: XKey) -> Self {
        self.xkey = Some(xkey);
        self
    }

    /// Operator mode: users may also be placed in `account` (one of the callout account's
    /// `allowed_accounts`), signed by `signer`: that account's key, or one of its signing
    /// keys (then `issuer_account` is set).
    pub fn account_signer(
        mut self,
        account: &str,
        signer: impl Signer + Send + Sync + 'static,
    ) -> Self {
        self.placements.push((account.to_owned(), Arc::new(signer)));
        self
    }

    /// Checks the JWTs clients present (`connect_opts.jwt`) with `trust`: see
    /// [`AuthRequest::delegated`]. Their accounts are given with
    /// [`ResponderBuilder::account`].
    pub fn trust(mut self, trust: Trust) -> Self {
        self.trust = trust;
        self
    }

    /// An account's JWT, checked by a [`Trust`]: the responder then refuses what the
    /// server would refuse of it when placing users in it (a signer that is not its key or
    /// signing key, a scoped signing key's user with permissions, a revoked user, placing
    /// outside the callout account's `allowed_accounts`, an xkey other than its
    /// `authorization.xkey`), and verifies the users clients present from it. Replace it
    /// later with [`Responder::update_account`].
    pub fn account(mut self, account: TrustedAccount) -> Self {
        self.accounts.push(account);
        self
    }

    /// Takes "now" from `clock` for request expiry, replays, the user checks and `iat`.
    pub fn clock(mut self, clock: impl Clock + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Remembers up to `capacity` request identifiers to refuse replays (default
    /// [`DEFAULT_REPLAY_CAPACITY`]; 0 turns the check off).
    pub fn replay_capacity(mut self, capacity: usize) -> Self {
        self.replay_capacity = capacity;
        self
    }

    /// Checks the set-up and makes the responder.
    ///
    /// Refuses: a key that is not an account key; a signer that is not an account key;
    /// in config mode a signer other than the issuer, and account signers; two signers for
    /// one account; and, for accounts given with [`ResponderBuilder::account`], a signer
    /// that is not the account's key or signing key, a placement outside the callout
    /// account's `allowed_accounts`, and an xkey other than its `authorization.xkey`.
    pub fn build(self) -> Result<Responder, CalloutError> {
        let role = match self.mode {
            Mode::Operator => "the callout account",
            Mode::Config => "the auth_callout issuer",
        };
        let callout = AccountSigner::new(role, &self.account, self.signer)?;
        if self.mode == Mode::Config {
            if !callout.issuer_account.is_empty() {
                return Err(CalloutError::ConfigModeSigningKey {
                    issuer: callout.account,
                    signer: callout.key,
                });
            }
            if !self.placements.is_empty() {
                return Err(CalloutError::PlacementInConfigMode);
            }
        }
        let mut placements: Vec<AccountSigner> = Vec::with_capacity(self.placements.len());
        for (account, signer) in self.placements {
            let placement = AccountSigner::new("a placement account", &account, signer)?;
            if placement.account == callout.account
                || placements.iter().any(|p| p.account == placement.account)
            {
                return Err(CalloutError::DuplicateAccount(placement.account));
            }
            placements.push(placement);
        }
        let accounts: HashMap<String, TrustedAccount> = self
            .accounts
            .into_iter()
            .map(|account| (account.claims().subject.clone(), account))
            .collect();
        for signer in std::iter::once(&callout).chain(&placements) {
            if let Some(account) = accounts.get(&signer.account) {
                signer.check_against(account)?;
            }
        }
        if let Some(account) = accounts.get(&callout.account) {
            let authorization = &account.claims().nats.authorization;
            let allowed = &authorization.allowed_accounts;
            let any = allowed.len() == 1 && allowed.iter().any(|a| a == ANY_ACCOUNT);
            if let Some(outside) = placements
                .iter()
                .find(|p| !any && !allowed.contains(&p.account))
            {
                return Err(CalloutError::AccountNotAllowed {
                    account: outside.account.clone(),
                });
            }
            #[cfg(feature = "xkeys")]
            let responder_xkey = self
                .xkey
                .as_ref()
                .map(|x| x.public_key().to_string())
                .unwrap_or_default();
            #[cfg(not(feature = "xkeys"))]
            let responder_xkey = String::new();
            if authorization.xkey != responder_xkey {
                return Err(CalloutError::XKeyMismatch {
                    account: authorization.xkey.clone(),
                    responder: responder_xkey,
                });
            }
        }
        let trust = self.trust.with_clock(Arc::clone(&self.clock));
        Ok(Responder {
            mode: self.mode,
            callout,
            placements,
            #[cfg(feature = "xkeys")]
            xkey: self.xkey,
            trust,
            accounts: RwLock::new(accounts),
            clock: self.clock,
            replay: Mutex::new(ReplayGuard::new(self.replay_capacity)),
            server_keys: RwLock::new(HashMap::new()),
        })
    }
}

/// Answers auth callout requests for one callout set-up, without any network: give it a
/// request's payload and `Nats-Server-Xkey` header, get back a verified [`AuthRequest`];
/// answer it with [`Responder::allow`] or [`Responder::deny`] (or not at all), and publish
/// the [`Response`]'s payload to the request's reply subject.
///
/// The responder is made from the callout account's public key and the signer of the
/// responses: that account's key or one of its signing keys, in which case
/// `issuer_account` is set on what it signs (without it the server refuses the client
/// while the service believes it let it in). It checks each request as the server made
/// it: sealed exactly when it has an xkey, signed by the server it names
/// (`server_id.id`), for `nats-authorization-request`, within `exp`/`nbf`, not seen
/// before; and each user before signing it, as the server will check it.
///
/// A replay is recognised by the request's `user_nkey`, which the server makes anew for
/// every connection attempt, and by the client's nonce. Not by `jti`: Go's `jti` hashes
/// the standard claims only (`aud`, `exp`, `iat`, `iss`, `sub`…), which are the same for
/// every request a server sends for one account within a second.
///
/// ```
/// use natsjwt::callout::Responder;
/// use natsjwt::{AuthorizationRequestClaims, AuthorizationResponseClaims, KeyKind, KeyPair, UserClaims};
///
/// let callout_account = KeyPair::new_account()?;
/// let signing_key = KeyPair::new_account()?; // one of its signing keys
/// let responder = Responder::operator_mode(callout_account.public_key().as_str(), signing_key)
///     .build()?;
///
/// // What the server sends on $SYS.REQ.USER.AUTH (here made up: a server key signs it).
/// let server = KeyPair::generate(KeyKind::Server)?;
/// let client = KeyPair::new_user()?; // the server's key for this connection
/// let mut sent = AuthorizationRequestClaims::new(callout_account.public_key().as_str());
/// sent.audience = "nats-authorization-request".into();
/// sent.nats.server_id.id = server.public_key().to_string();
/// sent.nats.user_nkey = client.public_key().to_string();
/// sent.nats.connect_opts.user = "alice".into();
/// let payload = sent.encode(&server)?;
///
/// let request = responder.open(payload.as_bytes(), None)?;
/// assert_eq!(request.connect_options().user, "alice");
/// let mut user = UserClaims::new(request.user_nkey());
/// user.name = "alice".into();
/// user.nats.permissions.publish.allow.push("alice.>".into());
/// let response = responder.allow(&request, user)?;
///
/// let answer = std::str::from_utf8(response.payload())?;
/// let answer = AuthorizationResponseClaims::decode(answer)?;
/// assert_eq!(answer.claims().audience, server.public_key().as_str());
/// assert_eq!(answer.claims().nats.issuer_account, callout_account.public_key().as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Responder {
    mode: Mode,
    /// Signs the responses, and the users placed in the callout account.
    callout: AccountSigner,
    /// Sign the users placed in other accounts (operator mode).
    placements: Vec<AccountSigner>,
    #[cfg(feature = "xkeys")]
    xkey: Option<XKey>,
    trust: Trust,
    accounts: RwLock<HashMap<String, TrustedAccount>>,
    clock: Arc<dyn Clock + Send + Sync>,
    replay: Mutex<ReplayGuard>,
    /// The keys of the servers whose requests verified, read once.
    server_keys: RwLock<HashMap<String, VerifyingKey>>,
}

impl fmt::Debug for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responder")
            .field("mode", &self.mode)
            .field("account", &self.callout.account)
            .field("signer", &self.callout.key)
            .field(
                "placements",
                &self
                    .placements
                    .iter()
                    .map(|p| p.account.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A lock whose holder panicked still holds consistent data here: every critical section
/// only inserts or removes whole entries.
fn recover<G>(result: Result<G, PoisonError<G>>) -> G {
    result.unwrap_or_else(PoisonError::into_inner)
}

impl Responder {
    /// Operator mode: `callout_account` is the account whose JWT sets `authorization`,
    /// `signer` its key or one of its signing keys.
    pub fn operator_mode(
        callout_account: &str,
        signer: impl Signer + Send + Sync + 'static,
    ) -> ResponderBuilder {
        Self::builder(Mode::Operator, callout_account, Arc::new(signer))
    }

    /// Config mode: `issuer` is the `auth_callout.issuer` account key and `signer` holds
    /// it (the server accepts no signing key there).
    pub fn config_mode(
        issuer: &str,
        signer: impl Signer + Send + Sync + 'static,
    ) -> ResponderBuilder {
        Self::builder(Mode::Config, issuer, Arc::new(signer))
    }

    fn builder(
        mode: Mode,
        account: &str,
        signer: Arc<dyn Signer + Send + Sync>,
    ) -> ResponderBuilder {
        ResponderBuilder {
            mode,
            account: account.to_owned(),
            signer,
            placements: Vec::new(),
            #[cfg(feature = "xkeys")]
            xkey: None,
            trust: Trust::new(),
            accounts: Vec::new(),
            clock: Arc::new(SystemClock),
            replay_capacity: DEFAULT_REPLAY_CAPACITY,
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The callout account (operator mode) or issuer (config mode).
    pub fn account(&self) -> &str {
        &self.callout.account
    }

    /// The public key that signs the responses.
    pub fn signer_key(&self) -> &str {
        &self.callout.key
    }

    /// The responder's curve public key, when it has one.
    #[cfg(feature = "xkeys")]
    #[cfg_attr(docsrs, doc(cfg(feature = "xkeys")))]
    pub fn xkey(&self) -> Option<&PublicKey> {
        self.xkey.as_ref().map(XKey::public_key)
    }

    /// Replaces (or adds) an account's JWT, e.g. after it was updated with a revocation:
    /// users it revoked are refused from then on.
    pub fn update_account(&self, account: TrustedAccount) {
        recover(self.accounts.write()).insert(account.claims().subject.clone(), account);
    }

    /// Opens and verifies a request: `payload` is the message's payload,
    /// `server_xkey_header` its `Nats-Server-Xkey` header.
    ///
    /// A sealed request (the header is present) needs the responder's xkey, a plain one
    /// needs a responder without one; either mismatch is refused. The request must verify
    /// under its issuer, a server key equal to `server_id.id`; have the audience
    /// `nats-authorization-request` and a user `user_nkey`; be within its `exp` and `nbf`;
    /// and not repeat a request seen before (its `user_nkey`, or the client's nonce). A JWT the
    /// client presents is checked then (see [`AuthRequest::delegated`]).
    pub fn open(
        &self,
        payload: &[u8],
        server_xkey_header: Option<&str>,
    ) -> Result<AuthRequest, CalloutError> {
        let now = self.clock.now();
        #[cfg(feature = "xkeys")]
        let (opened, server_xkey) = match (server_xkey_header, &self.xkey) {
            (Some(header), Some(xkey)) => {
                let server = PublicKey::parse_kind(header.trim(), KeyKind::Curve)
                    .map_err(CalloutError::ServerXKey)?;
                let opened = xkey.open(payload, &server).map_err(CalloutError::Open)?;
                (Cow::Owned(opened), Some(server))
            }
            (Some(_), None) => return Err(CalloutError::SealedButNoXKey),
            (None, Some(_)) => return Err(CalloutError::PlainButXKey),
            (None, None) => (Cow::Borrowed(payload), None),
        };
        #[cfg(not(feature = "xkeys"))]
        let opened: Cow<'_, [u8]> = match server_xkey_header {
            Some(_) => return Err(CalloutError::SealedButNoXKey),
            None => Cow::Borrowed(payload),
        };
        let token = std::str::from_utf8(&opened)
            .ok()
            .filter(|token| token.starts_with("eyJ"))
            .ok_or(CalloutError::NotAJwt)?;
        let claims = self.verify_request(token)?;
        if claims.issuer != claims.nats.server_id.id {
            return Err(CalloutError::IssuerNotServer {
                issuer: claims.issuer,
                server_id: claims.nats.server_id.id,
            });
        }
        if claims.audience != AUTHORIZATION_REQUEST_AUDIENCE {
            return Err(CalloutError::Audience(claims.audience));
        }
        let validation = claims.validate_with(&FixedClock(now));
        if validation.is_blocking(TimeChecks::Included) {
            return Err(CalloutError::InvalidRequest(validation.issues));
        }
        let until = if claims.expires != 0 {
            claims.expires
        } else {
            now.saturating_add(DEFAULT_REPLAY_WINDOW)
        };
        recover(self.replay.lock())
            .record(
                &[
                    claims.nats.user_nkey.as_str(),
                    claims.nats.client_info.nonce.as_str(),
                ],
                until,
                now,
            )
            .map_err(|seen| CalloutError::Replayed(seen.to_owned()))?;
        let delegated = self.delegate(&claims.nats.connect_opts.jwt);
        Ok(AuthRequest::new(
            claims,
            #[cfg(feature = "xkeys")]
            server_xkey,
            delegated,
        ))
    }

    /// Decodes the request and verifies it under its issuer, whose key is read once.
    fn verify_request(&self, token: &str) -> Result<AuthorizationRequestClaims, CalloutError> {
        let unverified = crate::claims::decode_unverified::<AuthorizationRequestClaims>(token)
            .map_err(CalloutError::Request)?;
        let issuer = &unverified.unverified_claims().issuer;
        let kept = recover(self.server_keys.read()).get(issuer).cloned();
        let verified = match kept {
            Some(key) => unverified.verify_with(&key),
            None => {
                let key = PublicKey::parse(issuer)
                    .ok()
                    .and_then(|public| VerifyingKey::new(&public).ok());
                let verified = unverified.verify();
                if let (Ok(_), Some(key)) = (&verified, key) {
                    let mut keys = recover(self.server_keys.write());
                    if keys.len() < SERVER_KEYS_KEPT {
                        keys.insert(key.public_key().to_string(), key);
                    }
                }
                verified
            }
        };
        Ok(verified.map_err(CalloutError::Request)?.into_claims())
    }

    /// Checks the JWT a client presented.
    fn delegate(&self, jwt: &str) -> Delegated {
        if jwt.is_empty() {
            return Delegated::NotPresented;
        }
        if self.trust.operators().next().is_none() {
            return Delegated::Unchecked;
        }
        let accounts = recover(self.accounts.read());
        match self
            .trust
            .verify_user_of(jwt, |account| accounts.get(account))
        {
            Ok(user) => Delegated::Trusted(Box::new(user)),
            Err(error) => Delegated::Refused(error),
        }
    }

    /// Lets the client in as `user`, placed in the callout account (operator mode) or in
    /// the account its `aud` names (config mode).
    ///
    /// `user.subject` may be left empty (it becomes the request's `user_nkey`) and may not
    /// differ. Before signing, the claims are checked as the server will: no validation
    /// issue at all (the server refuses a callout user with any, warnings included), the
    /// right `issuer_account`, and, when the account's JWT was given, its signer, scope,
    /// bearer, connection type and revocation rules. A scoped signing key's user carries
    /// no permissions or limits of its own (the scope's template applies): claims with
    /// nothing set are made scoped, claims with permissions or limits are refused.
    pub fn allow(&self, request: &AuthRequest, user: UserClaims) -> Result<Response, CalloutError> {
        match self.mode {
            Mode::Operator => self.allow_signed(request, &self.callout, user),
            Mode::Config => {
                if user.audience.is_empty() {
                    return Err(CalloutError::NoTargetAccount);
                }
                self.allow_signed(request, &self.callout, user)
            }
        }
    }

    /// Lets the client in as `user`, placed in `account`: in operator mode an account's
    /// public key (the callout account, or one given with
    /// [`ResponderBuilder::account_signer`]); in config mode an account's name, written as
    /// the user's `aud`.
    pub fn allow_in(
        &self,
        request: &AuthRequest,
        account: &str,
        mut user: UserClaims,
    ) -> Result<Response, CalloutError> {
        match self.mode {
            Mode::Operator => {
                let signer = std::iter::once(&self.callout)
                    .chain(&self.placements)
                    .find(|signer| signer.account == account)
                    .ok_or_else(|| CalloutError::UnknownAccount(account.to_owned()))?;
                self.allow_signed(request, signer, user)
            }
            Mode::Config => {
                if !user.audience.is_empty() && user.audience != account {
                    return Err(CalloutError::AccountMismatch {
                        expected: account.to_owned(),
                        found: user.audience,
                    });
                }
                if account.is_empty() {
                    return Err(CalloutError::NoTargetAccount);
                }
                user.audience = account.to_owned();
                self.allow_signed(request, &self.callout, user)
            }
        }
    }

    fn allow_signed(
        &self,
        request: &AuthRequest,
        signer: &AccountSigner,
        mut user: UserClaims,
    ) -> Result<Response, CalloutError> {
        let now = self.clock.now();
        if user.subject.is_empty() {
            user.subject = request.user_nkey().to_owned();
        } else if user.subject != request.user_nkey() {
            return Err(CalloutError::WrongUser {
                expected: request.user_nkey().to_owned(),
                found: user.subject,
            });
        }
        let named = &user.nats.issuer_account;
        let may_name = match self.mode {
            // The account itself may be named when its own key signs.
            Mode::Operator => {
                named.is_empty() || named == &signer.issuer_account || named == &signer.account
            }
            Mode::Config => named.is_empty(),
        };
        if !may_name {
            return Err(CalloutError::AccountMismatch {
                expected: signer.issuer_account.clone(),
                found: user.nats.issuer_account,
            });
        }
        if !signer.issuer_account.is_empty() {
            user.nats.issuer_account = signer.issuer_account.clone();
        }
        user.issuer = signer.key.clone();
        user.issued_at = now;
        let validation = user.validate_with(&FixedClock(now));
        if !validation.is_empty() {
            return Err(CalloutError::InvalidUser(validation.issues));
        }
        if self.mode == Mode::Operator
            && let Some(account) = recover(self.accounts.read()).get(&signer.account)
        {
            let scoped = account
                .claims()
                .nats
                .signing_keys
                .get(&signer.key)
                .is_some_and(|key| key.scope().is_some());
            if scoped && user.nats.is_as_new() {
                user.nats.set_scoped(true);
            }
            self.trust
                .admit_user(account, &user)
                .map_err(CalloutError::UserRefused)?;
        }
        let user_jwt = user
            .encode_at(signer.signer.as_ref(), now)
            .map_err(CalloutError::Sign)?;
        self.respond(request, user_jwt, String::new(), now)
    }

    /// Refuses the client, telling the server why (`reason` goes to the server's log,
    /// never to the client, which sees an authorization violation).
    ///
    /// Not answering at all (dropping the request) refuses the client too, after the
    /// server's auth timeout: the answer recommended for a client that looks hostile,
    /// since it learns nothing and is slowed down.
    pub fn deny(&self, request: &AuthRequest, reason: &str) -> Result<Response, CalloutError> {
        let reason = if reason.is_empty() {
            "not authorized"
        } else {
            reason
        };
        self.respond(request, String::new(), reason.to_owned(), self.clock.now())
    }

    fn respond(
        &self,
        request: &AuthRequest,
        jwt: String,
        error: String,
        now: i64,
    ) -> Result<Response, CalloutError> {
        let allowed = !jwt.is_empty();
        let mut response = AuthorizationResponseClaims::new(request.user_nkey());
        response.audience = request.server_id().to_owned();
        response.nats.jwt = jwt;
        response.nats.error = error;
        response.nats.issuer_account = self.callout.issuer_account.clone();
        let token = response
            .encode_at(self.callout.signer.as_ref(), now)
            .map_err(CalloutError::Sign)?;
        #[cfg(feature = "xkeys")]
        if let (Some(server), Some(xkey)) = (request.server_xkey(), &self.xkey) {
            let sealed = xkey
                .seal(token.as_bytes(), server)
                .map_err(CalloutError::Seal)?;
            return Ok(Response::new(sealed, true, allowed));
        }
        Ok(Response::new(token.into_bytes(), false, allowed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{AccountClaims, ClaimsError, OperatorClaims};
    use crate::keys::KeyPair;
    use crate::trust::{Link, TrustError};
    use crate::types::UserScope;

    const NOW: i64 = 1_800_000_000;

    fn server() -> KeyPair {
        KeyPair::generate(KeyKind::Server).expect("a server key")
    }

    fn account() -> KeyPair {
        KeyPair::new_account().expect("an account key")
    }

    /// A request as the server makes it: signed by `server`, for `account`, expiring in 2 s.
    fn request_with(
        server: &KeyPair,
        account: &str,
        change: impl FnOnce(&mut AuthorizationRequestClaims),
    ) -> (String, String) {
        let user_nkey = KeyPair::new_user()
            .expect("a user key")
            .public_key()
            .to_string();
        let mut claims = AuthorizationRequestClaims::new(account);
        claims.audience = AUTHORIZATION_REQUEST_AUDIENCE.into();
        claims.expires = NOW + 2;
        claims.nats.server_id.id = server.public_key().to_string();
        claims.nats.server_id.name = "n1".into();
        claims.nats.user_nkey = user_nkey.clone();
        claims.nats.connect_opts.user = "alice".into();
        claims.nats.connect_opts.password = "secret".into();
        change(&mut claims);
        let token = claims.encode_at(server, NOW).expect("the request signs");
        (token, user_nkey)
    }

    fn request_token(server: &KeyPair, account: &str) -> (String, String) {
        request_with(server, account, |_| {})
    }

    fn operator_responder(account: &KeyPair, signer: KeyPair) -> Responder {
        Responder::operator_mode(account.public_key().as_str(), signer)
            .clock(FixedClock(NOW))
            .build()
            .expect("the responder builds")
    }

    fn decode_response(response: &Response) -> AuthorizationResponseClaims {
        let token = std::str::from_utf8(response.payload()).expect("a plain response is text");
        AuthorizationResponseClaims::decode(token)
            .expect("the response verifies")
            .into_claims()
    }

    #[test]
    fn allows_with_the_account_key() {
        let (server, account) = (server(), account());
        let responder = operator_responder(&account, account.clone());
        let (token, user_nkey) = request_token(&server, account.public_key().as_str());
        let request = responder
            .open(token.as_bytes(), None)
            .expect("the request opens");
        assert_eq!(request.user_nkey(), user_nkey);
        assert_eq!(request.connect_options().password, "secret");
        assert!(!request.is_sealed());
        assert!(matches!(request.delegated(), Delegated::NotPresented));
        let mut user = UserClaims::new("");
        user.name = "alice".into();
        let response = responder.allow(&request, user).expect("allowed");
        assert!(response.is_allowed() && !response.is_sealed());
        let answer = decode_response(&response);
        assert_eq!(answer.subject, user_nkey);
        assert_eq!(answer.audience, server.public_key().as_str());
        assert_eq!(answer.issuer, account.public_key().as_str());
        assert_eq!(answer.nats.issuer_account, "");
        assert_eq!(answer.issued_at, NOW);
        let user = UserClaims::decode(&answer.nats.jwt)
            .expect("the user verifies")
            .into_claims();
        assert_eq!(user.subject, user_nkey);
        assert_eq!(user.issuer, account.public_key().as_str());
        assert_eq!(user.name, "alice");
        assert_eq!(user.nats.issuer_account, "");
    }

    #[test]
    fn a_signing_key_sets_issuer_account_on_the_user_and_the_response() {
        let (server, account, signing_key) = (server(), account(), account());
        let responder = operator_responder(&account, signing_key.clone());
        assert_eq!(responder.signer_key(), signing_key.public_key().as_str());
        let (token, _) = request_token(&server, account.public_key().as_str());
        let request = responder.open(token.as_bytes(), None).expect("opens");
        let answer = decode_response(
            &responder
                .allow(&request, UserClaims::new(""))
                .expect("allowed"),
        );
        assert_eq!(answer.issuer, signing_key.public_key().as_str());
        assert_eq!(answer.nats.issuer_account, account.public_key().as_str());
        let user = UserClaims::decode(&answer.nats.jwt)
            .expect("verifies")
            .into_claims();
        assert_eq!(user.issuer, signing_key.public_key().as_str());
        assert_eq!(user.nats.issuer_account, account.public_key().as_str());
    }

    #[test]
    fn denies_with_a_reason() {
        let (server, account) = (server(), account());
        let responder = operator_responder(&account, account.clone());
        let (token, user_nkey) = request_token(&server, account.public_key().as_str());
        let request = responder.open(token.as_bytes(), None).expect("opens");
        let response = responder.deny(&request, "bad password").expect("denied");
        assert!(!response.is_allowed());
        let answer = decode_response(&response);
        assert_eq!(answer.subject, user_nkey);
        assert_eq!(answer.nats.error, "bad password");
        assert_eq!(answer.nats.jwt, "");
        assert_eq!(
            decode_response(&responder.deny(&request, "").expect("denied"))
                .nats
                .error,
            "not authorized"
        );
    }

    #[test]
    fn refuses_requests_the_server_did_not_make() {
        let (server, account) = (server(), account());
        let responder = operator_responder(&account, account.clone());
        let key = account.public_key().as_str();
        let open = |token: &str| responder.open(token.as_bytes(), None).map(|_| ());

        let other_server = self::server();
        let (token, _) = request_with(&server, key, |c| {
            c.nats.server_id.id = other_server.public_key().to_string();
        });
        assert!(
            matches!(open(&token), Err(CalloutError::IssuerNotServer { issuer, .. }) if issuer == server.public_key().as_str())
        );

        let (token, _) = request_with(&server, key, |c| c.audience = "someone".into());
        assert!(matches!(open(&token), Err(CalloutError::Audience(a)) if a == "someone"));

        let (token, _) = request_with(&server, key, |c| c.expires = NOW - 1);
        match open(&token) {
            Err(CalloutError::InvalidRequest(issues)) => {
                assert_eq!(issues[0].description, "claim is expired")
            }
            other => panic!("expected an expired request, got {other:?}"),
        }
        let (token, _) = request_with(&server, key, |c| c.not_before = NOW + 5);
        assert!(matches!(open(&token), Err(CalloutError::InvalidRequest(_))));

        let (token, _) = request_with(&server, key, |c| {
            c.nats.user_nkey = account.public_key().to_string()
        });
        match open(&token) {
            Err(CalloutError::InvalidRequest(issues)) => assert!(
                issues[0]
                    .description
                    .contains("is not a valid user public key"),
                "{issues:?}"
            ),
            other => panic!("expected an invalid user nkey, got {other:?}"),
        }

        // Signed by an account key (encode refuses that; the bytes are made by hand).
        let mut claims = AuthorizationRequestClaims::new(key);
        claims.audience = AUTHORIZATION_REQUEST_AUDIENCE.into();
        claims.issuer = key.to_owned();
        claims.nats.server_id.id = key.to_owned();
        claims.nats.user_nkey = KeyPair::new_user().expect("a key").public_key().to_string();
        let payload = claims.to_json().expect("writes");
        let b64 = |bytes: &[u8]| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        };
        let input = format!("{}.{}", crate::jws::HEADER_B64, b64(payload.as_bytes()));
        let token = format!("{input}.{}", b64(&account.sign(input.as_bytes())));
        assert!(matches!(
            open(&token),
            Err(CalloutError::Request(ClaimsError::IssuerNotAllowed {
                kind: KeyKind::Account,
                ..
            }))
        ));
        // A flipped signature.
        let (token, _) = request_token(&server, key);
        let mut tampered = token.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(matches!(
            responder.open(&tampered, None),
            Err(CalloutError::Request(_))
        ));
        assert!(matches!(
            responder.open(b"hello", None),
            Err(CalloutError::NotAJwt)
        ));
    }

    #[test]
    fn refuses_a_replayed_request() {
        let (server, account) = (server(), account());
        let responder = operator_responder(&account, account.clone());
        let (token, user_nkey) = request_token(&server, account.public_key().as_str());
        assert!(responder.open(token.as_bytes(), None).is_ok());
        match responder.open(token.as_bytes(), None) {
            Err(CalloutError::Replayed(id)) => assert_eq!(id, user_nkey),
            other => panic!("expected a replay, got {other:?}"),
        }
        // Requests of one second for one account share their jti (Go hashes the standard
        // claims only), and are not replays of each other.
        let (other, _) = request_token(&server, account.public_key().as_str());
        let jti = |token: &str| {
            AuthorizationRequestClaims::decode(token)
                .expect("verifies")
                .into_claims()
                .id
        };
        assert_eq!(jti(&token), jti(&other));
        assert!(responder.open(other.as_bytes(), None).is_ok());
        // The same client nonce in another request is refused too.
        let (first, _) = request_with(&server, account.public_key().as_str(), |c| {
            c.nats.client_info.nonce = "nonce-1".into()
        });
        let (second, _) = request_with(&server, account.public_key().as_str(), |c| {
            c.nats.client_info.nonce = "nonce-1".into()
        });
        assert!(responder.open(first.as_bytes(), None).is_ok());
        assert!(matches!(
            responder.open(second.as_bytes(), None),
            Err(CalloutError::Replayed(id)) if id == "nonce-1"
        ));
    }

    #[test]
    fn refuses_users_the_server_would_refuse() {
        let (server, account) = (server(), account());
        let responder = operator_responder(&account, account.clone());
        let (token, _) = request_token(&server, account.public_key().as_str());
        let request = responder.open(token.as_bytes(), None).expect("opens");
        let someone = KeyPair::new_user().expect("a user key");
        assert!(matches!(
            responder.allow(&request, UserClaims::new(someone.public_key().as_str())),
            Err(CalloutError::WrongUser { found, .. }) if found == someone.public_key().as_str()
        ));
        let mut user = UserClaims::new("");
        user.nats.permissions.publish.allow.push("a..b".into());
        match responder.allow(&request, user) {
            Err(CalloutError::InvalidUser(issues)) => assert_eq!(
                issues[0].description,
                r#"subject "a..b" cannot contain consecutive `.`"#
            ),
            other => panic!("expected an invalid user, got {other:?}"),
        }
        let mut expired = UserClaims::new("");
        expired.expires = NOW - 10;
        assert!(matches!(
            responder.allow(&request, expired),
            Err(CalloutError::InvalidUser(_))
        ));
        let mut other_account = UserClaims::new("");
        other_account.nats.issuer_account = self::account().public_key().to_string();
        assert!(matches!(
            responder.allow(&request, other_account),
            Err(CalloutError::AccountMismatch { .. })
        ));
        assert!(matches!(
            responder.allow_in(
                &request,
                self::account().public_key().as_str(),
                UserClaims::new("")
            ),
            Err(CalloutError::UnknownAccount(_))
        ));
    }

    #[test]
    fn places_users_in_other_accounts() {
        let (server, callout, app, app_signing) = (server(), account(), account(), account());
        let responder = Responder::operator_mode(callout.public_key().as_str(), callout.clone())
            .account_signer(app.public_key().as_str(), app_signing.clone())
            .clock(FixedClock(NOW))
            .build()
            .expect("builds");
        let (token, _) = request_token(&server, callout.public_key().as_str());
        let request = responder.open(token.as_bytes(), None).expect("opens");
        let answer = decode_response(
            &responder
                .allow_in(&request, app.public_key().as_str(), UserClaims::new(""))
                .expect("allowed"),
        );
        // The callout account signs the response; the app's signing key the user.
        assert_eq!(answer.issuer, callout.public_key().as_str());
        assert_eq!(answer.nats.issuer_account, "");
        let user = UserClaims::decode(&answer.nats.jwt)
            .expect("verifies")
            .into_claims();
        assert_eq!(user.issuer, app_signing.public_key().as_str());
        assert_eq!(user.nats.issuer_account, app.public_key().as_str());
    }

    #[test]
    fn config_mode_places_by_aud_and_takes_no_signing_key() {
        let (server, issuer) = (server(), account());
        let responder = Responder::config_mode(issuer.public_key().as_str(), issuer.clone())
            .clock(FixedClock(NOW))
            .build()
            .expect("builds");
        assert_eq!(responder.mode(), Mode::Config);
        let (token, _) = request_token(&server, issuer.public_key().as_str());
        let request = responder.open(token.as_bytes(), None).expect("opens");
        assert!(matches!(
            responder.allow(&request, UserClaims::new("")),
            Err(CalloutError::NoTargetAccount)
        ));
        let answer = decode_response(
            &responder
                .allow_in(&request, "APP", UserClaims::new(""))
                .expect("allowed"),
        );
        let user = UserClaims::decode(&answer.nats.jwt)
            .expect("verifies")
            .into_claims();
        assert_eq!(user.audience, "APP");
        let mut elsewhere = UserClaims::new("");
        elsewhere.audience = "OTHER".into();
        assert!(matches!(
            responder.allow_in(&request, "APP", elsewhere),
            Err(CalloutError::AccountMismatch { expected, found }) if expected == "APP" && found == "OTHER"
        ));

        let signing_key = account();
        assert!(matches!(
            Responder::config_mode(issuer.public_key().as_str(), signing_key).build(),
            Err(CalloutError::ConfigModeSigningKey { .. })
        ));
        assert!(matches!(
            Responder::config_mode(issuer.public_key().as_str(), issuer.clone())
                .account_signer(account().public_key().as_str(), account())
                .build(),
            Err(CalloutError::PlacementInConfigMode)
        ));
    }

    #[test]
    fn refuses_a_wrong_setup_when_built() {
        let account = account();
        let user = KeyPair::new_user().expect("a user key");
        assert!(matches!(
            Responder::operator_mode(account.public_key().as_str(), user).build(),
            Err(CalloutError::SignerKind {
                kind: KeyKind::User,
                ..
            })
        ));
        assert!(matches!(
            Responder::operator_mode("not a key", account.clone()).build(),
            Err(CalloutError::NotAnAccount {
                role: "the callout account",
                ..
            })
        ));
        let other = self::account();
        assert!(matches!(
            Responder::operator_mode(account.public_key().as_str(), account.clone())
                .account_signer(other.public_key().as_str(), other.clone())
                .account_signer(other.public_key().as_str(), other.clone())
                .build(),
            Err(CalloutError::DuplicateAccount(a)) if a == other.public_key().as_str()
        ));
    }

    /// An operator, its trust, and an account it signed after `change`.
    fn trusted(
        account: &KeyPair,
        change: impl FnOnce(&mut AccountClaims),
    ) -> (Trust, TrustedAccount) {
        let operator = KeyPair::new_operator().expect("an operator key");
        let operator_jwt = OperatorClaims::new(operator.public_key().as_str())
            .encode_at(&operator, NOW - 100)
            .expect("signs");
        let trust = Trust::new()
            .with_operator_jwt(&operator_jwt)
            .expect("trusted")
            .with_clock(FixedClock(NOW));
        let mut claims = AccountClaims::new(account.public_key().as_str());
        change(&mut claims);
        let jwt = claims.encode_at(&operator, NOW - 100).expect("signs");
        let trusted = trust.verify_account(&jwt).expect("the account is trusted");
        (trust, trusted)
    }

    #[test]
    fn the_account_jwt_decides_signers_placements_and_scopes() {
        let (server, callout, stranger_key) = (server(), account(), account());
        let (scoped, app) = (account(), account());
        let (_, callout_trusted) = trusted(&callout, |a| {
            a.nats
                .authorization
                .auth_users
                .push(KeyPair::new_user().expect("key").public_key().to_string());
            let mut scope = UserScope::new(scoped.public_key().as_str());
            scope
                .template
                .permissions
                .publish
                .allow
                .push("scoped.>".into());
            a.nats.signing_keys.add_scoped(scope);
        });
        assert!(matches!(
            Responder::operator_mode(callout.public_key().as_str(), stranger_key.clone())
                .account(callout_trusted.clone())
                .build(),
            Err(CalloutError::SignerNotOfAccount { signer, .. }) if signer == stranger_key.public_key().as_str()
        ));
        assert!(matches!(
            Responder::operator_mode(callout.public_key().as_str(), callout.clone())
                .account(callout_trusted.clone())
                .account_signer(app.public_key().as_str(), app.clone())
                .build(),
            Err(CalloutError::AccountNotAllowed { account }) if account == app.public_key().as_str()
        ));
        let responder = Responder::operator_mode(callout.public_key().as_str(), scoped.clone())
            .account(callout_trusted)
            .clock(FixedClock(NOW))
            .build()
            .expect("a scoped signing key of the account signs");
        let (token, _) = request_token(&server, callout.public_key().as_str());
        let request = responder.open(token.as_bytes(), None).expect("opens");
        let mut with_permissions = UserClaims::new("");
        with_permissions
            .nats
            .permissions
            .subscribe
            .allow
            .push("x".into());
        assert!(matches!(
            responder.allow(&request, with_permissions),
            Err(CalloutError::UserRefused(
                TrustError::ScopedUserHasPermissions
            ))
        ));
        let allowed = responder.allow(&request, UserClaims::new(""));
        assert!(allowed.is_ok(), "{allowed:?}");
    }

    #[test]
    fn presented_jwts_are_checked_with_the_trust() {
        let (server, callout) = (server(), account());
        let good = KeyPair::new_user().expect("a user key");
        let revoked = KeyPair::new_user().expect("a user key");
        let (trust, callout_trusted) = trusted(&callout, |a| {
            a.nats
                .revocations
                .revoke(revoked.public_key().as_str(), NOW);
        });
        let responder = Responder::operator_mode(callout.public_key().as_str(), callout.clone())
            .trust(trust)
            .account(callout_trusted)
            .clock(FixedClock(NOW))
            .build()
            .expect("builds");
        let presenting = |user: &KeyPair, signer: &KeyPair| {
            let jwt = UserClaims::new(user.public_key().as_str())
                .encode_at(signer, NOW - 10)
                .expect("signs");
            let (token, _) = request_with(&server, callout.public_key().as_str(), |c| {
                c.nats.connect_opts.jwt = jwt;
            });
            responder.open(token.as_bytes(), None).expect("opens")
        };
        let request = presenting(&good, &callout);
        assert_eq!(
            request.trusted_user().map(|u| u.claims().subject.as_str()),
            Some(good.public_key().as_str())
        );
        assert!(matches!(
            presenting(&revoked, &callout).delegated(),
            Delegated::Refused(TrustError::Revoked {
                link: Link::User,
                ..
            })
        ));
        let stranger = account();
        assert!(matches!(
            presenting(&good, &stranger).delegated(),
            Delegated::Refused(TrustError::UnknownAccount { account }) if account == stranger.public_key().as_str()
        ));
        // Without a trusted operator the JWT is not checked.
        let unchecked = operator_responder(&callout, callout.clone());
        let jwt = UserClaims::new(good.public_key().as_str())
            .encode_at(&callout, NOW)
            .expect("signs");
        let (token, _) = request_with(&server, callout.public_key().as_str(), |c| {
            c.nats.connect_opts.jwt = jwt
        });
        assert!(matches!(
            unchecked
                .open(token.as_bytes(), None)
                .expect("opens")
                .delegated(),
            Delegated::Unchecked
        ));
    }

    #[cfg(feature = "xkeys")]
    #[test]
    fn sealed_requests_get_sealed_answers_and_mismatches_are_refused() {
        let (server, account) = (server(), account());
        let service_xkey = XKey::generate().expect("a curve key");
        let server_xkey = XKey::generate().expect("a curve key");
        let responder = Responder::operator_mode(account.public_key().as_str(), account.clone())
            .xkey(XKey::from_seed(service_xkey.seed().expose()).expect("the same key"))
            .clock(FixedClock(NOW))
            .build()
            .expect("builds");
        assert_eq!(responder.xkey(), Some(service_xkey.public_key()));
        let (token, user_nkey) = request_token(&server, account.public_key().as_str());
        let sealed = server_xkey
            .seal(token.as_bytes(), service_xkey.public_key())
            .expect("seals");
        let header = server_xkey.public_key().to_string();
        let request = responder.open(&sealed, Some(&header)).expect("opens");
        assert!(request.is_sealed());
        let response = responder
            .allow(&request, UserClaims::new(""))
            .expect("allowed");
        assert!(response.is_sealed());
        let opened = server_xkey
            .open(response.payload(), service_xkey.public_key())
            .expect("the server opens the answer");
        let answer =
            AuthorizationResponseClaims::decode(std::str::from_utf8(&opened).expect("text"))
                .expect("verifies")
                .into_claims();
        assert_eq!(answer.subject, user_nkey);

        let (plain, _) = request_token(&server, account.public_key().as_str());
        assert!(matches!(
            responder.open(plain.as_bytes(), None),
            Err(CalloutError::PlainButXKey)
        ));
        let without = operator_responder(&account, account.clone());
        assert!(matches!(
            without.open(&sealed, Some(&header)),
            Err(CalloutError::SealedButNoXKey)
        ));
        assert!(matches!(
            responder.open(&sealed, Some("XNOTAKEY")),
            Err(CalloutError::ServerXKey(_))
        ));
        let stranger = XKey::generate().expect("a curve key");
        let wrong = stranger
            .seal(token.as_bytes(), service_xkey.public_key())
            .expect("seals");
        assert!(matches!(
            responder.open(&wrong, Some(&header)),
            Err(CalloutError::Open(_))
        ));

        // The account's JWT names the xkey the responder must hold.
        let (_, trusted) = trusted(&account, |a| {
            a.nats
                .authorization
                .auth_users
                .push(KeyPair::new_user().expect("key").public_key().to_string());
            a.nats.authorization.xkey = server_xkey.public_key().to_string();
        });
        assert!(matches!(
            Responder::operator_mode(account.public_key().as_str(), account.clone())
                .xkey(service_xkey)
                .account(trusted)
                .build(),
            Err(CalloutError::XKeyMismatch { .. })
        ));
    }
}
