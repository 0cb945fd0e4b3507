//! The server loop: the initialize handshake, then messages in order. Document changes
//! are applied at once and analysed once the queue of messages is empty and
//! `debounceMs` (default 0) has passed since the last change, so a burst of changes is
//! analysed once; a document that imports a changed one is analysed again too. A request
//! about a document waiting for analysis analyses it first.
//!
//! Every request is answered, with an error when it cannot be (a document that is not
//! open, a position outside the text, a method the server does not know); a
//! notification that cannot be applied is reported with `window/logMessage`. An
//! analysis that panics becomes a diagnostic. The loop ends at `exit` (after `shutdown`)
//! or when the client's side of the connection closes.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, LogMessage, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    Request as _, Shutdown,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions, Diagnostic,
    InitializeParams, LogMessageParams, MessageType, OneOf, PositionEncodingKind, PublishDiagnosticsParams,
    ServerCapabilities, ServerInfo, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use pm2_clj_sync::load::LoadSettings;
use pm2_dsl_eval::Env;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::analysis::{Analysis, disk_loader};
use crate::documents::{Document, Documents, offset};
use crate::{completion, edits, hover, navigation};

/// What the client can set in `initializationOptions`.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Options {
    /// The profile files are evaluated with.
    profile: Option<String>,
    /// Environment variables over the server's own.
    env: HashMap<String, String>,
    /// How long after the last change to wait before analysing, in milliseconds.
    debounce_ms: u64,
    /// The folder imports, includes and `.env` files must stay inside (by default each
    /// document's repository: the nearest folder holding `.git`, else its own folder).
    root: Option<std::path::PathBuf>,
    /// Lets documents read any readable file.
    unconfined: bool,
}

/// Runs the server over these channels until the client exits or goes away. `Err` when
/// the session did not end with `shutdown` and `exit`. [`crate::serve`] runs it behind
/// the transport; tests drive it directly with messages no frame could carry.
pub fn run(sender: Sender<Message>, receiver: Receiver<Message>) -> Result<(), String> {
    let Some((id, params)) = handshake(&sender, &receiver)? else {
        return Ok(());
    };
    let options: Options = params
        .initialization_options
        .and_then(|o| serde_json::from_value(o).ok())
        .unwrap_or_default();
    let mut env = Env::from_process();
    for (name, value) in &options.env {
        env.set(name, value);
    }
    let settings = LoadSettings {
        profile: options.profile.clone(),
        env,
        root: options.root.clone(),
        unconfined: options.unconfined,
        ..LoadSettings::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo { name: "pm2-clj".into(), version: Some(env!("CARGO_PKG_VERSION").into()) },
    });
    send(&sender, Response::new_ok(id, result).into())?;
    let mut server = Server {
        sender,
        documents: Documents::default(),
        analyses: HashMap::new(),
        shown: HashMap::new(),
        dirty: HashSet::new(),
        deadline: None,
        debounce: Duration::from_millis(options.debounce_ms),
        settings,
        shutting_down: false,
    };
    server.run(receiver)
}

