//! `natsjwt::callout::service::Service`, in this process, answering a real nats-server
//! 2.10+ in operator mode with real clients: allow, deny and drop, sealed and plain, a
//! signing key signing, a user placed in another account, the xkey mismatch both ways
//! (reported, request dropped), JWTs clients present (trusted, revoked, a jwt.js token
//! with a Latin-1 name), a replayed request, and the micro service's `$SRV` answers.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::ConnectOptions;
use futures_util::StreamExt as _;
use natsjwt::callout::service::{
    Decision, DenyAs, Outcome, Service, ServiceError, ServiceOptions, ServiceStats,
};
use natsjwt::callout::{AUTH_CALLOUT_SUBJECT, AuthRequest, CalloutError, Responder};
use natsjwt::trust::{Trust, TrustError};
use natsjwt::{UserClaims, XKey};

use crate::common::callout::{
    AUTH_TIMEOUT, World, callout_server, config_mode_server, config_service_client, login,
};
use crate::common::client::{
    WAIT, assert_authorization_violation, connect_with, connected, expect_message,
};
use crate::common::nats_server::RunningServer;
use crate::common::tokens::latin1_user_jwt;
use crate::common::world::now;

/// What the callbacks saw, in order.
#[derive(Debug, Default)]
struct Seen {
    outcomes: Vec<(String, Outcome)>,
    errors: Vec<String>,
    invalid_users: Vec<(String, String)>,
}

/// Options recording every callback into `seen`.
fn recording(seen: &Arc<Mutex<Seen>>) -> ServiceOptions {
    let (outcomes, errors, invalid) = (Arc::clone(seen), Arc::clone(seen), Arc::clone(seen));
    ServiceOptions::new()
        .workers(4)
        .on_outcome(move |request, outcome| {
            let user = request.connect_options().user.clone();
            outcomes
                .lock()
                .unwrap()
                .outcomes
                .push((user, outcome.clone()));
        })
        .on_error(move |error: &ServiceError| errors.lock().unwrap().errors.push(error.to_string()))
        .on_invalid_user(move |request, error| {
            let user = request.connect_options().user.clone();
            invalid
                .lock()
                .unwrap()
                .invalid_users
                .push((user, error.to_string()));
        })
}

