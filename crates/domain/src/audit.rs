//! What the audit log's codes mean in words: the kinds of object (`entity`), the actions and the
//! recorded fields, and the code values they hold (a stage, a task state). The audit page reads
//! the log as sentences — 谁 在何时 把 什么 从 A 改为 B — with these names and never shows a
//! code; a field or value this module cannot name is left out of the sentence, not shown raw.

use crate::{project::Stage, Role, Route, ScopeKind, TargetKind, TaskState, Unit};

/// The kinds of object the log records, with their names, in the order the filter lists them.
pub const ENTITIES: &[(&str, &str)] = &[
    ("target", "目标"),
    ("indicator", "指标"),
    ("indicator_target", "指标目标"),
    ("observations", "统计数据"),
    ("model", "核算模型"),
    ("shortfall", "短板"),
    ("remedy", "解决方案"),
    ("task", "任务"),
    ("project", "项目"),
    ("lead", "招商线索"),
    ("enterprise", "企业"),
    ("service_manager", "企业服务经理人"),
    ("visit", "走访记录"),
    ("watch", "重点监测名单"),
    ("firm_figures", "企业月度数据"),
    ("firm_product", "企业产品"),
    ("firm_need", "外购需求"),
    ("introduction", "供需对接"),
    ("user", "用户"),
    ("api_token", "接口令牌"),
    ("region", "地区"),
    ("department", "部门"),
    ("town", "镇街"),
    ("track", "产业赛道"),
    ("tier", "项目层级"),
    ("programme", "专项行动"),
    ("platform", "服务平台"),
    ("host_area", "承载区域"),
    ("person", "人员"),
    ("town_leader", "包镇领导"),
    ("track_chain_leader", "链长"),
];

/// The name of a kind of object; "其他记录" for one this version does not know.
pub fn entity_label(code: &str) -> &'static str {
    ENTITIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("其他记录")
}

/// The verb of an action: "新增", "修改" ….
pub fn action_label(code: &str) -> &'static str {
    match code {
        "create" | "bulk_create" => "新增",
        "update" => "修改",
        "import" => "导入",
        "record_actual" => "填报完成情况",
        "close" => "关闭",
        "revoke" => "撤销",
        "set_password" => "重设密码",
        "stage" => "推进阶段",
        "state" => "变更状态",
        "claim" => "认领",
        "progress" => "报告进展",
        "approval_plan" => "制定审批计划",
        "approval" => "办理审批事项",
        "issue" => "登记问题",
        "resolve" => "办结问题",
        "serve" | "service" => "登记服务",
        "assign" => "指定服务经理人",
        "attach" => "附带企业",
        _ => "变更",
    }
}

/// How a recorded field's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Shown as it is (a name, a date, a number).
    Plain,
    /// An amount in yuan, shown in 亿元.
    Yuan,
    /// A code of one of the coded enums, shown by its label.
    Code,
}

/// The name of a recorded field and how its value reads; `None` for an internal field (an id,
/// a key) that a sentence leaves out.
pub fn field_label(key: &str) -> Option<(&'static str, FieldKind)> {
    use FieldKind::*;
    Some(match key {
        "name" => ("名称", Plain),
        "title" => ("标题", Plain),
        "stage" => ("阶段", Code),
        "state" => ("状态", Code),
        "on" => ("日期", Plain),
        "value" | "target_value" => ("目标值", Plain),
        "actual" => ("完成值", Plain),
        "as_of" => ("截至日期", Plain),
        "deadline" => ("完成时限", Plain),
        "expected_pp" => ("预计成效（个百分点）", Plain),
        "total_investment" => ("总投资", Yuan),
        "fixed_asset_investment" => ("固定资产投资", Yuan),
        "output_at_capacity" => ("达产产值", Yuan),
        "value_added_at_capacity" => ("达产增加值", Yuan),
        "tax_at_capacity" => ("达产税收", Yuan),
        "jobs" => ("就业人数", Plain),
        "expected_production_month" => ("预计投产月份", Plain),
        "investor_name" => ("投资方", Plain),
        "chain_link" => ("产业链环节", Plain),
        "reason" => ("原因", Plain),
        "note" => ("备注", Plain),
        "source" => ("来源", Plain),
        "kind" => ("类型", Code),
        "unit" => ("单位", Code),
        "route" => ("路径", Code),
        "role" => ("角色", Code),
        "actual_start" => ("实际开始", Plain),
        "actual_end" => ("实际办结", Plain),
        "plan_start" => ("计划开始", Plain),
        "resolution" => ("办理结果", Plain),
        "problem" => ("问题", Plain),
        "display_name" => ("姓名", Plain),
        "disabled" => ("停用", Plain),
        _ => return None,
    })
}

/// The label of a code value of a coded field (a stage, a state, a route …).
pub fn code_label(code: &str) -> Option<&'static str> {
    Stage::parse(code)
        .map(Stage::label)
        .or_else(|| TaskState::parse(code).map(TaskState::label))
        .or_else(|| Route::parse(code).map(Route::label))
        .or_else(|| Role::parse(code).map(Role::label))
        .or_else(|| ScopeKind::parse(code).map(ScopeKind::label))
        .or_else(|| Unit::parse(code).map(Unit::label))
        .or_else(|| crate::IndicatorKind::parse(code).map(crate::IndicatorKind::label))
        .or_else(|| match TargetKind::parse(code) {
            Some(TargetKind::Cumulative) => Some("累计类"),
            Some(TargetKind::Level) => Some("水平类"),
            None => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_chinese() {
        for (code, label) in ENTITIES {
            assert_eq!(entity_label(code), *label);
            assert!(!label.is_ascii());
        }
        assert_eq!(entity_label("spaceship"), "其他记录");
        assert_eq!(action_label("create"), "新增");
        assert_eq!(
            field_label("total_investment"),
            Some(("总投资", FieldKind::Yuan))
        );
        assert_eq!(field_label("host_area_id"), None);
        assert_eq!(code_label("signed"), Some("签约"));
        assert_eq!(code_label("gossip"), None);
    }
}