/// Waits for `initialize`, answering other requests with an error. `None` when the
/// client exits first.
fn handshake(
    sender: &Sender<Message>,
    receiver: &Receiver<Message>,
) -> Result<Option<(RequestId, InitializeParams)>, String> {
    loop {
        match receiver.recv() {
            Err(_) => return Err("the client went away before initializing".into()),
            Ok(Message::Request(request)) if request.method == "initialize" => {
                match serde_json::from_value::<InitializeParams>(request.params) {
                    Ok(params) => return Ok(Some((request.id, params))),
                    Err(e) => send(
                        sender,
                        error(
                            request.id,
                            ErrorCode::InvalidParams,
                            format!("bad initialize: {e}"),
                        ),
                    )?,
                }
            }
            Ok(Message::Request(request)) => send(
                sender,
                error(
                    request.id,
                    ErrorCode::ServerNotInitialized,
                    "initialize first".into(),
                ),
            )?,
            Ok(Message::Notification(n)) if n.method == "exit" => return Ok(None),
            Ok(_) => {}
        }
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![":".into(), "#".into(), "/".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

fn send(sender: &Sender<Message>, message: Message) -> Result<(), String> {
    sender
        .send(message)
        .map_err(|_| "the client went away".to_string())
}

fn error(id: RequestId, code: ErrorCode, message: String) -> Message {
    Response::new_err(id, code as i32, message).into()
}

struct Server {
    sender: Sender<Message>,
    documents: Documents,
    analyses: HashMap<Uri, Analysis>,
    /// What each file shows now: the diagnostics each analysis placed in it.
    shown: HashMap<PathBuf, HashMap<Uri, Vec<Diagnostic>>>,
    dirty: HashSet<Uri>,
    deadline: Option<Instant>,
    debounce: Duration,
    settings: LoadSettings,
    shutting_down: bool,
}

/// A request that cannot be answered.
type Failed = (ErrorCode, String);

impl Server {
    fn run(&mut self, receiver: Receiver<Message>) -> Result<(), String> {
        loop {
            let message = match self.deadline {
                Some(deadline) => match receiver.recv_deadline(deadline) {
                    Ok(message) => message,
                    Err(RecvTimeoutError::Timeout) => {
                        self.analyse_dirty()?;
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return Err("the client went away".into()),
                },
                None => receiver.recv().map_err(|_| "the client went away".to_string())?,
            };
            match message {
                Message::Request(request) => self.request(request)?,
                Message::Notification(n) if n.method == "exit" => {
                    return if self.shutting_down {
                        Ok(())
                    } else {
                        Err("exit without shutdown".into())
                    };
                }
                Message::Notification(n) => self.notification(n)?,
                Message::Response(_) => {}
            }
        }
    }

    fn log(&self, message: String) -> Result<(), String> {
        let params = LogMessageParams {
            typ: MessageType::WARNING,
            message,
        };
        send(
            &self.sender,
            Notification::new(LogMessage::METHOD.into(), params).into(),
        )
    }

    fn notification(&mut self, n: Notification) -> Result<(), String> {
        let applied = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                parse::<lsp_types::DidOpenTextDocumentParams>(n.params).and_then(|p| {
                    let d = p.text_document;
                    self.documents.open(d.uri.clone(), d.version, d.text)?;
                    self.changed(d.uri);
                    Ok(())
                })
            }
            DidChangeTextDocument::METHOD => parse::<lsp_types::DidChangeTextDocumentParams>(n.params)
                .and_then(|p| {
                    let d = p.text_document;
                    self.documents.change(&d.uri, d.version, p.content_changes)?;
                    self.changed(d.uri);
                    Ok(())
                }),
            DidCloseTextDocument::METHOD => parse::<lsp_types::DidCloseTextDocumentParams>(n.params)
                .map(|p| self.closed(&p.text_document.uri))?,
            _ => Ok(()),
        };
        match applied {
            Ok(()) => Ok(()),
            Err(problem) => self.log(format!("{}: {problem}", n.method)),
        }
    }

    /// A document changed: it and the open documents that load it wait for analysis.
    fn changed(&mut self, uri: Uri) {
        if let Some(document) = self.documents.get(&uri) {
            let path = document.path.clone();
            let dependents = self
                .analyses
                .iter()
                .filter(|(_, a)| a.dependencies.contains(&path))
                .map(|(u, _)| u.clone());
            self.dirty.extend(dependents.collect::<Vec<_>>());
        }
        self.dirty.insert(uri);
        self.deadline = Some(Instant::now() + self.debounce);
    }

    fn closed(&mut self, uri: &Uri) -> Result<(), String> {
        let Some(document) = self.documents.close(uri) else {
            return Err(format!("{} is not open", uri.as_str()));
        };
        self.dirty.remove(uri);
        self.analyses.remove(uri);
        let touched: Vec<PathBuf> = self
            .shown
            .iter_mut()
            .filter_map(|(path, by)| by.remove(uri).map(|_| path.clone()))
            .collect();
        self.publish(uri, &[], None)?;
        for path in touched.iter().filter(|p| **p != document.path) {
            self.republish(path)?;
        }
        let dependents: Vec<Uri> = self
            .analyses
            .iter()
            .filter(|(_, a)| a.dependencies.contains(&document.path))
            .map(|(u, _)| u.clone())
            .collect();
        for dependent in dependents {
            self.changed(dependent);
        }
        Ok(())
    }

    fn analyse_dirty(&mut self) -> Result<(), String> {
        self.deadline = None;
        let dirty: Vec<Uri> = self.dirty.drain().collect();
        for uri in dirty {
            self.analyse(&uri)?;
        }
        Ok(())
    }

    fn analyse(&mut self, uri: &Uri) -> Result<(), String> {
        self.dirty.remove(uri);
        let Some(document) = self.documents.get(uri) else {
            return Ok(());
        };
        let loader = self.documents.loader(disk_loader(&self.settings, &document.path));
        let analysis = catch_unwind(AssertUnwindSafe(|| {
            Analysis::run(document, loader, &self.settings)
        }));
        let analysis = analysis.unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Analysis::failed(
                document,
                format!("pm2-clj could not analyse this file (a bug: please report it): {what}"),
            )
        });
        let mut by_path: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
        by_path.entry(analysis.path.clone()).or_default();
        for placed in &analysis.diagnostics {
            by_path
                .entry(placed.path.clone())
                .or_default()
                .push(placed.diagnostic.clone());
        }
        self.analyses.insert(uri.clone(), analysis);
        let mut touched: Vec<PathBuf> = self
            .shown
            .iter_mut()
            .filter_map(|(path, by)| by.remove(uri).map(|_| path.clone()))
            .collect();
        for (path, diagnostics) in by_path {
            self.shown
                .entry(path.clone())
                .or_default()
                .insert(uri.clone(), diagnostics);
            touched.push(path);
        }
        touched.sort();
        touched.dedup();
        for path in touched {
            self.republish(&path)?;
        }
        Ok(())
    }

    /// Publishes what every analysis placed in `path`, if it is open.
    fn republish(&mut self, path: &PathBuf) -> Result<(), String> {
        let Some(uri) = self.documents.uri_of(path).cloned() else {
            return Ok(());
        };
        // The same problem found by two analyses (this file's and an importer's) is shown once.
        let mut all: Vec<Diagnostic> = Vec::new();
        let mut seen = HashSet::new();
        for diagnostics in self.shown.get(path).into_iter().flat_map(|by| by.values()) {
            for d in diagnostics {
                if seen.insert((d.range, d.code.clone(), d.message.clone())) {
                    all.push(d.clone());
                }
            }
        }
        let version = self.analyses.get(&uri).map(|a| a.version);
        self.publish(&uri, &all, version)
    }

    fn publish(&self, uri: &Uri, diagnostics: &[Diagnostic], version: Option<i32>) -> Result<(), String> {
        let params = PublishDiagnosticsParams::new(uri.clone(), diagnostics.to_vec(), version);
        send(
            &self.sender,
            Notification::new(PublishDiagnostics::METHOD.into(), params).into(),
        )
    }

    fn request(&mut self, request: Request) -> Result<(), String> {
        let id = request.id.clone();
        let reply = if self.shutting_down {
            Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".to_string(),
            ))
        } else {
            self.answer(request)
        };
        let message = match reply {
            Ok(result) => Response::new_ok(id, result).into(),
            Err((code, text)) => error(id, code, text),
        };
        send(&self.sender, message)
    }

    fn answer(&mut self, request: Request) -> Result<Json, Failed> {
        let params = request.params;
        match request.method.as_str() {
            Shutdown::METHOD => {
                self.shutting_down = true;
                Ok(Json::Null)
            }
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params_of(params)?;
                let (uri, offset) = self.position(p.text_document_position_params)?;
                to_json(hover::hover(&self.analyses[&uri], offset, &self.settings.env))
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = params_of(params)?;
                let (uri, offset) = self.position(p.text_document_position)?;
                let path = self.analyses[&uri].path.clone();
                let loader = self.documents.loader(disk_loader(&self.settings, &path));
                let mut items = completion::complete(&self.analyses[&uri], offset, &loader);
                if items.len() <= completion::MOST_ITEMS {
                    return to_json(items);
                }
                // The first of a long list; the client asks again as more is typed.
                items.truncate(completion::MOST_ITEMS);
                to_json(lsp_types::CompletionList {
                    is_incomplete: true,
                    items,
                })
            }
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params_of(params)?;
                let (uri, offset) = self.position(p.text_document_position_params)?;
                let path = self.analyses[&uri].path.clone();
                let loader = self.documents.loader(disk_loader(&self.settings, &path));
                to_json(navigation::definition(&self.analyses[&uri], offset, &loader))
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params_of(params)?;
                to_json(navigation::symbols(self.analysis(&p.text_document.uri)?))
            }
            CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params_of(params)?;
                let uri = p.text_document.uri;
                self.refresh(&uri)?;
                self.analyse_dirty().map_err(|e| (ErrorCode::InternalError, e))?;
                let analyses: Vec<&Analysis> = self.analyses.values().collect();
                to_json(edits::code_actions(&analyses, &uri, p.range))
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params_of(params)?;
                let uri = p.text_document.uri;
                if let Some(error) = self.documents.get(&uri).and_then(Document::too_large) {
                    // Its analysis stands in an empty text: nothing to format from.
                    return Err((
                        ErrorCode::RequestFailed,
                        format!("the file is not formatted: {error}"),
                    ));
                }
                let analysis = self.analysis(&uri)?;
                edits::format(analysis)
                    .map_err(|e| (ErrorCode::RequestFailed, e))
                    .and_then(to_json)
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("pm2-clj lsp does not handle {other}"),
            )),
        }
    }

    /// Brings the analysis of an open document up to date.
    fn refresh(&mut self, uri: &Uri) -> Result<(), Failed> {
        if self.documents.get(uri).is_none() {
            return Err((ErrorCode::InvalidParams, format!("{} is not open", uri.as_str())));
        }
        if self.dirty.contains(uri) || !self.analyses.contains_key(uri) {
            self.analyse(uri).map_err(|e| (ErrorCode::InternalError, e))?;
        }
        Ok(())
    }

    /// The up-to-date analysis of an open document.
    fn analysis(&mut self, uri: &Uri) -> Result<&Analysis, Failed> {
        self.refresh(uri)?;
        self.analyses
            .get(uri)
            .ok_or_else(|| (ErrorCode::InternalError, "no analysis".to_string()))
    }

    /// A position's document, brought up to date, and the position's byte offset in it.
    fn position(&mut self, at: TextDocumentPositionParams) -> Result<(Uri, usize), Failed> {
        let (uri, position) = (at.text_document.uri, at.position);
        let source = &self.analysis(&uri)?.source;
        let offset = offset(source, position).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("line {} is past the end of {}", position.line, uri.as_str()),
            )
        })?;
        Ok((uri, offset))
    }
}

fn parse<T: serde::de::DeserializeOwned>(params: Json) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| format!("bad parameters: {e}"))
}

fn params_of<T: serde::de::DeserializeOwned>(params: Json) -> Result<T, Failed> {
    parse(params).map_err(|e| (ErrorCode::InvalidParams, e))
}

fn to_json(value: impl serde::Serialize) -> Result<Json, Failed> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}
