//! A native client of pm2's daemon: its own sockets, spoken without Node (Unix only).
//!
//! - `amp`: the framing of both sockets;
//! - `paths`: where the sockets are, as pm2 works it out;
//! - `rpc`: request and reply on `rpc.sock`, and the calls made there;
//! - [`Client`]: the handshake, the process list, and the actions by id;
//! - [`Bus`]: `pub.sock`'s lifecycle events and output lines;
//! - `driver`: the [`Pm2`](super::Pm2) driver [`connect`](super::connect) prefers when
//!   the daemon runs and answers, reading and acting by id on the socket and leaving
//!   what needs pm2's own code (starting apps from definitions, modules) to the Node
//!   helper or the command line.
//!
//! Written from pm2's sources and checked against pm2 6.0.14 and 7.0.4, whose daemons
//! speak the same protocol. The daemon dies of a badly formed request (a wrong argument
//! count, malformed JSON, a frame of three arguments), so requests are only made from
//! the fixed shapes in `rpc`, and every frame is checked before it is sent.

mod amp;
mod bus;
mod client;
mod driver;
mod paths;
mod rpc;

use std::sync::{Mutex, MutexGuard};

pub use bus::{Bus, BusEvent, BusMessage, EventKind, LogLine, LogStream};
pub use client::Client;
pub(super) use driver::NativeDriver;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
