//! Requests that already have a history, written in one transaction: the demo's year of 诉求
//! (and any later migration from another system). Each request is routed by the region's rules
//! and given its deadlines by the calendar in force as if raised on its own day, records the
//! firm's service manager, and each step is checked by `domain::request::transition` and stored
//! by the same store writers as a step taken on the page, dated the day it was taken; so the
//! measures, the 督办 list and the escalation read them like any other request.

use std::collections::HashMap;

use domain::period::format_date;
use domain::request::{self, Action, Category, Channel};
use domain::Coded;
use store::requests::NewRequest;
use store::{Actor, Store};
use time::Date;

use super::{change_for, content, facts, refusal, text, today, Result};
use crate::claim::Caller;
use crate::{Error, Settings};

/// One step already taken: what, on which day, by whom (a department, the office, a manager,
/// shown in the request's history), with its note.
#[derive(Debug, Clone)]
pub struct PastStep {
    pub action: Action,
    pub on: Date,
    pub by: String,
    pub note: String,
}

/// A request raised on `submitted` for a firm, with the steps taken since, in order.
#[derive(Debug, Clone)]
pub struct PastRequest {
    pub enterprise_id: i64,
    pub category: Category,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub submitted: Date,
    /// Who raised it (shown as the first step's actor).
    pub raised_by: String,
    pub steps: Vec<PastStep>,
}

/// Writes `requests` with their histories in one transaction, all or nothing (the office only).
/// A step out of order, dated before the request or after today, or not allowed in the state
/// the earlier steps left is refused naming the request's place in the list. Returns the ids.
pub async fn load_history(
    store: &Store,
    caller: Caller<'_>,
    settings: &Settings,
    region: &str,
    requests: &[PastRequest],
) -> Result<Vec<i64>> {
    crate::claim::require_office(caller.principal)?;
    let calendar = crate::calendar::in_force(store).await?;
    let on = today(store);
    let routes: HashMap<Category, i64> = store
        .request_routes(region)
        .await?
        .into_iter()
        .map(|r| (r.category.0, r.department_id))
        .collect();
    let firms: HashMap<i64, Option<i64>> = store
        .enterprises(region)
        .await?
        .into_iter()
        .map(|e| (e.id, e.service_manager_id))
        .collect();
    let refused = |i: usize, why: String| {
        Error::invalid_field("requests", format!("第 {} 条诉求：{why}", i + 1))
    };
    let mut tx = store.begin_write().await?;
    let mut ids = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        let c = content(r.category.as_code(), &r.title, &r.description)?;
        let manager = *firms
            .get(&r.enterprise_id)
            .ok_or_else(|| refused(i, format!("企业 {} 不在本地区", r.enterprise_id)))?;
        if r.submitted > on {
            return Err(refused(i, "提出日期晚于今天".into()));
        }
        let d = request::deadlines(&settings.requests, &calendar, r.submitted, false)
            .map_err(super::calendar_error)?;
        let new = NewRequest {
            region_code: region.to_string(),
            enterprise_id: r.enterprise_id,
            category: c.category,
            title: c.title,
            description: c.description,
            department_id: routes.get(&c.category).copied(),
            channel: r.channel,
            raised_by_user: None,
            manager_person_id: manager,
            link_id: None,
            submitted_on: format_date(r.submitted),
            accept_due: format_date(d.accept),
            answer_due: format_date(d.answer),
            resolve_due: format_date(d.resolve),
        };
        let id = tx
            .insert_request(&Actor::system(&r.raised_by), &new)
            .await?;
        let mut last = r.submitted;
        for s in &r.steps {
            if s.on < last || s.on > on {
                return Err(refused(
                    i,
                    format!("步骤“{}”的日期不在顺序内", s.action.label()),
                ));
            }
            last = s.on;
            let note = match s.note.trim() {
                "" => String::new(),
                n => text(n, "note", "说明", request::MAX_NOTE, true)?,
            };
            let row = tx.request_for_update(id).await?;
            let to = request::transition(caller.principal, &facts(&row), s.action)
                .map_err(refusal)
                .map_err(|e| refused(i, e.to_string()))?;
            let change = change_for(settings, &calendar, &row, s.action, to, s.on, note)?;
            tx.change_request(&Actor::system(&s.by), &row, &change)
                .await?;
        }
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}
