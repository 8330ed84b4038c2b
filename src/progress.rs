//! The progress line of a scan: accounts done (and not scanned), principals
//! and buckets read so far, redrawn in place on stderr. Only when stderr is
//! a terminal and `--quiet` is not given; otherwise nothing is written, so
//! logs and CI output stay clean.
//!
//! The live source counts what it reads in a [`Tally`] as it goes (a role
//! when its page of the authorization details arrives, a user when its
//! credentials are read, a bucket when its settings are), so one large
//! account shows progress too; accounts read from snapshots are counted
//! when loaded. A ticker task redraws the line while the scan runs.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the line is redrawn, so a fast scan does not spend its time
/// on the terminal.
const REDRAW_EVERY: Duration = Duration::from_millis(200);

/// What has been read so far, shared by everything that reads.
#[derive(Debug, Default)]
pub struct Tally {
    principals: AtomicUsize,
    buckets: AtomicUsize,
}

impl Tally {
    /// Counts `n` principals (users or roles) read.
    pub fn principals_read(&self, n: usize) {
        self.principals.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `n` buckets read.
    pub fn buckets_read(&self, n: usize) {
        self.buckets.fetch_add(n, Ordering::Relaxed);
    }

    pub fn principals(&self) -> usize {
        self.principals.load(Ordering::Relaxed)
    }

    pub fn buckets(&self) -> usize {
        self.buckets.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Default)]
struct Drawn {
    any: bool,
    ended: bool,
}

/// The counts so far, and whether to show them.
#[derive(Debug)]
pub struct Progress {
    shown: bool,
    /// Accounts in the scan; `None` for a scan of one account.
    total: Option<usize>,
    done: AtomicUsize,
    failed: AtomicUsize,
    tally: Arc<Tally>,
    /// Whether anything was drawn, and whether the line was ended (no
    /// redraw may follow then).
    drawn: Mutex<Drawn>,
}

impl Progress {
    /// A progress line for `total` accounts, shown when stderr is a
    /// terminal and `quiet` is false.
    pub fn accounts(total: usize, quiet: bool) -> Self {
        Self::with_display(Some(total), !quiet && std::io::stderr().is_terminal())
    }

    /// A progress line for one account, shown as [`Progress::accounts`] is.
    pub fn single(quiet: bool) -> Self {
        Self::with_display(None, !quiet && std::io::stderr().is_terminal())
    }

    /// A progress line shown or not, whatever stderr is.
    pub fn with_display(total: Option<usize>, shown: bool) -> Self {
        Progress {
            shown,
            total,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            tally: Arc::new(Tally::default()),
            drawn: Mutex::new(Drawn::default()),
        }
    }

    /// The counters readers advance.
    pub fn tally(&self) -> Arc<Tally> {
        Arc::clone(&self.tally)
    }

    /// Whether the line is drawn at all.
    pub fn shown(&self) -> bool {
        self.shown
    }

    /// Counts one finished account.
    pub fn account_done(&self, failed: bool) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if failed {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        tracing::debug!(done, total = self.total, failed, "account done");
    }

    /// The line as it reads now.
    pub fn line(&self) -> String {
        let read = format!(
            "{} principals and {} buckets read",
            self.tally.principals(),
            self.tally.buckets()
        );
        match self.total {
            Some(total) => format!(
                "accounts {}/{total} done ({} not scanned), {read}",
                self.done.load(Ordering::Relaxed),
                self.failed.load(Ordering::Relaxed)
            ),
            None => read,
        }
    }

    /// Redraws the line every [`REDRAW_EVERY`] until the returned guard is
    /// dropped, which leaves the last counts on screen. Nothing when the
    /// line is not shown. Needs a Tokio runtime.
    pub fn start(self: &Arc<Self>) -> Ticker {
        let task = self.shown.then(|| {
            let progress = Arc::clone(self);
            tokio::spawn(async move {
                let mut every = tokio::time::interval(REDRAW_EVERY);
                loop {
                    every.tick().await;
                    progress.draw(false);
                }
            })
        });
        Ticker {
            progress: Arc::clone(self),
            task,
        }
    }

    /// Redraws the line, and with `end` ends it; nothing once ended (the
    /// ticker task, aborted but perhaps mid-draw, cannot draw after the
    /// last line).
    fn draw(&self, end: bool) {
        let mut drawn = self
            .drawn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if drawn.ended {
            return;
        }
        // Carriage return and erase-line: the line is redrawn in place.
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{}", self.line());
        if end {
            let _ = writeln!(stderr);
            drawn.ended = true;
        }
        let _ = stderr.flush();
        drawn.any = true;
    }
}

/// Keeps the progress line redrawn; dropping it draws the last counts and
/// ends the line.
#[derive(Debug)]
pub struct Ticker {
    progress: Arc<Progress>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            self.progress.draw(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_accounts_principals_and_buckets() {
        let progress = Progress::with_display(Some(3), false);
        let tally = progress.tally();
        tally.principals_read(10);
        tally.buckets_read(2);
        progress.account_done(false);
        progress.account_done(true);
        assert_eq!(
            progress.line(),
            "accounts 2/3 done (1 not scanned), 10 principals and 2 buckets read"
        );
        assert!(
            !progress.drawn.lock().unwrap().any,
            "nothing drawn when not shown"
        );
    }

    #[test]
    fn one_account_shows_what_was_read() {
        let progress = Progress::with_display(None, false);
        progress.tally().principals_read(2_300);
        progress.tally().buckets_read(300);
        assert_eq!(progress.line(), "2300 principals and 300 buckets read");
    }

    #[tokio::test]
    async fn a_hidden_line_starts_no_ticker() {
        let progress = Arc::new(Progress::with_display(None, false));
        let ticker = progress.start();
        assert!(ticker.task.is_none());
        drop(ticker);
        assert!(!progress.drawn.lock().unwrap().any);
    }
}
