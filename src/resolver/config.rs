//! [`ServerConfig`]: the operator-mode part of a `nats-server` configuration.

/// A value as a quoted string of the server's configuration format, which reads JSON
/// strings.
fn quote(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

/// How the server finds account JWTs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolverKind {
    /// `resolver: MEMORY`: only the preloaded accounts (updates to them are accepted).
    Memory,
    /// `resolver { type: full, dir: … }`: a directory store accepting pushed accounts.
    Full {
        /// The directory holding the JWTs.
        dir: String,
        /// Accept delete requests (`allow_delete`).
        allow_delete: bool,
    },
}

/// The operator-mode part of a `nats-server` configuration.
///
/// [`OperatorSetup::memory_config`](crate::provision::OperatorSetup::memory_config) and
/// [`full_config`](crate::provision::OperatorSetup::full_config) fill one in from a
/// provisioned operator; here, short stand-ins for the JWTs and keys show the text:
///
/// ```
/// use natsjwt::resolver::ServerConfig;
///
/// let preload = vec![("ASYS".to_owned(), "SYS_JWT".to_owned())];
/// let memory = ServerConfig::memory("OPERATOR_JWT", "ASYS", preload.clone());
/// assert_eq!(memory.render(), "\
/// operator: OPERATOR_JWT
/// system_account: ASYS
/// resolver: MEMORY
/// resolver_preload: {
///   ASYS: SYS_JWT
/// }
/// ");
///
/// let mut full = ServerConfig::full("OPERATOR_JWT", "ASYS", "/data/jwt", preload);
/// full.listen = "0.0.0.0:4222".into();
/// assert_eq!(full.render(), r#"listen: "0.0.0.0:4222"
/// operator: OPERATOR_JWT
/// system_account: ASYS
/// resolver {
///   type: full
///   dir: "/data/jwt"
///   allow_delete: true
///   interval: "2m"
///   timeout: "1.9s"
/// }
/// resolver_preload: {
///   ASYS: SYS_JWT
/// }
/// "#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Listen address, e.g. `127.0.0.1:4222`; omitted when empty.
    pub listen: String,
    /// The operator JWT (written inline).
    pub operator_jwt: String,
    /// The system account's public key.
    pub system_account: String,
    /// The resolver.
    pub resolver: ResolverKind,
    /// Account JWTs loaded at start: (public key, JWT).
    pub preload: Vec<(String, String)>,
    /// Lines appended verbatim (e.g. `jetstream { store_dir: … }`).
    pub extra: Vec<String>,
}

impl ServerConfig {
    /// A memory-resolver configuration preloading `accounts` (public key, JWT); see the
    /// [`ServerConfig`] example.
    pub fn memory(
        operator_jwt: &str,
        system_account: &str,
        accounts: Vec<(String, String)>,
    ) -> Self {
        ServerConfig {
            listen: String::new(),
            operator_jwt: operator_jwt.to_owned(),
            system_account: system_account.to_owned(),
            resolver: ResolverKind::Memory,
            preload: accounts,
            extra: Vec::new(),
        }
    }

    /// A full-resolver configuration storing JWTs in `dir`, preloading `accounts`, with
    /// deletes allowed; see the [`ServerConfig`] example.
    pub fn full(
        operator_jwt: &str,
        system_account: &str,
        dir: &str,
        accounts: Vec<(String, String)>,
    ) -> Self {
        ServerConfig {
            listen: String::new(),
            operator_jwt: operator_jwt.to_owned(),
            system_account: system_account.to_owned(),
            resolver: ResolverKind::Full {
                dir: dir.to_owned(),
                allow_delete: true,
            },
            preload: accounts,
            extra: Vec::new(),
        }
    }

    /// The configuration text; see the [`ServerConfig`] example.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.listen.is_empty() {
            out.push_str(&format!("listen: {}\n", quote(&self.listen)));
        }
        out.push_str(&format!("operator: {}\n", self.operator_jwt));
        out.push_str(&format!("system_account: {}\n", self.system_account));
        match &self.resolver {
            ResolverKind::Memory => out.push_str("resolver: MEMORY\n"),
            ResolverKind::Full { dir, allow_delete } => out.push_str(&format!(
                "resolver {{\n  type: full\n  dir: {}\n  allow_delete: {allow_delete}\n  interval: \"2m\"\n  timeout: \"1.9s\"\n}}\n",
                quote(dir)
            )),
        }
        if !self.preload.is_empty() {
            out.push_str("resolver_preload: {\n");
            for (account, jwt) in &self.preload {
                out.push_str(&format!("  {account}: {jwt}\n"));
            }
            out.push_str("}\n");
        }
        for line in &self.extra {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs() {
        let memory = ServerConfig::memory(
            "eyJ.op.sig",
            "ASYS",
            vec![("ASYS".into(), "eyJ.sys.sig".into())],
        );
        assert_eq!(
            memory.render(),
            "operator: eyJ.op.sig\nsystem_account: ASYS\nresolver: MEMORY\nresolver_preload: {\n  ASYS: eyJ.sys.sig\n}\n"
        );
        let mut full = ServerConfig::full("eyJ.op.sig", "ASYS", "/tmp/a \"b\"", Vec::new());
        full.listen = "127.0.0.1:4222".into();
        let text = full.render();
        assert!(text.contains("dir: \"/tmp/a \\\"b\\\"\""), "{text}");
        assert!(text.contains("type: full"));
        assert!(text.starts_with("listen: \"127.0.0.1:4222\"\n"));
    }
}
