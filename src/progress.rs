//! The progress line of a many-account scan: accounts done (and not
//! scanned), principals and buckets read, redrawn in place on stderr.
//! Only when stderr is a terminal and `--quiet` is not given; otherwise
//! nothing is written, so logs and CI output stay clean.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redraws at most this often, so a fast offline scan does not spend its
/// time on the terminal.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// Counts so far, and whether to show them.
// TODO(#7): count principals and buckets as the live source reads them,
// not when an account is done, so that one large account shows progress.
#[derive(Debug)]
pub struct Progress {
    shown: bool,
    total: usize,
    done: usize,
    failed: usize,
    principals: usize,
    buckets: usize,
    drawn: Option<Instant>,
}

impl Progress {
    /// A progress line for `total` accounts, shown when stderr is a
    /// terminal and `quiet` is false.
    pub fn new(total: usize, quiet: bool) -> Self {
        Self::with_display(total, !quiet && std::io::stderr().is_terminal())
    }

    /// A progress line shown or not, whatever stderr is.
    pub fn with_display(total: usize, shown: bool) -> Self {
        Progress {
            shown,
            total,
            done: 0,
            failed: 0,
            principals: 0,
            buckets: 0,
            drawn: None,
        }
    }

    /// Counts one finished account.
    pub fn account_done(&mut self, failed: bool, principals: usize, buckets: usize) {
        self.done += 1;
        if failed {
            self.failed += 1;
        }
        self.principals += principals;
        self.buckets += buckets;
        tracing::debug!(
            done = self.done,
            total = self.total,
            failed = self.failed,
            "account done"
        );
        let due = self.drawn.is_none_or(|at| at.elapsed() >= REDRAW_EVERY);
        if self.shown && (due || self.done == self.total) {
            self.draw();
        }
    }

    /// The line as it reads now.
    pub fn line(&self) -> String {
        format!(
            "accounts {}/{} done ({} not scanned), {} principals and {} buckets read",
            self.done, self.total, self.failed, self.principals, self.buckets
        )
    }

    fn draw(&mut self) {
        // Carriage return and erase-line: the line is redrawn in place.
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{}", self.line());
        let _ = stderr.flush();
        self.drawn = Some(Instant::now());
    }

    /// Ends the line, leaving the last counts on screen.
    pub fn finish(&mut self) {
        if self.shown && self.drawn.is_some() {
            let _ = writeln!(std::io::stderr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_accounts_principals_and_buckets() {
        let mut progress = Progress::with_display(3, false);
        progress.account_done(false, 10, 2);
        progress.account_done(true, 0, 0);
        assert_eq!(
            progress.line(),
            "accounts 2/3 done (1 not scanned), 10 principals and 2 buckets read"
        );
        assert!(progress.drawn.is_none(), "nothing drawn when not shown");
    }
}
