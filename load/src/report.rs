//! A scenario's figures: printed as a two-column table and written as JSON, the same figures
//! under the same keys.

use serde::Serialize;
use serde_json::{Map, Value};
use std::path::Path;

pub struct Report {
    title: String,
    rows: Vec<(String, String)>,
    json: Map<String, Value>,
}

impl Report {
    pub fn new(scenario: &str, backend: impl Serialize) -> Self {
        let backend = serde_json::to_value(backend).unwrap_or(Value::Null);
        let title = format!("{scenario} on {}", backend.as_str().unwrap_or("?"));
        let mut json = Map::new();
        json.insert("scenario".into(), scenario.into());
        json.insert("backend".into(), backend);
        json.insert("at".into(), now_rfc3339().into());
        Self {
            title,
            rows: Vec::new(),
            json,
        }
    }

    /// A figure: `key` in the JSON, `label` in the table.
    pub fn add(&mut self, key: &str, label: &str, value: impl Serialize) -> &mut Self {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.rows.push((label.to_string(), shown(&value)));
        self.json.insert(key.to_string(), value);
        self
    }

    /// A figure shown in the table as `shown`.
    pub fn add_shown(
        &mut self,
        key: &str,
        label: &str,
        value: impl Serialize,
        shown: String,
    ) -> &mut Self {
        self.add(key, label, value);
        if let Some(row) = self.rows.last_mut() {
            row.1 = shown;
        }
        self
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.json.get(key)
    }

    /// Prints the table and writes the JSON to `path`.
    pub fn finish(&self, path: &Path) -> anyhow::Result<()> {
        let width = self
            .rows
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        println!("\n{}", self.title);
        println!("{}", "-".repeat(self.title.chars().count()));
        for (label, value) in &self.rows {
            let pad = width - label.chars().count();
            println!("{label}{}  {value}", " ".repeat(pad));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(&self.json)?)?;
        println!("(written to {})", path.display());
        Ok(())
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:.2}"),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} {}", shown(v)))
            .collect::<Vec<_>>()
            .join(" · "),
        other => other.to_string(),
    }
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
