//! The examples are the command-line face: these tests run the binaries `cargo test`
//! builds (target/<profile>/examples/) and check outputs, files and exit codes.
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use natsjwt::{KeyKind, KeyPair, UserClaims};

use crate::common::nats_server::example_binary as example;

fn run(name: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(example(name))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("natsjwt-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn quickstart_writes_a_consistent_setup_and_refuses_to_overwrite() {
    let dir = temp_dir("quickstart");
    let out = run("quickstart", &[dir.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("nats-server -c"));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();

    // The user is signed by APP's signing key, APP by the operator's signing key.
    let trust = natsjwt::trust::Trust::new()
        .with_operator_jwt(read("operator.jwt").trim())
        .unwrap();
    let app = trust.verify_account(read("APP.jwt").trim()).unwrap();
    assert_ne!(app.claims().issuer, app.operator());
    let user = trust.verify_user(&app, read("user.jwt").trim()).unwrap();
    assert_ne!(user.claims().issuer, app.claims().subject);
    assert_eq!(user.claims().nats.issuer_account, app.claims().subject);
    trust.verify_account(read("SYS.jwt").trim()).unwrap();

    let (jwt, pair) = natsjwt::creds::parse_user_creds(&read("user.creds")).unwrap();
    assert_eq!(jwt, read("user.jwt").trim());
    assert_eq!(pair.public_key().as_str(), user.claims().subject);
    assert_eq!(
        KeyPair::from_seed(&read("APP-signing.nk"))
            .unwrap()
            .public_key()
            .as_str(),
        user.claims().issuer
    );

    let conf = read("server.conf");
    assert!(conf.contains("listen: 127.0.0.1:4222"));
    assert!(conf.contains("resolver: MEMORY"));
    assert!(conf.contains(&format!(
        "{}: {}",
        app.claims().subject,
        read("APP.jwt").trim()
    )));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for secret in [
            "operator.nk",
            "operator-signing.nk",
            "SYS.nk",
            "APP.nk",
            "APP-signing.nk",
            "user.nk",
            "user.creds",
        ] {
            let mode = std::fs::metadata(dir.join(secret))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{secret}");
        }
    }

    let before = read("operator.nk");
    let again = run("quickstart", &[dir.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("refusing to overwrite"),
        "{}",
        stderr(&again)
    );
    assert_eq!(read("operator.nk"), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn create_account_and_user_follow_the_seed_document() {
    let operator = KeyPair::new_operator().unwrap();
    let out = run(
        "create_account",
        &[
            "--operator-seed",
            operator.seed().expose(),
            "--name",
            "ACME",
            "--json",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let account_jwt = json["jwt"].as_str().unwrap();
    let account_seed = json["seed"].as_str().unwrap();
    let account = natsjwt::AccountClaims::decode(account_jwt).unwrap();
    assert_eq!(account.claims().name, "ACME");
    assert_eq!(account.claims().issuer, operator.public_key().as_str());
    assert_eq!(
        account.claims().subject,
        json["public_key"].as_str().unwrap()
    );
    assert_eq!(
        KeyPair::from_seed(account_seed)
            .unwrap()
            .public_key()
            .as_str(),
        account.claims().subject
    );

    // Plain output: JWT then seed, from a seed file.
    let dir = temp_dir("seeds");
    std::fs::create_dir_all(&dir).unwrap();
    let seed_file = dir.join("account.nk");
    std::fs::write(&seed_file, format!("{account_seed}\n")).unwrap();
    let at_file = format!("@{}", seed_file.display());
    let out = run(
        "create_user",
        &["--account-seed", &at_file, "--name", "alice"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let user = UserClaims::decode(lines[0]).unwrap();
    assert_eq!(user.claims().name, "alice");
    assert_eq!(user.claims().issuer, account.claims().subject);
    assert_eq!(
        KeyPair::from_seed(lines[1]).unwrap().public_key().as_str(),
        user.claims().subject
    );

    // --creds with a signing key and --issuer-account.
    let signing = KeyPair::new_account().unwrap();
    let out = run(
        "create_user",
        &[
            "--account-seed",
            signing.seed().expose(),
            "--name",
            "bob",
            "--issuer-account",
            &account.claims().subject,
            "--creds",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let (jwt, pair) = natsjwt::creds::parse_user_creds(&stdout(&out)).unwrap();
    let bob = UserClaims::decode(&jwt).unwrap();
    assert_eq!(bob.claims().nats.issuer_account, account.claims().subject);
    assert_eq!(bob.claims().issuer, signing.public_key().as_str());
    assert_eq!(pair.kind(), KeyKind::User);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_give_one_line_and_no_panic() {
    let operator = KeyPair::new_operator().unwrap();
    let operator_seed = operator.seed();
    let operator_seed = operator_seed.expose();
    let cases: &[(&str, &[&str], i32, &str)] = &[
        (
            "create_account",
            &["--name", "x"],
            64,
            "--operator-seed is required",
        ),
        (
            "create_account",
            &["--operator-seed", "SOBAD", "--name", "x"],
            1,
            "invalid operator seed",
        ),
        (
            "create_user",
            &["--account-seed", operator_seed, "--name", "x"],
            1,
            "expected account seed",
        ),
        ("create_user", &["--bogus"], 64, "unknown option --bogus"),
        (
            "encode",
            &["--seed", operator_seed, "--iat", "soon"],
            64,
            "is not a Unix time",
        ),
        ("quickstart", &[], 64, "usage: quickstart <dir>"),
        (
            "describe",
            &["/nonexistent/token"],
            1,
            "cannot read /nonexistent/token",
        ),
    ];
    for (name, args, code, message) in cases {
        let out = run(name, args, Some(""));
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{name} {args:?}: {}",
            stderr(&out)
        );
        let err = stderr(&out);
        assert!(err.contains(message), "{name} {args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(!err.contains("panicked"));
        assert!(!err.contains(operator_seed), "seed leaked by {name}");
    }
}

#[test]
fn describe_exit_codes() {
    let account = KeyPair::new_account().unwrap();
    let user = KeyPair::new_user().unwrap();
    let mut claims = UserClaims::new(user.public_key().as_str());
    let good = claims.encode(&account).unwrap();
    let out = run("describe", &["-"], Some(&good));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["signature_verified"], true);
    assert_eq!(json["claim_type"], "user");
    assert_eq!(json["claims"]["sub"], user.public_key().as_str());
    assert_eq!(json["issues"], serde_json::json!([]));

    let mut expired = UserClaims::new(user.public_key().as_str());
    expired.expires = 1;
    let out = run("describe", &[], Some(&expired.encode(&account).unwrap()));
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["issues"][0]["time_check"], true);
    assert_eq!(json["issues"][0]["blocking"], false);

    // Tampered payload: claims are shown, the signature is not verified.
    let mut parts: Vec<String> = good.split('.').map(String::from).collect();
    let mut other = UserClaims::new(user.public_key().as_str());
    other.name = "mallory".into();
    let forged = other.encode(&account).unwrap();
    parts[1] = forged.split('.').nth(1).unwrap().to_owned();
    let out = run("describe", &[], Some(&parts.join(".")));
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["signature_verified"], false);

    let out = run("describe", &[], Some("not.a.token"));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
}

#[test]
fn encode_reproduces_go_vectors() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/go-jwt-v2.8.2.json"
    ))
    .unwrap();
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    for v in all["vectors"].as_array().unwrap() {
        let iat = v["iat"].to_string();
        let out = run(
            "encode",
            &[
                "--seed",
                v["signer_seed"].as_str().unwrap(),
                "--iat",
                &iat,
                "-",
            ],
            Some(v["payload_json"].as_str().unwrap()),
        );
        assert!(out.status.success(), "{}: {}", v["name"], stderr(&out));
        assert_eq!(
            stdout(&out).trim(),
            v["token"].as_str().unwrap(),
            "{}",
            v["name"]
        );
        // describe reads it back and reports its kind.
        let described = run("describe", &["-"], Some(&stdout(&out)));
        let json: serde_json::Value = serde_json::from_str(&stdout(&described)).unwrap();
        let token = v["token"].as_str().unwrap();
        let kind = natsjwt::decode(token).unwrap().claims().claim_type();
        assert_eq!(json["claim_type"], kind.as_str(), "{}", v["name"]);
    }
}

#[test]
fn describe_checks_the_chain() {
    let dir = temp_dir("chain");
    let out = run("quickstart", &[dir.to_str().unwrap()], None);
    assert!(out.status.success());
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let out = run(
        "describe",
        &[
            &path("user.creds"),
            "--operator",
            &path("operator.jwt"),
            "--account",
            &path("APP.jwt"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["chain"]["trusted"], true);

    let out = run(
        "describe",
        &[
            &path("user.creds"),
            "--operator",
            &path("operator.jwt"),
            "--account",
            &path("SYS.jwt"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["chain"]["trusted"], false);
    assert_eq!(json["chain"]["link"], "user");

    // An account from another operator.
    let other = temp_dir("chain-other");
    assert!(run("quickstart", &[other.to_str().unwrap()], None)
        .status
        .success());
    let foreign = other.join("APP.jwt");
    let out = run(
        "describe",
        &[
            foreign.to_str().unwrap(),
            "--operator",
            &path("operator.jwt"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["chain"]["link"], "account");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&other).unwrap();
}
