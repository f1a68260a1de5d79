//! The one rule for text that is stored: titles, bodies, messages, names. Control characters
//! other than newline and tab are refused — PostgreSQL cannot store NUL at all, and the same
//! text must get the same answer on both backends — and lengths count characters.

use crate::error::{AppError, AppResult};

/// Checks `text` for `field`: at most `max` characters, no control characters but `\n`, `\t`.
pub fn check(field: &'static str, text: &str, max: usize) -> AppResult<()> {
    if let Some(c) = text.chars().find(|c| forbidden(*c)) {
        return Err(AppError::invalid(
            field,
            format!("contains a control character (U+{:04X})", u32::from(c)),
        ));
    }
    if text.chars().count() > max {
        return Err(AppError::TooLong { field, max });
    }
    Ok(())
}

/// A single-line name or label: no line breaks either.
pub fn check_line(field: &'static str, text: &str, max: usize) -> AppResult<()> {
    check(field, text, max)?;
    if text.contains(['\n', '\t']) {
        return Err(AppError::invalid(field, "must be a single line"));
    }
    Ok(())
}

fn forbidden(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// One CSV cell: quoted, inner quotes doubled; a leading = + - @ is defused so a spreadsheet
/// does not run it as a formula.
pub fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_other_controls_are_refused_with_their_field() {
        for bad in ["a\0b", "\u{7}", "x\ry", "\u{85}", "\u{1b}[31m"] {
            let err = check("text", bad, 100).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{bad:?}");
            assert!(err.to_string().starts_with("text:"));
        }
    }

    #[test]
    fn newlines_tabs_and_chinese_are_fine_and_length_counts_characters() {
        assert!(check("body", "第一行\n\t第二行", 100).is_ok());
        assert!(check("title", &"字".repeat(100), 100).is_ok());
        assert_eq!(
            check("title", &"字".repeat(101), 100).unwrap_err().code(),
            "too_long"
        );
        assert!(check_line("name", "马小兰\n", 20).is_err());
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("马小兰"), "\"马小兰\"");
        assert_eq!(csv_cell("a \"b\""), "\"a \"\"b\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }
}
