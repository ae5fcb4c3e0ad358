//! Between and within accounts: stream and service exports/imports (public, and private with
//! an activation token), and JetStream enabled or not by the account's limits, on every
//! nats-server found.
use crate::common::client::{Connection, connected, expect_message, refused};
use crate::common::nats_server::{RunningServer, TempDir, on_each_server};
use crate::common::world::{Account, Operator, Resolver};
use async_nats::RequestErrorKind;
use futures_util::StreamExt as _;
use natsjwt::ActivationClaims;
use natsjwt::types::{Export, ExportType, Import};
use natsjwt::validation::TimeChecks;

/// Answers every request on `subject` with `reply`, until the connection is dropped.
async fn serve(connection: &Connection, subject: &str, reply: &'static str) {
    let mut requests = connection.subscribe_synced(subject).await;
    let client = connection.client.clone();
    tokio::spawn(async move {
        while let Some(request) = requests.next().await {
            if let Some(reply_to) = request.reply {
                let _ = client.publish(reply_to, reply.into()).await;
            }
        }
    });
}

/// A request that must be answered with `expected`.
async fn expect_reply(connection: &Connection, subject: &str, expected: &str) {
    let reply = connection
        .client
        .request(subject.to_owned(), "ping".into())
        .await
        .unwrap_or_else(|e| panic!("request on {subject} must be answered: {e:?}"));
    assert_eq!(String::from_utf8_lossy(&reply.payload), expected);
}

/// A request that must find nobody to answer it.
async fn expect_no_responders(connection: &Connection, subject: &str) {
    match connection
        .client
        .request(subject.to_owned(), "ping".into())
        .await
    {
        Ok(reply) => panic!(
            "request on {subject} must find no responders, got {:?}",
            reply.payload
        ),
        Err(e) => assert_eq!(
            e.kind(),
            RequestErrorKind::NoResponders,
            "on {subject}: {e:?}"
        ),
    }
}

#[tokio::test]
async fn stream_export_reaches_importing_account() {
    on_each_server(
        "stream_export_reaches_importing_account",
        |binary| async move {
            let operator = Operator::new();
            let mut exporter = Account::new("EXPORTER");
            exporter
                .claims
                .nats
                .exports
                .push(Export::stream("events.>"));
            let mut importer = Account::new("IMPORTER");
            importer
                .claims
                .nats
                .imports
                .push(Import::stream(exporter.public_key(), "events.>"));
            let producer = exporter.user("producer", |_| {});
            let consumer = importer.user("consumer", |_| {});
            let server = operator
                .start_server(&binary, &[&exporter, &importer])
                .await;

            let producer = connected(&server, &producer.creds, "the exporting user").await;
            let consumer = connected(&server, &consumer.creds, "the importing user").await;
            let mut events = consumer.subscribe_synced(">").await;

            producer.publish("events.created", "exported").await;
            expect_message(&mut events, "events.created", "exported").await;
            // Subjects outside the export stay in the exporting account.
            producer.publish("internal.state", "not exported").await;
            producer.publish("events.sentinel", "sentinel").await;
            expect_message(&mut events, "events.sentinel", "sentinel").await;
        },
    )
    .await;
}

#[tokio::test]
async fn service_export_answers_importing_account() {
    on_each_server(
        "service_export_answers_importing_account",
        |binary| async move {
            let operator = Operator::new();
            let mut exporter = Account::new("EXPORTER");
            exporter
                .claims
                .nats
                .exports
                .push(Export::service("svc.echo"));
            let mut importer = Account::new("IMPORTER");
            importer
                .claims
                .nats
                .imports
                .push(Import::service(exporter.public_key(), "svc.echo"));
            let service = exporter.user("service", |_| {});
            let client = importer.user("client", |_| {});
            let server = operator
                .start_server(&binary, &[&exporter, &importer])
                .await;

            let service = connected(&server, &service.creds, "the exporting service").await;
            serve(&service, "svc.echo", "echo").await;
            serve(&service, "svc.hidden", "hidden").await;
            let client = connected(&server, &client.creds, "the importing client").await;

            expect_reply(&client, "svc.echo", "echo").await;
            expect_no_responders(&client, "svc.hidden").await;
        },
    )
    .await;
}

