//! A real server (Phoenix, MLflow) in a child process for the end-to-end tests: its own process
//! group and temp dir, its output in a log file, ready when a health path answers 200, and on
//! drop (panics included) its whole group stopped by its id, then the dir removed.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::http_client::http;

pub struct ServerProcess {
    child: Child,
    name: &'static str,
    /// The temp dir: the server's working dir, store and log.
    pub dir: PathBuf,
    pub addr: SocketAddr,
    /// How long the group gets after SIGTERM before SIGKILL.
    grace: Duration,
}

/// A fresh temp dir for `name`.
pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("genai-o11y-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl ServerProcess {
    /// Starts `command` (its arguments and environment set) listening on 127.0.0.1:`port`, in
    /// `dir` (from [`temp_dir`]); `hint` says how to install it when it cannot start.
    pub fn spawn(name: &'static str, mut command: Command, dir: PathBuf, port: u16, grace: Duration, hint: &str) -> ServerProcess {
        let log = std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}; {hint}"));
        ServerProcess { child, name, dir, addr: SocketAddr::from(([127, 0, 0, 1], port)), grace }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join(format!("{}.log", self.name))).unwrap_or_default()
    }

    /// Waits (180 s at most) until `GET health` answers 200; panics with the log if the server
    /// exits or is late.
    pub fn wait_ready(&mut self, health: &str) {
        let deadline = Instant::now() + Duration::from_secs(180);
        while !matches!(http(self.addr, "GET", health, None), Ok((200, _))) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.log());
            }
            assert!(Instant::now() < deadline, "{} not ready after 180 s:\n{}", self.name, self.log());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // The whole process group (the server and any worker it started), by its id: the child
        // leads its own group (`process_group(0)`), so the group id is the child's pid. `--`
        // before the negative id: without it `kill` may read it as an option.
        let pgid = self.child.id();
        let group = |signal: &str| {
            if pgid > 1 {
                let _ = Command::new("kill").args(["-s", signal, "--", &format!("-{pgid}")]).stderr(Stdio::null()).status();
            }
        };
        group("TERM");
        let deadline = Instant::now() + self.grace;
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(100));
        }
        group("KILL");
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