/// Waits (bounded) until `seen` satisfies `done`.
async fn wait_for(seen: &Arc<Mutex<Seen>>, what: &str, done: impl Fn(&Seen) -> bool) {
    let deadline = Instant::now() + WAIT + AUTH_TIMEOUT;
    while !done(&seen.lock().unwrap()) {
        assert!(
            Instant::now() < deadline,
            "waited in vain for {what}: {:?}",
            seen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// alice gets in with `alice.>`, bob is denied, carol is dropped, anyone else is denied.
async fn table(request: Arc<AuthRequest>) -> Decision {
    let options = request.connect_options();
    match (options.user.as_str(), options.password.as_str()) {
        ("alice", "wonderland") => {
            let mut user = UserClaims::new(request.user_nkey());
            user.name = "alice".into();
            user.nats.permissions.publish.allow.push("alice.>".into());
            user.nats.permissions.subscribe.allow.push("alice.>".into());
            Decision::Allow(user)
        }
        ("carol", _) => Decision::Drop,
        _ => Decision::Deny("bad password".into()),
    }
}

/// Allow, deny and drop, with requests sealed or plain and the responses signed by the
/// account key or a signing key; then the `$SRV` answers.
async fn allow_deny_drop(sealed: bool, by_signing_key: bool) {
    let Some(binary) = callout_server() else {
        return;
    };
    let xkey = XKey::generate().unwrap();
    let world = World::start(&binary, |auth| {
        if sealed {
            auth.claims.nats.authorization.xkey = xkey.public_key().to_string();
        }
    })
    .await;
    let signer = if by_signing_key {
        world.auth.signing.clone()
    } else {
        world.auth.identity.clone()
    };
    let (trust, auth_jwt) = world.trust();
    let mut builder = Responder::operator_mode(world.auth.public_key(), signer)
        .trust(trust.clone())
        .account(trust.verify_account(&auth_jwt.jwt).unwrap());
    if sealed {
        builder = builder.xkey(xkey);
    }
    let responder = builder.build().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let service = Service::start(
        world.service_client().await,
        responder,
        table,
        recording(&seen),
    )
    .await
    .unwrap();

    let mut alice = connect_with(&world.server, login("alice", "wonderland"))
        .await
        .unwrap_or_else(|e| panic!("alice must connect: {e:?}"));
    let mut own = alice.subscribe("alice.>").await;
    alice.publish("alice.hello", "mine").await;
    expect_message(&mut own, "alice.hello", "mine").await;
    alice.publish("bob.hello", "not mine").await;
    alice
        .expect_permission_violation("Publish", "bob.hello")
        .await;

    // A denial refuses at once; a drop only when the server's wait runs out.
    let started = Instant::now();
    let result = connect_with(&world.server, login("bob", "guess")).await;
    assert_authorization_violation(&world.server, result, "bob, denied");
    assert!(
        started.elapsed() < AUTH_TIMEOUT,
        "a denial is answered at once"
    );
    let started = Instant::now();
    let result = connect_with(&world.server, login("carol", "x")).await;
    assert_authorization_violation(&world.server, result, "carol, dropped");
    assert!(
        started.elapsed() >= AUTH_TIMEOUT,
        "a drop waits out the timeout"
    );

    wait_for(&seen, "three outcomes", |s| s.outcomes.len() == 3).await;
    {
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.outcomes,
            [
                ("alice".to_owned(), Outcome::Allowed),
                ("bob".to_owned(), Outcome::Denied("bad password".into())),
                ("carol".to_owned(), Outcome::Dropped),
            ]
        );
        assert!(seen.errors.is_empty(), "{:?}", seen.errors);
    }

    // The micro service describes itself to any client of the account.
    let client = world.service_client().await;
    let info = client
        .request("$SRV.INFO.auth-callout", "".into())
        .await
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info.payload).unwrap();
    assert_eq!(info["name"], "auth-callout");
    assert_eq!(info["endpoints"][0]["subject"], AUTH_CALLOUT_SUBJECT);
    assert_eq!(info["endpoints"][0]["queue_group"], "auth-callout");
    let stats = client
        .request("$SRV.STATS.auth-callout", "".into())
        .await
        .unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&stats.payload).unwrap();
    let data = &stats["endpoints"][0]["data"];
    assert_eq!(
        (
            &data["requests"],
            &data["allowed"],
            &data["denied"],
            &data["dropped"]
        ),
        (&3.into(), &1.into(), &1.into(), &1.into()),
        "{stats}"
    );

    let stats: ServiceStats = service.shutdown().await.unwrap();
    assert_eq!(
        (
            stats.requests,
            stats.allowed,
            stats.denied,
            stats.dropped,
            stats.errors
        ),
        (3, 1, 1, 1, 0)
    );
    // Shut down: nobody answers any more.
    let result = connect_with(&world.server, login("alice", "wonderland")).await;
    assert_authorization_violation(&world.server, result, "alice after the shutdown");
}

#[tokio::test]
async fn service_plain_identity_key() {
    allow_deny_drop(false, false).await;
}

#[tokio::test]
async fn service_sealed_signing_key() {
    allow_deny_drop(true, true).await;
}

