//! A real TURN server for tests: Debian's coturn (installed by the test command), started on
//! 127.0.0.1 with a port of its own and relaying to loopback peers. Shared by the voice and
//! hub tests (`#[path]`-included).

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How coturn checks who may allocate a relay.
pub enum Auth<'a> {
    /// One long-term user.
    User(&'a str, &'a str),
    /// The TURN REST API: time-limited credentials made with a secret shared with the hub.
    Secret(&'a str),
}

pub struct Coturn {
    child: Child,
    pub address: SocketAddr,
    dir: PathBuf,
}

impl Coturn {
    pub fn start(auth: Auth<'_>) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("sb-coturn-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Its own (empty) configuration: the system's /etc/turnserver.conf stays out of it.
        let config = dir.join("turnserver.conf");
        std::fs::write(&config, "").unwrap();
        let mut command = Command::new("turnserver");
        command
            .arg("-c")
            .arg(&config)
            .arg("--listening-ip=127.0.0.1")
            .arg(format!("--listening-port={port}"))
            .arg("--relay-ip=127.0.0.1")
            .arg("--allow-loopback-peers")
            .arg("--realm=switchboard.test")
            .arg("--fingerprint")
            .arg("--no-cli")
            .arg("--no-tls")
            .arg("--no-dtls")
            .arg("--no-stdout-log")
            .arg("--simple-log")
            .arg("--verbose")
            .arg(format!("--log-file={}", dir.join("turn.log").display()))
            .arg(format!("--pidfile={}", dir.join("turn.pid").display()))
            .arg(format!("--userdb={}", dir.join("turndb").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match auth {
            Auth::User(user, password) => {
                command
                    .arg("--lt-cred-mech")
                    .arg(format!("--user={user}:{password}"));
            }
            Auth::Secret(secret) => {
                command
                    .arg("--use-auth-secret")
                    .arg(format!("--static-auth-secret={secret}"));
            }
        }
        let child = command
            .spawn()
            .expect("coturn's turnserver is installed by the test command");
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let server = Self {
            child,
            address,
            dir,
        };
        server.wait_ready();
        server
    }

    /// Polls until the server answers a STUN Binding request and takes TCP connections.
    fn wait_ready(&self) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        // A Binding request: type 0x0001, length 0, the magic cookie, a transaction id.
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
        request.extend_from_slice(b"switchboard!");
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut buf = [0u8; 512];
        while Instant::now() < deadline {
            let _ = socket.send_to(&request, self.address);
            if matches!(socket.recv_from(&mut buf), Ok((n, _)) if n >= 20)
                && TcpStream::connect(self.address).is_ok()
            {
                return;
            }
        }
        panic!("coturn did not start; its log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("turn.log")).unwrap_or_default()
    }

    pub fn url(&self, transport: &str) -> String {
        format!("turn:{}?transport={transport}", self.address)
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("coturn's log:\n{}", self.log());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port free for both UDP and TCP on 127.0.0.1.
pub fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}
