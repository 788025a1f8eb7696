//! The registry's name index (decision 129): for each region, every pair of adjacent characters
//! (bigram) of every firm's name and former names, with the ids of the firms whose names hold it
//! as one delta-encoded list. A name search of two characters or more intersects the lists of
//! its bigrams and checks only those firms, so that a rare two-character query such as 海尔
//! answers from a province's million firms without reading them all; `LIKE` stays the
//! arbiter of what matches, the index only narrows where it looks. An import rebuilds the lists
//! its firms touch in one pass in memory; a region's `indexed_to` says up to which firm id the
//! index is complete, and firms added since (by any other path) are searched directly.

use crate::{Dialect, Result, StoreError, WriteTx};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

/// Beyond this many candidate firms the index narrows too little: a plain scan in id order finds
/// a page of matches sooner than a list this long is checked.
pub const MAX_CANDIDATES: usize = 20_000;

/// Bigrams written per statement (3 parameters each).
const GRAMS_PER_STATEMENT: usize = 1_000;

/// A name's bigrams, ASCII letters folded to lower case (SQLite's `LIKE` ignores their case),
/// each once.
pub fn bigrams(name: &str) -> Vec<String> {
    pairs(name)
        .into_iter()
        .map(|(a, b)| [a, b].iter().collect())
        .collect()
}

fn pairs(name: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut out: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn encode(ids: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * 2);
    let mut last = 0i64;
    for &id in ids {
        let mut d = (id - last) as u64;
        last = id;
        loop {
            let b = (d & 0x7f) as u8;
            d >>= 7;
            if d == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
    }
    out
}

fn decode(bytes: &[u8]) -> Result<Vec<i64>> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut last, mut d, mut shift) = (0i64, 0u64, 0u32);
    for &b in bytes {
        if shift > 63 {
            return Err(corrupt());
        }
        d |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            last = last.checked_add(d as i64).ok_or_else(corrupt)?;
            out.push(last);
            d = 0;
            shift = 0;
        } else {
            shift += 7;
        }
    }
    if shift != 0 {
        return Err(corrupt());
    }
    Ok(out)
}

fn corrupt() -> StoreError {
    StoreError::Corrupt {
        what: "企业名称索引",
        column: "enterprise_name_grams.ids".into(),
        value: String::new(),
    }
}

/// Sorted ids in both lists.
fn intersect(a: &[i64], b: &[i64]) -> Vec<i64> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// What the index says about a name search.
#[derive(Debug, Clone, PartialEq)]
pub enum Narrowed {
    /// The index cannot help (a one-character query or no index yet).
    Scan,
    /// More than [`MAX_CANDIDATES`] firms hold the query's rarest bigram (a common word such as
    /// 济南): a scan in id order finds a page sooner, unless another filter narrows them first.
    TooMany,
    /// Only these firms (ascending ids) and those above `indexed_to` can match.
    Candidates { ids: Vec<i64>, indexed_to: i64 },
}

/// The firms of `region` whose names may contain `text`, as the index tells; `within` (ascending
/// ids of another filter's firms, e.g. an industry's) narrows the candidates before they are
/// judged too many.
pub async fn narrow(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    region: &str,
    text: &str,
    within: Option<&[i64]>,
) -> Result<Narrowed> {
    let grams = bigrams(text);
    if grams.is_empty() {
        return Ok(Narrowed::Scan);
    }
    let indexed_to: Option<i64> =
        sqlx::query_scalar("SELECT indexed_to FROM enterprise_name_index WHERE region_code = $1")
            .bind(region)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(indexed_to) = indexed_to else {
        return Ok(Narrowed::Scan);
    };
    let sql = format!(
        "SELECT gram, ids FROM enterprise_name_grams WHERE region_code = {} AND gram IN ({})",
        first_placeholder(dialect),
        placeholders_from(dialect, 2, grams.len())
    );
    let mut q = sqlx::query(&sql).bind(region);
    for g in &grams {
        q = q.bind(g.as_str());
    }
    let mut lists: Vec<Vec<u8>> = Vec::new();
    for r in q.persistent(false).fetch_all(&mut *conn).await? {
        lists.push(r.try_get(1)?);
    }
    if lists.len() < grams.len() {
        // A bigram no indexed name holds: only firms added since can match.
        return Ok(Narrowed::Candidates {
            ids: Vec::new(),
            indexed_to,
        });
    }
    lists.sort_by_key(Vec::len);
    let mut ids = decode(&lists[0])?;
    if let Some(w) = within {
        ids = intersect(&ids, w);
    }
    if ids.len() > MAX_CANDIDATES {
        return Ok(Narrowed::TooMany);
    }
    for l in &lists[1..] {
        if ids.is_empty() {
            break;
        }
        ids = intersect(&ids, &decode(l)?);
    }
    Ok(Narrowed::Candidates { ids, indexed_to })
}

