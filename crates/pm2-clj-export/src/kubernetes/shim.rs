//! TEMPORARY until the export-compose keys are merged.
#![allow(dead_code, missing_docs)]
use pm2_dsl_emit::{AppSpec, Setting};
use pm2_dsl_eval::Value;
use pm2_dsl_reader::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Tcp,
    Udp,
}
impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}
#[derive(Clone, Debug)]
pub struct Port {
    pub container: u16,
    pub published: Option<u16>,
    pub protocol: Protocol,
    pub at: Option<Span>,
}
pub trait Keys {
    fn listens_on(&self) -> Vec<Port>;
    fn escape(&self, target: &str) -> Option<&Value>;
    fn image_(&self) -> Option<Setting<String>>;
}
impl Keys for AppSpec {
    fn listens_on(&self) -> Vec<Port> {
        Vec::new()
    }
    fn escape(&self, _: &str) -> Option<&Value> {
        None
    }
    fn image_(&self) -> Option<Setting<String>> {
        None
    }
}
