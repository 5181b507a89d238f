//! The single writer: one thread owns every write. Writes queue up while a transaction
//! runs, and the thread runs whatever has queued as one group: each write inside its own
//! savepoint (so one failing write rolls back alone), then one COMMIT for the group. Under
//! load that is one commit, one lock round and one wake-up for many writes; alone, a write
//! is a transaction of its own. Results are sent back only after the commit, and each
//! write's `after_commit` runs in commit order.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Transaction, TransactionBehavior};

use super::checkpoint::Checkpointer;
use super::{Generations, StoreError, StoreResult};

/// Most writes one group commits together.
const MAX_GROUP: usize = 64;

/// A queued write, with its types erased.
pub(super) trait Job: Send {
    /// Runs the write inside the group's transaction; `true` when it wants to be kept.
    fn run(&mut self, tx: &Transaction<'_>) -> bool;
    /// The group committed: run `after_commit` and answer.
    fn committed(self: Box<Self>);
    /// The write was rolled back to its savepoint, or the group could not commit.
    fn abandoned(self: Box<Self>, error: Option<StoreError>);
}

/// A write and where its answer goes.
pub(super) struct TypedJob<T, E, F, A, R> {
    pub(super) work: Option<F>,
    pub(super) after_commit: Option<A>,
    pub(super) reply: Option<R>,
    pub(super) outcome: Option<StoreResult<Result<T, E>>>,
}

impl<T, E, F, A, R> Job for TypedJob<T, E, F, A, R>
where
    T: Send,
    E: Send,
    F: FnOnce(&Transaction<'_>) -> StoreResult<Result<T, E>> + Send,
    A: FnOnce(&T) + Send,
    R: FnOnce(StoreResult<Result<T, E>>) + Send,
{
    fn run(&mut self, tx: &Transaction<'_>) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| work(tx)))
            .unwrap_or_else(|_| Err(StoreError::Other("a write panicked".into())));
        let keep = matches!(outcome, Ok(Ok(_)));
        self.outcome = Some(outcome);
        keep
    }

    fn committed(mut self: Box<Self>) {
        let outcome = self
            .outcome
            .take()
            .unwrap_or_else(|| Err(StoreError::Other("a write lost its result".into())));
        if let (Ok(Ok(value)), Some(after_commit)) = (&outcome, self.after_commit.take()) {
            after_commit(value);
        }
        if let Some(reply) = self.reply.take() {
            reply(outcome);
        }
    }

    fn abandoned(mut self: Box<Self>, error: Option<StoreError>) {
        let outcome = match error {
            Some(error) => Err(error),
            None => self
                .outcome
                .take()
                .unwrap_or_else(|| Err(StoreError::Other("a write lost its result".into()))),
        };
        if let Some(reply) = self.reply.take() {
            reply(outcome);
        }
    }
}

/// Starts the writer thread; it ends when every sender is gone.
pub(super) fn spawn(
    pool: Pool<SqliteConnectionManager>,
    generations: std::sync::Arc<Generations>,
    checkpointer: Checkpointer,
) -> std::io::Result<mpsc::Sender<Box<dyn Job>>> {
    let (sender, receiver) = mpsc::channel::<Box<dyn Job>>();
    std::thread::Builder::new()
        .name("lifebase-writer".into())
        .spawn(move || {
            while let Ok(first) = receiver.recv() {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match receiver.try_recv() {
                        Ok(job) => group.push(job),
                        Err(_) => break,
                    }
                }
                run_group(&pool, &generations, &checkpointer, group);
            }
        })?;
    Ok(sender)
}

fn run_group(
    pool: &Pool<SqliteConnectionManager>,
    generations: &Generations,
    checkpointer: &Checkpointer,
    group: Vec<Box<dyn Job>>,
) {
    let conn = match pool.get() {
        Ok(conn) => conn,
        Err(error) => {
            let message = error.to_string();
            for job in group {
                job.abandoned(Some(StoreError::Other(format!(
                    "no writer connection: {message}"
                ))));
            }
            return;
        }
    };
    generations.discard();
    let tx = match Transaction::new_unchecked(&conn, TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => {
            let message = error.to_string();
            for job in group {
                job.abandoned(Some(StoreError::Other(format!(
                    "cannot begin a write: {message}"
                ))));
            }
            return;
        }
    };
    let mut kept: Vec<Box<dyn Job>> = Vec::with_capacity(group.len());
    let mut dropped: Vec<Box<dyn Job>> = vec![];
    for mut job in group {
        if let Err(error) = run_cached(&tx, "SAVEPOINT lifebase_write") {
            job.abandoned(Some(StoreError::from(error)));
            continue;
        }
        if job.run(&tx) {
            match run_cached(&tx, "RELEASE lifebase_write") {
                Ok(()) => kept.push(job),
                Err(error) => job.abandoned(Some(StoreError::from(error))),
            }
        } else {
            let undone = run_cached(&tx, "ROLLBACK TO lifebase_write")
                .and_then(|()| run_cached(&tx, "RELEASE lifebase_write"));
            if let Err(error) = undone {
                tracing::error!(%error, "could not roll a failed write back to its savepoint");
            }
            dropped.push(job);
        }
    }
    match tx.commit() {
        Ok(()) => {
            generations.committed();
            for job in kept {
                job.committed();
            }
        }
        Err(error) => {
            generations.discard();
            let message = error.to_string();
            for job in kept {
                job.abandoned(Some(StoreError::Other(format!("commit failed: {message}"))));
            }
        }
    }
    for job in dropped {
        job.abandoned(None);
    }
    checkpointer.committed(&conn);
}

/// Runs a statement from the connection's statement cache: the savepoint statements run
/// twice per write, and parsing them each time showed up in profiles.
fn run_cached(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}