#[tokio::test]
async fn private_export_needs_activation_token() {
    on_each_server(
        "private_export_needs_activation_token",
        |binary| async move {
            let operator = Operator::new();
            let mut exporter = Account::new("EXPORTER");
            let mut private = Export::service("svc.private");
            private.token_req = true;
            exporter.claims.nats.exports.push(private);

            let mut with_token = Account::new("WITH-TOKEN");
            let mut activation = ActivationClaims::new(with_token.public_key());
            activation.nats.subject = "svc.private".into();
            activation.nats.kind = ExportType::Service;
            let token = activation.encode(&exporter.identity).unwrap();
            let mut import = Import::service(exporter.public_key(), "svc.private");
            import.token = token;
            with_token.claims.nats.imports.push(import);

            // The same import without a token; and one with a token issued to another account.
            let mut without_token = Account::new("WITHOUT-TOKEN");
            without_token
                .claims
                .nats
                .imports
                .push(Import::service(exporter.public_key(), "svc.private"));
            let mut wrong_token = Account::new("WRONG-TOKEN");
            let mut import = Import::service(exporter.public_key(), "svc.private");
            import.token = with_token.claims.nats.imports[0].token.clone();
            wrong_token.claims.nats.imports.push(import);

            let service = exporter.user("service", |_| {});
            let allowed = with_token.user("allowed", |_| {});
            let tokenless = without_token.user("tokenless", |_| {});
            let borrower = wrong_token.user("borrower", |_| {});
            let server = operator
                .start_server(
                    &binary,
                    &[&exporter, &with_token, &without_token, &wrong_token],
                )
                .await;

            let service = connected(&server, &service.creds, "the exporting service").await;
            serve(&service, "svc.private", "private").await;
            let allowed = connected(&server, &allowed.creds, "the activated importer").await;
            let tokenless =
                connected(&server, &tokenless.creds, "the importer without a token").await;

            expect_reply(&allowed, "svc.private", "private").await;
            expect_no_responders(&tokenless, "svc.private").await;
            // A token issued to another account makes the importing account invalid as a
            // whole (a blocking validation issue, here and in the server), so its users are out.
            assert!(
                wrong_token
                    .claims
                    .validate()
                    .is_blocking(TimeChecks::Included)
            );
            refused(
                &server,
                &borrower.creds,
                "a user of an account importing with another's token",
            )
            .await;
        },
    )
    .await;
}

/// Asks JetStream to create a memory stream; returns the API's JSON answer.
async fn create_stream(connection: &Connection, name: &str) -> serde_json::Value {
    let request = serde_json::json!({
        "name": name,
        "subjects": [format!("{}.>", name.to_lowercase())],
        "storage": "memory",
    });
    let reply = connection
        .client
        .request(
            format!("$JS.API.STREAM.CREATE.{name}"),
            request.to_string().into(),
        )
        .await;
    match reply {
        Ok(reply) => {
            serde_json::from_slice(&reply.payload).expect("the JetStream API answers JSON")
        }
        Err(e) => serde_json::json!({ "request_error": format!("{:?}", e.kind()) }),
    }
}

#[tokio::test]
async fn jetstream_follows_account_limits() {
    on_each_server("jetstream_follows_account_limits", |binary| async move {
        let operator = Operator::new();
        let mut enabled = Account::new("JS");
        let limits = &mut enabled.claims.nats.limits.jetstream;
        limits.mem_storage = 1 << 20;
        limits.disk_storage = 1 << 20;
        limits.streams = 10;
        limits.consumer = 10;
        let disabled = Account::new("NO-JS");
        let enabled_user = enabled.user("js", |_| {});
        let disabled_user = disabled.user("no-js", |_| {});

        let dir = TempDir::new("jetstream");
        let store = dir.path().join("store");
        let accounts = dir.path().join("accounts");
        std::fs::create_dir_all(&accounts).unwrap();
        let config = operator.config(
            &Resolver::Full {
                dir: accounts.display().to_string(),
            },
            &[operator.sign(&enabled), operator.sign(&disabled)],
            &format!("jetstream {{ store_dir: \"{}\" }}", store.display()),
        );
        let server = RunningServer::start_in(&binary, dir, &config).await;

        let enabled = connected(&server, &enabled_user.creds, "a JetStream-enabled user").await;
        let created = create_stream(&enabled, "ORDERS").await;
        assert!(created.get("error").is_none(), "{binary}: {created}");
        assert_eq!(created["config"]["name"], "ORDERS", "{created}");

        let disabled = connected(&server, &disabled_user.creds, "a user without JetStream").await;
        let refused = create_stream(&disabled, "ORDERS").await;
        assert_eq!(
            refused["error"],
            serde_json::json!({
                "code": 503,
                "err_code": 10039,
                "description": "JetStream not enabled for account",
            }),
            "{binary}: {refused}"
        );
    })
    .await;
}
