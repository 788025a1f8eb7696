//! Who may read and write what. Every record that belongs to part of the city carries a
//! scope (the city, a tier, a track, a town, a department or a programme); a user's role
//! and their own department, town or leadership of tracks decide access. The rules live
//! here, as pure functions, so the web layer only asks and the tests can enumerate them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Office,
    Leader,
    Department,
    Town,
    ServiceManager,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Office,
        Role::Leader,
        Role::Department,
        Role::Town,
        Role::ServiceManager,
        Role::Viewer,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Office => "office",
            Role::Leader => "leader",
            Role::Department => "department",
            Role::Town => "town",
            Role::ServiceManager => "service_manager",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Office => "经济运行办公室",
            Role::Leader => "市领导",
            Role::Department => "部门",
            Role::Town => "镇街",
            Role::ServiceManager => "企业服务经理人",
            Role::Viewer => "只读用户",
        }
    }

    /// Admin and office see the audit log and administer the whole region.
    pub fn is_office(self) -> bool {
        matches!(self, Role::Admin | Role::Office)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    City,
    Tier,
    Track,
    Town,
    Department,
    Programme,
}

impl ScopeKind {
    pub const ALL: [ScopeKind; 6] = [
        ScopeKind::City,
        ScopeKind::Tier,
        ScopeKind::Track,
        ScopeKind::Town,
        ScopeKind::Department,
        ScopeKind::Programme,
    ];

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn code(self) -> &'static str {
        match self {
            ScopeKind::City => "city",
            ScopeKind::Tier => "tier",
            ScopeKind::Track => "track",
            ScopeKind::Town => "town",
            ScopeKind::Department => "department",
            ScopeKind::Programme => "programme",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ScopeKind::City => "全市",
            ScopeKind::Tier => "产业层级",
            ScopeKind::Track => "产业赛道",
            ScopeKind::Town => "镇街",
            ScopeKind::Department => "部门",
            ScopeKind::Programme => "重点工程",
        }
    }

    /// Scopes every signed-in user may read: the city's shared picture.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            ScopeKind::City | ScopeKind::Tier | ScopeKind::Track | ScopeKind::Programme
        )
    }
}

/// A concrete scope: its kind and, except for the city, the id of the thing it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    pub kind: ScopeKind,
    pub id: Option<i64>,
}

impl Scope {
    pub fn city() -> Self {
        Self {
            kind: ScopeKind::City,
            id: None,
        }
    }

    pub fn of(kind: ScopeKind, id: i64) -> Self {
        Self { kind, id: Some(id) }
    }
}

/// The facts about a track scope that decide who may write it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackFacts {
    /// Person ids of the lead leader and the responsible leaders.
    pub leaders: Vec<i64>,
    pub lead_department: Option<i64>,
}

/// A signed-in user as the access rules see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub person_id: Option<i64>,
    pub department_id: Option<i64>,
    pub town_id: Option<i64>,
}

impl Principal {
    pub fn can_read(&self, scope: Scope) -> bool {
        match self.role {
            Role::Admin | Role::Office | Role::Leader | Role::Viewer => true,
            Role::ServiceManager => scope.kind.is_public(),
            Role::Department => {
                scope.kind.is_public()
                    || (scope.kind == ScopeKind::Department && scope.id == self.department_id)
            }
            Role::Town => {
                scope.kind.is_public()
                    || (scope.kind == ScopeKind::Town && scope.id == self.town_id)
            }
        }
    }

    /// `track` must describe the track when `scope` is a track scope.
    pub fn can_write(&self, scope: Scope, track: Option<&TrackFacts>) -> bool {
        let leads_track =
            || track.is_some_and(|t| self.person_id.is_some_and(|p| t.leaders.contains(&p)));
        let owns_track = || {
            track.is_some_and(|t| {
                self.department_id.is_some() && t.lead_department == self.department_id
            })
        };
        match self.role {
            Role::Admin | Role::Office => true,
            Role::Leader => scope.kind == ScopeKind::Track && leads_track(),
            Role::Department => match scope.kind {
                ScopeKind::Department => scope.id == self.department_id && scope.id.is_some(),
                ScopeKind::Track => owns_track(),
                _ => false,
            },
            Role::Town => {
                scope.kind == ScopeKind::Town && scope.id == self.town_id && scope.id.is_some()
            }
            Role::ServiceManager | Role::Viewer => false,
        }
    }
}

/// The facts about a task that decide who may work on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFacts {
    pub claimed_by_person: Option<i64>,
    pub owner_department: Option<i64>,
    pub co_departments: Vec<i64>,
    pub town: Option<i64>,
}

/// The facts about a project that decide who may change it and who sees its real name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFacts {
    pub town: Option<i64>,
    /// Whether the project negotiates under a code name.
    pub confidential: bool,
    /// Its track's leaders and lead department, when it has a track.
    pub track: Option<TrackFacts>,
}

impl Principal {
    /// Change a project: the office, departments and leaders; a town for its own projects.
    pub fn can_write_project(&self, p: &ProjectFacts) -> bool {
        match self.role {
            Role::Admin | Role::Office | Role::Department | Role::Leader => true,
            Role::Town => p.town.is_some() && p.town == self.town_id,
            Role::ServiceManager | Role::Viewer => false,
        }
    }

    /// See a confidential project's real name: the office, the leaders and the lead department of
    /// its track, and its town. Everyone else sees its code name.
    pub fn sees_real_name(&self, p: &ProjectFacts) -> bool {
        if !p.confidential {
            return true;
        }
        let track = p.track.as_ref();
        match self.role {
            Role::Admin | Role::Office => true,
            Role::Leader => {
                track.is_some_and(|t| self.person_id.is_some_and(|pid| t.leaders.contains(&pid)))
            }
            Role::Department => track.is_some_and(|t| {
                t.lead_department.is_some() && t.lead_department == self.department_id
            }),
            Role::Town => p.town.is_some() && p.town == self.town_id,
            Role::ServiceManager | Role::Viewer => false,
        }
    }

