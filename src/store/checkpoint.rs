//! WAL checkpoints off the write path. A checkpoint copies the WAL's pages back into
//! the database file and fsyncs both files; run by SQLite inside the commit that
//! crosses its threshold, on the one writer thread, it made every queued write wait
//! for the copy and the fsyncs (tens of milliseconds for a few thousand pages).
//!
//! Here a thread with its own connection runs PASSIVE checkpoints (they never block the
//! writer or the readers) at most every `PACE` while writes come in. Under a steady
//! load such a checkpoint never quite catches up with the last commit, and the WAL file
//! only starts over after a checkpoint that did, so once the WAL holds `RESTART_FRAMES`
//! and this thread is within `CAUGHT_UP_FRAMES` of its end, it asks the writer to run
//! one more checkpoint between two transactions (`restart_due`): that one copies only
//! the last few frames, and the next write starts the WAL over. The writer's automatic
//! checkpoint stays as the backstop for when this thread falls behind.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::Thread;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// The least time between two checkpoints of this thread.
const PACE: Duration = Duration::from_millis(100);
/// How long the thread sleeps when nothing was written (a write also wakes it).
const IDLE: Duration = Duration::from_secs(5);
/// WAL frames after which the writer is asked to let the WAL start over.
const RESTART_FRAMES: i64 = 4000;
/// How close to the end of the WAL this thread's checkpoint must have got first.
const CAUGHT_UP_FRAMES: i64 = 2048;

#[derive(Default)]
struct Signals {
    /// A commit happened since the last checkpoint.
    wrote: AtomicBool,
    /// The writer should checkpoint the few frames left, between two transactions.
    restart_due: AtomicBool,
    /// The store is gone: end.
    stop: AtomicBool,
}

/// The handle of the checkpoint thread, owned by the writer thread; dropping it ends
/// the checkpoint thread.
pub(super) struct Checkpointer {
    signals: Arc<Signals>,
    thread: Thread,
}

impl Checkpointer {
    /// Opens a connection to `path` and starts the thread.
    pub(super) fn spawn(path: &Path, flags: OpenFlags) -> std::io::Result<Checkpointer> {
        let conn = Connection::open_with_flags(path, flags).map_err(std::io::Error::other)?;
        let file = std::fs::File::open(path)?;
        let signals = Arc::new(Signals::default());
        let shared = signals.clone();
        let handle = std::thread::Builder::new()
            .name("lifebase-checkpoint".into())
            .spawn(move || run(&conn, &file, &shared))?;
        Ok(Checkpointer {
            signals,
            thread: handle.thread().clone(),
        })
    }

    /// Called by the writer after each commit, outside any transaction: runs the
    /// finishing checkpoint when one is due, and makes sure a background one follows.
    pub(super) fn committed(&self, conn: &Connection) {
        if self.signals.restart_due.swap(false, Ordering::AcqRel) {
            checkpoint(conn);
        }
        if !self.signals.wrote.swap(true, Ordering::AcqRel) {
            self.thread.unpark();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.signals.stop.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

fn run(conn: &Connection, file: &std::fs::File, signals: &Signals) {
    while !signals.stop.load(Ordering::Acquire) {
        if signals.wrote.swap(false, Ordering::AcqRel) {
            if let Some((frames, copied)) = checkpoint(conn) {
                // A PASSIVE checkpoint that did not reach the end of the WAL leaves the
                // pages it copied unsynced; syncing them here keeps the writer's own
                // checkpoint from having to wait for all of them at once.
                if let Err(error) = file.sync_data() {
                    tracing::warn!(%error, "database file sync failed");
                }
                if frames >= RESTART_FRAMES && frames - copied <= CAUGHT_UP_FRAMES {
                    signals.restart_due.store(true, Ordering::Release);
                }
            }
            // Commits during the pause only set the flag again.
            std::thread::sleep(PACE);
        } else {
            std::thread::park_timeout(IDLE);
        }
    }
}

/// Copies what the WAL holds into the database file, as far as readers allow; returns
/// the frames in the WAL and how many of them are now in the database file.
fn checkpoint(conn: &Connection) -> Option<(i64, i64)> {
    let outcome = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
    });
    match outcome {
        Ok(progress) => Some(progress),
        Err(error) => {
            tracing::warn!(%error, "WAL checkpoint failed");
            None
        }
    }
}
