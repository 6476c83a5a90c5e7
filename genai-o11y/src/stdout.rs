//! Standard output as a protocol pipe.
//!
//! A process that speaks a protocol over its standard streams (an MCP server over
//! `rmcp::transport::stdio()`, a language server, any JSON-RPC over stdio) owns its standard
//! output: one stray byte there and the peer reads garbage. Once standard output is reserved for
//! the protocol, nothing of this crate writes there: what was set to go to standard output (a
//! console exporter or log lines given `std::io::stdout()`) goes to standard error instead, from
//! the next write on.
//!
//! It is reserved, for the rest of the process, by
//! * `genai_o11y::mcp::TracedServer::serve` over `rmcp::transport::stdio()` or `stdio_pipes()`
//!   (feature `mcp`);
//! * `Setup::stdout_is_protocol(true)` or `GENAI_O11Y_STDOUT_IS_PROTOCOL=true` at
//!   [`init()`](crate::setup::init) (feature `sdk`);
//! * [`reserve_for_protocol`], for any other protocol, before its first message.
//!
//! The console exporter and the log lines write to standard error by default anyway; this
//! switch is what keeps an explicit `std::io::stdout()` off the pipe, and what a writer of your
//! own can honour through [`StdoutOrStderr`].

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static RESERVED: AtomicBool = AtomicBool::new(false);

/// The variable that reserves standard output for a protocol at [`init()`](crate::setup::init)
/// (`true` or `false`).
pub const STDOUT_IS_PROTOCOL_ENV: &str = "GENAI_O11Y_STDOUT_IS_PROTOCOL";

/// Reserves standard output for a protocol, for the rest of the process: see [the module](self).
pub fn reserve_for_protocol() {
    RESERVED.store(true, Ordering::SeqCst);
}

/// Whether standard output carries a protocol (then this crate writes nothing there).
pub fn is_reserved_for_protocol() -> bool {
    RESERVED.load(Ordering::SeqCst)
}

/// A writer to standard output, or to standard error once standard output is
/// [reserved for a protocol](reserve_for_protocol), decided at every write. What
/// `Setup::console_output(std::io::stdout())` and `Setup::log_output(std::io::stdout())` write
/// through; usable with any `tracing` layer of your own (`.with_writer(|| StdoutOrStderr)`).
#[derive(Clone, Copy, Debug, Default)]
pub struct StdoutOrStderr;

impl Write for StdoutOrStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if is_reserved_for_protocol() {
            io::stderr().write(buf)
        } else {
            io::stdout().write(buf)
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        // One stream for the whole buffer, even if the switch flips meanwhile.
        if is_reserved_for_protocol() {
            io::stderr().write_all(buf)
        } else {
            io::stdout().write_all(buf)
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if is_reserved_for_protocol() {
            io::stderr().flush()
        } else {
            io::stdout().flush()
        }
    }
}

/// `w` as given, unless it is the process's standard output: then [`StdoutOrStderr`].
#[cfg(feature = "sdk")]
pub(crate) fn guarded<W: Write + Send + 'static>(w: W) -> Box<dyn Write + Send> {
    if (&w as &dyn std::any::Any).is::<io::Stdout>() {
        Box::new(StdoutOrStderr)
    } else {
        Box::new(w)
    }
}
