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
            // An example that fails before it reads its input closes the pipe.
            let _ = input.write_all(text.as_bytes());
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
    assert_eq!(again.status.code(), Some(73), "EX_CANTCREAT");
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
            65,
            "invalid operator seed",
        ),
        (
            "create_user",
            &["--account-seed", operator_seed, "--name", "x"],
            65,
            "expected an account seed for the account, got an operator seed",
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
            66,
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
    assert!(
        run("quickstart", &[other.to_str().unwrap()], None)
            .status
            .success()
    );
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

// Exit codes, `@-`, `--port`, custom claim types, the repository guard, messages

/// Every example binary, and the source file whose doc comment documents it.
const EXAMPLES: &[(&str, &str)] = &[
    ("quickstart", "../examples/quickstart.rs"),
    ("create_account", "../examples/create_account.rs"),
    ("create_user", "../examples/create_user.rs"),
    ("describe", "../examples/describe.rs"),
    ("encode", "../examples/encode.rs"),
    ("signup", "examples/signup/main.rs"),
    ("provision_loop", "examples/provision_loop.rs"),
    ("auth_callout", "examples/auth_callout.rs"),
];

/// The repository the examples were built from (the suite's parent).
fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A new temporary directory holding `files`.
fn temp_files(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn path_arg(dir: &std::path::Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

/// An example, its arguments, its standard input, the exit code and the message expected.
type Case<'a> = (&'a str, Vec<String>, Option<&'a str>, i32, String);

/// Runs each case and checks its exit code and its one line on stderr: starting with
/// `message` when that starts with the example's name and ends with `:`, exactly `message`
/// when it only starts with the name, else containing it.
fn check_cases(cases: &[Case<'_>]) {
    for (name, args, stdin, code, message) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(name, &args, Some(stdin.unwrap_or("")));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(*code), "{name} {args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{name} {args:?}: {err}");
        if message.starts_with(&format!("{name}: ")) && message.ends_with(':') {
            assert!(err.starts_with(message.as_str()), "{name} {args:?}: {err}");
        } else if message.starts_with(&format!("{name}: ")) {
            assert_eq!(err.trim_end(), message, "{name} {args:?}");
        } else {
            assert!(err.contains(message.as_str()), "{name} {args:?}: {err}");
        }
        assert!(!err.contains("panicked"), "{name} {args:?}: {err}");
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

#[test]
fn every_example_lists_its_exit_codes_in_help_and_doc() {
    for (name, source) in EXAMPLES {
        let out = run(name, &["--help"], None);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name} --help: {}",
            stderr(&out)
        );
        let help = stdout(&out);
        assert!(
            help.starts_with(&format!("usage: {name} ")),
            "{name}: {help}"
        );
        let in_help: Vec<u32> = help
            .split_once("exit codes:\n")
            .unwrap_or_else(|| panic!("{name} --help lists no exit codes: {help}"))
            .1
            .lines()
            .map(|line| line.split_whitespace().next().unwrap().parse().unwrap())
            .collect();
        let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(source))
            .unwrap();
        let in_doc: Vec<u32> = text
            .lines()
            .filter_map(|line| line.strip_prefix("//! - `"))
            .filter_map(|rest| rest.split_once("`:"))
            .filter_map(|(code, _)| code.parse().ok())
            .collect();
        assert_eq!(in_help, in_doc, "{name}: --help and the doc comment differ");
        assert!(in_help.contains(&0) && in_help.contains(&64), "{name}");
    }
}

#[test]
fn exit_codes_of_the_key_and_token_examples() {
    let operator = KeyPair::new_operator().unwrap();
    let operator_seed = operator.seed().expose().to_owned();
    let account = KeyPair::new_account().unwrap();
    let account_seed = account.seed().expose().to_owned();
    let mut claims = UserClaims::new(KeyPair::new_user().unwrap().public_key().as_str());
    let user_token = claims.encode(&account).unwrap();
    let dir = temp_files(
        "exit-codes",
        &[
            ("user.jwt", &user_token),
            ("payload.json", "{\"not\": \"claims\""),
            ("garbage.nk", "not a seed\n"),
        ],
    );
    let missing = path_arg(&dir, "missing");
    let at_missing = format!("@{missing}");
    let garbage = format!("@{}", path_arg(&dir, "garbage.nk"));
    let user_payload = String::from_utf8(
        base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            user_token.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let cases: Vec<Case<'_>> = vec![
        // create_account
        (
            "create_account",
            strings(&["x"]),
            None,
            64,
            "unexpected arguments".into(),
        ),
        (
            "create_account",
            strings(&["--operator-seed", &garbage, "--name", "A"]),
            None,
            65,
            "invalid operator seed".into(),
        ),
        (
            "create_account",
            strings(&["--operator-seed", &at_missing, "--name", "A"]),
            None,
            66,
            format!(
                "create_account: cannot read the operator seed file {missing}: No such file or directory (os error 2)"
            ),
        ),
        // create_user
        (
            "create_user",
            strings(&["--creds", "--json"]),
            None,
            64,
            "create_user: --creds and --json cannot be combined".into(),
        ),
        (
            "create_user",
            strings(&[
                "--account-seed",
                &account_seed,
                "--name",
                "u",
                "--issuer-account",
                "ABAD",
            ]),
            None,
            65,
            "create_user: --issuer-account \"ABAD\" is not an account public key".into(),
        ),
        (
            "create_user",
            strings(&["--account-seed", "@-", "--name", "u"]),
            Some(""),
            65,
            "invalid account seed".into(),
        ),
        (
            "create_user",
            strings(&["--account-seed", &at_missing, "--name", "u"]),
            None,
            66,
            "cannot read the account seed file".into(),
        ),
        // encode
        (
            "encode",
            strings(&["--seed", "@-", "--iat", "1"]),
            Some(&operator_seed),
            64,
            "encode: --seed @- reads standard input, so the payload must be given as FILE".into(),
        ),
        (
            "encode",
            strings(&["--seed", "SXBAD", "--iat", "1", "-"]),
            Some(&user_payload),
            65,
            "invalid signer seed".into(),
        ),
        (
            "encode",
            strings(&[
                "--seed",
                &account_seed,
                "--iat",
                "1",
                &path_arg(&dir, "payload.json"),
            ]),
            None,
            65,
            "encode: cannot read the claims:".into(),
        ),
        (
            "encode",
            strings(&["--seed", &operator_seed, "--iat", "1"]),
            Some(&user_payload),
            65,
            "encode: cannot sign the claims:".into(),
        ),
        (
            "encode",
            strings(&["--seed", &account_seed, "--iat", "1", &missing]),
            None,
            66,
            format!("encode: cannot read {missing}: No such file or directory (os error 2)"),
        ),
        (
            "encode",
            strings(&["--seed", &at_missing, "--iat", "1"]),
            None,
            66,
            "cannot read the signer seed file".into(),
        ),
        // describe: 1 and 2 are in describe_exit_codes
        (
            "describe",
            strings(&["--account", &missing]),
            None,
            64,
            "describe: --account needs --operator".into(),
        ),
        (
            "describe",
            strings(&[&missing]),
            None,
            66,
            format!("describe: cannot read {missing}: No such file or directory (os error 2)"),
        ),
        (
            "describe",
            strings(&[
                &path_arg(&dir, "user.jwt"),
                "--operator",
                &missing,
                "--account",
                &missing,
            ]),
            None,
            66,
            format!("describe: cannot read {missing}: No such file or directory (os error 2)"),
        ),
    ];
    check_cases(&cases);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exit_codes_of_the_setup_writers() {
    let dir = temp_files("setup-codes", &[("a-file", "")]);
    let under_a_file = path_arg(&dir, "a-file/setup");
    let cases: Vec<Case<'_>> =
        vec![
        (
            "quickstart",
            strings(&["a", "b"]),
            None,
            64,
            "usage: quickstart".into(),
        ),
        (
            "quickstart",
            strings(&[&under_a_file]),
            None,
            73,
            format!("quickstart: cannot create {under_a_file}:"),
        ),
        (
            "signup",
            strings(&["init"]),
            None,
            64,
            "usage: signup".into(),
        ),
        (
            "signup",
            strings(&["fly", &path_arg(&dir, "s")]),
            None,
            64,
            "unknown command \"fly\"".into(),
        ),
        (
            "signup",
            strings(&["run", &path_arg(&dir, "s"), "--port", "4222"]),
            None,
            64,
            "--port is for init".into(),
        ),
        (
            "signup",
            strings(&["init", &under_a_file]),
            None,
            73,
            format!("signup: cannot create {under_a_file}/jwt:"),
        ),
        (
            "signup",
            strings(&["run", &path_arg(&dir, "empty")]),
            None,
            66,
            "no store there (run `signup init` first)".into(),
        ),
        (
            "signup",
            strings(&["tenant", &path_arg(&dir, "s")]),
            None,
            64,
            "usage: signup".into(),
        ),
        (
            "signup",
            strings(&["tenant", &path_arg(&dir, "s"), "acme", "--jetstream"]),
            None,
            64,
            "--jetstream is for user".into(),
        ),
        (
            "signup",
            strings(&["delete", &path_arg(&dir, "s"), "acme", "--dry-run"]),
            None,
            64,
            "--dry-run is for prune".into(),
        ),
        (
            "signup",
            strings(&["prune", &path_arg(&dir, "s"), "--remove-streams"]),
            None,
            64,
            "--remove-streams is for delete".into(),
        ),
        (
            "signup",
            strings(&["tenant", &path_arg(&dir, "s"), "acme", "--allow-missing"]),
            None,
            64,
            "--allow-missing is for delete and prune".into(),
        ),
        (
            "signup",
            strings(&[
                "delete",
                &path_arg(&dir, "s"),
                "acme",
                "--remove-streams",
                "--keep-streams",
            ]),
            None,
            64,
            "--remove-streams and --keep-streams exclude each other".into(),
        ),
        (
            "signup",
            strings(&[
                "user",
                &path_arg(&dir, "s"),
                "acme",
                "bob",
                "--read-only",
                "--jetstream",
            ]),
            None,
            64,
            "signup: --read-only users get the reader scope, which has no JetStream: choose one"
                .into(),
        ),
        (
            "signup",
            strings(&[
                "user",
                &path_arg(&dir, "s"),
                "acme",
                "bob",
                "--expires",
                "0",
            ]),
            None,
            64,
            "signup: --expires \"0\" is not a positive number of seconds".into(),
        ),
        (
            "signup",
            strings(&["init", &path_arg(&dir, "s"), "--replicas", "3"]),
            None,
            64,
            "--replicas is for init --store kv://<bucket>".into(),
        ),
        (
            "signup",
            strings(&["tenant", &path_arg(&dir, "s"), "acme", "--replicas", "1"]),
            None,
            64,
            "--replicas is for init --store kv://<bucket>".into(),
        ),
        (
            "signup",
            strings(&["init", &path_arg(&dir, "s"), "--store", "kv://a.b"]),
            None,
            64,
            "--store \"kv://a.b\" is neither dir nor kv://<bucket>".into(),
        ),
        (
            "signup",
            strings(&["tenant", &path_arg(&dir, "s"), "acme", "--store", "kv://"]),
            None,
            64,
            "--store \"kv://\" is neither dir nor kv://<bucket>".into(),
        ),
        (
            "signup",
            strings(&["init", &path_arg(&dir, "s"), "--store", "nats://x"]),
            None,
            64,
            "--store \"nats://x\" is neither dir nor kv://<bucket>".into(),
        ),
        (
            "signup",
            strings(&["init", &path_arg(&dir, "s"), "--store", "kv://t", "--replicas", "3"]),
            None,
            64,
            "--replicas \"3\" is not a number from 1 to 5 and at most the 1 nodes init sets up"
                .into(),
        ),
        (
            "signup",
            strings(&[
                "init",
                &path_arg(&dir, "s"),
                "--store",
                "kv://t",
                "--cluster",
                "7",
                "--replicas",
                "6",
            ]),
            None,
            64,
            "--replicas \"6\" is not a number from 1 to 5".into(),
        ),
        (
            "signup",
            strings(&["tenant", &path_arg(&dir, "empty"), "acme", "--store", "kv://t"]),
            None,
            66,
            "holds no store (run `signup init".into(),
        ),
        (
            "provision_loop",
            strings(&[&path_arg(&dir, "s")]),
            None,
            64,
            "--server".into(),
        ),
        (
            "provision_loop",
            strings(&[&path_arg(&dir, "empty"), "--server", "nats://127.0.0.1:1"]),
            None,
            65,
            "no store there".into(),
        ),
    ];
    check_cases(&cases);

    // quickstart and signup init refuse to overwrite: 73.
    for (name, args) in [
        ("quickstart", vec![]),
        ("signup", vec!["init"]),
        ("signup", vec!["init", "--store", "kv://tenants"]),
    ] {
        let target = path_arg(&dir, &format!("{name}-{}-twice", args.len()));
        let mut argv = args.clone();
        argv.push(&target);
        assert!(run(name, &argv, None).status.success(), "{name}");
        let again = run(name, &argv, None);
        assert_eq!(again.status.code(), Some(73), "{name}: {}", stderr(&again));
        assert!(stderr(&again).contains("refusing to overwrite"), "{name}");
    }

    // A --store other than the one init set up: 64, naming both.
    let dir_store = path_arg(&dir, "signup-1-twice");
    let kv_store = path_arg(&dir, "signup-3-twice");
    for (target, given, holds) in [
        (
            &dir_store,
            "kv://tenants",
            format!("holds the store dir (no {dir_store}/store)"),
        ),
        (
            &kv_store,
            "dir",
            format!("holds the store kv://tenants ({kv_store}/store)"),
        ),
        (
            &kv_store,
            "kv://other",
            format!("holds the store kv://tenants ({kv_store}/store)"),
        ),
    ] {
        let out = run(
            "signup",
            &["tenant", target, "acme", "--store", given],
            None,
        );
        assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
        let expected = format!("signup: --store {given}, but {target} {holds}");
        assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    }

    // A store that is not what it should be is 65, and the message names the file.
    let broken = path_arg(&dir, "broken");
    assert!(run("signup", &["init", &broken], None).status.success());
    let operator_jwt = dir.join("broken/stores/signup/signup.jwt");
    std::fs::write(&operator_jwt, "x").unwrap();
    let out = run("signup", &["tenant", &broken, "acme"], None);
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(operator_jwt.to_str().unwrap()),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exit_codes_of_auth_callout() {
    let account = KeyPair::new_account().unwrap();
    let account_seed = account.seed().expose().to_owned();
    let user = KeyPair::new_user().unwrap();
    let mut claims = UserClaims::new(user.public_key().as_str());
    let jwt = claims.encode(&account).unwrap();
    let creds = natsjwt::creds::format_user_creds(&jwt, user.seed().expose()).unwrap();
    let dir = temp_files(
        "callout-codes",
        &[
            ("users.json", "{\"alice\": {\"password\": \"x\"}}"),
            ("bad-users.json", "[1, 2]"),
            ("service.creds", creds.expose()),
            ("bad.creds", "no creds here"),
        ],
    );
    let missing = path_arg(&dir, "missing");
    let users = path_arg(&dir, "users.json");
    let account_key = account.public_key().to_string();
    let args = |seed: &str, users: &str, creds: &str, server: &str| {
        strings(&[
            "--server",
            server,
            "--creds",
            creds,
            "--account",
            &account_key,
            "--issuer-seed",
            seed,
            "--users",
            users,
        ])
    };
    let good_creds = path_arg(&dir, "service.creds");
    let local = "nats://127.0.0.1:1";
    let mut both_stdin = args("@-", &users, &good_creds, local);
    both_stdin.extend(strings(&["--xkey-seed", "@-"]));
    let bad_account = strings(&[
        "--server",
        local,
        "--creds",
        &good_creds,
        "--account",
        "ABAD",
        "--issuer-seed",
        &account_seed,
        "--users",
        &users,
    ]);
    let cases: Vec<Case<'_>> =
        vec![
        (
            "auth_callout",
            strings(&["--issuer-seed", &account_seed, "--users", &users]),
            None,
            64,
            "--server is required".into(),
        ),
        (
            "auth_callout",
            both_stdin,
            None,
            64,
            "auth_callout: at most one seed can be read from standard input".into(),
        ),
        (
            "auth_callout",
            args("SABAD", &users, &good_creds, local),
            None,
            65,
            "invalid issuer seed".into(),
        ),
        (
            "auth_callout",
            bad_account,
            None,
            65,
            "auth_callout: the set-up is refused: the callout account \"ABAD\" is not an account public key:"
                .into(),
        ),
        (
            "auth_callout",
            args(&account_seed, &path_arg(&dir, "bad-users.json"), &good_creds, local),
            None,
            65,
            "is not a user table".into(),
        ),
        (
            "auth_callout",
            args(&account_seed, &users, &path_arg(&dir, "bad.creds"), local),
            None,
            65,
            "is not a creds file".into(),
        ),
        (
            "auth_callout",
            args(&format!("@{missing}"), &users, &good_creds, local),
            None,
            66,
            "cannot read the issuer seed file".into(),
        ),
        (
            "auth_callout",
            args(&account_seed, &missing, &good_creds, local),
            None,
            66,
            format!("auth_callout: cannot read {missing}: No such file or directory (os error 2)"),
        ),
        (
            "auth_callout",
            args(&account_seed, &users, &missing, local),
            None,
            66,
            format!("auth_callout: cannot read {missing}: No such file or directory (os error 2)"),
        ),
        (
            "auth_callout",
            args(&account_seed, &users, &good_creds, local),
            None,
            1,
            format!("auth_callout: cannot connect to {local}:"),
        ),
    ];
    check_cases(&cases);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn at_dash_reads_the_seed_from_standard_input() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/go-jwt-v2.8.2.json"
    ))
    .unwrap();
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    let v = &all["vectors"][0];
    let dir = temp_files(
        "at-dash",
        &[("payload.json", v["payload_json"].as_str().unwrap())],
    );
    let iat = v["iat"].to_string();
    let seed = v["signer_seed"].as_str().unwrap();
    let out = run(
        "encode",
        &[
            "--seed",
            "@-",
            "--iat",
            &iat,
            &path_arg(&dir, "payload.json"),
        ],
        Some(&format!("{seed}\n")),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), v["token"].as_str().unwrap());

    // create_account too; the seed is not printed.
    let operator = KeyPair::new_operator().unwrap();
    let out = run(
        "create_account",
        &["--operator-seed", "@-", "--name", "PIPED", "--json"],
        Some(&format!("{}\n", operator.seed().expose())),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let account = natsjwt::AccountClaims::decode(json["jwt"].as_str().unwrap()).unwrap();
    assert_eq!(account.claims().issuer, operator.public_key().as_str());
    assert!(!stdout(&out).contains(operator.seed().expose()));
    assert!(!stderr(&out).contains(operator.seed().expose()));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `@-` on a terminal: the example turns echo off before it prompts, so the seed typed
/// after the prompt never shows. Runs the example on a pseudo-terminal with `script`.
#[cfg(unix)]
#[test]
fn a_terminal_does_not_echo_a_seed_read_with_at_dash() {
    use std::io::{Read, Write};
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIP a_terminal_does_not_echo_a_seed_read_with_at_dash: no `script` on PATH");
        return;
    }
    let operator = KeyPair::new_operator().unwrap();
    let seed = operator.seed();
    let command = format!(
        "'{}' --operator-seed @- --name TYPED",
        example("create_account").display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut output = child.stdout.take().unwrap();
    let (sender, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = output.read(&mut buffer) {
            if n == 0 || sender.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !String::from_utf8_lossy(&seen).contains("(not echoed): ") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match received.recv_timeout(left) {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => panic!("no prompt: {:?}", String::from_utf8_lossy(&seen)),
        }
    }
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(format!("{}\n", seed.expose()).as_bytes())
        .unwrap();
    let status = child.wait().unwrap();
    drop(input);
    while let Ok(bytes) = received.recv_timeout(std::time::Duration::from_secs(2)) {
        seen.extend(bytes);
    }
    let text = String::from_utf8_lossy(&seen);
    assert!(status.success(), "{text}");
    assert!(text.contains("operator seed (not echoed): "), "{text}");
    assert!(!text.contains(seed.expose()), "the seed was echoed: {text}");
    let jwt = text
        .lines()
        .find(|line| line.trim().starts_with("eyJ"))
        .unwrap_or_else(|| panic!("no JWT: {text}"));
    let account = natsjwt::AccountClaims::decode(jwt.trim()).unwrap();
    assert_eq!(account.claims().issuer, operator.public_key().as_str());
}

#[test]
fn quickstart_and_signup_listen_on_the_given_port() {
    let dir = temp_dir("port");
    let setup = path_arg(&dir, "quickstart");
    let out = run("quickstart", &[&setup, "--port", "4333"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let conf = std::fs::read_to_string(dir.join("quickstart/server.conf")).unwrap();
    assert!(conf.contains("\nlisten: 127.0.0.1:4333\n"), "{conf}");
    assert!(
        stdout(&out).contains("--server nats://127.0.0.1:4333 "),
        "{}",
        stdout(&out)
    );

    let out = run(
        "signup",
        &["init", &path_arg(&dir, "signup"), "--port", "65535"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let conf = std::fs::read_to_string(dir.join("signup/server.conf")).unwrap();
    assert!(conf.contains("127.0.0.1:65535"), "{conf}");

    let mut cases = Vec::new();
    for port in ["0", "65536", "-1", "http", ""] {
        let message = format!("--port {port:?} is not a port number from 1 to 65535");
        let target = path_arg(&dir, &format!("bad-{port}"));
        cases.push((
            "quickstart",
            strings(&[&target, "--port", port]),
            None,
            64,
            format!("quickstart: {message}"),
        ));
        cases.push((
            "signup",
            strings(&["init", &target, "--port", port]),
            None,
            64,
            format!("signup: {message}"),
        ));
    }
    check_cases(&cases);
    // A cluster: a config per node on consecutive ports, the URLs and the node names.
    let out = run(
        "signup",
        &[
            "init",
            &path_arg(&dir, "cluster"),
            "--cluster",
            "3",
            "--port",
            "5000",
            "--resolver-interval",
            "5s",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let cluster = dir.join("cluster");
    for (k, (client, route, http)) in [(5000, 5003, 5006), (5001, 5004, 5007), (5002, 5005, 5008)]
        .into_iter()
        .enumerate()
    {
        let conf = std::fs::read_to_string(cluster.join(format!("n{}.conf", k + 1))).unwrap();
        assert!(
            conf.starts_with(&format!("server_name: \"n{}\"\n", k + 1)),
            "{conf}"
        );
        assert!(
            conf.contains(&format!("listen: \"127.0.0.1:{client}\"\n")),
            "{conf}"
        );
        assert!(
            conf.contains(&format!("listen: \"127.0.0.1:{route}\"\n")),
            "{conf}"
        );
        assert!(
            conf.contains(&format!("http: \"127.0.0.1:{http}\"\n")),
            "{conf}"
        );
        assert!(conf.contains("interval: \"5s\"\n"), "{conf}");
        assert!(conf.contains("jetstream {"), "{conf}");
    }
    assert_eq!(
        std::fs::read_to_string(cluster.join("server.url")).unwrap(),
        "nats://127.0.0.1:5000,nats://127.0.0.1:5001,nats://127.0.0.1:5002\n"
    );
    assert_eq!(
        std::fs::read_to_string(cluster.join("servers")).unwrap(),
        "n1\nn2\nn3\n"
    );
    let out = run(
        "signup",
        &[
            "init",
            &path_arg(&dir, "bad-interval"),
            "--resolver-interval",
            "2 weeks",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    for port in ["0", "65536", "-1", "http", ""] {
        assert!(!dir.join(format!("bad-{port}")).exists(), "--port {port:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn describe_names_a_custom_claim_type() {
    let account = KeyPair::new_account().unwrap();
    let mut custom = natsjwt::GenericClaims::new(account.public_key().as_str());
    custom
        .nats
        .data
        .insert("type".to_owned(), serde_json::json!("my-type"));
    let token = custom.encode(&account).unwrap();
    let out = run("describe", &[], Some(&token));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["claim_type"], "my-type");
    assert_eq!(json["claims"]["nats"]["type"], "my-type");
    assert_eq!(json["signature_verified"], true);

    // Without a type, generic claims are "generic".
    let mut plain = natsjwt::GenericClaims::new(account.public_key().as_str());
    let out = run("describe", &[], Some(&plain.encode(&account).unwrap()));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["claim_type"], "generic", "{}", stdout(&out));

    // --operator names the custom type too.
    let operator = KeyPair::new_operator().unwrap();
    let operator_jwt = natsjwt::OperatorClaims::new(operator.public_key().as_str())
        .encode(&operator)
        .unwrap();
    let dir = temp_files("custom-type", &[("operator.jwt", &operator_jwt)]);
    let out = run(
        "describe",
        &["-", "--operator", &path_arg(&dir, "operator.jwt")],
        Some(&token),
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim_end(),
        "describe: --operator checks accounts, users and activations, not my-type claims"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn setup_writers_refuse_the_repository() {
    let repository = repository();
    let canonical = repository.canonicalize().unwrap();
    let pid = std::process::id();
    let inside = repository.join(format!("target/natsjwt-refused-{pid}/deeper"));
    // Outside, through a directory that does not exist, and back in with `..`.
    let detour = repository
        .parent()
        .unwrap()
        .join(format!("natsjwt-absent-{pid}/.."))
        .join(repository.file_name().unwrap())
        .join(format!("natsjwt-refused-{pid}"));
    let mut targets = vec![
        (inside.to_str().unwrap().to_owned(), None),
        (detour.to_str().unwrap().to_owned(), None),
        (
            format!("natsjwt-refused-{pid}"),
            Some(repository.join("suite")),
        ),
        (".".to_owned(), Some(repository.clone())),
    ];
    #[cfg(unix)]
    let link = {
        let link = temp_dir("repository-link");
        std::os::unix::fs::symlink(&repository, &link).unwrap();
        targets.push((path_arg(&link, &format!("natsjwt-refused-{pid}")), None));
        link
    };
    for (name, before, hint) in [
        ("quickstart", vec![], "../nats-setup"),
        ("signup", vec!["init"], "../signup"),
    ] {
        for (target, cwd) in &targets {
            let mut command = Command::new(example(name));
            command.args(&before).arg(target);
            if let Some(cwd) = cwd {
                command.current_dir(cwd);
            }
            let out = command.output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(64),
                "{name} {target}: {}",
                stderr(&out)
            );
            assert_eq!(
                stderr(&out).trim_end(),
                format!(
                    "{name}: refusing to write seeds into {target}, inside the repository {}; choose a directory outside it (e.g. {hint})",
                    canonical.display()
                ),
            );
        }
    }
    assert!(
        !repository
            .join(format!("target/natsjwt-refused-{pid}"))
            .exists()
    );
    assert!(!repository.join(format!("natsjwt-refused-{pid}")).exists());
    assert!(
        !repository
            .join(format!("suite/natsjwt-refused-{pid}"))
            .exists()
    );
    assert!(!repository.join("server.conf").exists());
    #[cfg(unix)]
    std::fs::remove_file(&link).unwrap();
}

/// The messages whose grammar was fixed, word for word: articles before key kinds ("an
/// operator seed", "a user seed"), "the" before a named file.
#[test]
fn messages_read_as_english() {
    let operator = KeyPair::new_operator().unwrap().seed().expose().to_owned();
    let account = KeyPair::new_account().unwrap().seed().expose().to_owned();
    let account_public = KeyPair::new_account().unwrap().public_key().to_string();
    let user = KeyPair::new_user().unwrap().seed().expose().to_owned();
    let cases: Vec<Case<'_>> = vec![
        (
            "create_user",
            strings(&["--account-seed", &operator, "--name", "u"]),
            None,
            65,
            "create_user: expected an account seed for the account, got an operator seed".into(),
        ),
        (
            "create_account",
            strings(&["--operator-seed", &user, "--name", "A"]),
            None,
            65,
            "create_account: expected an operator seed for the operator, got a user seed".into(),
        ),
        (
            "create_account",
            strings(&["--operator-seed", &account, "--name", "A"]),
            None,
            65,
            "create_account: expected an operator seed for the operator, got an account seed"
                .into(),
        ),
        (
            "auth_callout",
            strings(&[
                "--server", "nats://127.0.0.1:1", "--creds", "c", "--users", "u",
                "--account", &account_public, "--issuer-seed", &user,
            ]),
            None,
            65,
            "auth_callout: expected an account seed for the issuer, got a user seed".into(),
        ),
        (
            "create_account",
            strings(&["--operator-seed", "@/nonexistent/op.nk", "--name", "A"]),
            None,
            66,
            "create_account: cannot read the operator seed file /nonexistent/op.nk: No such file or directory (os error 2)".into(),
        ),
        (
            "create_account",
            strings(&["--name", "A", "--name", "B"]),
            None,
            64,
            "create_account: --name is given twice".into(),
        ),
    ];
    check_cases(&cases);
}