    /// Report progress, record services and leads: the claimer, the owner and co-departments,
    /// the town the task belongs to, and the office.
    pub fn can_work_on(&self, task: &TaskFacts) -> bool {
        match self.role {
            Role::Admin | Role::Office => true,
            Role::Leader => self.person_id.is_some() && task.claimed_by_person == self.person_id,
            Role::Department => {
                self.department_id.is_some()
                    && (task.owner_department == self.department_id
                        || self
                            .department_id
                            .is_some_and(|d| task.co_departments.contains(&d)))
            }
            Role::Town => self.town_id.is_some() && task.town == self.town_id,
            Role::ServiceManager | Role::Viewer => false,
        }
    }

    /// Complete a task: its claimer or the office.
    pub fn can_complete(&self, task: &TaskFacts) -> bool {
        match self.role {
            Role::Admin | Role::Office => true,
            Role::Leader => self.person_id.is_some() && task.claimed_by_person == self.person_id,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            role,
            person_id: Some(10),
            department_id: Some(20),
            town_id: Some(30),
        }
    }

    #[test]
    fn town_users_see_their_own_town_only() {
        let town = user(Role::Town);
        assert!(town.can_read(Scope::of(ScopeKind::Town, 30)));
        assert!(!town.can_read(Scope::of(ScopeKind::Town, 31)));
        assert!(town.can_read(Scope::city()));
        assert!(!town.can_read(Scope::of(ScopeKind::Department, 20)));
        assert!(town.can_write(Scope::of(ScopeKind::Town, 30), None));
        assert!(!town.can_write(Scope::of(ScopeKind::Town, 31), None));
        assert!(!town.can_write(Scope::city(), None));
    }

    #[test]
    fn leaders_write_the_tracks_they_lead() {
        let leader = user(Role::Leader);
        let led = TrackFacts {
            leaders: vec![10],
            lead_department: Some(99),
        };
        let other = TrackFacts {
            leaders: vec![11],
            lead_department: Some(99),
        };
        let track = Scope::of(ScopeKind::Track, 5);
        assert!(leader.can_write(track, Some(&led)));
        assert!(!leader.can_write(track, Some(&other)));
        assert!(!leader.can_write(Scope::city(), None));
        assert!(leader.can_read(Scope::of(ScopeKind::Town, 31)));
    }

    #[test]
    fn departments_write_their_own_and_the_tracks_they_lead() {
        let dept = user(Role::Department);
        let owned = TrackFacts {
            leaders: vec![],
            lead_department: Some(20),
        };
        let not_owned = TrackFacts {
            leaders: vec![],
            lead_department: Some(21),
        };
        assert!(dept.can_write(Scope::of(ScopeKind::Track, 5), Some(&owned)));
        assert!(!dept.can_write(Scope::of(ScopeKind::Track, 5), Some(&not_owned)));
        assert!(dept.can_write(Scope::of(ScopeKind::Department, 20), None));
        assert!(!dept.can_read(Scope::of(ScopeKind::Department, 21)));
    }

    #[test]
    fn confidential_projects_show_their_name_only_inside_their_scope() {
        let track = TrackFacts {
            leaders: vec![10],
            lead_department: Some(20),
        };
        let p = ProjectFacts {
            town: Some(30),
            confidential: true,
            track: Some(track),
        };
        assert!(user(Role::Office).sees_real_name(&p));
        assert!(user(Role::Leader).sees_real_name(&p), "leads the track");
        assert!(user(Role::Department).sees_real_name(&p), "lead department");
        assert!(user(Role::Town).sees_real_name(&p), "its town");
        let outsider = Principal {
            town_id: Some(31),
            ..user(Role::Town)
        };
        assert!(!outsider.sees_real_name(&p));
        assert!(!user(Role::Viewer).sees_real_name(&p));
        assert!(user(Role::Viewer).sees_real_name(&ProjectFacts {
            confidential: false,
            ..p.clone()
        }));
        assert!(user(Role::Town).can_write_project(&p) && !outsider.can_write_project(&p));
        assert!(!user(Role::Viewer).can_write_project(&p));
    }

    #[test]
    fn who_works_on_a_task() {
        let task = TaskFacts {
            claimed_by_person: Some(10),
            owner_department: Some(20),
            co_departments: vec![21],
            town: Some(30),
        };
        assert!(user(Role::Leader).can_work_on(&task));
        assert!(user(Role::Leader).can_complete(&task));
        let other_leader = Principal {
            person_id: Some(11),
            ..user(Role::Leader)
        };
        assert!(!other_leader.can_work_on(&task));
        assert!(user(Role::Department).can_work_on(&task));
        assert!(!user(Role::Department).can_complete(&task));
        let co = Principal {
            department_id: Some(21),
            ..user(Role::Department)
        };
        assert!(co.can_work_on(&task));
        let stranger = Principal {
            department_id: Some(22),
            ..user(Role::Department)
        };
        assert!(!stranger.can_work_on(&task));
        assert!(user(Role::Town).can_work_on(&task));
        assert!(!user(Role::Viewer).can_work_on(&task));
    }

    #[test]
    fn read_only_roles_write_nothing() {
        for role in [Role::Viewer, Role::ServiceManager] {
            let u = user(role);
            for kind in ScopeKind::ALL {
                assert!(!u.can_write(Scope::of(kind, 1), Some(&TrackFacts::default())));
            }
        }
        assert!(user(Role::Office).can_write(Scope::of(ScopeKind::Town, 77), None));
    }
}
