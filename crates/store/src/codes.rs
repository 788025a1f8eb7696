//! Which stored columns hold codes of a closed set, and which codes. The store decodes these
//! columns strictly (an unknown code is [`crate::StoreError::Corrupt`], never a default) and
//! migration 10 has the database refuse any other value: a `CHECK` constraint on PostgreSQL, a
//! pair of `BEFORE INSERT`/`BEFORE UPDATE` triggers on SQLite (decision 75). This table is the
//! one list both follow; a unit test holds the migrations to it. A column whose set grew later
//! (`tasks.state` gained `submitted` in migration 15) is constrained anew by that migration,
//! which drops the old constraint and adds the one listed here.

use domain::project::Stage;
use domain::{Coded, Role, Route, ScopeKind, TargetKind, TaskState, Unit};

/// A code column read strictly into `T`: decoding fails with [`domain::UnknownCode`], which the
/// store reports as [`crate::StoreError::Corrupt`]. Row types keep it beside the column's text
/// (`#[sqlx(rename = "state")] state_code: Code<TaskState>`) and answer their accessors from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code<T>(pub T);

impl<T: Coded> sqlx::Type<sqlx::Any> for Code<T> {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <String as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <String as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r, T: Coded> sqlx::Decode<'r, sqlx::Any> for Code<T> {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let text = <&str as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
        Ok(Code(T::from_code(text)?))
    }
}

/// A text column whose values must be one of a closed set of codes (NULL stays allowed where
/// the column is nullable).
#[derive(Debug, Clone)]
pub struct CodeColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub codes: Vec<&'static str>,
    /// The migration whose constraint is in force (10, or a later one that replaced it).
    pub migration: i64,
}

fn col(table: &'static str, column: &'static str, codes: Vec<&'static str>) -> CodeColumn {
    CodeColumn {
        table,
        column,
        codes,
        migration: 10,
    }
}

/// Every code column of the schema, in the order migration 10 constrains them.
pub fn code_columns() -> Vec<CodeColumn> {
    vec![
        col("users", "role", Role::codes()),
        col("targets", "unit", Unit::codes()),
        col("targets", "kind", TargetKind::codes()),
        col("targets", "scope_kind", ScopeKind::codes()),
        CodeColumn {
            migration: 16,
            ..col(
                "indicators",
                "kind",
                crate::locate::INDICATOR_KINDS.to_vec(),
            )
        },
        col(
            "indicators",
            "frequency",
            crate::locate::INDICATOR_FREQUENCIES.to_vec(),
        ),
        col(
            "shortfall_links",
            "kind",
            crate::claim::SHORTFALL_LINK_KINDS.to_vec(),
        ),
        col("remedies", "route", Route::codes()),
        col("tasks", "route", Route::codes()),
        CodeColumn {
            migration: 15,
            ..col("tasks", "state", TaskState::codes())
        },
        col("leads", "status", crate::claim::LEAD_STATUSES.to_vec()),
        col("projects", "stage", Stage::codes()),
        col("project_stages", "stage", Stage::codes()),
        col("approval_templates", "gates_stage", Stage::codes()),
        col("project_approvals", "gates_stage", Stage::codes()),
    ]
}

impl CodeColumn {
    /// `('a', 'b', …)`: the codes as an SQL list.
    pub fn sql_list(&self) -> String {
        let quoted: Vec<String> = self.codes.iter().map(|c| format!("'{c}'")).collect();
        format!("({})", quoted.join(", "))
    }

    /// The PostgreSQL constraint of migration 10 for this column.
    pub fn postgres_check(&self) -> String {
        format!(
            "ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_known CHECK ({c} IN {l});",
            t = self.table,
            c = self.column,
            l = self.sql_list()
        )
    }

    /// The SQLite triggers of migration 10 for this column.
    pub fn sqlite_triggers(&self) -> String {
        let (t, c, l) = (self.table, self.column, self.sql_list());
        format!(
            "CREATE TRIGGER {t}_{c}_known_insert BEFORE INSERT ON {t}\n\
             WHEN NEW.{c} NOT IN {l}\n\
             BEGIN SELECT RAISE(ABORT, '{t}.{c}: unknown code'); END;\n\
             CREATE TRIGGER {t}_{c}_known_update BEFORE UPDATE OF {c} ON {t}\n\
             WHEN NEW.{c} NOT IN {l}\n\
             BEGIN SELECT RAISE(ABORT, '{t}.{c}: unknown code'); END;"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSTGRES: &str = include_str!("../migrations/0010_strict_codes.postgres.sql");
    const SQLITE: &str = include_str!("../migrations/0010_strict_codes.sqlite.sql");
    const POSTGRES_15: &str = include_str!("../migrations/0015_supervision.postgres.sql");
    const SQLITE_15: &str = include_str!("../migrations/0015_supervision.sqlite.sql");

    const POSTGRES_16: &str = include_str!("../migrations/0016_indicator_kinds.postgres.sql");
    const SQLITE_16: &str = include_str!("../migrations/0016_indicator_kinds.sqlite.sql");

    #[test]
    fn migration_16_replaces_the_indicator_kind_constraint() {
        let later: Vec<CodeColumn> = code_columns()
            .into_iter()
            .filter(|c| c.migration == 16)
            .collect();
        assert_eq!(later.len(), 1);
        for c in &later {
            assert!(POSTGRES_16.contains(&c.postgres_check()), "{}", c.column);
            assert!(SQLITE_16.contains(&c.sqlite_triggers()), "{}", c.column);
            assert!(c.codes.contains(&"aggregate") && c.codes.contains(&"price"));
        }
        assert_eq!(POSTGRES_16.matches("ADD CONSTRAINT").count(), later.len());
    }

    #[test]
    fn migration_15_replaces_the_task_state_constraint() {
        let later: Vec<CodeColumn> = code_columns()
            .into_iter()
            .filter(|c| c.migration == 15)
            .collect();
        assert_eq!(later.len(), 1);
        for c in &later {
            assert!(POSTGRES_15.contains(&c.postgres_check()), "{}", c.column);
            assert!(SQLITE_15.contains(&c.sqlite_triggers()), "{}", c.column);
            assert!(c.codes.contains(&"submitted"));
        }
        assert_eq!(POSTGRES_15.matches("ADD CONSTRAINT").count(), later.len());
        assert_eq!(
            SQLITE_15.matches("_known_").count(),
            4 * later.len(),
            "each column: two triggers dropped, two created"
        );
    }

    #[test]
    fn migration_10_constrains_every_code_column_with_the_codes_the_store_decodes() {
        for c in code_columns() {
            if c.migration != 10 {
                // Migration 10 constrained it with the set of its day; a later one replaced it.
                assert!(
                    POSTGRES.contains(&format!("ADD CONSTRAINT {}_{}_known", c.table, c.column))
                );
                continue;
            }
            assert!(
                POSTGRES.contains(&c.postgres_check()),
                "PostgreSQL part lacks or differs for {}.{}: expected\n{}",
                c.table,
                c.column,
                c.postgres_check()
            );
            assert!(
                c.migration != 10 || SQLITE.contains(&c.sqlite_triggers()),
                "SQLite part lacks or differs for {}.{}: expected\n{}",
                c.table,
                c.column,
                c.sqlite_triggers()
            );
        }
        let constraints = POSTGRES.matches("ADD CONSTRAINT").count();
        assert_eq!(
            constraints,
            code_columns().len(),
            "no constraint beyond the list"
        );
        let triggers = SQLITE.matches("CREATE TRIGGER").count();
        assert_eq!(
            triggers,
            2 * code_columns().len(),
            "no trigger beyond the list"
        );
    }
}