/// A user placed in `APP` (one of `allowed_accounts`) by APP's signing key, while AUTH
/// signs the response; and `DenyAs::Drop` turning a denial into no answer.
#[tokio::test]
async fn service_places_users_in_another_account() {
    let Some(binary) = callout_server() else {
        return;
    };
    let world = World::start(&binary, |_| {}).await;
    let app_key = world.app.public_key().to_owned();
    let responder = Responder::operator_mode(world.auth.public_key(), world.auth.identity.clone())
        .account_signer(&app_key, world.app.signing.clone())
        .build()
        .unwrap();
    let authorizer = move |request: Arc<AuthRequest>| {
        let account = app_key.clone();
        async move {
            if request.connect_options().password != "pw" {
                return Decision::Deny("bad password".into());
            }
            let mut user = UserClaims::new(request.user_nkey());
            user.nats.permissions.publish.allow.push("app.>".into());
            user.nats.permissions.subscribe.allow.push("app.>".into());
            Decision::AllowIn { account, user }
        }
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let options = recording(&seen).deny_as(DenyAs::Drop);
    let _service = Service::start(world.service_client().await, responder, authorizer, options)
        .await
        .unwrap();
    let dave = connect_with(&world.server, login("dave", "pw"))
        .await
        .unwrap();
    // dave is in APP: a user of APP hears him.
    let app_user = world.app.user("listener", |_| {});
    let listener = connected(&world.server, &app_user.creds, "an APP user").await;
    let mut heard = listener.subscribe_synced("app.>").await;
    dave.publish("app.news", "from dave").await;
    expect_message(&mut heard, "app.news", "from dave").await;

    let started = Instant::now();
    let result = connect_with(&world.server, login("eve", "guess")).await;
    assert_authorization_violation(&world.server, result, "eve, denied as a drop");
    assert!(
        started.elapsed() >= AUTH_TIMEOUT,
        "a denial as a drop waits out the timeout"
    );
    wait_for(&seen, "two outcomes", |s| s.outcomes.len() == 2).await;
    assert_eq!(
        seen.lock().unwrap().outcomes[1],
        ("eve".to_owned(), Outcome::Dropped)
    );
}

/// The server and the service disagree about encryption: the request is reported and
/// dropped, and the client is refused when the server's wait runs out.
#[tokio::test]
async fn service_reports_an_xkey_mismatch_both_ways() {
    let Some(binary) = callout_server() else {
        return;
    };
    for account_seals in [true, false] {
        let account_xkey = XKey::generate().unwrap();
        let world = World::start(&binary, |auth| {
            if account_seals {
                auth.claims.nats.authorization.xkey = account_xkey.public_key().to_string();
            }
        })
        .await;
        let mut builder =
            Responder::operator_mode(world.auth.public_key(), world.auth.identity.clone());
        if !account_seals {
            builder = builder.xkey(XKey::generate().unwrap());
        }
        let seen = Arc::new(Mutex::new(Seen::default()));
        let _service = Service::start(
            world.service_client().await,
            builder.build().unwrap(),
            table,
            recording(&seen),
        )
        .await
        .unwrap();
        let result = connect_with(&world.server, login("alice", "wonderland")).await;
        assert_authorization_violation(&world.server, result, "alice, with the keys mismatched");
        wait_for(&seen, "the error", |s| !s.errors.is_empty()).await;
        let expected = if account_seals {
            CalloutError::SealedButNoXKey.to_string()
        } else {
            CalloutError::PlainButXKey.to_string()
        };
        let seen = seen.lock().unwrap();
        assert_eq!(seen.errors, [expected]);
        assert!(seen.outcomes.is_empty());
    }
}

/// Config mode, sealed: users placed in `APP` by their `aud`, a denial, and the
/// service's own user bypassing the callout.
#[tokio::test]
async fn service_config_mode_sealed() {
    let Some(binary) = callout_server() else {
        return;
    };
    let issuer = natsjwt::KeyPair::new_account().unwrap();
    let xkey = XKey::generate().unwrap();
    let server = config_mode_server(&binary, issuer.public_key().as_str(), Some(&xkey)).await;
    let responder = Responder::config_mode(issuer.public_key().as_str(), issuer.clone())
        .xkey(xkey)
        .build()
        .unwrap();
    let authorizer = |request: Arc<AuthRequest>| async move {
        match table(Arc::clone(&request)).await {
            Decision::Allow(user) => Decision::AllowIn {
                account: "APP".into(),
                user,
            },
            other => other,
        }
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let client = config_service_client(&server).await;
    let _service = Service::start(client, responder, authorizer, recording(&seen))
        .await
        .unwrap();
    let mut alice = connect_with(&server, login("alice", "wonderland"))
        .await
        .unwrap_or_else(|e| panic!("alice must connect: {e:?}"));
    let mut own = alice.subscribe("alice.>").await;
    alice.publish("alice.hello", "sealed").await;
    expect_message(&mut own, "alice.hello", "sealed").await;
    alice.publish("bob.hello", "not mine").await;
    alice
        .expect_permission_violation("Publish", "bob.hello")
        .await;
    let result = connect_with(&server, login("bob", "guess")).await;
    assert_authorization_violation(&server, result, "bob, denied");
    wait_for(&seen, "two outcomes", |s| s.outcomes.len() == 2).await;
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.outcomes,
        [
            ("alice".to_owned(), Outcome::Allowed),
            ("bob".to_owned(), Outcome::Denied("bad password".into())),
        ]
    );
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
}

/// Clients that present a user JWT of the callout account: the server checks it with
/// the account JWT it has and passes it on; the service checks it again with its trust
/// before the authorizer sees it. Its account JWT is newer than the server's and revokes
/// a user (as when a revocation has not reached every server yet): that user is refused
/// by the library (the callback says so). A trusted JWT gets in, and so does a jwt.js
/// token whose name is Latin-1 bytes, read as the server reads it.
#[tokio::test]
async fn service_checks_presented_jwts() {
    let Some(binary) = callout_server() else {
        return;
    };
    let world = World::start(&binary, |_| {}).await;
    let revoked_key = natsjwt::KeyPair::new_user().unwrap();
    let mut newer_auth = world.auth.claims.clone();
    newer_auth
        .nats
        .revocations
        .revoke(revoked_key.public_key().as_str(), now() + 5);
    let trust = Trust::new()
        .with_operator_jwt(&world.operator.jwt())
        .unwrap();
    let newer_jwt = newer_auth.encode(&world.operator.signing).unwrap();
    let responder = Responder::operator_mode(world.auth.public_key(), world.auth.identity.clone())
        .trust(trust.clone())
        .account(trust.verify_account(&newer_jwt).unwrap())
        .build()
        .unwrap();
    let authorizer = |request: Arc<AuthRequest>| async move {
        match request.trusted_user() {
            Some(presented) => {
                let mut user = UserClaims::new(request.user_nkey());
                user.name = presented.claims().name.clone();
                Decision::Allow(user)
            }
            None => Decision::Deny("present a JWT".into()),
        }
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let _service = Service::start(
        world.service_client().await,
        responder,
        authorizer,
        recording(&seen),
    )
    .await
    .unwrap();
    let presenting = |creds: &str, name: &str| {
        ConnectOptions::with_credentials(creds)
            .unwrap()
            .user_and_password(name.into(), "-".into())
    };

    let good = world.auth.user("delegated", |_| {});
    connect_with(&world.server, presenting(&good.creds, "delegated"))
        .await
        .unwrap_or_else(|e| panic!("a trusted JWT must get in: {e:?}"));

    let revoked_jwt = UserClaims::new(revoked_key.public_key().as_str())
        .encode_at(&world.auth.identity, now())
        .unwrap();
    let revoked_creds =
        natsjwt::creds::format_user_creds(&revoked_jwt, revoked_key.seed().expose()).unwrap();
    let result = connect_with(&world.server, presenting(revoked_creds.expose(), "revoked")).await;
    assert_authorization_violation(&world.server, result, "a JWT the service knows is revoked");

    let latin1_key = natsjwt::KeyPair::new_user().unwrap();
    let latin1_jwt = latin1_user_jwt(
        &world.auth.identity,
        latin1_key.public_key().as_str(),
        b"Jos\xE9",
        "",
    );
    let latin1_creds =
        natsjwt::creds::format_user_creds(&latin1_jwt, latin1_key.seed().expose()).unwrap();
    connect_with(&world.server, presenting(latin1_creds.expose(), "jose"))
        .await
        .unwrap_or_else(|e| panic!("a jwt.js token with a Latin-1 name must get in: {e:?}"));

    wait_for(&seen, "three outcomes", |s| s.outcomes.len() == 3).await;
    let seen = seen.lock().unwrap();
    let revoked_error = TrustError::Revoked {
        link: natsjwt::trust::Link::User,
        subject: revoked_key.public_key().to_string(),
        issued_at: UserClaims::decode(&revoked_jwt).unwrap().claims().issued_at,
    };
    assert_eq!(
        seen.outcomes,
        [
            ("delegated".to_owned(), Outcome::Allowed),
            (
                "revoked".to_owned(),
                Outcome::Denied(format!("presented JWT refused: {revoked_error}"))
            ),
            ("jose".to_owned(), Outcome::Allowed),
        ]
    );
    assert_eq!(
        seen.invalid_users,
        [(
            "revoked".to_owned(),
            CalloutError::UserRefused(revoked_error).to_string()
        )]
    );
}

/// A request the server sent, sent again to a service with the same responder: refused
/// as a replay (reported, not answered).
#[tokio::test]
async fn service_refuses_a_replayed_request() {
    let Some(binary) = callout_server() else {
        return;
    };
    let world = World::start(&binary, |_| {}).await;
    let responder = Arc::new(
        Responder::operator_mode(world.auth.public_key(), world.auth.identity.clone())
            .build()
            .unwrap(),
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    let _service = Service::start(
        world.service_client().await,
        Arc::clone(&responder),
        table,
        recording(&seen),
    )
    .await
    .unwrap();
    // A copy of every request the server sends, as an eavesdropper of the account sees it.
    let spy = world.service_client().await;
    let mut copies = spy.subscribe(AUTH_CALLOUT_SUBJECT).await.unwrap();
    spy.flush().await.unwrap();
    connect_with(&world.server, login("alice", "wonderland"))
        .await
        .unwrap_or_else(|e| panic!("alice must connect: {e:?}"));
    let copy = tokio::time::timeout(WAIT, copies.next())
        .await
        .expect("the request's copy arrives")
        .expect("the subscription is open");

    // The same responder behind a second service, on a server where anyone may publish
    // to the callout subject.
    let open_server = RunningServer::start(&binary, "host: 127.0.0.1\n").await;
    let open_client = async_nats::connect(open_server.url()).await.unwrap();
    let _replayed_service = Service::start(open_client.clone(), responder, table, recording(&seen))
        .await
        .unwrap();
    let request = async_nats::Request::new()
        .payload(copy.payload.clone())
        .headers(copy.headers.clone().unwrap_or_default())
        .timeout(Some(Duration::from_millis(500)));
    let answer = open_client
        .send_request(AUTH_CALLOUT_SUBJECT, request)
        .await;
    assert!(answer.is_err(), "a replay gets no answer: {answer:?}");
    wait_for(&seen, "the replay's error", |s| !s.errors.is_empty()).await;
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.outcomes.len(),
        1,
        "only alice's own request was answered"
    );
    let user_nkey = natsjwt::dangerous::decode_unverified::<natsjwt::AuthorizationRequestClaims>(
        std::str::from_utf8(&copy.payload).unwrap(),
    )
    .unwrap()
    .unverified_claims()
    .nats
    .user_nkey
    .clone();
    assert_eq!(seen.errors, [CalloutError::Replayed(user_nkey).to_string()]);
}
