//! Live cross-check with the Go reference library, nats-io/jwt v2.3.0 (Debian's
//! `golang-github-nats-io-jwt-dev`), on thousands of generated claims per run.
//!
//! The Go side is `tests/go-peer/main.go`, built here in GOPATH mode and cached under
//! `<target>/go-peer/go-peer-<hash>` (rebuilt when main.go, the Go version or the jwt
//! library changes). Each test runs one long-lived peer and talks JSON lines with it.
//!
//! For every generated case (operator, account, user, activation, generic and, rarely,
//! auth callout claims; valid and invalid):
//! - both sides encode the same claims with the same seed and `iat`; either both refuse,
//!   or the tokens are byte for byte the same (or, where jwt 2.3.0 writes differently,
//!   the payloads agree after the named exceptions below);
//! - Go decodes our token: signature verified, the claims Go re-marshals equal ours,
//!   and `Validate` reports the same issues (description, blocking, time check);
//! - we decode Go's token: the same claims JSON and the same issues;
//! - a share of tokens is mutated (tampered signature, foreign issuer, wrong issuer
//!   kind, newer version, odd headers …): both sides accept or both reject;
//! - when both refuse to encode, `Validate` of the claims must still agree.
//!
//! A second test does the same for v1 tokens minted by Go's v1 library (migration on
//! decode), and a third checks the peer against the spec's golden token.
//!
//! Running: `cargo test --test go_interop -- --nocapture`. Environment:
//! - `NATSJWT_GO_INTEROP_SEED=<u64, decimal or 0x-hex>`: the run's seed (random by default,
//!   printed at the start);
//! - `NATSJWT_GO_INTEROP_CASE=<0x-hex>`: replay one case (a failure prints this);
//! - `NATSJWT_GO_INTEROP_CASES=<n>`: cases per test (default 1500 round trip, 300 v1);
//! - `NATSJWT_GO=<path>` / `NATSJWT_GO_GOPATH=<dir>`: the Go binary and the GOPATH that
//!   holds jwt 2.3.0, jwt v1 and nkeys (default: `go` on PATH, `/usr/share/gocode`);
//! - `NATSJWT_REQUIRE_PEERS=1`: a missing Go peer fails instead of printing `SKIP`.
//!   `scripts/install-go-peer.sh` installs it.
//!
//! # Which fields are covered by what
//!
//! Live here, both directions, byte level: every field jwt 2.3.0 knows —
//! `aud exp jti iat iss name nbf sub`; operator `signing_keys account_server_url
//! operator_service_urls system_account assert_server_version strict_signing_key_usage
//! tags`; account `imports` (name subject account token to local_subject type share),
//! `exports` (name subject type token_req revocations response_type response_threshold
//! service_latency account_token_position advertise description info_url), `limits`
//! (subs data payload imports exports wildcards disallow_bearer conn leaf, the JetStream
//! limits, tiered_limits), `signing_keys` (plain and `user_scope` with role and template),
//! `revocations`, `default_permissions`, `mappings` (subject weight cluster),
//! `description info_url tags`; user `pub sub resp src times times_location subs data
//! payload bearer_token allowed_connection_types issuer_account tags`; activation
//! `subject kind issuer_account tags`; generic `nats` maps (Go's float formatting); v1
//! tokens of the four v1 types.
//!
//! Newer than jwt 2.3.0, so only our token → Go (Go must verify the signature and read
//! the rest; it drops what it does not know), with bytes covered by the 2.8.2 vectors
//! in `tests/vectors.rs` over `tests/data/go-jwt-v2.8.2.json` where noted:
//! - `authorization: {}` (always written since 2.4.0): vectors (every account vector);
//! - `proxy_required`: vectors (`user_src_times_resp_proxy`);
//! - `authorization_request` / `authorization_response` claims: vectors
//!   (`authorization_request_signed_by_server`, `authorization_response_with_jwt`);
//!   here Go 2.3.0 reads them only with `DecodeGeneric`;
//! - `authorization.auth_users allowed_accounts xkey`, `trace`, `cluster_traffic`,
//!   export/import `allow_trace`, scope `description` (written `""` when empty): generated
//!   here (Go reads past them), but **no 2.8.2 vector pins their bytes yet**.
//!
//! Values newer than 2.3.0 in fields it knows are live here at byte level (2.3.0 stores
//! them as given) and only their validation is an exception: the `IN_PROCESS` connection
//! type (never validated), `ws`/`wss` service URLs, per-cluster and over-100 mapping
//! weights, `..` in subjects.
//!
//! # Exceptions: where jwt 2.3.0 / Go 1.19 differ from jwt 2.8.2 (which we follow)
//!
//! Each is a function below, named in the failure output and counted in the summary:
//! - `E_AUTHORIZATION`: 2.3.0 has no `authorization`; we always write `"authorization":{}`.
//! - `E_SCOPE_DESCRIPTION`: 2.3.0 scopes have no `description`; we write `"description":""`.
//! - `E_SIGNING_KEY_ORDER`: 2.3.0 writes signing keys in map order (random with more than
//!   one); since 2.5.1 (and here) they are sorted by key. Go's array is sorted (as text).
//! - `E_NEWER_FIELDS`: fields added after 2.3.0 (list above); Go drops them on read.
//! - `E_GO119_ESCAPES`: Go 1.19 writes U+0008/U+000C as `\u0008`/`\u000c`, Go ≥ 1.22 and
//!   we write `\b`/`\f` — in the payload and in the `jti` hash input.
//! - `E_GENERIC_DECODE`: Go's `Decode` verifies v2 generic tokens as v1 and fails (every
//!   version; natsjwt decodes them on purpose, see src/claims/decode.rs); so do 2.3.0's
//!   reads of auth callout claims, unknown to it. Compared with `DecodeGeneric`.
//! - `V_SUBJECT_DOTS`: leading/trailing `.` and `..` in subjects are errors since 2.8.x.
//! - `V_IMPORT_OVERLAP`: service-import overlap is checked per exporting account since
//!   2.8.1 (2.3.0: across all imports), with new wording.
//! - `V_MAPPINGS`: 2.3.0 forbids wildcard targets (dropped in 2.5.0), sums weights in a
//!   wrapping uint8 over all clusters; 2.5.8 sums per cluster, 2.8.1 adds "weight > 100".
//! - `V_SERVICE_URL_WS`: `ws`/`wss` operator service URLs are allowed since 2.5.3 (new
//!   wording of the "protocol not supported" error).
//! - `V_AUTH_CLAIMS`: 2.3.0 validates auth callout claims as generic (time checks only).
//! - `V_TRACE_SAMPLING_ZERO`: not a 2.3.0 difference: natsjwt warns that sampling 0 means
//!   100 where Go silently rewrites it (src/claims/account.rs); trace is newer anyway.
//!
//! The models of `V_IMPORT_OVERLAP` and `V_MAPPINGS` (which subjects overlap, which targets
//! are wildcards) take jwt 2.3.0's own subject helpers from the peer (`GoSubjects`), so
//! natsjwt's validation, which uses its own (crate-private) copies, is held to Go's.
//!
//! # Generator restrictions (each for the reason given)
//!
//! - Operator URLs never contain `%`: 2.3.0 passes their error text to `AddError` as a
//!   format string (fixed later with `"%s"`).
//! - Mapping subjects are ASCII, so that `V_MAPPINGS` can find their issues by `%q`.
//! - Scope template counts are never 0 and stay within ±2^53 (`TEMPLATE_COUNTS`): Go
//!   reads a scope over `NewUserScope()` defaults and through float64.
//! - `exp` and `nbf` are 0 or decades away from now, since Go's `Validate` reads the clock.
//!
//! `NATSJWT_GO_INTEROP_KEEP_GOING=1` reports every failing case instead of the first.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use natsjwt::claims::{
    AuthorizationRequest, AuthorizationResponse, ExternalAuthorization, MsgTrace,
};
use natsjwt::jws::{HEADER_B64, HEADER_JSON};
use natsjwt::types::{
    Export, ExportType, GoDuration, Import, JetStreamLimits, Mapping, OperatorLimits, Permission,
    Permissions, ResponsePermission, SamplingRate, ServiceLatency, SigningKeys, TimeRange,
    UserPermissionLimits, UserScope, WeightedMapping,
};
use natsjwt::validation::{Severity, TimeChecks, ValidationResults};
use natsjwt::{
    AccountClaims, ActivationClaims, AnyClaims, AuthorizationRequestClaims,
    AuthorizationResponseClaims, ClaimType, GenericClaims, KeyKind, KeyPair, OperatorClaims,
    PublicKey, UserClaims,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha512_256};

// ---------------------------------------------------------------------------------------
// The Go peer: discovery, cached build, JSON-lines process.
// ---------------------------------------------------------------------------------------

const DEFAULT_GOPATH: &str = "/usr/share/gocode";
const GO_PACKAGES: [&str; 3] = [
    "github.com/nats-io/jwt/v2",
    "github.com/nats-io/jwt",
    "github.com/nats-io/nkeys",
];
const BUILD_TIMEOUT: Duration = Duration::from_secs(300);
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The Go binary and the GOPATH holding jwt 2.3.0, jwt v1 and nkeys, or why not.
fn locate_go() -> Result<(PathBuf, PathBuf), String> {
    let go = match std::env::var_os("NATSJWT_GO") {
        Some(path) => PathBuf::from(path),
        None => find_on_path("go").ok_or("no `go` on PATH")?,
    };
    let gopath = std::env::var_os("NATSJWT_GO_GOPATH")
        .map_or_else(|| PathBuf::from(DEFAULT_GOPATH), PathBuf::from);
    for package in GO_PACKAGES {
        let dir = gopath.join("src").join(package);
        if !dir.is_dir() {
            return Err(format!(
                "{} is missing (scripts/install-go-peer.sh installs golang-github-nats-io-jwt-dev)",
                dir.display()
            ));
        }
    }
    Ok((go, gopath))
}

/// Runs `cmd` to completion within `timeout`, its output going to `log`.
fn run_bounded(cmd: &mut Command, log: &Path, timeout: Duration) -> Result<(), String> {
    let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("spawning {cmd:?}: {e}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            return if status.success() {
                Ok(())
            } else {
                Err(format!("{cmd:?} failed ({status}):\n{text}"))
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{cmd:?} took longer than {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `<target>/go-peer`: `CARGO_TARGET_TMPDIR` is `<target>/tmp`.
fn peer_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("go-peer")
}

/// Builds the peer once per process (cached across runs); `Err` is a reason to skip.
fn peer_binary() -> Result<PathBuf, String> {
    static BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BINARY.get_or_init(build_peer).clone()
}

fn build_peer() -> Result<PathBuf, String> {
    let (go, gopath) = locate_go()?;
    let source_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go-peer");
    let source = std::fs::read(source_dir.join("main.go")).expect("tests/go-peer/main.go");
    let dir = peer_dir();
    std::fs::create_dir_all(&dir).expect("create the go-peer cache dir");
    let version_log = dir.join("go-version.log");
    run_bounded(
        Command::new(&go).arg("version"),
        &version_log,
        Duration::from_secs(60),
    )
    .map_err(|e| format!("`go version` failed: {e}"))?;
    // The cache key: the peer's source, the Go release and the jwt library's version file.
    let mut key = Sha512_256::new();
    key.update(&source);
    key.update(std::fs::read(&version_log).unwrap_or_default());
    for file in [
        "github.com/nats-io/jwt/v2/header.go",
        "github.com/nats-io/jwt/v2/claims.go",
    ] {
        key.update(std::fs::read(gopath.join("src").join(file)).unwrap_or_default());
    }
    let hash = hex(&key.finalize()[..8]);
    let binary = dir.join(format!("go-peer-{hash}"));
    if binary.is_file() {
        return Ok(binary);
    }
    let started = Instant::now();
    let partial = dir.join(format!("go-peer-{hash}.{}.partial", std::process::id()));
    let gopath_list = std::env::join_paths([dir.join("gopath"), gopath]).expect("GOPATH");
    let mut build = Command::new(&go);
    build
        .args(["build", "-o"])
        .arg(&partial)
        .arg("main.go")
        .current_dir(&source_dir)
        .env("GO111MODULE", "off")
        .env("GOPATH", gopath_list)
        .env("GOCACHE", dir.join("cache"))
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("CGO_ENABLED", "0");
    // Go and the sources are there, so a failed build is a failure, not a skip.
    if let Err(e) = run_bounded(&mut build, &dir.join("build.log"), BUILD_TIMEOUT) {
        panic!("building the Go peer failed: {e}");
    }
    std::fs::rename(&partial, &binary).expect("move the built go-peer into place");
    eprintln!(
        "go_interop: built {} in {:.1} s",
        binary.display(),
        started.elapsed().as_secs_f64()
    );
    // Drop binaries of older versions of the peer.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("go-peer-") && entry.path() != binary && !name.ends_with(".partial")
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(binary)
}

/// One running go-peer process.
struct GoPeer {
    child: Child,
    stdin: Option<ChildStdin>,
    replies: Receiver<String>,
    next_id: i64,
}

impl GoPeer {
    fn start(binary: &Path) -> GoPeer {
        let mut child = Command::new(binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start go-peer");
        let stdout = child.stdout.take().expect("go-peer stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut peer = GoPeer {
            child,
            stdin,
            replies: rx,
            next_id: 0,
        };
        let hello = peer.call(json!({"op": "hello"})).expect("go-peer hello");
        assert_eq!(hello["jwt"], "2.3.0", "go-peer links jwt {}", hello["jwt"]);
        peer
    }

    /// One request, one reply; `Err` for a protocol error or a peer-side error.
    fn call(&mut self, mut request: Value) -> Result<Value, String> {
        self.next_id += 1;
        request["id"] = json!(self.next_id);
        let stdin = self.stdin.as_mut().ok_or("go-peer stdin is closed")?;
        writeln!(stdin, "{request}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("writing to go-peer: {e}"))?;
        let line = self
            .replies
            .recv_timeout(REPLY_TIMEOUT)
            .map_err(|e| format!("no reply from go-peer within {REPLY_TIMEOUT:?}: {e}"))?;
        let reply: Value =
            serde_json::from_str(&line).map_err(|e| format!("go-peer reply {line:?}: {e}"))?;
        if reply["id"] != json!(self.next_id) {
            return Err(format!(
                "go-peer answered {} to request {}",
                reply["id"], self.next_id
            ));
        }
        if let Some(error) = reply.get("error").and_then(Value::as_str) {
            return Err(format!("go-peer: {error}"));
        }
        Ok(reply)
    }
}

impl Drop for GoPeer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return;
                }
            }
        }
    }
}

