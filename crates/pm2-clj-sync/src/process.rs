//! The running side: the processes of `pm2 jlist`, with the markers of those pm2-clj
//! owns.

use serde_json::Value as Json;

use crate::markers::Markers;

/// One process in `pm2 jlist` (one instance, for cluster apps).
#[derive(Clone, Debug)]
pub struct Process {
    /// The app name.
    pub name: String,
    /// PM2's id of this process.
    pub pm_id: u64,
    /// `pm2_env.status`: online, stopped, errored, launching, ...
    pub status: String,
    /// The ownership markers, when pm2-clj started it.
    pub markers: Option<Markers>,
}

impl Process {
    /// Whether the process is up (or coming up).
    pub fn is_running(&self) -> bool {
        matches!(self.status.as_str(), "online" | "launching")
    }
}

/// Parses the output of `pm2 jlist` (a banner before the JSON is skipped).
pub fn parse_jlist(text: &str) -> Result<Vec<Process>, String> {
    let start = text
        .find('[')
        .ok_or_else(|| format!("pm2 jlist printed no process list: {}", text.trim()))?;
    let list: Json = serde_json::from_str(text[start..].trim())
        .map_err(|e| format!("pm2 jlist printed something that is not JSON: {e}"))?;
    Ok(list
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| Process {
            name: p["name"].as_str().unwrap_or_default().to_string(),
            pm_id: p["pm_id"].as_u64().unwrap_or(u64::MAX),
            status: p["pm2_env"]["status"].as_str().unwrap_or_default().to_string(),
            markers: Markers::read(&p["pm2_env"]),
        })
        .collect())
}
