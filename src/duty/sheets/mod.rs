//! The spreadsheet round trip: the matrix and the rosters export to CSV (UTF-8 with the BOM
//! Excel needs to read Chinese) and import from it. An import is checked whole — every line's
//! problem is reported with its line number — and applied in one transaction or not at all.

pub mod matrix;
pub mod rosters;

use crate::error::{AppError, AppResult, RowProblem};
use std::collections::HashMap;

pub const BOM: &str = "\u{feff}";
/// Lines one file may hold: a region has 270 units of the four levels, a roster a few per unit.
pub const MAX_ROWS: usize = 5000;
/// Problems reported of one file at most (each line's are checked in the next round).
pub const MAX_PROBLEMS: usize = 100;

/// One line of a file: its row number (the header is row 1) and its trimmed cells.
pub type Line = (usize, Vec<String>);

pub fn problem(
    line: usize,
    field: &str,
    reason: &'static str,
    message: impl Into<String>,
) -> RowProblem {
    RowProblem {
        line,
        field: field.to_string(),
        reason,
        message: message.into(),
    }
}

/// The lines of a CSV file whose first line is `header`.
pub fn parse(bytes: &[u8], header: &[&str]) -> AppResult<Vec<Line>> {
    let bytes = bytes.strip_prefix(BOM.as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    let mut records = reader.records();
    let first: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|f| f.trim().to_string()).collect(),
        Some(Err(e)) => {
            return Err(AppError::InvalidRows(vec![problem(
                1,
                "",
                "bad_csv",
                e.to_string(),
            )]))
        }
        None => Vec::new(),
    };
    if first.iter().map(String::as_str).ne(header.iter().copied()) {
        let message = format!("the first line must be: {}", header.join(","));
        return Err(AppError::InvalidRows(vec![problem(
            1,
            "",
            "bad_header",
            message,
        )]));
    }
    let (mut lines, mut problems) = (Vec::new(), Vec::new());
    let mut seen = 0;
    // A line is a spreadsheet's row: a cell holding a line break does not start another.
    for (n, record) in records.enumerate() {
        let line = n + 2;
        seen += 1;
        if seen > MAX_ROWS {
            let message = format!("at most {MAX_ROWS} lines in one file");
            return Err(AppError::InvalidRows(vec![problem(
                line, "", "too_many", message,
            )]));
        }
        if problems.len() >= MAX_PROBLEMS {
            break; // enough to go on with; the rest are checked when these are put right
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(line, "", "bad_csv", e.to_string()));
                continue;
            }
        };
        if lines.len() >= MAX_ROWS {
            let message = format!("at most {MAX_ROWS} lines in one file");
            return Err(AppError::InvalidRows(vec![problem(
                line, "", "too_many", message,
            )]));
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // a blank line a spreadsheet left
        }
        if record.len() != header.len() {
            let message = format!("{} fields; expected {}", record.len(), header.len());
            problems.push(problem(line, "", "field_count", message));
            continue;
        }
        lines.push((
            line,
            record.iter().map(|c| cell(c.trim()).to_string()).collect(),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::InvalidRows(problems));
    }
    if lines.is_empty() {
        return Err(AppError::InvalidRows(vec![problem(
            2,
            "",
            "empty_file",
            "no lines below the header",
        )]));
    }
    Ok(lines)
}

/// One line of a file written: each cell quoted, formulas defused.
pub fn line(cells: &[&str]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| crate::text::csv_cell(c)).collect();
    format!("{}\r\n", cells.join(","))
}

/// A cell as written by [`line`], read back: the quote that defused a formula goes.
pub fn cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => text,
    }
}

/// The people a file names, by username: id, whether they may stand in the matrix.
pub async fn people_by_username(
    db: &crate::db::Db,
    names: &[&str],
) -> sqlx::Result<HashMap<String, (i64, Option<crate::org::Role>)>> {
    use sqlx::Row;
    let mut out = HashMap::new();
    let mut names: Vec<&str> = names.iter().copied().filter(|n| !n.is_empty()).collect();
    names.sort_unstable();
    names.dedup();
    for chunk in names.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, username, role FROM users WHERE username IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for n in chunk {
            q = q.bind(*n);
        }
        for r in db.timed(q.fetch_all(db.read())).await? {
            let role: String = r.try_get("role")?;
            out.insert(
                r.try_get("username")?,
                (r.try_get("id")?, crate::org::Role::parse(&role)),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_line_reads_back_the_same() {
        let text = format!("{BOM}a,b\r\n{}", line(&["=1+1", "马 \"小\" 兰"]));
        let lines = parse(text.as_bytes(), &["a", "b"]).unwrap();
        assert_eq!(lines[0].0, 2);
        assert_eq!(lines[0].1[0], "=1+1");
        assert_eq!(lines[0].1[1], "马 \"小\" 兰");
    }

    #[test]
    fn a_wrong_header_or_an_empty_file_is_refused() {
        assert!(parse(b"x,y\r\n1,2\r\n", &["a", "b"]).is_err());
        assert!(parse(b"a,b\r\n", &["a", "b"]).is_err());
        let Err(AppError::InvalidRows(p)) = parse(b"a,b\r\n1\r\n1,2\r\n", &["a", "b"]) else {
            panic!("a short line is a problem");
        };
        assert_eq!((p[0].line, p[0].reason), (2, "field_count"));
    }
}
