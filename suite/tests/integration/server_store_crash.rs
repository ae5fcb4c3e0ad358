//! Crash safety of the store and the write-ahead order, on a real server: the
//! `provision_loop` example (200 operations: create tenants, issue users, revoke, add
//! signing keys, each pushed to a full resolver) is killed with SIGKILL at random points
//! and restarted until it is done. After every kill the store opens (it validates itself)
//! and every account the server holds has its identity and signing-key seeds in the
//! store; at the end every operation is in the store and on the server, each revoked user
//! is refused and each other user connects.
use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use crate::common::client::{connected, refused};
use crate::common::nats_server::{RunningServer, TempDir, example_binary, newest_server};
use natsjwt::provision::{Provisioner, SigningKeyUsage};
use natsjwt::store::{DirStore, Store, StorePaths};
use natsjwt::types::SigningKey;
use natsjwt::{AccountClaims, UserClaims};

const OPERATIONS: usize = 200;
const MIN_KILLS: usize = 30;
/// Tenants of the schedule (one per 20 operations) and, per tenant, the users it issues
/// and revokes (see the example's doc comment).
const TENANTS: usize = OPERATIONS / 20;

/// A small xorshift generator: the kill points, reproducible from the printed seed.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// The lines `stdout` prints, read on a thread; the channel closes at its end.
fn lines_of(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// The accounts in the server's resolver directory (`<public key>.jwt`).
fn server_accounts(jwt_dir: &Path) -> Vec<AccountClaims> {
    let mut accounts = Vec::new();
    for entry in std::fs::read_dir(jwt_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jwt") {
            let jwt = std::fs::read_to_string(&path).unwrap();
            accounts.push(AccountClaims::decode(jwt.trim()).unwrap().into_claims());
        }
    }
    accounts
}

/// The accounts on the server whose identity or signing-key seeds the store lacks.
fn accounts_without_seeds(store: &DirStore, jwt_dir: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    for account in server_accounts(jwt_dir) {
        let keys =
            std::iter::once(account.subject.as_str()).chain(account.nats.signing_keys.keys());
        for key in keys {
            if store.key(key).unwrap().is_none() {
                missing.push(format!("{} ({}): {key}", account.name, account.subject));
            }
        }
    }
    missing
}

