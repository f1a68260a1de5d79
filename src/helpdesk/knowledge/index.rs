//! Storing the terms of articles and of resolved tickets' titles (`terms` says how text is
//! cut), in the caller's transaction.

use super::super::repo::marks;
use super::terms;
use sqlx::AnyConnection;
use std::collections::BTreeSet;

/// (Re)indexes an article's terms, the question's apart from the answer's, in the caller's
/// transaction.
pub(super) async fn index_article(
    conn: &mut AnyConnection,
    id: i64,
    question: &str,
    answer: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM knowledge_terms WHERE article_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    insert_terms(conn, id, Some("question"), &terms::distinct(question)).await?;
    insert_terms(conn, id, Some("answer"), &terms::distinct(answer)).await
}

/// Indexes a resolved ticket's title, so that clerks typing a similar request are offered it;
/// in the caller's transaction (the journal calls it when it resolves a ticket). Indexing the
/// same ticket again replaces its terms.
pub async fn index_ticket(conn: &mut AnyConnection, id: i64, title: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM ticket_terms WHERE ticket_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    insert_terms(conn, id, None, &terms::distinct(title)).await
}

/// Rows of terms of `id`: into knowledge_terms with `field`, or into ticket_terms without.
async fn insert_terms(
    conn: &mut AnyConnection,
    id: i64,
    field: Option<&str>,
    terms: &BTreeSet<String>,
) -> sqlx::Result<()> {
    let terms: Vec<&String> = terms.iter().collect();
    let (columns, table) = match field {
        Some(_) => (3, "knowledge_terms (term, article_id, field)"),
        None => (2, "ticket_terms (term, ticket_id)"),
    };
    for chunk in terms.chunks(300) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", marks(i * columns + 1, columns)))
            .collect();
        let sql = format!("INSERT INTO {table} VALUES {}", rows.join(", "));
        let mut q = sqlx::query(&sql);
        for term in chunk {
            q = q.bind(term.as_str()).bind(id);
            if let Some(field) = field {
                q = q.bind(field);
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
