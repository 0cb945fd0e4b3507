//! A value that needs JavaScript, in a static conversion (the default; nothing of the
//! file runs): the map entry holding it is left out, and a `;; TODO` note carrying its
//! JavaScript and line takes its place; a spread of it in an object is left out the
//! same way. A definition that needs JavaScript is left out too, and so is every entry
//! using it. A vector or call holding such a value needs it as a whole (leaving out one
//! element of `args` or of a fallback would change the rest). A config or an `apps`
//! that needs JavaScript leaves nothing to convert: [`leave_out`] says so.

use std::collections::HashMap;

use crate::edn::{Coll, Edn, Origin};
use crate::js::{Def, Hole, hole_index};

/// A value left out because it needs JavaScript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Todo {
    /// Its line in the original, from 1.
    pub line: usize,
    /// What was left out: an option by its path (`apps[0].instances`), a spread
    /// (`a spread in apps[0]`) or a definition (its JavaScript name).
    pub what: String,
    /// The JavaScript it needs.
    pub js: String,
}

/// Why a form needs JavaScript: the first hole it holds, directly or through a
/// definition left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    /// The hole.
    pub hole: Hole,
    /// The definition it came through: its JavaScript name and value.
    pub via: Option<(String, Origin)>,
}

impl Need {
    /// What is left out as `what`, written as `origin` (else as the hole), because of this
    /// need: its record and its `;; TODO` note.
    fn left_out(&self, what: &str, origin: Option<&Origin>) -> (Todo, String) {
        let (js, line) = match origin {
            Some(o) => (o.text.clone(), o.line),
            None => (self.hole.js.clone(), self.hole.line),
        };
        let mut note = format!("TODO line {line}: {what} needs JavaScript (left out): {js}");
        if let Some((name, o)) = &self.via {
            note.push_str(&format!("; {name} is {} (line {}), left out too", o.text, o.line));
        }
        let todo = Todo {
            line,
            what: what.to_string(),
            js,
        };
        (todo, note)
    }
}

/// Every comment inside `edn`, in order.
fn comments_in(edn: &Edn, out: &mut Vec<String>) {
    match edn {
        Edn::Map(c) | Edn::Vector(c) => {
            for e in &c.entries {
                out.extend(e.before.iter().cloned());
                comments_in(&e.value, out);
                out.extend(e.after.iter().cloned());
            }
            out.extend(c.trailing.iter().cloned());
        }
        Edn::List(items) => items.iter().for_each(|i| comments_in(i, out)),
        Edn::Tagged(_, inner) | Edn::Frozen { value: inner, .. } => comments_in(inner, out),
        _ => {}
    }
}

struct Settler<'h> {
    holes: &'h [Hole],
    /// The definitions left out, by pm2-clj name.
    needs: HashMap<String, Need>,
    todos: Vec<Todo>,
}

