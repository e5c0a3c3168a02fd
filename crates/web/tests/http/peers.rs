//! Real peers written in Python: the `icalendar` parser that calendar apps'
//! behaviour is checked against, and the `aiosmtpd` mail server that
//! reminders are delivered to. Versions are pinned in `tests/python/requirements.txt`.
//!
//! When python3 or a package is missing the tests that need them print why
//! and pass, except under `CI=true`, where they fail: CI must run them.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Whether python3 can import these modules. Under `CI=true` a missing one
/// fails the test; elsewhere the test is told to skip, with the reason printed.
pub fn available(modules: &[&str]) -> bool {
    let check = format!("import {}", modules.join(", "));
    let outcome = Command::new("python3").args(["-c", &check]).output();
    let problem = match outcome {
        Ok(out) if out.status.success() => return true,
        Ok(out) => format!("python3 cannot import {}: {}", modules.join(", "), String::from_utf8_lossy(&out.stderr)),
        Err(e) => format!("python3 cannot be run: {e}"),
    };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{problem}\nCI=true: install them with `pip install -r tests/python/requirements.txt`");
    }
    eprintln!("SKIPPED: {problem} (pip install -r tests/python/requirements.txt)");
    false
}

/// Runs a Python script with `stdin` and returns what it printed as JSON.
pub fn run_json(script: &str, args: &[&str], stdin: &str) -> Value {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write to python3");
    let out = child.wait_with_output().expect("python3 finishes");
    assert!(out.status.success(), "python3 failed: {}\ninput:\n{stdin}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("python3 printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// A port on the loopback interface that nothing listens on (right now).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// A loopback port that refuses connections and that no other test can take:
/// bound, never listening. Drop it to start a server there.
pub struct ClosedPort {
    /// The port.
    pub port: u16,
    _socket: tokio::net::TcpSocket,
}

/// A port where a mail server is down.
pub fn closed_port() -> ClosedPort {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket.bind("127.0.0.1:0".parse().expect("an address")).expect("bind a port");
    let port = socket.local_addr().expect("local address").port();
    ClosedPort { port, _socket: socket }
}

/// An `aiosmtpd` server storing what it receives in a Maildir. Stopped when dropped.
pub struct SmtpServer {
    child: Child,
    /// Where it listens.
    pub port: u16,
    maildir: PathBuf,
}

impl SmtpServer {
    /// Starts one on `port`, writing to `maildir` (which must not exist yet),
    /// and waits until it accepts connections.
    pub fn start(port: u16, maildir: &Path) -> SmtpServer {
        assert!(!maildir.exists(), "aiosmtpd makes the Maildir itself");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let server = SmtpServer { child, port, maildir: maildir.to_owned() };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start listening on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Every mail received, oldest first, decoded by Python's `email` package:
    /// objects with `to`, `rcpt` (the envelope recipients), `from`, `subject`,
    /// `message_id`, `auto_submitted` and `body`.
    pub fn messages(&self) -> Vec<Value> {
        if !self.maildir.join("new").exists() {
            return Vec::new();
        }
        let v = run_json(READ_MAILDIR, &[&self.maildir.to_string_lossy()], "");
        v.as_array().expect("a list of mails").clone()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const READ_MAILDIR: &str = r#"
import json, mailbox, sys
from email import policy
from email.parser import BytesParser
box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
mails = []
for key in box.keys():
    m = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
    mails.append({
        "to": str(m["To"]), "rcpt": str(m["X-RcptTo"]), "from": str(m["From"]),
        "subject": str(m["Subject"]), "message_id": str(m["Message-ID"]),
        "auto_submitted": str(m["Auto-Submitted"]), "date": str(m["Date"]),
        "body": m.get_body(("plain",)).get_content(),
    })
mails.sort(key=lambda m: (m["subject"], m["rcpt"]))
print(json.dumps(mails))
"#;
