//! A raw SSE client for realtime tests: a plain TCP connection to `GET /api/realtime`,
//! read on a thread into a list of events, with bounded waits.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One received event.
#[derive(Clone, Debug)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub data: Value,
}

pub struct SseClient {
    pub client_id: String,
    events: Arc<Mutex<Vec<Event>>>,
    stream: TcpStream,
}

impl SseClient {
    /// Connects and waits (up to 5 s) for `PB_CONNECT`.
    pub fn connect(port: u16) -> SseClient {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect for SSE");
        write!(
            stream,
            "GET /api/realtime HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\nConnection: keep-alive\r\n\r\n"
        )
        .expect("send SSE request");
        let reader = stream.try_clone().expect("clone stream");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(reader);
            let mut line = String::new();
            let (mut id, mut name, mut data) = (String::new(), String::new(), String::new());
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let text = line.trim_end_matches(['\r', '\n']);
                if let Some(rest) = text.strip_prefix("id:") {
                    id = rest.to_string();
                } else if let Some(rest) = text.strip_prefix("event:") {
                    name = rest.to_string();
                } else if let Some(rest) = text.strip_prefix("data:") {
                    data = rest.to_string();
                } else if text.is_empty() && !name.is_empty() {
                    let parsed = serde_json::from_str(&data).unwrap_or(Value::String(data.clone()));
                    sink.lock().expect("events").push(Event {
                        id: id.clone(),
                        name: name.clone(),
                        data: parsed,
                    });
                    name.clear();
                    data.clear();
                }
            }
        });
        let mut client = SseClient {
            client_id: String::new(),
            events,
            stream,
        };
        let connect = client.wait_for(|e| e.name == "PB_CONNECT", Duration::from_secs(5));
        client.client_id = connect.data["clientId"]
            .as_str()
            .expect("clientId")
            .to_string();
        assert_eq!(
            connect.id, client.client_id,
            "PB_CONNECT carries the client id as its SSE id"
        );
        client
    }

    /// Closes the connection (both directions), as a browser tab going away does.
    #[allow(dead_code)]
    pub fn close(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }

    /// Waits for the first event matching `wanted`, panicking after `timeout`.
    pub fn wait_for(&self, wanted: impl Fn(&Event) -> bool, timeout: Duration) -> Event {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self
                .events
                .lock()
                .expect("events")
                .iter()
                .find(|e| wanted(e))
            {
                return found.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no matching event within {timeout:?}; got {:?}",
                self.events()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every event received so far except `PB_CONNECT`.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .expect("events")
            .iter()
            .filter(|e| e.name != "PB_CONNECT")
            .cloned()
            .collect()
    }

    /// Waits `quiet` and returns the record events received so far.
    pub fn settle(&self, quiet: Duration) -> Vec<Event> {
        std::thread::sleep(quiet);
        self.events()
    }
}

impl Drop for SseClient {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}