impl Settler<'_> {
    /// Leaves out of `edn` what needs JavaScript and can be left out (map entries,
    /// spreads), pushing the notes for the entry holding `edn` onto `notes`; `Err` when
    /// `edn` needs JavaScript as a whole. `at` names `edn` in the notes.
    fn settle(&mut self, edn: &mut Edn, at: &str, notes: &mut Vec<String>) -> Result<(), Need> {
        if let Some(index) = hole_index(edn) {
            return Err(Need {
                hole: self.holes[index].clone(),
                via: None,
            });
        }
        match edn {
            Edn::Symbol(name) => match self.needs.get(name.as_str()) {
                Some(need) => Err(need.clone()),
                None => Ok(()),
            },
            Edn::Map(c) => {
                self.map(c, at);
                Ok(())
            }
            Edn::Vector(c) => {
                for (i, e) in c.entries.iter_mut().enumerate() {
                    let mut element_notes = Vec::new();
                    self.settle(&mut e.value, &format!("{at}[{i}]"), &mut element_notes)?;
                    e.before.extend(element_notes);
                }
                Ok(())
            }
            Edn::List(items) => {
                let merge = matches!(items.first(), Some(Edn::Symbol(head)) if head == "merge");
                let mut kept = Vec::with_capacity(items.len());
                let mut first_need = None;
                for (i, mut item) in std::mem::take(items).into_iter().enumerate() {
                    let mark = self.todos.len();
                    match self.settle(&mut item, at, notes) {
                        Ok(()) => kept.push(item),
                        Err(need) if merge && i > 0 => {
                            self.todos.truncate(mark);
                            let (todo, note) = need.left_out(&format!("a spread in {at}"), None);
                            notes.push(note);
                            comments_in(&item, notes);
                            self.todos.push(todo);
                            first_need.get_or_insert(need);
                        }
                        Err(need) => return Err(need),
                    }
                }
                match first_need {
                    // Every spread was left out: nothing is left to merge.
                    Some(need) if kept.len() == 1 => Err(need),
                    _ => {
                        *items = kept;
                        Ok(())
                    }
                }
            }
            Edn::Tagged(_, inner) | Edn::Frozen { value: inner, .. } => self.settle(inner, at, notes),
            _ => Ok(()),
        }
    }

    /// Leaves out the entries of a map that need JavaScript; each one's note, and the
    /// comments it held, go before the entry that follows it.
    fn map(&mut self, c: &mut Coll, at: &str) {
        let mut carried: Vec<String> = Vec::new();
        for mut e in std::mem::take(&mut c.entries) {
            let key = e.key_name().unwrap_or("?").to_string();
            let here = if at.is_empty() { key } else { format!("{at}.{key}") };
            let mark = self.todos.len();
            let mut notes = Vec::new();
            match self.settle(&mut e.value, &here, &mut notes) {
                Ok(()) => {
                    e.before.splice(0..0, carried.drain(..));
                    e.before.extend(notes);
                    c.entries.push(e);
                }
                Err(need) => {
                    self.todos.truncate(mark);
                    let (todo, note) = need.left_out(&here, e.origin.as_ref());
                    carried.append(&mut e.before);
                    carried.push(note);
                    comments_in(&e.value, &mut carried);
                    carried.extend(e.after);
                    self.todos.push(todo);
                }
            }
        }
        c.trailing.splice(0..0, carried);
    }
}

/// What a static conversion left out.
#[derive(Debug, Default)]
pub struct LeftOut {
    /// Each value left out, in the order of the output.
    pub todos: Vec<Todo>,
    /// Notes for the comments before the config (from definitions left out last).
    pub before_config: Vec<String>,
}

/// Leaves out of `defs` and `config` what needs JavaScript (the `holes`), with TODO
/// notes. `Err`: the config itself, or its `apps`, needs JavaScript.
pub fn leave_out(holes: &[Hole], defs: &mut Vec<Def>, config: &mut Edn) -> Result<LeftOut, Need> {
    let mut settler = Settler {
        holes,
        needs: HashMap::new(),
        todos: Vec::new(),
    };
    let mut carried: Vec<String> = Vec::new();
    for mut def in std::mem::take(defs) {
        let mark = settler.todos.len();
        let mut notes = Vec::new();
        match settler.settle(&mut def.value, &def.js, &mut notes) {
            Ok(()) => {
                def.comments.splice(0..0, carried.drain(..));
                def.comments.extend(notes);
                defs.push(def);
            }
            Err(need) => {
                settler.todos.truncate(mark);
                let (todo, note) = need.left_out(&def.js, Some(&def.origin));
                carried.append(&mut def.comments);
                carried.push(note);
                comments_in(&def.value, &mut carried);
                settler.todos.push(todo);
                settler.needs.insert(
                    def.name,
                    Need {
                        hole: need.hole,
                        via: Some((def.js, def.origin)),
                    },
                );
            }
        }
    }
    let mut notes = Vec::new();
    // The apps cannot be left out: there would be nothing to convert.
    if let Edn::Map(top) = config {
        for e in top
            .entries
            .iter_mut()
            .filter(|e| matches!(e.key_name(), Some("apps" | "pm2")))
        {
            let key = e.key_name().unwrap_or_default().to_string();
            let mut apps_notes = Vec::new();
            settler.settle(&mut e.value, &key, &mut apps_notes)?;
            e.before.extend(apps_notes);
        }
    }
    // A config that is an array is the apps.
    let at = if matches!(config, Edn::Vector(_)) {
        "apps"
    } else {
        ""
    };
    settler.settle(config, at, &mut notes)?;
    carried.extend(notes);
    Ok(LeftOut {
        todos: settler.todos,
        before_config: carried,
    })
}