/// The peer, or `None` after one `SKIP` line (a failure under `NATSJWT_REQUIRE_PEERS=1`).
fn start_peer(test: &str) -> Option<GoPeer> {
    peer_binary_or_skip(test).map(|binary| GoPeer::start(&binary))
}

fn peer_binary_or_skip(test: &str) -> Option<PathBuf> {
    match peer_binary() {
        Ok(binary) => Some(binary),
        Err(why) => {
            crate::common::peers::missing(
                "the Go reference peer (Go and nats-io/jwt 2.3.0)",
                &format!("{test}: {why} (install: bash scripts/install-go-peer.sh)"),
            );
            None
        }
    }
}

// ---------------------------------------------------------------------------------------
// Seeds and the random generator.
// ---------------------------------------------------------------------------------------

/// SplitMix64: small, fast and fully reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn text(&mut self, items: &[&str]) -> String {
        (*self.pick(items)).to_owned()
    }
}

fn parse_seed(text: &str) -> u64 {
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|e| panic!("bad seed {text:?}: {e}"))
}

/// The run's seed: `NATSJWT_GO_INTEROP_SEED`, or fresh from the clock.
fn run_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| match std::env::var("NATSJWT_GO_INTEROP_SEED") {
        Ok(text) => parse_seed(&text),
        Err(_) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            Rng(nanos as u64 ^ u64::from(std::process::id())).next()
        }
    })
}

/// The seeds of a test's cases: one per case, or just the one being replayed.
fn case_seeds(test: &str, default_count: usize) -> Vec<u64> {
    if let Ok(text) = std::env::var("NATSJWT_GO_INTEROP_CASE") {
        return vec![parse_seed(&text)];
    }
    let count = std::env::var("NATSJWT_GO_INTEROP_CASES")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(default_count);
    let mut stream = Rng(run_seed()
        ^ test
            .bytes()
            .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b)));
    (0..count).map(|_| stream.next()).collect()
}

fn replay_hint(test: &str, seed: u64) -> String {
    format!(
        "replay: NATSJWT_GO_INTEROP_CASE={seed:#018x} cargo test --test go_interop {test} -- --nocapture (run seed {:#018x})",
        run_seed()
    )
}

// ---------------------------------------------------------------------------------------
// Keys, value pools and the claims generator.
// ---------------------------------------------------------------------------------------

struct Keys {
    operators: Vec<KeyPair>,
    accounts: Vec<KeyPair>,
    users: Vec<KeyPair>,
    servers: Vec<KeyPair>,
    curves: Vec<String>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let make = |kind, tag: u8, n: u8| -> Vec<KeyPair> {
            (0..n)
                .map(|i| KeyPair::from_raw_seed(kind, &[tag.wrapping_add(i); 32]).unwrap())
                .collect()
        };
        Keys {
            operators: make(KeyKind::Operator, 0x10, 3),
            accounts: make(KeyKind::Account, 0x20, 6),
            users: make(KeyKind::User, 0x30, 4),
            servers: make(KeyKind::Server, 0x40, 2),
            // Only the public text of curve keys is needed (auth callout xkey).
            curves: (0x50u8..0x52)
                .map(|b| {
                    PublicKey::from_bytes(KeyKind::Curve, [b; 32])
                        .as_str()
                        .to_owned()
                })
                .collect(),
        }
    })
}

fn public(key: &KeyPair) -> String {
    key.public_key().as_str().to_owned()
}

const FAR_PAST: i64 = 946_684_800; // 2000-01-01
const FAR_FUTURE: i64 = 4_102_444_800; // 2100-01-01

/// Text with the characters Go's JSON escapes (`<>&`, U+2028/9, controls, `\b` `\f`).
const TEXTS: &[&str] = &[
    "",
    "plain",
    "tenant-42",
    "A<&>",
    "</script>&amp;",
    "tab\there",
    "line\nbreak\r",
    "quote\"d",
    "back\\slash",
    "\u{2028}sep\u{2029}",
    "nul\u{0}x",
    "ctl\u{1}\u{1f}",
    "del\u{7f}",
    "bell\u{7}",
    "bs\u{8}ff\u{c}",
    "ünïcödé",
    "😀 emoji",
    "  padded  ",
    "UPPER Case",
];

const GOOD_SUBJECTS: &[&str] = &[
    "a",
    "a.b",
    "orders.new",
    "orders.*",
    "orders.>",
    "*",
    ">",
    "*.x",
    "a.*.b.*",
    "_INBOX.>",
    "$SYS.REQ.>",
    "ünï.cöde",
    "x<y.&z",
    "tab\tsub",
    "a.b.c.d.e.f.g",
];
/// Invalid for jwt 2.3.0 and 2.8.2 alike.
const BAD_SUBJECTS: &[&str] = &["", "has space", "two  spaces", "ctl\u{1}\u{7f} \u{2028}"];
/// Invalid only since 2.8.x (`V_SUBJECT_DOTS`).
const DOT_SUBJECTS: &[&str] = &["a..b", ".lead", "trail.", ".", ".."];
/// ASCII subjects for mappings (`V_MAPPINGS` finds their issues by Go's `%q`).
const MAPPING_SUBJECTS: &[&str] = &[
    "m",
    "m.a",
    "m.*",
    "m.>",
    "orders.v1",
    "orders.v2",
    "a..b",
    "",
];

const CIDRS: &[&str] = &[
    "10.0.0.0/8",
    "192.168.1.1/32",
    "0.0.0.0/0",
    "2001:db8::/32",
    "2001:DB8::/48",
    "::/0",
    "::ffff:10.0.0.0/104",
    "10.0.0.0/08",
    "10.0.0.0/33",
    "10.0.0.0",
    "not-a-cidr",
    "010.0.0.0/8",
    "fe80::1%eth0/64",
    "10.0.0.0/+8",
    "10.0.0.0/-1",
    "::/129",
    "1.2.3.4/ 8",
];

const CLOCK_TIMES: &[&str] = &[
    "09:00:00",
    "9:00:00",
    "23:59:59",
    "0:00:00",
    "12:00:00.5",
    "12:00:00,123",
    "24:00:00",
    "12:60:00",
    "12:00",
    "",
    "12:00:00 ",
    "1:2:3",
    "+1:00:00",
    "123:00:00",
    "12:00:00.",
    "aa:00:00",
    "12:00:60",
];

const ZONES: &[&str] = &[
    "UTC",
    "Local",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Etc/GMT+5",
    "EST5EDT",
    "utc",
    "Nowhere/Zone",
    "../etc/passwd",
    "Europe",
    "Europe/../Europe/Berlin",
];

const COUNTS: &[i64] = &[-1, -1, 0, 1, 7, 1024, 1 << 40, -2, i64::MAX, i64::MIN];
/// Counts a scope template can carry to Go and back. Go reads a scope with
/// `NewUserScope()` defaults (-1) under the JSON, so an omitted 0 comes back as -1 (both
/// libraries; a template cannot say 0). And `SigningKeys.UnmarshalJSON` re-marshals each
/// scope from a `map[string]interface{}`, so numbers pass through float64 (every jwt
/// version): beyond 2^53 they round, and ±(2^63-ish) values no longer fit an int64.
const TEMPLATE_COUNTS: &[i64] = &[-1, -1, 1, 7, 1024, 1 << 40, -2, 1 << 53, -(1 << 53)];

const CONNECTION_TYPES: &[&str] = &[
    "STANDARD",
    "WEBSOCKET",
    "LEAFNODE",
    "LEAFNODE_WS",
    "MQTT",
    "MQTT_WS",
    "IN_PROCESS",
    "standard",
    "bogus",
];

/// Operator URLs: no `%` (see the generator restrictions above).
const SERVICE_URLS: &[&str] = &[
    "nats://127.0.0.1:4222",
    "tls://nats.example.com:4443",
    "nats://[::1]:4222",
    "NATS://UPPER:4222",
    "nats://host:4222/",
    "nats://host?x=1",
    "nats://host#frag",
    "nats://host:",
    "nats://:4222",
    "nats:opaque",
    "ws://host:8080",
    "wss://host",
    "WS://HOST",
    "http://host",
    "nats://u:p@host",
    "nats://u@host",
    "nats://host/path",
    "nats://h:abc",
    "nats://a b",
    "://missing",
    "no-scheme",
    "//host-only",
    " nats://lead",
    "nats://host\u{7f}",
    "nats://[::1",
    "",
    "mailto:x@y",
    "nats://host:99999",
    "nats://hö.st",
];

const ACCOUNT_SERVER_URLS: &[&str] = &[
    "http://localhost:9090/jwt/v1",
    "https://example.com/x",
    "localhost:9090",
    "nats://h",
    "http://[::1]:9090",
    "no-scheme",
    "://missing",
    "http://a b",
    "/relative/path",
    " http://lead",
    "http://h\u{7f}",
    "http://[::1",
];

const INFO_URLS: &[&str] = &[
    "https://example.com/tenant",
    "http://h:80/a%20b",
    "https://[::1]:443/x",
    "https://u@h/",
    "ftp://files.example.com",
    "example.com",
    "https://",
    "/relative",
    "https://%zz",
    "https://exa mple.com",
    "mailto:a@b",
    "http://h/%zz",
    "http://[::1",
];

const SERVER_VERSIONS: &[&str] = &[
    "2.10.0",
    "0.0.0",
    "+2.1.0",
    "v2.10.0",
    "2.10",
    "2.-1.0",
    "a.b.c",
    "2.10.0.1",
    " 2.1.0",
    "99999999999999999999.0.0",
];

/// One generated case.
struct Case {
    claims: AnyClaims,
    signer: &'static KeyPair,
    iat: i64,
    /// JSON edits for the copy sent to Go, for claims our encoder cannot serialise
    /// (pointer, value); the claims carry a serialisable stand-in at that place.
    go_patches: Vec<(String, Value)>,
    /// Fields newer than jwt 2.3.0 are set (`E_NEWER_FIELDS`).
    newer: bool,
}

