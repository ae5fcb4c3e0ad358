//! Finding the nats-server binaries and running one on a free loopback port.
//!
//! Two servers are looked for: Debian's 2.9 (`NATS_SERVER`, else `/usr/sbin/nats-server`,
//! else `nats-server` on `PATH`) and 2.14 (`NATS_SERVER_2_14`, else where
//! `scripts/install-nats-servers.sh` puts it). A test runs its case on every server found;
//! a missing one is reported once per run ([`super::peers`]), or fails the test when
//! `NATSJWT_REQUIRE_PEERS=1`. `NATSJWT_SERVER_TRACE=1` turns on the servers' debug and
//! protocol trace, whose tail is printed when a test fails.

use std::fmt;
use std::fs::File;
use std::future::Future;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, BufReader as AsyncBufReader};

use super::peers;

/// Where `scripts/install-nats-servers.sh` installs nats-server 2.14.0.
pub const INSTALLED_2_14: &str = "/opt/natsjwt-peers/nats-server-2.14.0";
/// Where Debian's package installs nats-server.
pub const DEBIAN_SERVER: &str = "/usr/sbin/nats-server";
/// How many lines of a failed test's server log are printed.
const LOG_TAIL: usize = 60;
/// How long a server may take to accept connections.
const START_BOUND: Duration = Duration::from_secs(10);

/// A server version, `major.minor.patch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A nats-server executable and the version it reports.
#[derive(Clone, Debug)]
pub struct ServerBinary {
    pub path: PathBuf,
    pub version: Version,
}

impl ServerBinary {
    /// True when this server is `major.minor` or newer.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.version.major, self.version.minor) >= (major, minor)
    }
}

impl fmt::Display for ServerBinary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nats-server {}", self.version)
    }
}

/// One server the suite wants, and where to look for it.
struct Slot {
    what: &'static str,
    env: &'static str,
    fallbacks: &'static [&'static str],
    searches_path: bool,
    hint: &'static str,
}

const SLOTS: [Slot; 2] = [
    Slot {
        what: "nats-server 2.9 (Debian)",
        env: "NATS_SERVER",
        fallbacks: &[DEBIAN_SERVER],
        searches_path: true,
        hint: "apt-get install nats-server, or set NATS_SERVER",
    },
    Slot {
        what: "nats-server 2.14",
        env: "NATS_SERVER_2_14",
        fallbacks: &[INSTALLED_2_14],
        searches_path: false,
        hint: "run scripts/install-nats-servers.sh, or set NATS_SERVER_2_14",
    },
];

struct Discovery {
    found: Vec<ServerBinary>,
    /// Each server not found, and why (with how to install it).
    missing: Vec<(&'static str, String)>,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Runs `command` to completion, killing it after `bound`.
pub fn run_bounded(command: &mut Command, bound: Duration) -> (ExitStatus, String, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let deadline = Instant::now() + bound;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = child.wait_with_output().expect("reading a child's output");
    (
        status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The version `nats-server --version` prints (`nats-server: v2.9.10`).
fn server_version(path: &Path) -> Result<Version, String> {
    let (status, stdout, _) =
        run_bounded(Command::new(path).arg("--version"), Duration::from_secs(10));
    let text = stdout.trim();
    let parsed = text.rsplit_once('v').and_then(|(_, version)| {
        let mut parts = version.split('.').map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse::<u32>()
                .ok()
        });
        Some(Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        })
    });
    match parsed {
        Some(version) if status.success() => Ok(version),
        _ => Err(format!("`{} --version` printed {text:?}", path.display())),
    }
}

fn discover() -> &'static Discovery {
    static DISCOVERY: OnceLock<Discovery> = OnceLock::new();
    DISCOVERY.get_or_init(|| {
        let mut found: Vec<ServerBinary> = Vec::new();
        let mut missing = Vec::new();
        for slot in &SLOTS {
            let from_env = std::env::var_os(slot.env).filter(|v| !v.is_empty());
            let candidate = match &from_env {
                Some(value) => Some(PathBuf::from(value)),
                None => slot
                    .fallbacks
                    .iter()
                    .map(PathBuf::from)
                    .find(|p| p.is_file())
                    .or_else(|| slot.searches_path.then(|| on_path("nats-server")).flatten()),
            };
            let Some(path) = candidate else {
                missing.push((slot.what, format!("not found ({})", slot.hint)));
                continue;
            };
            if !path.is_file() {
                missing.push((
                    slot.what,
                    format!(
                        "{}={} is not a file ({})",
                        slot.env,
                        path.display(),
                        slot.hint
                    ),
                ));
                continue;
            }
            match server_version(&path) {
                Ok(version) => {
                    let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
                    let duplicate = found.iter().any(|f| {
                        f.path.canonicalize().unwrap_or_else(|_| f.path.clone()) == canonical
                    });
                    if !duplicate {
                        found.push(ServerBinary { path, version });
                    }
                }
                Err(why) => missing.push((slot.what, format!("{why} ({})", slot.hint))),
            }
        }
        Discovery { found, missing }
    })
}

