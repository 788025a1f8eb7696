//! The audit log as people read it: each entry one sentence — 谁 在何时 把 什么 从 A 改为 B —
//! with the names of `domain::audit` and never the stored JSON; paged, and filtered by person,
//! kind of object and date range.

use crate::auth::PageUser;
use crate::context::{ViewContext, ViewQuery};
use crate::error::{AppError, PageError};
use crate::layout::{respond, stamp, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::audit::{action_label, code_label, entity_label, field_label, FieldKind, ENTITIES};
use domain::Role;
use serde_json::{Map, Value};
use store::audit::{AuditRecord, AuditSearch};

const PAGE: i64 = 50;

/// One entry as a sentence, with its changes.
pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub what: String,
    pub summary: String,
    /// "阶段 从 签约 改为 落地": one per changed field that has a name.
    pub changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    layout: Layout,
    lines: Vec<AuditLine>,
    total: i64,
    page: i64,
    pages: i64,
    actors: Vec<String>,
    entities: &'static [(&'static str, &'static str)],
    q: AuditQuery,
    /// The query string of the filters, for the paging links.
    filter_params: String,
    error: Option<String>,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    pub page: Option<String>,
}

fn value_text(kind: FieldKind, v: &Value) -> Option<String> {
    match v {
        Value::Null => Some("（空）".into()),
        Value::Bool(b) => Some(if *b { "是" } else { "否" }.into()),
        Value::Number(n) => {
            let x = n.as_f64()?;
            Some(match kind {
                FieldKind::Yuan => format!("{} 亿元", domain::decimal::fixed(x / 1e8, 2)),
                _ if n.is_i64() => crate::layout::int(n),
                _ => domain::decimal::fixed(x, 2),
            })
        }
        Value::String(s) => match kind {
            FieldKind::Code => code_label(s).map(str::to_string),
            _ if s.is_empty() => Some("（空）".into()),
            _ => Some(crate::layout::month(s)),
        },
        _ => None,
    }
}

/// The changed fields that have a name, as "字段 从 A 改为 B" (or "字段 为 B" when new).
pub fn changes(before: Option<&str>, after: Option<&str>) -> Vec<String> {
    let parse = |s: Option<&str>| -> Option<Map<String, Value>> {
        match serde_json::from_str::<Value>(s?).ok()? {
            Value::Object(m) => Some(m),
            _ => None,
        }
    };
    let (Some(after), before) = (parse(after), parse(before)) else {
        return vec![];
    };
    // A new record is told by its summary; only changes of an existing one are listed.
    let Some(before) = before else {
        return vec![];
    };
    let mut out = Vec::new();
    for (key, new) in &after {
        let Some((label, kind)) = field_label(key) else {
            continue;
        };
        let old = before.get(key);
        if old == Some(new) {
            continue;
        }
        let Some(b) = value_text(kind, new) else {
            continue;
        };
        match old.and_then(|o| value_text(kind, o)) {
            Some(a) => out.push(format!("{label} 从 {a} 改为 {b}")),
            None => out.push(format!("{label} 为 {b}")),
        }
    }
    out
}

/// The person as a reader knows them: the system's own actors by their Chinese names.
fn actor_name(actor: &str) -> String {
    match actor {
        "demo" => "示例数据".into(),
        "cli" => "命令行".into(),
        a => a.to_string(),
    }
}

fn line(r: &AuditRecord) -> AuditLine {
    AuditLine {
        at: stamp(&r.at),
        actor: actor_name(&r.actor),
        what: format!("{}{}", action_label(&r.action), entity_label(&r.entity)),
        summary: r.summary.clone(),
        changes: changes(r.before_json.as_deref(), r.after_json.as_deref()),
    }
}

fn date(raw: &str, field: &str) -> Result<Option<String>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    domain::period::parse_date(t)
        .map(|d| Some(domain::period::format_date(d)))
        .map_err(|_| format!("{field}“{t}”不是日期（应如 2025-09-30），已忽略"))
}

pub async fn audit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    if !matches!(user.principal.role, Role::Admin | Role::Office) {
        return Err(
            AppError::Forbidden("审计日志仅对系统管理员和经济运行办公室开放".into()).into(),
        );
    }
    let ctx = ViewContext::resolve(&state, &user, &headers, &ViewQuery::default()).await?;
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let mut errors = Vec::new();
    let from = date(&q.from, "起始日期").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = date(&q.to, "截止日期").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let entity = ENTITIES
        .iter()
        .find(|(c, _)| *c == q.entity.trim())
        .map(|(c, _)| c.to_string());
    let actor = (!q.actor.trim().is_empty()).then(|| q.actor.trim().to_string());
    let (records, total) = state
        .store
        .search_audit(&AuditSearch {
            actor: actor.clone(),
            entity: entity.clone(),
            from: from.clone(),
            to: to.clone(),
            limit: PAGE,
            offset: (page - 1) * PAGE,
        })
        .await?;
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let filter_params = format!(
        "actor={}&entity={}&from={}&to={}",
        enc(actor.as_deref().unwrap_or("")),
        enc(entity.as_deref().unwrap_or("")),
        enc(from.as_deref().unwrap_or("")),
        enc(to.as_deref().unwrap_or(""))
    );
    let html = AuditTemplate {
        layout: Layout::new("审计日志", "audit", &user, &ctx),
        lines: records.iter().map(line).collect(),
        total,
        page,
        pages: ((total + PAGE - 1) / PAGE).max(1),
        actors: state.store.audit_actors().await?,
        entities: ENTITIES,
        q,
        filter_params,
        error: (!errors.is_empty()).then(|| errors.join("；")),
    }
    .render()?;
    Ok(respond(html, &ctx))
}

impl AuditTemplate {
    fn actor_label(&self, a: &str) -> String {
        actor_name(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_sentences_without_codes() {
        let c = changes(
            Some(r#"{"stage":"signed"}"#),
            Some(r#"{"on":"2025-01-09","stage":"registered","host_area_id":3}"#),
        );
        assert_eq!(c, vec!["日期 为 2025-01-09", "阶段 从 签约 改为 落地"]);
        let c = changes(
            Some(r#"{"total_investment":100000000,"expected_production_month":"2025-03"}"#),
            Some(r#"{"total_investment":250000000,"expected_production_month":"2026-06"}"#),
        );
        assert_eq!(
            c,
            vec![
                "预计投产月份 从 2025 年 3 月 改为 2026 年 6 月",
                "总投资 从 1.00 亿元 改为 2.50 亿元"
            ]
        );
        assert!(changes(None, Some(r#"{"name":"x"}"#)).is_empty());
        assert!(changes(Some("not json"), Some("{}")).is_empty());
    }
}