#[tokio::test]
async fn killed_provisioning_loses_no_seed_and_no_operation() {
    let Some(binary) = newest_server(2, 14, "the crash test pushes to a 2.14 full resolver") else {
        return;
    };
    let dir = TempDir::new("crash");
    let state = dir.path().join("state");
    let jwt_dir = dir.path().join("jwt");
    std::fs::create_dir_all(&jwt_dir).unwrap();
    let paths = StorePaths::under(&state);
    let setup = Provisioner::bootstrap("loop", SigningKeyUsage::Required).unwrap();
    setup
        .save(&DirStore::create(&paths, "loop").unwrap())
        .unwrap();
    let config = setup.full_config(&jwt_dir.to_string_lossy(), &[]).render();
    let server = RunningServer::start_in(&binary, dir, &config).await;

    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut random = Random(seed);
    let program = example_binary("provision_loop");
    let (mut kills, mut runs, mut partial) = (0, 0, 0);
    let mut done = BTreeSet::new();
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "not done after {runs} runs (seed {seed})"
        );
        runs += 1;
        let mut child = Command::new(&program)
            .arg(&state)
            .args(["--server", &server.url(), "--ops", &OPERATIONS.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The kill point: in one run of four during the start-up (opening the store,
        // loading and re-pushing the tenants); else after 1 to 6 more operations, at a
        // random moment of the next one. Counted in operations, not time, the number of
        // kills does not depend on the machine's speed.
        let lines = lines_of(child.stdout.take().unwrap());
        let cut_after = random.below(8).saturating_sub(1);
        let mut out = String::new();
        let mut seen = 0;
        let finished = loop {
            if cut_after == 0 {
                std::thread::sleep(Duration::from_millis(2 + random.below(60)));
                break child.try_wait().unwrap();
            }
            match lines.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => {
                    seen += u64::from(line.starts_with("done "));
                    out.push_str(&line);
                    out.push('\n');
                    if seen == cut_after {
                        std::thread::sleep(Duration::from_millis(random.below(15)));
                        break child.try_wait().unwrap();
                    }
                }
                Err(_) => break Some(child.wait().unwrap()),
            }
        };
        if finished.is_none() {
            child.kill().unwrap();
        }
        let status = child.wait().unwrap();
        out.extend(lines.iter().map(|line| line + "\n"));
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        for line in out.lines() {
            if let Some(i) = line.strip_prefix("done ") {
                assert!(done.insert(i.parse::<usize>().unwrap()), "{line} twice");
            }
        }
        if finished.is_some() {
            assert!(status.success(), "run {runs}: {status}: {err}");
            if out.ends_with("all done\n") {
                break;
            }
            continue;
        }
        kills += 1;
        // After a kill: the store opens (validating every JWT, the chain and the seeds of
        // every account), and the server holds no account the store cannot sign for.
        let store = DirStore::open(&paths, "loop")
            .unwrap_or_else(|e| panic!("after kill {kills} (seed {seed}): {e}"));
        let missing = accounts_without_seeds(&store, &jwt_dir);
        assert!(missing.is_empty(), "after kill {kills}: {missing:?}");
        // A user whose JWT is stored but whose creds are not was cut mid-way; the next
        // run issues it again.
        for tenant in store.account_names().unwrap() {
            for user in store.user_names(&tenant).unwrap() {
                if store.creds(&tenant, &user).unwrap().is_none() {
                    partial += 1;
                }
            }
        }
    }
    println!(
        "crash test: {kills} kills in {runs} runs, {} operations reported done, {partial} users seen cut mid-way (JWT without creds; the next run issues them again), 0 lost (seed {seed})",
        done.len()
    );
    assert!(kills >= MIN_KILLS, "only {kills} kills (seed {seed})");

    // Every operation is in the store, and the server holds what the store holds.
    let store = DirStore::open(&paths, "loop").unwrap();
    let on_server = server_accounts(&jwt_dir);
    let (mut revoked, mut alive) = (Vec::new(), Vec::new());
    for t in 0..TENANTS {
        let name = format!("t{t}");
        let jwt = store
            .account_jwt(&name)
            .unwrap()
            .expect("every tenant stored");
        let account = AccountClaims::decode(&jwt).unwrap().into_claims();
        let held = on_server
            .iter()
            .find(|a| a.subject == account.subject)
            .unwrap_or_else(|| panic!("{name} is not on the server"));
        assert_eq!(
            held.issued_at, account.issued_at,
            "{name}: the server is behind"
        );
        let roles: BTreeSet<&str> = account
            .nats
            .signing_keys
            .iter()
            .filter_map(|(_, key)| match key {
                SigningKey::Scoped(scope) => Some(scope.role.as_str()),
                SigningKey::Plain => None,
            })
            .collect();
        for step in (3..20).step_by(4) {
            let role = format!("op{}", t * 20 + step);
            assert!(roles.contains(role.as_str()), "{name} lacks {role}");
        }
        assert_eq!(roles.len(), 5, "{name}: one scoped key per operation");
        for step in 1..20 {
            let i = t * 20 + step;
            if i % 4 == 2 || i % 4 == 3 {
                continue;
            }
            let user = format!("u{i}");
            let jwt = store.user_jwt(&name, &user).unwrap().expect("user stored");
            let claims = UserClaims::decode(&jwt).unwrap().into_claims();
            let creds = store.creds(&name, &user).unwrap().expect("creds stored");
            let is_revoked = account
                .nats
                .revocations
                .is_revoked(&claims.subject, claims.issued_at);
            assert_eq!(is_revoked, i % 4 == 1, "{user} of {name}");
            if is_revoked {
                revoked.push(creds);
            } else {
                alive.push(creds);
            }
        }
    }
    assert_eq!((revoked.len(), alive.len()), (TENANTS * 5, TENANTS * 4));
    // An operation killed after its push and before its line was printed is found done
    // by the next run: reported or not, every operation's result was checked above.
    assert!(done.iter().all(|&i| i < OPERATIONS));
    for creds in &revoked {
        refused(&server, creds.expose(), "a revoked user").await;
    }
    for creds in &alive {
        connected(&server, creds.expose(), "a user never revoked").await;
    }
}