struct Gen {
    rng: Rng,
    keys: &'static Keys,
    newer: bool,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let mut rng = Rng(seed);
        let newer = rng.percent(8);
        Gen {
            rng,
            keys: keys(),
            newer,
        }
    }

    fn count(&mut self, weights: &[usize]) -> usize {
        *self.rng.pick(weights)
    }

    fn subject(&mut self, bad_percent: u64) -> String {
        if self.rng.percent(bad_percent) {
            if self.rng.percent(50) {
                self.rng.text(BAD_SUBJECTS)
            } else {
                self.rng.text(DOT_SUBJECTS)
            }
        } else {
            self.rng.text(GOOD_SUBJECTS)
        }
    }

    fn account_pub(&mut self) -> String {
        public(self.rng.pick(&self.keys.accounts))
    }

    fn user_pub(&mut self) -> String {
        public(self.rng.pick(&self.keys.users))
    }

    fn standard<T>(&mut self, c: &mut natsjwt::Claims<T>) {
        if self.rng.percent(60) {
            c.name = self.rng.text(TEXTS);
        }
        if self.rng.percent(10) {
            c.audience = if self.rng.percent(50) {
                self.rng.text(TEXTS)
            } else {
                public(self.rng.pick(&self.keys.servers))
            };
        }
        c.expires = *self.rng.pick(&[0, 0, 0, FAR_FUTURE, FAR_PAST]);
        c.not_before = *self.rng.pick(&[0, 0, 0, FAR_PAST, FAR_FUTURE]);
    }

    fn iat(&mut self) -> i64 {
        match self.rng.below(40) {
            0 => 0,
            1 => -1,
            2 => i64::from(u32::MAX) * 4,
            _ => 1_500_000_000 + (self.rng.next() % 400_000_000) as i64,
        }
    }

    fn permission_entry(&mut self) -> String {
        match self.rng.below(20) {
            0 | 1 => format!("{} q1", self.rng.text(GOOD_SUBJECTS)),
            2 => "a b c".to_owned(),
            _ => self.subject(10),
        }
    }

    fn permission(&mut self) -> Permission {
        let mut p = Permission::default();
        for _ in 0..self.count(&[0, 0, 1, 2, 3]) {
            let entry = self.permission_entry();
            p.allow.push(entry);
        }
        for _ in 0..self.count(&[0, 0, 0, 1, 2]) {
            let entry = self.permission_entry();
            p.deny.push(entry);
        }
        p
    }

    fn permissions(&mut self) -> Permissions {
        let mut p = Permissions {
            publish: self.permission(),
            subscribe: self.permission(),
            response: None,
        };
        if self.rng.percent(25) {
            p.response = Some(ResponsePermission {
                max: *self.rng.pick(&[-1, 0, 1, 100]),
                ttl: GoDuration(*self.rng.pick(&[0, 1_000_000_000, 90_000_000_000, -5])),
            });
        }
        p
    }

    fn user_limits(&mut self, limits: &mut natsjwt::types::Limits, counts: &[i64]) {
        for _ in 0..self.count(&[0, 0, 1, 2, 3]) {
            let cidr = self.rng.text(CIDRS);
            limits.src.add([cidr]);
        }
        for _ in 0..self.count(&[0, 0, 0, 1, 2]) {
            limits.times.push(TimeRange::new(
                self.rng.text(CLOCK_TIMES),
                self.rng.text(CLOCK_TIMES),
            ));
        }
        if self.rng.percent(25) {
            limits.times_location = self.rng.text(ZONES);
        }
        if self.rng.percent(40) {
            limits.subs = *self.rng.pick(counts);
        }
        if self.rng.percent(30) {
            limits.data = *self.rng.pick(counts);
        }
        if self.rng.percent(30) {
            limits.payload = *self.rng.pick(counts);
        }
    }

    fn connection_types(&mut self) -> Vec<String> {
        let mut types: Vec<String> = Vec::new();
        for _ in 0..self.count(&[0, 0, 0, 1, 2, 3]) {
            let t = self.rng.text(CONNECTION_TYPES);
            if !types.contains(&t) {
                types.push(t);
            }
        }
        types
    }

    fn tags(&mut self, tags: &mut natsjwt::types::TagList) {
        for _ in 0..self.count(&[0, 0, 1, 2]) {
            let tag = self.rng.text(TEXTS);
            tags.add([tag]);
        }
    }

    fn user(&mut self) -> Case {
        let mut c = UserClaims::new(self.user_pub());
        self.standard(&mut c);
        if self.rng.percent(15) {
            c.nats.set_scoped(true);
        } else {
            c.nats.permissions = self.permissions();
            self.user_limits(&mut c.nats.limits, COUNTS);
            c.nats.bearer_token = self.rng.percent(20);
            c.nats.allowed_connection_types = self.connection_types();
            c.nats.proxy_required = self.newer && self.rng.percent(50);
        }
        if self.rng.percent(30) {
            c.nats.issuer_account = self.account_pub();
        } else if self.rng.percent(5) {
            c.nats.issuer_account = self.rng.text(&["not-an-account", "UBAD"]);
        }
        self.tags(&mut c.nats.tags);
        let signer = match self.rng.below(40) {
            0 => self.rng.pick(&self.keys.operators),
            1 => self.rng.pick(&self.keys.users),
            _ => self.rng.pick(&self.keys.accounts),
        };
        if self.rng.percent(3) {
            // Encoding refuses a subject of the wrong kind, or none.
            c.subject = if self.rng.percent(50) {
                self.account_pub()
            } else {
                String::new()
            };
        }
        self.case(c.into(), signer)
    }

    fn case(&mut self, claims: AnyClaims, signer: &'static KeyPair) -> Case {
        Case {
            claims,
            signer,
            iat: self.iat(),
            go_patches: Vec::new(),
            newer: self.newer,
        }
    }

    fn renaming(&mut self, subject: &str) -> String {
        let stars = subject.split('.').filter(|t| *t == "*").count();
        let ends_in_gt = subject == ">" || subject.ends_with(".>");
        let gt = if ends_in_gt { ".>" } else { "" };
        match self.rng.below(6) {
            0 | 1 => {
                let mut refs: Vec<usize> = (1..=stars).collect();
                if refs.len() > 1 && self.rng.percent(50) {
                    refs.reverse();
                }
                let mut out = "local".to_owned();
                for r in refs {
                    let _ = write!(out, ".${r}");
                }
                out + gt
            }
            2 => format!("local.{subject}"),
            3 => format!("local.$9{gt}"),
            4 => {
                if ends_in_gt {
                    "local.x".to_owned()
                } else {
                    "local.x.>".to_owned()
                }
            }
            _ => "has space.$1".to_owned(),
        }
    }

    fn activation_for(&mut self, importer: &str, import: &Import) -> String {
        let exporter_key = self
            .keys
            .accounts
            .iter()
            .find(|k| k.public_key().as_str() == import.account);
        let mut act = ActivationClaims::new(if self.rng.percent(90) {
            importer.to_owned()
        } else {
            self.account_pub()
        });
        act.nats.subject = if self.rng.percent(85) {
            import.subject.clone()
        } else {
            self.subject(10)
        };
        act.nats.kind = if self.rng.percent(90) {
            import.import_type
        } else {
            *self.rng.pick(&[ExportType::Stream, ExportType::Service])
        };
        if self.rng.percent(20) {
            act.expires = FAR_PAST; // expired activations do not fail the account
        }
        let signer: &KeyPair = match (self.rng.below(20), exporter_key) {
            (0..=13, Some(k)) => k,
            (14..=16, _) => {
                act.nats.issuer_account = import.account.clone();
                self.rng.pick(&self.keys.accounts)
            }
            (17 | 18, _) => {
                if self.rng.percent(50) {
                    act.nats.issuer_account = import.account.clone();
                }
                self.rng.pick(&self.keys.operators)
            }
            _ => self.rng.pick(&self.keys.accounts),
        };
        let iat = self.iat().max(1);
        act.encode_at(signer, iat).expect("activation token")
    }

    fn import(&mut self, importer: &str, tokens: bool) -> Import {
        let service = self.rng.percent(50);
        let subject = if service && self.rng.percent(70) {
            self.rng
                .text(&["q", "q.*", "q.>", "q.a", "r.x", "*.x", "q.a.b"])
        } else {
            self.subject(10)
        };
        let account = self.account_pub();
        let mut i = if service {
            Import::service(account, subject)
        } else {
            Import::stream(account, subject)
        };
        if self.rng.percent(3) {
            i.import_type = ExportType::Unknown;
        }
        if self.rng.percent(3) {
            i.account = String::new();
        } else if self.rng.percent(3) {
            i.account = "not-an-account".to_owned();
        }
        if self.rng.percent(30) {
            i.name = self.rng.text(TEXTS);
        }
        if self.rng.percent(10) {
            i.to = self.subject(10);
        }
        if self.rng.percent(20) {
            i.local_subject = self.renaming(&i.subject.clone());
        }
        i.share = if service {
            self.rng.percent(20)
        } else {
            self.rng.percent(3)
        };
        if tokens && self.rng.percent(25) {
            i.token = self.activation_for(importer, &i);
        } else if self.rng.percent(3) {
            i.token = "not-a-token".to_owned();
        }
        i.allow_trace = self.newer && !service && self.rng.percent(50);
        i
    }

    fn revocations(&mut self, list: &mut natsjwt::types::RevocationList, keys: &[KeyPair]) {
        for _ in 0..self.count(&[0, 0, 0, 1, 2]) {
            let key = if self.rng.percent(20) {
                "*".to_owned()
            } else {
                public(self.rng.pick(keys))
            };
            let at = *self.rng.pick(&[1, FAR_PAST, 1_700_000_000, FAR_FUTURE]);
            list.revoke(&key, at);
        }
    }

    fn export(&mut self) -> Export {
        let service = self.rng.percent(50);
        let subject = self.subject(8);
        let mut e = if service {
            Export::service(subject)
        } else {
            Export::stream(subject)
        };
        if self.rng.percent(3) {
            e.export_type = ExportType::Unknown;
        }
        if self.rng.percent(30) {
            e.name = self.rng.text(TEXTS);
        }
        e.token_req = self.rng.percent(30);
        let accounts = &self.keys.accounts;
        self.revocations(&mut e.revocations, accounts);
        if service {
            e.response_type = self.rng.text(&[
                "",
                "",
                "",
                "Singleton",
                "Stream",
                "Chunked",
                "bogus",
                "singleton",
            ]);
            if self.rng.percent(30) {
                e.response_threshold = GoDuration(*self.rng.pick(&[1, 5_000_000_000, -1]));
            }
            if self.rng.percent(20) {
                e.service_latency = Some(ServiceLatency {
                    sampling: SamplingRate(*self.rng.pick(&[0, 1, 50, 100])),
                    results: self.rng.text(&["lat.results", "lat.*", "lat", "", "a b"]),
                });
            }
            e.allow_trace = self.newer && self.rng.percent(50);
        } else {
            if self.rng.percent(5) {
                e.response_type = "Stream".to_owned();
            }
            if self.rng.percent(3) {
                e.response_threshold = GoDuration(1);
            }
            if self.rng.percent(3) {
                e.service_latency = Some(ServiceLatency {
                    sampling: SamplingRate(10),
                    results: "lat.results".to_owned(),
                });
            }
        }
        let tokens = e.subject.split('.').count();
        if e.subject.split('.').any(|t| t == "*") && self.rng.percent(50) {
            let stars: Vec<usize> = e
                .subject
                .split('.')
                .enumerate()
                .filter(|(_, t)| *t == "*")
                .map(|(i, _)| i + 1)
                .collect();
            e.account_token_position = if self.rng.percent(70) {
                *self.rng.pick(&stars) as u64
            } else {
                (1 + self.rng.below(tokens + 1)) as u64
            };
        } else if self.rng.percent(5) {
            e.account_token_position = (1 + self.rng.below(3)) as u64;
        }
        e.advertise = self.rng.percent(20);
        if self.rng.percent(20) {
            e.info.description = self.rng.text(TEXTS);
        }
        if self.rng.percent(2) {
            e.info.description = "x".repeat(8193);
        }
        if self.rng.percent(15) {
            e.info.info_url = self.rng.text(INFO_URLS);
        }
        e
    }

    fn jetstream(&mut self) -> JetStreamLimits {
        let pick = |rng: &mut Rng| {
            if rng.percent(50) {
                *rng.pick(COUNTS)
            } else {
                0
            }
        };
        JetStreamLimits {
            mem_storage: pick(&mut self.rng),
            disk_storage: pick(&mut self.rng),
            streams: pick(&mut self.rng),
            consumer: pick(&mut self.rng),
            max_ack_pending: pick(&mut self.rng),
            mem_max_stream_bytes: pick(&mut self.rng),
            disk_max_stream_bytes: pick(&mut self.rng),
            max_bytes_required: self.rng.percent(30),
        }
    }

    fn operator_limits(&mut self) -> OperatorLimits {
        if self.rng.percent(40) {
            return OperatorLimits::new_account_defaults();
        }
        if self.rng.percent(5) {
            return OperatorLimits::default();
        }
        let mut l = OperatorLimits::new_account_defaults();
        for field in [
            &mut l.subs,
            &mut l.data,
            &mut l.payload,
            &mut l.imports,
            &mut l.exports,
            &mut l.conn,
            &mut l.leaf,
        ] {
            if self.rng.percent(35) {
                *field = *self.rng.pick(&[-1, 0, 1, 2, 100, i64::MAX]);
            }
        }
        l.wildcards = self.rng.percent(80);
        l.disallow_bearer = self.rng.percent(20);
        if self.rng.percent(30) {
            l.jetstream = self.jetstream();
        }
        if self.rng.percent(15) {
            for _ in 0..1 + self.rng.below(3) {
                let tier = self.rng.text(&["R1", "R3", "", "tier<&>"]);
                let limits = self.jetstream();
                l.tiered_limits.insert(tier, limits);
            }
            if self.rng.percent(70) {
                l.jetstream = JetStreamLimits::default();
            }
        }
        l
    }

    fn scope(&mut self, key: String) -> UserScope {
        let mut scope = UserScope::new(key);
        if self.rng.percent(60) {
            scope.role = self.rng.text(TEXTS);
        }
        let mut template = UserPermissionLimits {
            permissions: self.permissions(),
            limits: natsjwt::types::Limits::unlimited(),
            bearer_token: self.rng.percent(20),
            proxy_required: self.newer && self.rng.percent(30),
            allowed_connection_types: self.connection_types(),
        };
        // Go reads scope templates through interface{} (float64): beyond 2^53 it
        // rounds, and 2^63-1 no longer fits an int64 (see TEMPLATE_COUNTS).
        self.user_limits(&mut template.limits, TEMPLATE_COUNTS);
        scope.template = template;
        if self.newer && self.rng.percent(50) {
            scope.description = self.rng.text(TEXTS);
        }
        scope
    }

    fn signing_keys(&mut self) -> SigningKeys {
        let mut keys = SigningKeys::new();
        for _ in 0..self.count(&[0, 0, 1, 1, 2, 3]) {
            let key = match self.rng.below(20) {
                0 => self.user_pub(),
                1 => "junk".to_owned(),
                _ => self.account_pub(),
            };
            if self.rng.percent(40) {
                let scope = self.scope(key);
                keys.add_scoped(scope);
            } else {
                keys.add(key);
            }
        }
        keys
    }

    fn mappings(&mut self) -> Mapping {
        let mut mappings = Mapping::new();
        for _ in 0..self.count(&[0, 0, 0, 1, 2]) {
            let from = self.rng.text(MAPPING_SUBJECTS);
            let mut targets = Vec::new();
            for _ in 0..1 + self.rng.below(3) {
                let subject = if self.rng.percent(8) {
                    self.rng.text(&["w.*", "w.>"])
                } else {
                    self.rng.text(MAPPING_SUBJECTS)
                };
                // Mostly weights both versions judge alike; V_MAPPINGS covers the rest.
                let weight = if self.rng.percent(12) {
                    *self.rng.pick(&[101, 200, 255])
                } else {
                    *self.rng.pick(&[0, 10, 40, 50, 60, 100])
                };
                targets.push(WeightedMapping {
                    subject,
                    weight,
                    cluster: if self.rng.percent(8) {
                        self.rng.text(&["east", "west"])
                    } else {
                        String::new()
                    },
                });
            }
            mappings.insert(from, targets);
        }
        mappings
    }

    fn account(&mut self) -> Case {
        let subject_key = self.rng.pick(&self.keys.accounts);
        let subject = public(subject_key);
        let mut c = AccountClaims::new(subject.clone());
        self.standard(&mut c);
        c.nats.limits = self.operator_limits();
        // Rarely over 12 imports (see the exports below); without activation tokens,
        // whose verification is the slow part of a case.
        let (imports, tokens) = if self.rng.percent(2) {
            (13 + self.rng.below(3), false)
        } else {
            (self.count(&[0, 0, 0, 1, 1, 2, 3, 4]), true)
        };
        for _ in 0..imports {
            let import = self.import(&subject, tokens);
            c.nats.imports.push(import);
        }
        let exports = if self.rng.percent(3) {
            // Over 12 entries Go's sort.Sort stops being an insertion sort (stable);
            // equal subjects then test the order both sides write.
            13 + self.rng.below(4)
        } else {
            self.count(&[0, 0, 0, 1, 1, 2, 3, 5])
        };
        for _ in 0..exports {
            let export = self.export();
            c.nats.exports.push(export);
        }
        c.nats.signing_keys = self.signing_keys();
        let users = &self.keys.users;
        self.revocations(&mut c.nats.revocations, users);
        if self.rng.percent(40) {
            c.nats.default_permissions = self.permissions();
        }
        c.nats.mappings = self.mappings();
        if self.rng.percent(20) {
            c.nats.info.description = self.rng.text(TEXTS);
        }
        if self.rng.percent(2) {
            c.nats.info.description = "d".repeat(8193);
        }
        if self.rng.percent(15) {
            c.nats.info.info_url = self.rng.text(INFO_URLS);
        }
        self.tags(&mut c.nats.tags);
        if self.newer {
            self.newer_account_fields(&mut c);
        }
        let signer = match self.rng.below(20) {
            0..=13 => self.rng.pick(&self.keys.operators),
            14..=18 => subject_key,
            _ => self.rng.pick(&self.keys.users),
        };
        if self.rng.percent(2) {
            c.subject = self.user_pub();
        }
        let mut case = self.case(c.clone().into(), signer);
        // An out-of-range latency sampling cannot be written by either side.
        if self.rng.percent(3)
            && let Some((index, export)) = c
                .nats
                .exports
                .iter()
                .enumerate()
                .find(|(_, e)| e.service_latency.is_some())
        {
            let rate = *self.rng.pick(&[101, -1, 1000]);
            let mut broken = c.clone();
            broken.nats.exports[index].service_latency = Some(ServiceLatency {
                sampling: SamplingRate(rate),
                results: export.service_latency.as_ref().unwrap().results.clone(),
            });
            case.claims = broken.into();
            case.go_patches.push((
                format!("/nats/exports/{index}/service_latency/sampling"),
                json!(rate),
            ));
        }
        case
    }

    fn newer_account_fields(&mut self, c: &mut AccountClaims) {
        if self.rng.percent(50) {
            c.nats.trace = Some(MsgTrace {
                dest: self.rng.text(&["trace.dest", "t"]),
                sampling: *self.rng.pick(&[0, 1, 50, 100]),
            });
        }
        if self.rng.percent(40) {
            c.nats.cluster_traffic = self.rng.text(&["system", "owner"]);
        }
        if self.rng.percent(50) {
            let mut auth = ExternalAuthorization::default();
            auth.auth_users.push(self.user_pub());
            auth.allowed_accounts = if self.rng.percent(50) {
                vec!["*".to_owned()]
            } else {
                vec![self.account_pub()]
            };
            if self.rng.percent(50) {
                auth.xkey = self.rng.pick(&self.keys.curves).clone();
            }
            c.nats.authorization = auth;
        }
    }

    fn operator(&mut self) -> Case {
        let key = self.rng.pick(&self.keys.operators);
        let mut c = OperatorClaims::new(public(key));
        self.standard(&mut c);
        for _ in 0..self.count(&[0, 0, 1, 2, 3]) {
            let k = match self.rng.below(15) {
                0 => self.account_pub(),
                1 => "junk".to_owned(),
                _ => public(self.rng.pick(&self.keys.operators)),
            };
            c.nats.signing_keys.push(k);
        }
        if self.rng.percent(40) {
            c.nats.account_server_url = self.rng.text(ACCOUNT_SERVER_URLS);
        }
        for _ in 0..self.count(&[0, 0, 1, 2, 3]) {
            let u = self.rng.text(SERVICE_URLS);
            c.nats.operator_service_urls.push(u);
        }
        if self.rng.percent(40) {
            c.nats.system_account = self.account_pub();
        } else if self.rng.percent(5) {
            c.nats.system_account = "junk".to_owned();
        }
        if self.rng.percent(40) {
            c.nats.assert_server_version = self.rng.text(SERVER_VERSIONS);
        }
        c.nats.strict_signing_key_usage = self.rng.percent(30);
        self.tags(&mut c.nats.tags);
        let signer = match self.rng.below(20) {
            0 => self.rng.pick(&self.keys.accounts),
            1..=4 => self.rng.pick(&self.keys.operators),
            _ => key,
        };
        if self.rng.percent(2) {
            c.subject = self.account_pub();
        }
        self.case(c.into(), signer)
    }

    fn activation(&mut self) -> Case {
        let mut c = ActivationClaims::new(self.account_pub());
        self.standard(&mut c);
        c.nats.subject = self.subject(15);
        c.nats.kind = match self.rng.below(20) {
            0 => ExportType::Unknown,
            1..=9 => ExportType::Stream,
            _ => ExportType::Service,
        };
        if self.rng.percent(20) {
            c.nats.issuer_account = self.account_pub();
        } else if self.rng.percent(4) {
            c.nats.issuer_account = "junk".to_owned();
        }
        self.tags(&mut c.nats.tags);
        let signer = match self.rng.below(20) {
            0 => self.rng.pick(&self.keys.users),
            1..=3 => self.rng.pick(&self.keys.operators),
            _ => self.rng.pick(&self.keys.accounts),
        };
        if self.rng.percent(2) {
            c.subject = self.user_pub();
        }
        self.case(c.into(), signer)
    }

    fn generic_value(&mut self, depth: usize) -> Value {
        match self.rng.below(if depth < 2 { 9 } else { 7 }) {
            0 => Value::Null,
            1 => json!(self.rng.percent(50)),
            2 => json!(
                *self
                    .rng
                    .pick(&[0i64, 1, -1, 9_007_199_254_740_993, i64::MAX, i64::MIN])
            ),
            3 => json!(*self.rng.pick(&[u64::MAX, 12_345_678_901_234_567_890])),
            4 => json!(*self.rng.pick(&[
                1.5,
                -0.0,
                1e21,
                1e20,
                1e-7,
                0.000_001,
                std::f64::consts::PI,
                1.2345e-10,
                1e100,
                5e-324,
                1.797_693_134_862_315_7e308,
                0.1,
            ])),
            5 | 6 => json!(self.rng.text(TEXTS)),
            7 => Value::Array(
                (0..self.rng.below(3))
                    .map(|_| self.generic_value(depth + 1))
                    .collect(),
            ),
            _ => {
                let mut map = serde_json::Map::new();
                for _ in 0..self.rng.below(3) {
                    let key = self.rng.text(TEXTS);
                    let value = self.generic_value(depth + 1);
                    map.insert(key, value);
                }
                Value::Object(map)
            }
        }
    }

    fn generic(&mut self) -> Case {
        let subject = match self.rng.below(4) {
            0 => "free-form <subject> & more".to_owned(),
            1 => self.user_pub(),
            _ => self.account_pub(),
        };
        let mut c = GenericClaims::new(subject);
        self.standard(&mut c);
        if self.rng.percent(60) {
            let kind = self.rng.text(&["custom", "my-type", "generic", "Account"]);
            c.nats.data.insert("type".to_owned(), json!(kind));
        }
        for _ in 0..self.rng.below(5) {
            let key = self
                .rng
                .text(&["accounts", "data", "n", "A<&>", "ünï", "x\u{2028}"]);
            let value = self.generic_value(0);
            c.nats.data.insert(key, value);
        }
        let signer = match self.rng.below(4) {
            0 => self.rng.pick(&self.keys.operators),
            1 => self.rng.pick(&self.keys.users),
            2 => self.rng.pick(&self.keys.servers),
            _ => self.rng.pick(&self.keys.accounts),
        };
        self.case(c.into(), signer)
    }

    /// Auth callout claims: unknown to jwt 2.3.0 (`E_GENERIC_DECODE`, `V_AUTH_CLAIMS`).
    fn auth_callout(&mut self) -> Case {
        let server = self.rng.pick(&self.keys.servers);
        if self.rng.percent(50) {
            let mut c = AuthorizationRequestClaims::new(self.account_pub());
            self.standard(&mut c);
            c.audience = "nats-authorization-request".to_owned();
            let mut body = AuthorizationRequest::default();
            body.server_id.name = self.rng.text(TEXTS);
            body.server_id.host = "127.0.0.1".to_owned();
            body.server_id.id = public(server);
            body.server_id.version = "2.10.0".to_owned();
            body.user_nkey = if self.rng.percent(90) {
                self.user_pub()
            } else {
                String::new()
            };
            body.client_info.host = "10.0.0.1".to_owned();
            body.client_info.id = self.rng.next() % 1000;
            body.client_info.user = self.rng.text(TEXTS);
            body.client_info.kind = "Client".to_owned();
            body.client_info.client_type = "nats".to_owned();
            body.connect_opts.user = self.rng.text(TEXTS);
            body.connect_opts.password = "secret".to_owned();
            body.connect_opts.protocol = 1;
            body.request_nonce = "nonce".to_owned();
            c.nats = body;
            self.case(c.into(), server)
        } else {
            let mut c = AuthorizationResponseClaims::new(self.user_pub());
            self.standard(&mut c);
            c.audience = public(server);
            let mut body = AuthorizationResponse::default();
            if self.rng.percent(50) {
                body.error = self.rng.text(TEXTS);
            } else {
                body.jwt = "eyJ.not.checked".to_owned();
            }
            if self.rng.percent(30) {
                body.issuer_account = self.account_pub();
            }
            c.nats = body;
            let signer = self.rng.pick(&self.keys.accounts);
            self.case(c.into(), signer)
        }
    }

    fn any(&mut self) -> Case {
        match self.rng.below(100) {
            0..=11 => self.operator(),
            12..=51 => self.account(),
            52..=79 => self.user(),
            80..=89 => self.activation(),
            90..=96 => self.generic(),
            _ => self.auth_callout(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Exceptions and comparisons.
// ---------------------------------------------------------------------------------------

/// How often each named exception was applied.
#[derive(Default)]
struct Tally(BTreeMap<&'static str, u64>);

impl Tally {
    fn note(&mut self, name: &'static str) {
        *self.0.entry(name).or_default() += 1;
    }
}

/// Claim types jwt 2.3.0 reads as generic only (`E_GENERIC_DECODE`).
fn generic_in_2_3_0(claims: &AnyClaims) -> bool {
    !matches!(
        claims.claim_type(),
        ClaimType::Operator | ClaimType::Account | ClaimType::User | ClaimType::Activation
    )
}

/// `E_GO119_ESCAPES`: Go 1.19's `\u0008`/`\u000c` become `\b`/`\f` (as Go ≥ 1.22 writes).
fn modern_escapes(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let rest = &bytes[i + 1..];
            if rest.starts_with(b"u0008") {
                out.extend_from_slice(b"\\b");
                i += 6;
            } else if rest.starts_with(b"u000c") {
                out.extend_from_slice(b"\\f");
                i += 6;
            } else {
                out.extend_from_slice(&bytes[i..i + 2]);
                i += 2;
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("ASCII-only edits keep UTF-8")
}

fn has_newer_account_fields(a: &AccountClaims) -> bool {
    let n = &a.nats;
    n.trace.is_some()
        || !n.cluster_traffic.is_empty()
        || n.authorization != ExternalAuthorization::default()
        || n.exports.iter().any(|e| e.allow_trace)
        || n.imports.iter().any(|i| i.allow_trace)
        || n.signing_keys
            .iter()
            .filter_map(|(_, key)| key.scope())
            .any(|s| !s.description.is_empty() || s.template.proxy_required)
}

/// What jwt 2.3.0 writes for claims we write as `ours`: exact text where narrow textual
/// exceptions suffice, otherwise a JSON value (key order no longer compared).
enum Expected {
    Text(String),
    /// The value (after the structural exceptions).
    Value(Value),
}

fn sort_signing_keys(v: &mut Value) {
    if let Some(list) = v
        .pointer_mut("/nats/signing_keys")
        .and_then(Value::as_array_mut)
    {
        let key = |item: &Value| -> String {
            item.as_str()
                .or_else(|| item.get("key").and_then(Value::as_str))
                .unwrap_or_default()
                .to_owned()
        };
        list.sort_by_key(key);
    }
}

/// `E_NEWER_FIELDS`: drop what jwt 2.3.0 does not know from our JSON.
fn strip_newer_fields(v: &mut Value) {
    let Some(nats) = v.get_mut("nats").and_then(Value::as_object_mut) else {
        return;
    };
    for key in [
        "trace",
        "cluster_traffic",
        "authorization",
        "proxy_required",
    ] {
        nats.remove(key);
    }
    for (list, key) in [("exports", "allow_trace"), ("imports", "allow_trace")] {
        if let Some(items) = nats.get_mut(list).and_then(Value::as_array_mut) {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                item.remove(key);
            }
        }
    }
    if let Some(items) = nats.get_mut("signing_keys").and_then(Value::as_array_mut) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            item.remove("description");
            if let Some(t) = item.get_mut("template").and_then(Value::as_object_mut) {
                t.remove("proxy_required");
            }
        }
    }
}

fn expected_2_3_0(ours: &str, claims: &AnyClaims, tally: &mut Tally) -> Expected {
    let mut text = ours.to_owned();
    let mut structural = false;
    match claims {
        AnyClaims::Account(a) => {
            if a.nats.authorization == ExternalAuthorization::default() {
                // E_AUTHORIZATION: `"authorization":{}` can only be the nats member (a
                // string would hold `\"`), and Go writes nothing in its place.
                let stripped = text.replacen(r#""authorization":{},"#, "", 1);
                assert_ne!(stripped, text, "account JSON without authorization: {text}");
                text = stripped;
                tally.note("E_AUTHORIZATION");
            }
            if a.nats
                .signing_keys
                .iter()
                .filter_map(|(_, key)| key.scope())
                .any(|s| s.description.is_empty())
            {
                // E_SCOPE_DESCRIPTION: only a scope writes an empty description (Info's
                // is omitempty), as the last member of the scope object.
                text = text.replace(r#","description":""}"#, "}");
                tally.note("E_SCOPE_DESCRIPTION");
            }
            if has_newer_account_fields(a) {
                structural = true;
                tally.note("E_NEWER_FIELDS");
            }
        }
        AnyClaims::User(u) if u.nats.proxy_required => {
            structural = true;
            tally.note("E_NEWER_FIELDS");
        }
        AnyClaims::AuthorizationRequest(_) | AnyClaims::AuthorizationResponse(_) => {
            // E_GENERIC_DECODE: 2.3.0 holds these as a generic map (sorted keys).
            structural = true;
        }
        _ => {}
    }
    if !structural {
        return Expected::Text(text);
    }
    let mut v: Value = serde_json::from_str(&text).expect("our JSON parses");
    strip_newer_fields(&mut v);
    sort_signing_keys(&mut v);
    Expected::Value(v)
}

/// E_SIGNING_KEY_ORDER: the account's `nats.signing_keys` array of Go's JSON with its
/// items in key order, as jwt ≥ 2.5.1 writes them; the text is otherwise untouched.
fn sort_signing_keys_text(json: &str) -> String {
    // The first occurrence is the member: before it come only imports/exports, whose
    // strings escape their quotes and whose tokens are base64.
    const MEMBER: &str = "\"signing_keys\":[";
    let Some(at) = json.find(MEMBER) else {
        return json.to_owned();
    };
    let start = at + MEMBER.len();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut item_start, mut items, mut end) = (start, Vec::new(), None);
    for (i, b) in json.bytes().enumerate().skip(start) {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' => depth -= 1,
            b']' if depth > 0 => depth -= 1,
            b']' | b',' if depth == 0 => {
                items.push(&json[item_start..i]);
                item_start = i + 1;
                if b == b']' {
                    end = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(end) = end else {
        return json.to_owned();
    };
    let key = |item: &&str| -> String {
        let v: Value = serde_json::from_str(item).unwrap_or_default();
        v.as_str()
            .or_else(|| v.get("key").and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned()
    };
    items.sort_by_key(key);
    format!("{}{}{}", &json[..start], items.join(","), &json[end..])
}

/// Go's JSON as Go ≥ 1.22 and jwt ≥ 2.5.1 would write it (E_GO119_ESCAPES,
/// E_SIGNING_KEY_ORDER).
fn go_json_as_current(go: &str, claims: &AnyClaims, tally: &mut Tally) -> String {
    let go = modern_escapes(go);
    match claims {
        AnyClaims::Account(a) if a.nats.signing_keys.len() > 1 => {
            let sorted = sort_signing_keys_text(&go);
            if sorted != go {
                tally.note("E_SIGNING_KEY_ORDER");
            }
            sorted
        }
        _ => go,
    }
}

fn compare_json(
    expected: &Expected,
    go: &str,
    claims: &AnyClaims,
    tally: &mut Tally,
    what: &str,
) -> Result<(), String> {
    let go = go_json_as_current(go, claims, tally);
    match expected {
        Expected::Text(text) if *text == go => Ok(()),
        Expected::Text(text) => Err(format!(
            "{what} differs:\n  ours (as 2.3.0 writes it): {text}\n  go (as 2.5.1+/Go 1.22+):   {go}"
        )),
        Expected::Value(v) => {
            let mut g: Value = serde_json::from_str(&go).map_err(|e| format!("{what}: {e}"))?;
            sort_signing_keys(&mut g);
            if *v == g {
                Ok(())
            } else {
                Err(format!(
                    "{what} differs (as JSON values):\n  ours: {v}\n  go:   {g}"
                ))
            }
        }
    }
}

fn payload_of(token: &str) -> String {
    let segment = token.split('.').nth(1).unwrap_or_default();
    String::from_utf8(URL_SAFE_NO_PAD.decode(segment).unwrap_or_default()).unwrap_or_default()
}

fn sign_token(header_json: &str, payload: &str, key: &KeyPair, v1: bool) -> String {
    let header = URL_SAFE_NO_PAD.encode(header_json);
    let body = URL_SAFE_NO_PAD.encode(payload);
    let input = if v1 {
        body.clone()
    } else {
        format!("{header}.{body}")
    };
    let signature = URL_SAFE_NO_PAD.encode(key.sign(input.as_bytes()));
    format!("{header}.{body}.{signature}")
}

fn jti_of(input: &str) -> String {
    data_encoding::BASE32_NOPAD.encode(&Sha512_256::digest(input.as_bytes()))
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Issue {
    description: String,
    blocking: bool,
    time_check: bool,
}

fn rust_issues(vr: &ValidationResults) -> Vec<Issue> {
    vr.issues
        .iter()
        .map(|i| Issue {
            description: i.description.clone(),
            blocking: i.severity == Severity::Blocking,
            time_check: i.severity == Severity::TimeCheck,
        })
        .collect()
}

fn go_issues(list: &Value) -> Vec<Issue> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| Issue {
                    description: i["description"].as_str().unwrap_or_default().to_owned(),
                    blocking: i["blocking"].as_bool().unwrap_or_default(),
                    time_check: i["time_check"].as_bool().unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Drains the issues matching `pick` out of `list`.
fn take(list: &mut Vec<Issue>, pick: impl Fn(&Issue) -> bool) -> Vec<Issue> {
    let (taken, kept): (Vec<Issue>, Vec<Issue>) = list.drain(..).partition(|i| pick(i));
    *list = kept;
    taken
}

fn error(description: String) -> Issue {
    Issue {
        description,
        blocking: true,
        time_check: false,
    }
}

/// `V_SUBJECT_DOTS`: these subject rules are newer than jwt 2.3.0.
fn exception_subject_dots(ours: &mut Vec<Issue>, tally: &mut Tally) {
    let dropped = take(ours, |i| {
        i.description.ends_with("cannot start or end with a `.`")
            || i.description.ends_with("cannot contain consecutive `.`")
    });
    if !dropped.is_empty() {
        tally.note("V_SUBJECT_DOTS");
    }
}

/// What jwt 2.3.0's own subject helpers say about an account's subjects, asked from the
/// peer for the exception models below: `Subject.HasWildCards` of each mapping target,
/// `RenamingSubject.ToSubject` of the service imports' local subjects and
/// `Subject.IsContainedIn` between their namespaces. (natsjwt's versions of these helpers
/// are crate-private; its validation, which uses them, is held to what Go's predict.)
#[derive(Default)]
struct GoSubjects {
    wildcards: BTreeMap<String, bool>,
    to_subject: BTreeMap<String, String>,
    contained: BTreeMap<(String, String), bool>,
}

impl GoSubjects {
    fn ask(peer: &mut GoPeer, claims: &AnyClaims) -> Result<GoSubjects, String> {
        let mut facts = GoSubjects::default();
        let AnyClaims::Account(a) = claims else {
            return Ok(facts);
        };
        let services: Vec<&Import> = a.nats.imports.iter().filter(|i| i.is_service()).collect();
        // One service import overlaps nothing: its namespace is not needed.
        let overlap_model = services.len() > 1;
        let mut subjects: Vec<String> = a
            .nats
            .mappings
            .values()
            .flatten()
            .map(|t| t.subject.clone())
            .collect();
        if overlap_model {
            subjects.extend(
                services
                    .iter()
                    .filter(|i| i.to.is_empty() && !i.local_subject.is_empty())
                    .map(|i| i.local_subject.clone()),
            );
        }
        subjects.sort();
        subjects.dedup();
        if !subjects.is_empty() {
            let reply = peer.call(json!({"op": "subjects", "subjects": subjects}))?;
            let (wildcards, to_subject) = (&reply["wildcards"], &reply["to_subject"]);
            for (k, subject) in subjects.iter().enumerate() {
                let (Some(w), Some(t)) = (wildcards[k].as_bool(), to_subject[k].as_str()) else {
                    return Err(format!("go-peer subjects reply {reply} for {subjects:?}"));
                };
                facts.wildcards.insert(subject.clone(), w);
                facts.to_subject.insert(subject.clone(), t.to_owned());
            }
        }
        if overlap_model {
            let mut namespaces: Vec<String> =
                services.iter().map(|i| facts.local_namespace(i)).collect();
            namespaces.sort();
            namespaces.dedup();
            let pairs: Vec<(String, String)> = namespaces
                .iter()
                .flat_map(|a| namespaces.iter().map(|b| (a.clone(), b.clone())))
                .collect();
            let reply = peer.call(json!({"op": "subjects", "pairs": pairs}))?;
            for (k, pair) in pairs.into_iter().enumerate() {
                let Some(contained) = reply["contained"][k].as_bool() else {
                    return Err(format!("go-peer subjects reply {reply} for pair {pair:?}"));
                };
                facts.contained.insert(pair, contained);
            }
        }
        Ok(facts)
    }

    fn has_wildcards(&self, subject: &str) -> bool {
        self.wildcards[subject]
    }

    fn is_contained_in(&self, subject: &str, other: &str) -> bool {
        self.contained[&(subject.to_owned(), other.to_owned())]
    }

    /// The namespace a service import occupies (2.3.0's `Imports.Validate`, as 2.8.2's).
    fn local_namespace(&self, i: &Import) -> String {
        if !i.to.is_empty() {
            i.to.clone()
        } else if !i.local_subject.is_empty() {
            self.to_subject[&i.local_subject].clone()
        } else {
            i.subject.clone()
        }
    }
}

/// Service-import overlap issues under jwt 2.3.0 (`per_account == false`: one namespace
/// for all imports) and since 2.8.1 (one per exporting account).
fn import_overlap_count(imports: &[Import], per_account: bool, facts: &GoSubjects) -> usize {
    if imports.iter().filter(|i| i.is_service()).count() < 2 {
        return 0;
    }
    let mut seen: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut count = 0;
    for i in imports.iter().filter(|i| i.is_service()) {
        let sub = facts.local_namespace(i);
        let set = seen
            .entry(if per_account { &i.account } else { "" })
            .or_default();
        count += set
            .iter()
            .filter(|k| facts.is_contained_in(&sub, k) || facts.is_contained_in(k, &sub))
            .count();
        if set.contains(&sub) {
            count += 1;
        } else {
            set.push(sub);
        }
    }
    count
}

/// `V_IMPORT_OVERLAP`.
fn exception_import_overlap(
    a: &AccountClaims,
    facts: &GoSubjects,
    ours: &mut Vec<Issue>,
    go: &mut Vec<Issue>,
    tally: &mut Tally,
) -> Result<(), String> {
    let is_overlap = |i: &Issue| {
        i.description
            .starts_with("overlapping subject namespace for ")
    };
    let global = import_overlap_count(&a.nats.imports, false, facts);
    let per_account = import_overlap_count(&a.nats.imports, true, facts);
    if global != per_account {
        // Imports from different accounts overlap: only 2.3.0 complains.
        let (o, g) = (take(ours, is_overlap), take(go, is_overlap));
        if o.len() != per_account || g.len() != global {
            return Err(format!(
                "V_IMPORT_OVERLAP: expected {per_account} (ours) / {global} (2.3.0) overlap issues, got {o:?} / {g:?}"
            ));
        }
        tally.note("V_IMPORT_OVERLAP");
        return Ok(());
    }
    // Same issues, new wording: `… and "Y" in same account "A"` / `for "X" in account "A"`
    // were `… and "Y"` / `for "<import.to>"`.
    let mut reworded = false;
    let duplicate = |d: &str| !d.contains(r#"" and ""#);
    for i in ours.iter_mut().filter(|i| is_overlap(i)) {
        if duplicate(&i.description) {
            i.description = "overlapping subject namespace (duplicate)".to_owned();
        } else if let Some(at) = i.description.rfind(" in same account \"") {
            i.description.truncate(at);
        }
        reworded = true;
    }
    for i in go
        .iter_mut()
        .filter(|i| is_overlap(i) && duplicate(&i.description))
    {
        i.description = "overlapping subject namespace (duplicate)".to_owned();
    }
    if reworded {
        tally.note("V_IMPORT_OVERLAP");
    }
    Ok(())
}

/// `V_MAPPINGS`: per mapping source whose targets reach a rule that changed.
fn exception_mappings(
    a: &AccountClaims,
    facts: &GoSubjects,
    ours: &mut Vec<Issue>,
    go: &mut Vec<Issue>,
    tally: &mut Tally,
) -> Result<(), String> {
    for (from, targets) in &a.nats.mappings {
        let weight = |t: &WeightedMapping| u32::from(t.effective_weight());
        let changed = targets
            .iter()
            .any(|t| facts.has_wildcards(&t.subject) || !t.cluster.is_empty() || weight(t) > 100)
            || targets.iter().map(weight).sum::<u32>() > u32::from(u8::MAX);
        if !changed {
            continue;
        }
        let quoted = format!("{from:?}");
        let mine = |i: &Issue| {
            i.description.starts_with(&format!("Mapping {quoted} "))
                || i.description.ends_with(&format!(
                    "in weighted mapping {quoted} is not allowed to contains wildcard"
                ))
        };
        // jwt 2.3.0: wildcard targets are errors; one wrapping uint8 sum over all targets.
        let mut want_go = Vec::new();
        let mut total_2_3_0: u8 = 0;
        for t in targets {
            if facts.has_wildcards(&t.subject) {
                want_go.push(error(format!(
                    "Subject {:?} in weighted mapping {quoted} is not allowed to contains wildcard",
                    t.subject
                )));
            }
            total_2_3_0 = total_2_3_0.wrapping_add(t.effective_weight());
        }
        if total_2_3_0 > 100 {
            want_go.push(error(format!(
                "Mapping {quoted} exceeds 100% among all of it's weighted to mappings"
            )));
        }
        // jwt 2.8.2: weight > 100, sums per cluster and over the targets without one.
        let mut want_ours = Vec::new();
        let mut per_cluster: BTreeMap<&str, u32> = BTreeMap::new();
        let mut total = 0u32;
        for t in targets {
            if weight(t) > 100 {
                want_ours.push(error(format!(
                    "Mapping {quoted} has a weight {} that exceeds 100",
                    weight(t)
                )));
            }
            if t.cluster.is_empty() {
                total += weight(t);
            } else {
                let sum = per_cluster.entry(&t.cluster).or_default();
                *sum += weight(t);
                if *sum > 100 {
                    want_ours.push(error(format!(
                        "Mapping {quoted} in cluster {:?} exceeds 100% among all of it's weighted to mappings",
                        t.cluster
                    )));
                }
            }
        }
        if total > 100 {
            want_ours.push(error(format!(
                "Mapping {quoted} exceeds 100% among all of it's weighted to mappings"
            )));
        }
        let (mut o, mut g) = (take(ours, mine), take(go, mine));
        for list in [&mut o, &mut g, &mut want_ours, &mut want_go] {
            list.sort();
        }
        if o != want_ours || g != want_go {
            return Err(format!(
                "V_MAPPINGS for {quoted}: ours {o:?} (want {want_ours:?}), go {g:?} (want {want_go:?})"
            ));
        }
        tally.note("V_MAPPINGS");
    }
    Ok(())
}

/// Go's `url.Parse` scheme of `text`, lower-cased ("" when there is none).
fn url_scheme(text: &str) -> String {
    let Some((scheme, _)) = text.split_once(':') else {
        return String::new();
    };
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if valid {
        scheme.to_ascii_lowercase()
    } else {
        String::new()
    }
}

/// `V_SERVICE_URL_WS`.
fn exception_service_urls(o: &OperatorClaims, go: &mut Vec<Issue>, tally: &mut Tally) {
    const OLD: &str = "(only 'nats' or 'tls' only)";
    const NEW: &str = "(only 'nats', 'tls', 'ws', 'wss' only)";
    for i in go.iter_mut().filter(|i| i.description.ends_with(OLD)) {
        i.description = format!("{}{NEW}", &i.description[..i.description.len() - OLD.len()]);
        tally.note("V_SERVICE_URL_WS");
    }
    for url in &o.nats.operator_service_urls {
        if matches!(url_scheme(url).as_str(), "ws" | "wss") {
            let refused = format!("operator service url {url:?} - protocol not supported {NEW}");
            if !take(go, |i| i.description == refused).is_empty() {
                tally.note("V_SERVICE_URL_WS");
            }
        }
    }
}

/// Validates `claims`, counts a blocking result, and compares the issues with Go's.
fn compare_validation(
    peer: &mut GoPeer,
    claims: &AnyClaims,
    go: &Value,
    stats: &mut Stats,
) -> Result<(), String> {
    let vr = claims.validate();
    if vr.is_blocking(TimeChecks::Included) {
        stats.blocking += 1;
    }
    compare_issues(
        peer,
        claims,
        rust_issues(&vr),
        go_issues(go),
        &mut stats.tally,
    )
}

/// Compares validation issues after the named exceptions.
fn compare_issues(
    peer: &mut GoPeer,
    claims: &AnyClaims,
    mut ours: Vec<Issue>,
    mut go: Vec<Issue>,
    tally: &mut Tally,
) -> Result<(), String> {
    let (raw_ours, raw_go) = (ours.clone(), go.clone());
    match claims {
        AnyClaims::Account(a) => {
            let facts = GoSubjects::ask(peer, claims)?;
            exception_import_overlap(a, &facts, &mut ours, &mut go, tally)?;
            exception_mappings(a, &facts, &mut ours, &mut go, tally)?;
            // V_TRACE_SAMPLING_ZERO (natsjwt-only advice, see the module doc).
            if !take(&mut ours, |i| {
                i.description.starts_with("the account Trace.Sampling is 0")
            })
            .is_empty()
            {
                tally.note("V_TRACE_SAMPLING_ZERO");
            }
        }
        AnyClaims::Operator(o) => exception_service_urls(o, &mut go, tally),
        _ if generic_in_2_3_0(claims) && !matches!(claims, AnyClaims::Generic(_)) => {
            // V_AUTH_CLAIMS: 2.3.0 only runs the time checks on what it reads as generic.
            ours.retain(|i| i.time_check);
            tally.note("V_AUTH_CLAIMS");
        }
        _ => {}
    }
    exception_subject_dots(&mut ours, tally);
    ours.sort();
    go.sort();
    if ours == go {
        return Ok(());
    }
    let only_ours: Vec<_> = ours.iter().filter(|i| !go.contains(i)).collect();
    let only_go: Vec<_> = go.iter().filter(|i| !ours.contains(i)).collect();
    Err(format!(
        "validation differs:\n  only ours: {only_ours:#?}\n  only go:   {only_go:#?}\n  all ours: {raw_ours:#?}\n  all go:   {raw_go:#?}"
    ))
}

// ---------------------------------------------------------------------------------------
// The checks of one case.
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Stats {
    cases: BTreeMap<&'static str, u64>,
    identical_tokens: u64,
    equal_after_exceptions: u64,
    both_refused: u64,
    blocking: u64,
    mutations_rejected: u64,
    mutations_accepted: u64,
    tally: Tally,
}

fn go_json_for(case: &Case) -> Result<Value, String> {
    let mut v: Value = serde_json::from_str(
        &case
            .claims
            .to_json()
            .or_else(|_| {
                // Claims our encoder cannot write carry a stand-in; see `go_patches`.
                let mut fixed = case.claims.clone();
                if let AnyClaims::Account(a) = &mut fixed {
                    for e in &mut a.nats.exports {
                        if let Some(l) = &mut e.service_latency
                            && !(0..=100).contains(&l.sampling.0)
                        {
                            l.sampling = SamplingRate(1);
                        }
                    }
                }
                fixed.to_json()
            })
            .map_err(|e| format!("our claims JSON: {e}"))?,
    )
    .map_err(|e| e.to_string())?;
    for (pointer, value) in &case.go_patches {
        let missing = format!("no {pointer} in {v}");
        *v.pointer_mut(pointer).ok_or(missing)? = value.clone();
    }
    Ok(v)
}

fn check_case(peer: &mut GoPeer, case: &Case, stats: &mut Stats) -> Result<(), String> {
    let kind = case.claims.claim_type().as_str();
    *stats.cases.entry(kind).or_default() += 1;
    let go_input = go_json_for(case)?;
    let mut ours = case.claims.clone();
    let our_token = ours.encode_at(case.signer, case.iat);
    let go_type = if generic_in_2_3_0(&case.claims) {
        "generic"
    } else {
        kind
    };
    if go_type != kind {
        // Go 2.3.0 cannot encode auth callout claims; only our token → Go is checked.
        let token = our_token.map_err(|e| format!("we refused to encode: {e}"))?;
        return check_our_token(peer, &token, &ours, stats);
    }
    let minted = peer.call(json!({
        "op": "mint",
        "type": go_type,
        "claims": go_input,
        "seed": case.signer.seed().expose(),
        "iat": case.iat,
    }))?;
    let go_token = minted["token"].as_str();
    let (our_token, go_token) = match (our_token, go_token) {
        (Err(_), None) => {
            stats.both_refused += 1;
            // Both refuse; Validate of the claims themselves must still agree.
            let validated =
                peer.call(json!({"op": "validate", "type": go_type, "claims": go_input}))?;
            return compare_issues(
                peer,
                &case.claims,
                rust_issues(&case.claims.validate()),
                go_issues(&validated["issues"]),
                &mut stats.tally,
            )
            .map_err(|e| format!("Validate of claims neither side encodes: {e}"));
        }
        (Err(e), Some(_)) => return Err(format!("we refused to encode ({e}); Go encoded")),
        (Ok(_), None) => {
            return Err(format!(
                "Go refused to encode ({}); we encoded",
                minted["encode_error"]
            ));
        }
        (Ok(ours), Some(go)) => (ours, go.to_owned()),
    };
    compare_minted(&ours, &our_token, &go_token, &minted, case, stats)?;
    check_our_token(peer, &our_token, &ours, stats)?;
    if go_token != our_token {
        // (An identical token was just checked in both directions.)
        check_go_token(peer, &go_token, stats)?;
    }
    Ok(())
}

/// Same claims, seed and iat: the same token, or what the exceptions explain.
fn compare_minted(
    ours: &AnyClaims,
    our_token: &str,
    go_token: &str,
    minted: &Value,
    case: &Case,
    stats: &mut Stats,
) -> Result<(), String> {
    if our_token == go_token {
        stats.identical_tokens += 1;
        return Ok(());
    }
    if !go_token.starts_with(&format!("{HEADER_B64}.")) {
        return Err(format!("Go's header segment differs: {go_token}"));
    }
    let our_payload = payload_of(our_token);
    let mut go_payload = payload_of(go_token);
    let go_jti = jti_of(minted["jti_input"].as_str().unwrap_or_default());
    if go_jti != ours.id() {
        // E_GO119_ESCAPES in the hashed standard claims: Go ≥ 1.22 would hash what we do.
        let modern_input = modern_escapes(minted["jti_input"].as_str().unwrap_or_default());
        if jti_of(&modern_input) != ours.id() {
            return Err(format!(
                "jti differs: ours {} from our standard claims; Go {go_jti} from {}",
                ours.id(),
                minted["jti_input"]
            ));
        }
        go_payload = go_payload.replacen(
            &format!(r#""jti":"{go_jti}""#),
            &format!(r#""jti":"{}""#, ours.id()),
            1,
        );
        stats.tally.note("E_GO119_ESCAPES");
    }
    let expected = expected_2_3_0(&our_payload, ours, &mut stats.tally);
    let tally = &mut stats.tally;
    let compared = compare_json(&expected, &go_payload, ours, tally, "minted payload");
    compared.map_err(|e| format!("{e}\n  our token: {our_token}\n  go token:  {go_token}"))?;
    if let Expected::Text(text) = &expected
        && *text == go_payload
    {
        // Go's token is exactly our encoder's output for that payload.
        let resigned = sign_token(HEADER_JSON, text, case.signer, false);
        if resigned != go_token {
            return Err(format!("Go's signature differs: {go_token} vs {resigned}"));
        }
    }
    stats.equal_after_exceptions += 1;
    Ok(())
}

/// Go decodes our token: verified, the same claims, the same issues.
fn check_our_token(
    peer: &mut GoPeer,
    token: &str,
    encoded: &AnyClaims,
    stats: &mut Stats,
) -> Result<(), String> {
    let decoded = natsjwt::decode(token).map_err(|e| format!("we cannot decode our token: {e}"))?;
    let claims = decoded.into_claims();
    let reply = peer.call(json!({"op": "decode", "token": token}))?;
    let go = if generic_in_2_3_0(&claims) {
        // E_GENERIC_DECODE: Decode takes the v1 path for generic tokens and fails.
        let error = reply["decode"]["error"].as_str().unwrap_or_default();
        if !error.contains("V1 signature verification") {
            return Err(format!(
                "Go's Decode of a generic token: {}",
                reply["decode"]
            ));
        }
        stats.tally.note("E_GENERIC_DECODE");
        &reply["generic"]
    } else {
        &reply["decode"]
    };
    if let Some(e) = go["error"].as_str() {
        return Err(format!("Go cannot decode our token: {e}\n  token: {token}"));
    }
    if !generic_in_2_3_0(&claims)
        && (go["claim_type"] != claims.claim_type().as_str() || go["version"] != 2)
    {
        return Err(format!(
            "Go reads type {} version {}",
            go["claim_type"], go["version"]
        ));
    }
    let our_json = claims.to_json().map_err(|e| e.to_string())?;
    let encoded_json = encoded.to_json().map_err(|e| e.to_string())?;
    if our_json != encoded_json
        && !matches!(&claims, AnyClaims::Account(a) if !a.nats.limits.tiered_limits.is_empty())
    {
        return Err(format!(
            "our decode changed the claims:\n  {encoded_json}\n  {our_json}"
        ));
    }
    let expected = expected_2_3_0(&our_json, &claims, &mut stats.tally);
    compare_json(
        &expected,
        go["claims_json"].as_str().unwrap_or_default(),
        &claims,
        &mut stats.tally,
        "claims Go decoded from our token",
    )?;
    compare_validation(peer, &claims, &go["issues"], stats).map_err(|e| format!("our token: {e}"))
}

/// We decode Go's token: verified, the same claims, the same issues.
fn check_go_token(peer: &mut GoPeer, token: &str, stats: &mut Stats) -> Result<(), String> {
    let decoded = natsjwt::decode(token)
        .map_err(|e| format!("we cannot decode Go's token: {e}\n  {token}"))?;
    let claims = decoded.into_claims();
    let reply = peer.call(json!({"op": "decode", "token": token}))?;
    let go = if generic_in_2_3_0(&claims) {
        &reply["generic"]
    } else {
        &reply["decode"]
    };
    if let Some(e) = go["error"].as_str() {
        return Err(format!("Go cannot decode its own token: {e}"));
    }
    let ours = claims.to_json().map_err(|e| e.to_string())?;
    let expected = expected_2_3_0(&ours, &claims, &mut stats.tally);
    // Both decoders zero the flat JetStream limits when there are tiers, so then the
    // decoded claims no longer match the payload (but still each other).
    let tiers = matches!(&claims, AnyClaims::Account(a) if !a.nats.limits.tiered_limits.is_empty());
    if !tiers {
        compare_json(
            &expected,
            &payload_of(token),
            &claims,
            &mut stats.tally,
            "claims we decoded from Go's token",
        )?;
    }
    compare_json(
        &expected,
        go["claims_json"].as_str().unwrap_or_default(),
        &claims,
        &mut stats.tally,
        "claims both decoded from Go's token",
    )?;
    compare_issues(
        peer,
        &claims,
        rust_issues(&claims.validate()),
        go_issues(&go["issues"]),
        &mut stats.tally,
    )
    .map_err(|e| format!("Go's token: {e}"))
}

// ---------------------------------------------------------------------------------------
// Token mutations: both sides accept or both reject.
// ---------------------------------------------------------------------------------------

/// A key of a kind that may not sign `claims` (None for generic: any kind may).
fn foreign_kind_key(claims: &AnyClaims, keys: &'static Keys) -> Option<&'static KeyPair> {
    match claims.claim_type() {
        ClaimType::Operator => Some(&keys.accounts[0]),
        ClaimType::Account | ClaimType::Activation => Some(&keys.users[0]),
        ClaimType::User => Some(&keys.operators[0]),
        _ => None,
    }
}

/// A mutated token, its name, and whether both sides should accept it.
fn mutate(
    rng: &mut Rng,
    token: &str,
    claims: &AnyClaims,
    signer: &'static KeyPair,
) -> Option<(&'static str, String, bool)> {
    let segments: Vec<&str> = token.split('.').collect();
    let payload = payload_of(token);
    let header = HEADER_JSON;
    let keys = keys();
    let resign = |payload: &str, key: &KeyPair| sign_token(header, payload, key, false);
    let swap_char = |s: &str, at: usize| -> String {
        let mut bytes = s.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let issuer = claims.issuer().to_owned();
    Some(match rng.below(11) {
        0 => {
            // The middle of the signature, so that no trailing bits are involved.
            let sig = swap_char(segments[2], 40);
            (
                "signature byte changed",
                format!("{}.{}.{sig}", segments[0], segments[1]),
                false,
            )
        }
        1 => {
            let body = swap_char(segments[1], segments[1].len() / 2);
            (
                "payload byte changed",
                format!("{}.{body}.{}", segments[0], segments[2]),
                false,
            )
        }
        2 => (
            "two segments",
            format!("{}.{}", segments[0], segments[1]),
            false,
        ),
        3 => ("four segments", format!("{token}.x"), false),
        4 => {
            // Another key of the same kind claims to be the issuer.
            let other = [&keys.operators, &keys.accounts, &keys.users, &keys.servers]
                .into_iter()
                .flatten()
                .find(|k| {
                    k.public_key().kind() == signer.public_key().kind() && public(k) != issuer
                })?;
            let forged = payload.replacen(
                &format!(r#""iss":"{issuer}""#),
                &format!(r#""iss":"{}""#, public(other)),
                1,
            );
            let body = URL_SAFE_NO_PAD.encode(forged);
            (
                "issuer swapped, old signature",
                format!("{}.{body}.{}", segments[0], segments[2]),
                false,
            )
        }
        5 => {
            let key = foreign_kind_key(claims, keys)?;
            let forged = payload.replacen(
                &format!(r#""iss":"{issuer}""#),
                &format!(r#""iss":"{}""#, public(key)),
                1,
            );
            (
                "issuer of a kind that may not sign, validly signed",
                resign(&forged, key),
                false,
            )
        }
        6 if !generic_in_2_3_0(claims) => {
            let forged = payload.replacen(r#""version":2"#, r#""version":3"#, 1);
            ("nats.version 3", resign(&forged, signer), false)
        }
        7 if !generic_in_2_3_0(claims) => {
            let forged = payload.replacen(r#","version":2"#, "", 1);
            ("nats.version missing", resign(&forged, signer), false)
        }
        8 if !generic_in_2_3_0(claims) => (
            "upper-case header values, extra member",
            sign_token(
                r#"{"typ":"jwt","alg":"ED25519-NKEY","kid":"x"}"#,
                &payload,
                signer,
                false,
            ),
            true,
        ),
        9 => (
            "unsupported alg",
            sign_token(r#"{"typ":"JWT","alg":"HS256"}"#, &payload, signer, false),
            false,
        ),
        10 if payload.contains(r#""type":"stream""#) => {
            let forged = payload.replacen(r#""type":"stream""#, r#""type":"bogus""#, 1);
            ("unknown export/import type", resign(&forged, signer), false)
        }
        _ => return None,
    })
}

fn check_mutation(
    peer: &mut GoPeer,
    rng: &mut Rng,
    token: &str,
    claims: &AnyClaims,
    signer: &'static KeyPair,
    stats: &mut Stats,
) -> Result<(), String> {
    let Some((name, mutated, accept)) = mutate(rng, token, claims, signer) else {
        return Ok(());
    };
    let ours = natsjwt::decode(&mutated);
    let reply = peer.call(json!({"op": "decode", "token": mutated}))?;
    let go_error = if generic_in_2_3_0(claims) {
        reply["generic"]["error"].as_str()
    } else {
        reply["decode"]["error"].as_str()
    };
    let (ours_ok, go_ok) = (ours.is_ok(), go_error.is_none());
    if ours_ok != go_ok || ours_ok != accept {
        return Err(format!(
            "mutation {name:?}: ours {}, go {}, expected both to {}\n  token: {mutated}",
            ours.map_or_else(|e| format!("rejected ({e})"), |_| "accepted".to_owned()),
            go_error.map_or_else(|| "accepted".to_owned(), |e| format!("rejected ({e})")),
            if accept { "accept" } else { "reject" }
        ));
    }
    if accept {
        stats.mutations_accepted += 1;
    } else {
        stats.mutations_rejected += 1;
    }
    Ok(())
}

/// Failed cases: the first one panics, unless `NATSJWT_GO_INTEROP_KEEP_GOING=1` asks
/// for all of them (printed as they come, counted at the end).
#[derive(Default)]
struct Failures(usize);

impl Failures {
    fn report(&mut self, failure: String) {
        if std::env::var("NATSJWT_GO_INTEROP_KEEP_GOING").as_deref() != Ok("1") {
            panic!("{failure}");
        }
        eprintln!("FAILED {failure}\n");
        self.0 += 1;
    }

    fn finish(&self, test: &str) {
        assert_eq!(self.0, 0, "{test}: {} failed cases (printed above)", self.0);
    }
}

fn describe_case(case: &Case) -> String {
    format!(
        "{} claims {}\n  signer {} iat {} go_patches {:?} newer_fields {}",
        case.claims.claim_type().as_str(),
        case.claims.to_json().unwrap_or_else(|e| format!("<{e}>")),
        public(case.signer),
        case.iat,
        case.go_patches,
        case.newer
    )
}

fn print_summary(test: &str, stats: &Stats, elapsed: Duration) {
    let total: u64 = stats.cases.values().sum();
    eprintln!(
        "go_interop {test}: {total} cases {:?} in {:.1} s; identical tokens {}, equal after exceptions {}, \
         both refused to encode {}, blocking verdicts {}, mutations rejected/accepted by both {}/{}",
        stats.cases,
        elapsed.as_secs_f64(),
        stats.identical_tokens,
        stats.equal_after_exceptions,
        stats.both_refused,
        stats.blocking,
        stats.mutations_rejected,
        stats.mutations_accepted
    );
    eprintln!("go_interop {test}: exceptions applied {:?}", stats.tally.0);
}

// ---------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------

impl Stats {
    fn merge(&mut self, other: Stats) {
        for (kind, n) in other.cases {
            *self.cases.entry(kind).or_default() += n;
        }
        for (name, n) in other.tally.0 {
            *self.tally.0.entry(name).or_default() += n;
        }
        self.identical_tokens += other.identical_tokens;
        self.equal_after_exceptions += other.equal_after_exceptions;
        self.both_refused += other.both_refused;
        self.blocking += other.blocking;
        self.mutations_rejected += other.mutations_rejected;
        self.mutations_accepted += other.mutations_accepted;
    }
}

/// One worker: its own peer, every `workers`-th case.
fn round_trip_worker(
    test: &'static str,
    binary: &Path,
    seeds: &[u64],
    worker: usize,
    workers: usize,
) -> (Stats, Failures) {
    let mut peer = GoPeer::start(binary);
    let mut stats = Stats::default();
    let mut failures = Failures::default();
    for (index, &seed) in seeds.iter().enumerate().skip(worker).step_by(workers) {
        let mut generator = Gen::new(seed);
        let case = generator.any();
        let mut result = check_case(&mut peer, &case, &mut stats);
        if result.is_ok() && generator.rng.percent(30) {
            let mut encoded = case.claims.clone();
            if let Ok(token) = encoded.encode_at(case.signer, case.iat) {
                result = check_mutation(
                    &mut peer,
                    &mut generator.rng,
                    &token,
                    &encoded,
                    case.signer,
                    &mut stats,
                );
            }
        }
        if let Err(problem) = result {
            failures.report(format!(
                "case {index} of {}: {problem}\n  case: {}\n  {}",
                seeds.len(),
                describe_case(&case),
                replay_hint(test, seed)
            ));
        }
    }
    (stats, failures)
}

#[test]
fn generated_claims_round_trip_with_go() {
    const TEST: &str = "generated_claims_round_trip_with_go";
    let Some(binary) = peer_binary_or_skip(TEST) else {
        return;
    };
    let started = Instant::now();
    eprintln!("go_interop {TEST}: run seed {:#018x}", run_seed());
    let seeds = case_seeds(TEST, 1500);
    // One peer per worker: our debug-build ed25519 verification dominates, so use two
    // cores when there are.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 2);
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let (binary, seeds) = (&binary, &seeds);
                scope.spawn(move || round_trip_worker(TEST, binary, seeds, worker, workers))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut stats = Stats::default();
    let mut failures = Failures::default();
    for (worker_stats, worker_failures) in results {
        stats.merge(worker_stats);
        failures.0 += worker_failures.0;
    }
    print_summary(TEST, &stats, started.elapsed());
    failures.finish(TEST);
    let total: u64 = stats.cases.values().sum();
    assert_eq!(total as usize, seeds.len());
    if seeds.len() >= 1000 {
        // The generator must reach both sides of the comparisons.
        assert!(stats.identical_tokens > total / 4, "few identical tokens");
        assert!(
            stats.both_refused > 0 && stats.blocking > 0,
            "no invalid claims generated"
        );
        assert!(stats.mutations_rejected > 0 && stats.mutations_accepted > 0);
    }
}

// ---- v1 tokens minted by Go's v1 library ------------------------------------------------

fn v1_permissions(g: &mut Gen) -> Value {
    let p = g.permissions();
    let side = |p: &Permission| {
        let mut m = serde_json::Map::new();
        if !p.allow.is_empty() {
            m.insert("allow".into(), json!(p.allow));
        }
        if !p.deny.is_empty() {
            m.insert("deny".into(), json!(p.deny));
        }
        Value::Object(m)
    };
    let mut v = json!({"pub": side(&p.publish), "sub": side(&p.subscribe)});
    if let Some(r) = p.response {
        v["resp"] = json!({"max": r.max, "ttl": r.ttl.as_nanos()});
    }
    v
}

fn v1_limits(g: &mut Gen, v: &mut Value) {
    if g.rng.percent(40) {
        v["max"] = json!(*g.rng.pick(COUNTS));
    }
    if g.rng.percent(40) {
        v["payload"] = json!(*g.rng.pick(COUNTS));
    }
    if g.rng.percent(40) {
        let n = 1 + g.rng.below(3);
        let list: Vec<String> = (0..n).map(|_| g.rng.text(CIDRS)).collect();
        v["src"] = json!(list.join(if g.rng.percent(50) { "," } else { ", " }));
    }
    if g.rng.percent(25) {
        v["times"] = json!([{"start": g.rng.text(CLOCK_TIMES), "end": g.rng.text(CLOCK_TIMES)}]);
    }
}

/// A v1 claims JSON in v1's layout, its type and the signer.
fn v1_case(g: &mut Gen) -> (&'static str, Value, &'static KeyPair) {
    let mut tags: Vec<String> = Vec::new();
    for _ in 0..g.count(&[0, 1, 2]) {
        tags.push(g.rng.text(&["env:prod", "Team:Blue", "x<&>"]));
    }
    let name = g.rng.text(TEXTS);
    let exp = *g.rng.pick(&[0, FAR_FUTURE, FAR_PAST]);
    let keys = g.keys;
    match g.rng.below(4) {
        0 => {
            let key = g.rng.pick(&keys.operators);
            let mut nats = json!({});
            if g.rng.percent(50) {
                nats["signing_keys"] = json!([public(g.rng.pick(&keys.operators))]);
            }
            if g.rng.percent(40) {
                nats["account_server_url"] = json!(g.rng.text(&[
                    "http://localhost:9090/jwt/v1",
                    "localhost:9090",
                    "nats://h"
                ]));
            }
            if g.rng.percent(40) {
                let u = g.rng.text(SERVICE_URLS);
                nats["operator_service_urls"] = json!([u]);
            }
            if g.rng.percent(40) {
                nats["system_account"] = json!(g.account_pub());
            }
            let c =
                json!({"sub": public(key), "name": name, "exp": exp, "tags": tags, "nats": nats});
            ("operator", c, key)
        }
        1 => {
            let key = g.rng.pick(&keys.accounts);
            let mut nats = json!({});
            let mut imports = Vec::new();
            for _ in 0..g.count(&[0, 1, 2]) {
                let service = g.rng.percent(50);
                let mut i = json!({
                    "subject": g.subject(10),
                    "account": g.account_pub(),
                    "type": if service { "service" } else { "stream" },
                });
                if g.rng.percent(30) {
                    i["to"] = json!(g.subject(5));
                }
                if g.rng.percent(30) {
                    i["name"] = json!(g.rng.text(TEXTS));
                }
                imports.push(i);
            }
            let mut exports = Vec::new();
            for _ in 0..g.count(&[0, 1, 2]) {
                let service = g.rng.percent(50);
                let mut e = json!({"subject": g.subject(10), "type": if service { "service" } else { "stream" }});
                if g.rng.percent(30) {
                    e["token_req"] = json!(true);
                }
                if service && g.rng.percent(30) {
                    e["response_type"] = json!(g.rng.text(&["Stream", "Chunked", "bogus"]));
                }
                if service && g.rng.percent(20) {
                    e["service_latency"] =
                        json!({"sampling": *g.rng.pick(&[0, 10, 100]), "results": "lat.r"});
                }
                exports.push(e);
            }
            nats["imports"] = json!(imports);
            nats["exports"] = json!(exports);
            let mut limits = json!({});
            for field in [
                "subs", "conn", "leaf", "imports", "exports", "data", "payload",
            ] {
                if g.rng.percent(50) {
                    limits[field] = json!(*g.rng.pick(&[-1, 0, 1, 10]));
                }
            }
            if g.rng.percent(70) {
                limits["wildcards"] = json!(true);
            }
            nats["limits"] = limits;
            if g.rng.percent(40) {
                nats["signing_keys"] = json!([g.account_pub()]);
            }
            if g.rng.percent(30) {
                nats["revocations"] = json!({ g.user_pub(): 1_700_000_000 });
            }
            let signer = if g.rng.percent(70) {
                g.rng.pick(&keys.operators)
            } else {
                key
            };
            let c =
                json!({"sub": public(key), "name": name, "exp": exp, "tags": tags, "nats": nats});
            ("account", c, signer)
        }
        2 => {
            let mut nats = v1_permissions(g);
            v1_limits(g, &mut nats);
            if g.rng.percent(20) {
                nats["bearer_token"] = json!(true);
            }
            let mut c =
                json!({"sub": g.user_pub(), "name": name, "exp": exp, "tags": tags, "nats": nats});
            if g.rng.percent(30) {
                c["issuer_account"] = json!(g.account_pub());
            }
            ("user", c, g.rng.pick(&keys.accounts))
        }
        _ => {
            let mut nats = json!({
                "subject": g.subject(15),
                "type": g.rng.text(&["stream", "service"]),
            });
            v1_limits(g, &mut nats);
            let mut c = json!({"sub": g.account_pub(), "name": name, "exp": exp, "tags": tags, "nats": nats});
            if g.rng.percent(20) {
                c["issuer_account"] = json!(g.account_pub());
            }
            let signer = if g.rng.percent(80) {
                g.rng.pick(&keys.accounts)
            } else {
                g.rng.pick(&keys.operators)
            };
            ("activation", c, signer)
        }
    }
}

#[test]
fn go_minted_v1_tokens_decode_alike() {
    const TEST: &str = "go_minted_v1_tokens_decode_alike";
    let Some(mut peer) = start_peer(TEST) else {
        return;
    };
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut failures = Failures::default();
    let seeds = case_seeds(TEST, 300);
    for (index, &seed) in seeds.iter().enumerate() {
        let mut g = Gen::new(seed);
        let (kind, claims, signer) = v1_case(&mut g);
        let result = (|| -> Result<(), String> {
            *stats.cases.entry(kind).or_default() += 1;
            let minted = peer.call(json!({"op": "mint_v1", "type": kind, "claims": claims, "seed": signer.seed().expose()}))?;
            let token = minted["token"]
                .as_str()
                .ok_or_else(|| format!("Go's v1 library refused: {}", minted["encode_error"]))?;
            if !token.starts_with("eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5In0.") {
                return Err(format!("not a v1 token: {token}"));
            }
            let reply = peer.call(json!({"op": "decode", "token": token}))?;
            let go = &reply["decode"];
            let decoded = natsjwt::decode(token);
            let (decoded, go_json) = match (decoded, go["error"].as_str()) {
                (Err(_), Some(_)) => {
                    stats.both_refused += 1;
                    return Ok(());
                }
                (Ok(d), None) => (d, go["claims_json"].as_str().unwrap_or_default().to_owned()),
                (ours, theirs) => {
                    return Err(format!(
                        "decode differs: ours {:?}, go {theirs:?}\n  token: {token}",
                        ours.map(|_| ())
                    ));
                }
            };
            if decoded.version() != 1 || go["version"] != 1 || go["claim_type"] != kind {
                return Err(format!(
                    "version/type: ours {} {}, go {} {}",
                    decoded.version(),
                    decoded.claims().claim_type().as_str(),
                    go["version"],
                    go["claim_type"]
                ));
            }
            let claims = decoded.into_claims();
            let ours = claims.to_json().map_err(|e| e.to_string())?;
            let expected = expected_2_3_0(&ours, &claims, &mut stats.tally);
            compare_json(
                &expected,
                &go_json,
                &claims,
                &mut stats.tally,
                "migrated v1 claims",
            )?;
            stats.equal_after_exceptions += 1;
            compare_validation(&mut peer, &claims, &go["issues"], &mut stats)
        })();
        if let Err(problem) = result {
            failures.report(format!(
                "v1 case {index} of {}: {problem}\n  {kind} v1 claims {claims}, signer {}\n  {}",
                seeds.len(),
                public(signer),
                replay_hint(TEST, seed)
            ));
        }
    }
    print_summary(TEST, &stats, started.elapsed());
    failures.finish(TEST);
    if seeds.len() >= 100 {
        assert!(stats.equal_after_exceptions > seeds.len() as u64 / 2);
    }
}

/// The peer's replay of Go's encode reproduces the spec's golden token, so a byte
/// mismatch in the other tests is not the peer's own doing.
#[test]
fn peer_reproduces_golden_operator_token() {
    const TEST: &str = "peer_reproduces_golden_operator_token";
    let Some(mut peer) = start_peer(TEST) else {
        return;
    };
    const GOLDEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJXWFJOMjVRMzU3M0U3UlVDTlVOVEZFVkFONzJUWk9ZWEJYS0dGMlFXWUJSWFVGQk1YWjNRIiwiaWF0IjoxNzk1NjY0NTQ1LCJpc3MiOiJPQ0ZJUlk2NU9RRTdERlA1S0xOUzJQRjJMVlpNVVpZSlg0T1pJRVEzNk4ySVFBTlVCNVhWWU9DUyIsIm5hbWUiOiJPIiwic3ViIjoiT0NGSVJZNjVPUUU3REZQNUtMTlMyUEYyTFZaTVVaWUpYNE9aSUVRMzZOMklRQU5VQjVYVllPQ1MiLCJuYXRzIjp7InR5cGUiOiJvcGVyYXRvciIsInZlcnNpb24iOjJ9fQ.HRBgJdWJ3QpQfYlcBbkbBQf5jsnKfrlFrHZL2hZL5oiCf1-hXrgb7b1Hroqb67szYsHBgeLs0D6ymBax6wscBQ";
    let operator =
        KeyPair::from_seed("SOAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIATA").unwrap();
    let mut claims = OperatorClaims::new(public(&operator));
    claims.name = "O".into();
    let minted = peer
        .call(json!({
            "op": "mint",
            "type": "operator",
            "claims": serde_json::from_str::<Value>(&claims.to_json().unwrap()).unwrap(),
            "seed": operator.seed().expose(),
            "iat": 1_795_664_545,
        }))
        .unwrap();
    assert_eq!(minted["token"], GOLDEN);
    assert_eq!(claims.encode_at(&operator, 1_795_664_545).unwrap(), GOLDEN);
}

/// jwt.js tokens whose names hold Latin-1 bytes (not UTF-8; see `tests/latin1.rs`): Go
/// reads each such byte as U+FFFD, and natsjwt reads the same claims, byte for byte as
/// Go re-marshals them. What Go refuses (a bad signature, such a byte outside a string)
/// natsjwt refuses too; a member given twice, which Go takes the last of, natsjwt refuses
/// on purpose.
#[test]
fn latin1_names_read_alike() {
    const TEST: &str = "latin1_names_read_alike";
    let Some(mut peer) = start_peer(TEST) else {
        return;
    };
    let account = crate::common::tokens::pair(KeyKind::Account, 0x41);
    let user = crate::common::tokens::pair(KeyKind::User, 0x42);
    let go_decode = |peer: &mut GoPeer, token: &str| {
        let reply = peer.call(json!({"op": "decode", "token": token})).unwrap();
        reply["decode"].clone()
    };
    for (latin1, name) in [
        (b"Jos\xE9".to_vec(), "Jos\u{FFFD}"),
        (b"\xE2\x82A".to_vec(), "\u{FFFD}\u{FFFD}A"),
        (
            b"\xC0\x80\xED\xA0\x80".to_vec(),
            "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}",
        ),
        (
            ["Zo\u{eb}\u{FFFD}".as_bytes(), b"\xFF"].concat(),
            "Zo\u{eb}\u{FFFD}\u{FFFD}",
        ),
    ] {
        let token = crate::common::tokens::latin1_user_jwt(
            &account,
            user.public_key().as_str(),
            &latin1,
            r#""bearer_token":true"#,
        );
        let go = go_decode(&mut peer, &token);
        assert_eq!(go["error"], Value::Null, "{go}");
        let claims = natsjwt::decode(&token).unwrap().into_claims();
        let AnyClaims::User(user_claims) = &claims else {
            panic!("not a user: {claims:?}");
        };
        assert_eq!(user_claims.name, name);
        let go_claims: Value = serde_json::from_str(go["claims_json"].as_str().unwrap()).unwrap();
        assert_eq!(go_claims["name"], name, "{go}");
        let ours = claims.to_json().unwrap();
        let expected = expected_2_3_0(&ours, &claims, &mut Tally::default());
        compare_json(
            &expected,
            go["claims_json"].as_str().unwrap(),
            &claims,
            &mut Tally::default(),
            "claims both decoded from a jwt.js token",
        )
        .unwrap();
    }
    let token = crate::common::tokens::latin1_user_jwt(
        &account,
        user.public_key().as_str(),
        b"Jos\xE9",
        "",
    );
    let (input, signature) = token.rsplit_once('.').unwrap();
    let payload = URL_SAFE_NO_PAD
        .decode(input.split_once('.').unwrap().1)
        .unwrap();
    let resign = |payload: &[u8]| crate::common::tokens::signed(payload, &account);
    // A signature that does not verify.
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{input}.{flipped}{}", &signature[1..]);
    assert!(go_decode(&mut peer, &tampered)["error"].is_string());
    assert!(natsjwt::decode(&tampered).is_err());
    // An invalid byte outside a string.
    let outside = resign(&[&payload[..], b"\xE9"].concat());
    assert!(go_decode(&mut peer, &outside)["error"].is_string());
    assert!(natsjwt::decode(&outside).is_err());
    // Two `name`s that are one once replaced: Go takes the last; natsjwt refuses.
    let twice = resign(&[&b"{\"name\":\"Jos\xEA\","[..], &payload[1..]].concat());
    let go = go_decode(&mut peer, &twice);
    assert_eq!(go["error"], Value::Null, "{go}");
    let go_claims: Value = serde_json::from_str(go["claims_json"].as_str().unwrap()).unwrap();
    assert_eq!(go_claims["name"], "Jos\u{FFFD}");
    assert!(matches!(
        natsjwt::decode(&twice),
        Err(natsjwt::ClaimsError::PayloadJson(_))
    ));
}
