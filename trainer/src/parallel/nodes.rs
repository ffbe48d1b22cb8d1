//! Runs over several machines: `trainer orchestrator --port P` (burn-collective's global
//! orchestrator, where the processes meet), and the options by which `trainer run` joins one,
//! from the command line or from the environment variables `torchrun` reads (NNODES, NODE_RANK,
//! MASTER_ADDR, MASTER_PORT). Every address is checked before use: a host is a name or an IP
//! address, nothing else (they end up in URLs and in the emitted Slurm scripts). The orchestrator
//! listens on one address (loopback unless told otherwise), serves only the holders of the run's
//! token ([`crate::token`]) and bounds its connections and their messages.

use crate::error::{Error, Result};
use crate::parallel::collective::Global;
use crate::token::Token;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// How `trainer run` joins a run over several machines (one process per machine).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NodeArgs {
    /// Machines in the run [env: NNODES]. Node 0 owns the run folder (a shared filesystem).
    #[arg(long)]
    pub nodes: Option<usize>,
    /// This machine's place, 0..nodes-1 [env: NODE_RANK].
    #[arg(long)]
    pub node_rank: Option<usize>,
    /// HOST:PORT of `trainer orchestrator` [env: MASTER_ADDR and MASTER_PORT].
    #[arg(long)]
    pub orchestrator: Option<String>,
    /// The name or address by which the other machines reach this one (default: its host name).
    #[arg(long)]
    pub node_address: Option<String>,
    /// The port of this machine's tensor service (default: the orchestrator's + 1 + node rank).
    #[arg(long)]
    pub data_port: Option<u16>,
    /// A file holding the run's shared token (default: the environment variable TRAINER_TOKEN).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
}

impl NodeArgs {
    /// The machines of the run, `None` for one; `env` reads the environment (tests pass their
    /// own).
    pub fn global(&self, env: impl Fn(&str) -> Option<String>) -> Result<Option<Global>> {
        let number = |flag: Option<usize>, var: &str| -> Result<Option<usize>> {
            match (flag, env(var)) {
                (Some(n), _) => Ok(Some(n)),
                (None, Some(v)) => v.trim().parse().map(Some).map_err(|_| {
                    Error::Usage(format!("environment variable {var}: `{v}` is not a count"))
                }),
                (None, None) => Ok(None),
            }
        };
        let given = number(self.nodes, "NNODES")?;
        let nodes = given.unwrap_or(1);
        if nodes == 0 {
            return Err(Error::Usage(
                "--nodes (or NNODES) must be at least 1".into(),
            ));
        }
        // A rank from the environment counts only beside a node count (torchrun sets both).
        let rank = match given {
            Some(_) => number(self.node_rank, "NODE_RANK")?,
            None => self.node_rank,
        };
        if let Some(r) = rank.filter(|&r| r >= nodes) {
            return Err(Error::Usage(format!(
                "--node-rank (or NODE_RANK) {r} is not one of the {nodes} node(s) (0..{})",
                nodes - 1
            )));
        }
        if nodes == 1 {
            return Ok(None);
        }
        let node_rank = rank.ok_or_else(|| {
            Error::Usage(format!(
                "{nodes} nodes: --node-rank (or NODE_RANK) is needed"
            ))
        })?;
        let orchestrator = match (&self.orchestrator, env("MASTER_ADDR"), env("MASTER_PORT")) {
            (Some(o), _, _) => parse_host_port(o, "--orchestrator")?,
            (None, Some(host), Some(port)) => {
                parse_host_port(&format!("{host}:{port}"), "MASTER_ADDR:MASTER_PORT")?
            }
            _ => {
                return Err(Error::Usage(
                    "several nodes: --orchestrator HOST:PORT (or MASTER_ADDR and MASTER_PORT) \
                     is needed"
                        .into(),
                ))
            }
        };
        let node_host = match &self.node_address {
            Some(h) => h.clone(),
            None => crate::host::hostname().unwrap_or_else(|| "localhost".into()),
        };
        check_host(&node_host, "--node-address")?;
        let default_port = u16::try_from(orchestrator.1 as usize + 1 + node_rank).ok();
        let data_port = self.data_port.or(default_port).ok_or_else(|| {
            Error::Usage("--data-port: the default port is past 65535; give one".into())
        })?;
        let token = Token::load(self.token_file.as_deref(), &env)?;
        Ok(Some(Global {
            nodes,
            node_rank,
            orchestrator,
            node_host,
            data_port,
            token,
        }))
    }
}

/// `HOST:PORT` with a checked host and a port above 0.
pub fn parse_host_port(s: &str, what: &str) -> Result<(String, u16)> {
    let bad = || Error::Usage(format!("{what} `{s}`: expected HOST:PORT"));
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    if port == 0 {
        return Err(bad());
    }
    check_host(host, what)?;
    Ok((host.to_owned(), port))
}

/// A host name or IPv4 address: letters, digits, dots, hyphens (no scheme, path or spaces).
pub fn check_host(host: &str, what: &str) -> Result<()> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && !host.starts_with(['-', '.'])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    match ok {
        true => Ok(()),
        false => Err(Error::Usage(format!(
            "{what}: `{host}` is not a host name or IPv4 address"
        ))),
    }
}