/// The servers to run a test on; a missing one is reported (once per run) by
/// [`peers::missing`].
pub fn servers() -> Vec<ServerBinary> {
    let discovery = discover();
    for (peer, why) in &discovery.missing {
        peers::missing(peer, why);
    }
    discovery.found.clone()
}

/// The newest server found that is at least `major.minor`, or `None`, reported as a
/// missing peer needed for `why`.
pub fn newest_server(major: u32, minor: u32, why: &str) -> Option<ServerBinary> {
    let newest = servers()
        .into_iter()
        .filter(|binary| binary.at_least(major, minor))
        .max_by_key(|binary| binary.version);
    if newest.is_none() {
        peers::missing(
            &format!("nats-server >= {major}.{minor}"),
            &format!("{why} (scripts/install-nats-servers.sh installs 2.14)"),
        );
    }
    newest
}

/// Runs `case` on every server found, all at once, and fails naming the servers it failed on.
pub async fn on_each_server<F, Fut>(test: &str, case: F)
where
    F: Fn(ServerBinary) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let servers = servers();
    let tasks: Vec<_> = servers
        .iter()
        .map(|binary| (binary.clone(), tokio::spawn(case(binary.clone()))))
        .collect();
    let mut failed = Vec::new();
    for (binary, task) in tasks {
        if task.await.is_err() {
            failed.push(binary.to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{test} failed on {} (the panic above says why)",
        failed.join(", ")
    );
}

/// A directory under the system temp dir, removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "natsjwt-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating a temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Waits until the server on `port` answers a TCP connection with its INFO line, and that
/// it is `child` answering: another test's server that took the port after it was picked
/// would answer too, and a test talking to it fails in ways that say nothing (a refused
/// connection once that server stops, its operator's answers instead of ours).
async fn wait_ready(child: &mut Child, port: u16, name: &str) -> Result<(), String> {
    let ours = format!("\"server_name\":\"{name}\"");
    let deadline = Instant::now() + START_BOUND;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("exited with {status}"));
        }
        if Instant::now() > deadline {
            return Err(format!("not ready within {START_BOUND:?}"));
        }
        if let Ok(Ok(stream)) = tokio::time::timeout(
            Duration::from_millis(500),
            tokio::net::TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        {
            let mut line = String::new();
            let mut reader = AsyncBufReader::new(stream);
            let read =
                tokio::time::timeout(Duration::from_secs(1), reader.read_line(&mut line)).await;
            if matches!(read, Ok(Ok(_))) && line.starts_with("INFO ") && line.contains(&ours) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts `binary` with `conf` and `args`, its output in `log`, and waits until it is ready
/// on `port` as `name`; on failure it is killed, and the error comes with the log's text.
async fn launch(
    binary: &ServerBinary,
    conf: &Path,
    args: &[String],
    port: u16,
    name: &str,
    log: &Path,
) -> Result<Child, (String, String)> {
    let log_file = File::create(log).expect("creating server.log");
    let mut command = Command::new(&binary.path);
    command.arg("-c").arg(conf).args(args);
    if std::env::var_os("NATSJWT_SERVER_TRACE").is_some() {
        // Debug and protocol trace in the log (printed when a test fails).
        command.arg("-DV");
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("cloning the log handle"))
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.path.display()));
    match wait_ready(&mut child, port, name).await {
        Ok(()) => Ok(child),
        Err(why) => {
            let _ = child.kill();
            let _ = child.wait();
            Err((why, std::fs::read_to_string(log).unwrap_or_default()))
        }
    }
}

/// A free loopback port (free when asked; the server start retries if it was taken since).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("binding a free loopback port")
}