fn first_placeholder(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "?",
        Dialect::Postgres => "$1",
    }
}

fn placeholders_from(dialect: Dialect, from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| match dialect {
            Dialect::Sqlite => "?".to_string(),
            Dialect::Postgres => format!("${i}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl WriteTx {
    /// Brings the region's name index up to date: every firm above `indexed_to` (new ones, by
    /// whatever path they came) with its names, and the `renamed` firms' new names (their old
    /// names stay in the index as former names do). Reads each touched list once, writes it once.
    pub async fn index_firm_names(&mut self, region: &str, renamed: &[(i64, &str)]) -> Result<()> {
        let indexed_to: i64 = sqlx::query_scalar(
            "SELECT indexed_to FROM enterprise_name_index WHERE region_code = $1",
        )
        .bind(region)
        .fetch_optional(self.conn())
        .await?
        .unwrap_or(0);
        let mut names: Vec<(i64, String)> = Vec::new();
        for r in sqlx::query(
            "SELECT id, name FROM enterprises WHERE region_code = $1 AND id > $2 \
             UNION ALL SELECT f.enterprise_id, f.name FROM enterprise_former_names f \
             JOIN enterprises e ON e.id = f.enterprise_id WHERE e.region_code = $1 AND e.id > $2",
        )
        .bind(region)
        .bind(indexed_to)
        .fetch_all(self.conn())
        .await?
        {
            names.push((r.try_get(0)?, r.try_get(1)?));
        }
        let top = names.iter().map(|(id, _)| *id).max().unwrap_or(indexed_to);
        names.extend(renamed.iter().map(|(id, n)| (*id, n.to_string())));
        if names.is_empty() {
            return Ok(());
        }
        names.sort_unstable_by_key(|(id, _)| *id);
        let mut added: HashMap<(char, char), Vec<i64>> = HashMap::new();
        for (id, name) in &names {
            for g in pairs(name) {
                let ids = added.entry(g).or_default();
                if ids.last() != Some(id) {
                    ids.push(*id);
                }
            }
        }
        let mut grams: Vec<(String, Vec<i64>)> = added
            .into_iter()
            .map(|((a, b), ids)| ([a, b].iter().collect(), ids))
            .collect();
        grams.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let dialect = self.dialect;
        for chunk in grams.chunks(GRAMS_PER_STATEMENT) {
            let mut stored: HashMap<String, Vec<u8>> = HashMap::new();
            if indexed_to > 0 {
                let sql = format!(
                    "SELECT gram, ids FROM enterprise_name_grams WHERE region_code = {} AND gram IN ({})",
                    first_placeholder(dialect),
                    placeholders_from(dialect, 2, chunk.len())
                );
                let mut q = sqlx::query(&sql).bind(region);
                for (g, _) in chunk {
                    q = q.bind(g.as_str());
                }
                for r in q.persistent(false).fetch_all(self.conn()).await? {
                    stored.insert(r.try_get(0)?, r.try_get(1)?);
                }
            }
            let mut lists = Vec::with_capacity(chunk.len());
            for (g, ids) in chunk {
                let list = match stored.get(g) {
                    None => encode(ids),
                    Some(old) => {
                        let all: BTreeSet<i64> = decode(old)?
                            .into_iter()
                            .chain(ids.iter().copied())
                            .collect();
                        encode(&all.into_iter().collect::<Vec<_>>())
                    }
                };
                lists.push((g.as_str(), list));
            }
            let mut sql = crate::multi_row_insert(
                "INSERT INTO enterprise_name_grams (region_code, gram, ids)",
                lists.len(),
                3,
                dialect,
            );
            sql.push_str(" ON CONFLICT (region_code, gram) DO UPDATE SET ids = excluded.ids");
            let mut q = sqlx::query(&sql);
            for (g, list) in lists {
                q = q.bind(region).bind(g).bind(list);
            }
            q.persistent(false).execute(self.conn()).await?;
        }
        sqlx::query(
            "INSERT INTO enterprise_name_index (region_code, indexed_to) VALUES ($1, $2) \
             ON CONFLICT (region_code) DO UPDATE SET indexed_to = excluded.indexed_to",
        )
        .bind(region)
        .bind(top.max(indexed_to))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_and_intersect() {
        let ids = vec![1, 2, 3, 200, 70_000, 9_000_000_000];
        assert_eq!(decode(&encode(&ids)).expect("decodes"), ids);
        assert_eq!(intersect(&ids, &[2, 200, 201]), vec![2, 200]);
        assert!(decode(&[0x80]).is_err());
    }

    #[test]
    fn bigrams_fold_ascii_case_and_repeat_once() {
        assert_eq!(bigrams("海尔海尔"), vec!["尔海", "海尔"]);
        assert_eq!(bigrams("AB"), vec!["ab"]);
        assert!(bigrams("海").is_empty());
    }
}