/// `trainer orchestrator`: where the machines of a run meet.
#[derive(Debug, Clone, clap::Args)]
pub struct OrchestratorArgs {
    /// The port to listen on.
    #[arg(long)]
    pub port: u16,
    /// The address to listen on: this machine only by default; the interface the other machines
    /// reach (or 0.0.0.0, every interface) for a run over several machines.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// A file holding the run's shared token (default: the environment variable TRAINER_TOKEN).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Connections open at once (two per machine of a run); more are closed at once.
    #[arg(long, default_value_t = 64)]
    pub max_connections: usize,
}

/// The largest message a node sends the orchestrator (a registration is a few hundred bytes).
pub const MAX_MESSAGE: usize = 64 * 1024;

/// Serves until SIGINT or SIGTERM.
pub fn orchestrator(args: &OrchestratorArgs) -> Result<()> {
    if args.port == 0 || args.max_connections < 2 {
        return Err(Error::Usage(
            "--port must be above 0 and --max-connections at least 2".into(),
        ));
    }
    let token = Token::load(args.token_file.as_deref(), |v| std::env::var(v).ok())?;
    burn_communication::websocket::set_token(Some(token.expose().to_owned()));
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Error::Usage(format!("the orchestrator's runtime: {e}")))?;
    let bind = SocketAddr::new(args.bind, args.port);
    let limits = burn_communication::websocket::Limits {
        max_connections: args.max_connections,
        max_message_size: MAX_MESSAGE,
    };
    println!(
        "orchestrator: listening on {bind} (at most {} connections; the token is required)",
        args.max_connections
    );
    runtime
        .block_on(burn_collective::serve_global_orchestrator(bind, limits))
        .map_err(|e| match e {
            burn_collective::GlobalCollectiveError::Server(why) => {
                Error::Usage(format!("the orchestrator on {bind}: {why}"))
            }
            other => Error::Usage(format!("the orchestrator on {bind}: {other:?}")),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn nodes_come_from_flags_or_torchruns_variables_and_hostile_ones_are_refused() {
        let none = NodeArgs::default();
        assert_eq!(none.global(env(&[])).unwrap(), None);
        let vars = [
            ("NNODES", "2"),
            ("NODE_RANK", "1"),
            ("MASTER_ADDR", "node-a.cluster"),
            ("MASTER_PORT", "29500"),
            ("TRAINER_TOKEN", "0123456789abcdef"),
        ];
        let g = NodeArgs {
            node_address: Some("node-b".into()),
            ..NodeArgs::default()
        }
        .global(env(&vars))
        .unwrap()
        .unwrap();
        assert_eq!((g.nodes, g.node_rank), (2, 1));
        assert_eq!(g.orchestrator, ("node-a.cluster".into(), 29500));
        assert_eq!((g.node_host.as_str(), g.data_port), ("node-b", 29502));
        let flags = NodeArgs {
            nodes: Some(2),
            node_rank: Some(0),
            orchestrator: Some("10.0.0.1:7000".into()),
            node_address: Some("10.0.0.1".into()),
            data_port: Some(7100),
            token_file: None,
        };
        let g = flags.global(env(&vars)).unwrap().unwrap();
        assert_eq!((g.node_rank, g.data_port), (0, 7100));
        for (bad, why) in [
            ("NODE_RANK", "2"),
            ("MASTER_ADDR", "a;rm -rf /"),
            ("MASTER_ADDR", "$(id)"),
            ("MASTER_PORT", "0"),
            ("NNODES", "two"),
        ] {
            let mut v = vars.to_vec();
            v.retain(|(k, _)| *k != bad);
            v.push((bad, why));
            let err = NodeArgs::default().global(env(&v));
            assert!(err.is_err(), "{bad}={why} accepted");
        }
        let hostile = NodeArgs {
            node_address: Some("x y".into()),
            ..NodeArgs::default()
        };
        assert!(hostile.global(env(&vars)).is_err());
    }

    #[test]
    fn node_counts_and_ranks_that_cannot_be_are_refused() {
        let refused =
            |args: NodeArgs, vars: &[(&str, &str)]| args.global(env(vars)).unwrap_err().to_string();
        let nodes = |n: usize, rank: Option<usize>| NodeArgs {
            nodes: Some(n),
            node_rank: rank,
            ..NodeArgs::default()
        };
        let zero = "--nodes (or NNODES) must be at least 1";
        assert_eq!(refused(nodes(0, None), &[]), zero);
        assert_eq!(refused(NodeArgs::default(), &[("NNODES", "0")]), zero);
        assert_eq!(
            refused(nodes(1, Some(3)), &[]),
            "--node-rank (or NODE_RANK) 3 is not one of the 1 node(s) (0..0)"
        );
        let torchrun = [("NNODES", "1"), ("NODE_RANK", "3")];
        assert!(refused(NodeArgs::default(), &torchrun).contains("3 is not one of the 1"));
        // One node, rank 0: a plain run.
        assert_eq!(nodes(1, Some(0)).global(env(&[])).unwrap(), None);
        // Two nodes but no token anywhere: refused before anything starts.
        let args = NodeArgs {
            orchestrator: Some("127.0.0.1:7000".into()),
            node_address: Some("127.0.0.1".into()),
            ..nodes(2, Some(1))
        };
        assert!(refused(args, &[]).contains("needs a shared token"));
    }
}