/// A running nats-server; killed (and its directory removed) when dropped, so also when
/// an assertion fails. On a failure its log is printed.
pub struct RunningServer {
    child: Child,
    pub port: u16,
    pub binary: ServerBinary,
    log: PathBuf,
    /// Held, not read: removed after the child is killed (fields drop after `Drop::drop`).
    _dir: TempDir,
}

impl RunningServer {
    /// Writes `config` into a fresh directory and starts the server with it.
    pub async fn start(binary: &ServerBinary, config: &str) -> RunningServer {
        let dir = TempDir::new("server");
        RunningServer::start_in(binary, dir, config).await
    }

    /// Writes `config` into `dir` (which the config may refer to, for a JetStream store
    /// or a resolver directory) and starts the server with it.
    pub async fn start_in(binary: &ServerBinary, dir: TempDir, config: &str) -> RunningServer {
        let conf = dir.path().join("server.conf");
        std::fs::write(&conf, config).expect("writing server.conf");
        RunningServer::start_with_file(binary, dir, &conf).await
    }

    /// Starts the server with the config file `conf` as it is, overriding only the port
    /// (`-p`) and the server name (unique, so that readiness is this server's). The port is
    /// free when picked; if the server finds it taken, another is tried.
    pub async fn start_with_file(
        binary: &ServerBinary,
        dir: TempDir,
        conf: &Path,
    ) -> RunningServer {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let log = dir.path().join("server.log");
        let mut attempts = 0;
        loop {
            attempts += 1;
            let port = free_port();
            // A name no other server has, which its INFO line must carry.
            let name = format!(
                "natsjwt-test-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let overrides = [
                "-p".to_owned(),
                port.to_string(),
                "--server_name".to_owned(),
                name.clone(),
            ];
            match launch(binary, conf, &overrides, port, &name, &log).await {
                Ok(child) => {
                    return RunningServer {
                        child,
                        port,
                        binary: binary.clone(),
                        log,
                        _dir: dir,
                    };
                }
                Err((why, text)) => {
                    if attempts < 3 && text.contains("address already in use") {
                        eprintln!("{binary}: port {port} was taken ({why}); trying another");
                        continue;
                    }
                    panic!("{binary} did not start on port {port}: {why}\n{text}");
                }
            }
        }
    }

    /// Starts the server with the config file `conf` exactly as it is, which must make it
    /// listen on `port` as `name`: a cluster node keeps both across restarts (the routes
    /// name its ports, its JetStream peers know it by its name). `dir` holds the log.
    pub async fn start_as(
        binary: &ServerBinary,
        dir: TempDir,
        conf: &Path,
        port: u16,
        name: &str,
    ) -> RunningServer {
        let log = dir.path().join("server.log");
        match launch(binary, conf, &[], port, name, &log).await {
            Ok(child) => RunningServer {
                child,
                port,
                binary: binary.clone(),
                log,
                _dir: dir,
            },
            Err((why, text)) => panic!("{binary} did not start on port {port}: {why}\n{text}"),
        }
    }

    /// Stops the server as an operator would, with SIGTERM (it leaves the cluster: its
    /// peers hear of the shutdown at once), and waits (bounded) until it exited.
    pub async fn terminate(mut self) {
        let pid = self.child.id().to_string();
        let (status, _, stderr) =
            run_bounded(Command::new("kill").args(["-TERM", &pid]), START_BOUND);
        assert!(status.success(), "kill -TERM {pid}: {stderr}");
        let deadline = Instant::now() + START_BOUND;
        while self
            .child
            .try_wait()
            .expect("waiting for the server")
            .is_none()
        {
            assert!(
                Instant::now() < deadline,
                "{} (pid {pid}) did not exit within {START_BOUND:?} of SIGTERM",
                self.binary
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = File::open(&self.log).map(BufReader::new);
            let lines: Vec<String> = log
                .map(|reader| reader.lines().map_while(Result::ok).collect())
                .unwrap_or_default();
            let tail = lines.len().saturating_sub(LOG_TAIL);
            eprintln!(
                "--- {} log (port {}), last {} lines ---\n{}",
                self.binary,
                self.port,
                lines.len() - tail,
                lines[tail..].join("\n")
            );
        }
    }
}

/// The path of an example binary that `cargo test` built next to this test binary
/// (`target/<profile>/examples/<name>`).
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("locating the test binary");
    // target/<profile>/deps/<test binary> -> target/<profile>/examples/<name>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary sits in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: `cargo test` builds the examples before the tests",
        path.display()
    );
    path
}
