//! Each role's first screen (首页), the message centre (消息中心) and the global search (搜索):
//! the pages that bring a user to the work the other steps hold. The use cases are in
//! `workflow::home` and `workflow::search`; this module parses, calls them and renders.

pub(crate) mod api;
pub(crate) mod pages;

/// The page a search hit opens (the front end builds links from kinds and keys, as it does for
/// notifications).
pub(crate) fn hit_path(hit: &workflow::search::Hit) -> String {
    use workflow::search::HitKind;
    match hit.kind {
        HitKind::Target => format!("/targets/{}", hit.id),
        HitKind::Indicator => format!("/locate/indicators/{}", hit.id),
        HitKind::Task => format!("/tasks/{}", hit.id),
        HitKind::Shortfall => format!("/shortfalls/{}", hit.id),
        HitKind::Project => format!("/projects/{}", hit.id),
    }
}
