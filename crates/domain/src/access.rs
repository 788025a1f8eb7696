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

/// What every user who may not see a confidential project's real names sees instead of its
/// investor.
pub const MASKED_INVESTOR: &str = "（保密）";

/// What a confidential project without a code name is called outside its scope.
pub const MASKED_NAME: &str = "（保密项目）";

/// The facts about a project that decide who reads it, who changes it and who sees its real
/// names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFacts {
    pub town: Option<i64>,
    /// Whether the project negotiates under a code name.
    pub confidential: bool,
    /// Its track's leaders and lead department, when it has a track.
    pub track: Option<TrackFacts>,
    /// Person ids of the leaders who cover its town (包联领导), when it has a town.
    pub town_leaders: Vec<i64>,
}

/// A project's names as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectNames {
    pub name: String,
    pub code_name: String,
    pub investor: String,
}

/// A project's names as one user may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownNames {
    pub name: String,
    pub investor: String,
    /// Whether the real names were replaced.
    pub masked: bool,
}

impl Principal {
    /// Read a project: a town reads its own town's projects only; every other role reads the
    /// city's whole pipeline (a confidential project under its code name, see
    /// [`Principal::shown_names`]).
    pub fn can_read_project(&self, p: &ProjectFacts) -> bool {
        match self.role {
            Role::Town => self.town_id.is_some() && p.town == self.town_id,
            Role::Admin
            | Role::Office
            | Role::Leader
            | Role::Department
            | Role::ServiceManager
            | Role::Viewer => true,
        }
    }

    /// Change a project: the office all; a leader the projects of tracks he leads or of towns he
    /// covers; a department the projects of tracks it leads; a town its own town's projects.
    pub fn can_write_project(&self, p: &ProjectFacts) -> bool {
        let track = p.track.as_ref();
        match self.role {
            Role::Admin | Role::Office => true,
            Role::Leader => self.person_id.is_some_and(|pid| {
                track.is_some_and(|t| t.leaders.contains(&pid)) || p.town_leaders.contains(&pid)
            }),
            Role::Department => track.is_some_and(|t| {
                t.lead_department.is_some() && t.lead_department == self.department_id
            }),
            Role::Town => p.town.is_some() && p.town == self.town_id,
            Role::ServiceManager | Role::Viewer => false,
        }
    }

    /// Change a project from `before` to `after` (e.g. move it to another town): allowed only
    /// when the user may write both, so nobody moves a project out of or into a scope not theirs.
    pub fn can_change_project(&self, before: &ProjectFacts, after: &ProjectFacts) -> bool {
        self.can_write_project(before) && self.can_write_project(after)
    }

    /// See a confidential project's real name and investor: exactly those who may change it.
    /// Everyone else sees its code name.
    pub fn sees_real_name(&self, p: &ProjectFacts) -> bool {
        !p.confidential || self.can_write_project(p)
    }

    /// The one masking rule: the name and investor of a project as this user may see them.
    pub fn shown_names(&self, p: &ProjectFacts, names: &ProjectNames) -> ShownNames {
        if self.sees_real_name(p) {
            return ShownNames {
                name: names.name.clone(),
                investor: names.investor.clone(),
                masked: false,
            };
        }
        let code = names.code_name.trim();
        ShownNames {
            name: if code.is_empty() {
                MASKED_NAME.to_string()
            } else {
                code.to_string()
            },
            investor: MASKED_INVESTOR.to_string(),
            masked: true,
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

    /// Read a task: a town's task is that town's business (and the city's); a task without a
    /// town is every reader's.
    pub fn can_read_task(&self, town: Option<i64>) -> bool {
        town.is_none_or(|t| self.can_read(Scope::of(ScopeKind::Town, t)))
    }

    /// Claim a task: a leader with a person record who answers for the task's track or town
    /// (`covers`, as the store records who leads which track and town).
    pub fn can_claim_task(&self, covers: bool) -> bool {
        self.role == Role::Leader && self.person_id.is_some() && covers
    }

    /// Open and close shortfalls, create and cancel tasks: the office.
    pub fn can_direct_tasks(&self) -> bool {
        self.role.is_office()
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

/// The least number of firms an aggregate of firm figures may cover when shown to someone who
/// may not see each firm's own figures (statistics law: no figure may reveal one firm).
pub const MIN_AGGREGATE_FIRMS: usize = 3;

/// The facts about an enterprise that decide who sees it and its monthly figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnterpriseFacts {
    pub town: Option<i64>,
    /// The person who serves the firm (企业服务经理人), when one is assigned.
    pub service_manager: Option<i64>,
    /// Person ids of the lead and responsible leaders of the firm's tracks.
    pub track_leaders: Vec<i64>,
}

impl Principal {
    /// See a firm in the registry (name, code, class, tags): a town sees its own town's firms
    /// only; every other role the region's registry, which is public record.
    pub fn can_read_enterprise(&self, e: &EnterpriseFacts) -> bool {
        match self.role {
            Role::Town => self.town_id.is_some() && e.town == self.town_id,
            Role::Admin
            | Role::Office
            | Role::Leader
            | Role::Department
            | Role::ServiceManager
            | Role::Viewer => true,
        }
    }

    /// See one firm's own monthly figures (output, revenue, electricity, tax, employees),
    /// confidential under the statistics law: the office, the firm's service manager, its town
    /// and the leaders of its tracks. Everyone else sees aggregates of at least
    /// [`MIN_AGGREGATE_FIRMS`] firms.
    pub fn can_see_firm_figures(&self, e: &EnterpriseFacts) -> bool {
        let me = |p: Option<i64>| self.person_id.is_some() && p == self.person_id;
        match self.role {
            Role::Admin | Role::Office => true,
            Role::Town => self.town_id.is_some() && e.town == self.town_id,
            Role::ServiceManager => me(e.service_manager),
            Role::Leader => self.person_id.is_some_and(|p| e.track_leaders.contains(&p)),
            Role::Department | Role::Viewer => false,
        }
    }

    /// Edit a firm's registry entry: the office, and a town for its own town's firms.
    pub fn can_write_enterprise(&self, e: &EnterpriseFacts) -> bool {
        match self.role {
            Role::Admin | Role::Office => true,
            Role::Town => self.town_id.is_some() && e.town == self.town_id,
            _ => false,
        }
    }
}

/// Whether an aggregate over `firms` firms may be shown to someone who may not see each one.
pub fn aggregate_may_be_shown(firms: usize) -> bool {
    firms >= MIN_AGGREGATE_FIRMS
}

/// Whether the sum over a group of firms may be shown to someone who sees `hidden` of them
/// not (and the others by name, with their own values): the sum less the named values is the
/// hidden firms' aggregate, so it may be shown when none is hidden or the hidden are at least
/// [`MIN_AGGREGATE_FIRMS`] (four firms of a town, two named to a service manager, would give
/// away the other two's sum).
pub fn group_sum_may_be_shown(hidden: usize) -> bool {
    hidden == 0 || aggregate_may_be_shown(hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_sum_never_gives_away_fewer_than_three_hidden_firms() {
        assert!(group_sum_may_be_shown(0), "all seen by name");
        assert!(!group_sum_may_be_shown(1));
        assert!(!group_sum_may_be_shown(2));
        assert!(group_sum_may_be_shown(3));
        assert!(group_sum_may_be_shown(40));
    }

    #[test]
    fn who_reads_claims_and_directs_tasks() {
        assert!(user(Role::Town).can_read_task(Some(30)));
        assert!(
            !user(Role::Town).can_read_task(Some(31)),
            "another town's task"
        );
        assert!(user(Role::Town).can_read_task(None));
        assert!(!user(Role::Department).can_read_task(Some(30)));
        assert!(user(Role::Leader).can_read_task(Some(31)));
        assert!(user(Role::Leader).can_claim_task(true));
        assert!(!user(Role::Leader).can_claim_task(false));
        let mut unlinked = user(Role::Leader);
        unlinked.person_id = None;
        assert!(
            !unlinked.can_claim_task(true),
            "a leader without a person record"
        );
        assert!(
            !user(Role::Office).can_claim_task(true),
            "the office does not claim"
        );
        assert!(user(Role::Office).can_direct_tasks() && user(Role::Admin).can_direct_tasks());
        assert!(!user(Role::Leader).can_direct_tasks());
    }

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

    /// A project in town 30 on a track led by person 10 with lead department 20; person 12
    /// covers town 30.
    fn project(confidential: bool) -> ProjectFacts {
        ProjectFacts {
            town: Some(30),
            confidential,
            track: Some(TrackFacts {
                leaders: vec![10],
                lead_department: Some(20),
            }),
            town_leaders: vec![12],
        }
    }

    fn names() -> ProjectNames {
        ProjectNames {
            name: "真实名称".into(),
            code_name: "代号A".into(),
            investor: "某集团".into(),
        }
    }

    #[test]
    fn project_reads_by_role() {
        let p = project(false);
        for role in Role::ALL {
            let expected = role != Role::Town;
            let stranger = Principal {
                person_id: Some(99),
                department_id: Some(98),
                town_id: Some(97),
                ..user(role)
            };
            assert_eq!(stranger.can_read_project(&p), expected, "{role:?}");
        }
        assert!(user(Role::Town).can_read_project(&p), "its own town");
        let placeless = ProjectFacts {
            town: None,
            ..project(false)
        };
        assert!(!user(Role::Town).can_read_project(&placeless));
        let townless_user = Principal {
            town_id: None,
            ..user(Role::Town)
        };
        assert!(!townless_user.can_read_project(&placeless));
    }

    #[test]
    fn project_writes_by_role() {
        let p = project(false);
        let stranger = |role| Principal {
            person_id: Some(99),
            department_id: Some(98),
            town_id: Some(97),
            ..user(role)
        };
        for role in Role::ALL {
            let insider = matches!(
                role,
                Role::Admin | Role::Office | Role::Leader | Role::Department | Role::Town
            );
            assert_eq!(user(role).can_write_project(&p), insider, "{role:?}");
            let outsider = matches!(role, Role::Admin | Role::Office);
            assert_eq!(
                stranger(role).can_write_project(&p),
                outsider,
                "{role:?} outside"
            );
        }
        // A leader covering the town writes it, though he does not lead the track.
        let covering = Principal {
            person_id: Some(12),
            ..user(Role::Leader)
        };
        assert!(covering.can_write_project(&p));
        // A leader or department without facts to match writes nothing.
        let trackless = ProjectFacts {
            track: None,
            town_leaders: vec![],
            ..project(false)
        };
        assert!(!user(Role::Leader).can_write_project(&trackless));
        assert!(!user(Role::Department).can_write_project(&trackless));
        assert!(user(Role::Town).can_write_project(&trackless));
        let no_person = Principal {
            person_id: None,
            ..user(Role::Leader)
        };
        assert!(!no_person.can_write_project(&p));
        let no_dept = Principal {
            department_id: None,
            ..user(Role::Department)
        };
        let deptless_track = ProjectFacts {
            track: Some(TrackFacts {
                leaders: vec![],
                lead_department: None,
            }),
            ..project(false)
        };
        assert!(!no_dept.can_write_project(&deptless_track));
    }

    #[test]
    fn moving_a_project_needs_both_scopes() {
        let here = project(false);
        let elsewhere = ProjectFacts {
            town: Some(31),
            town_leaders: vec![],
            ..project(false)
        };
        // A town cannot move its project away, nor another town's project in.
        let town = user(Role::Town);
        assert!(town.can_change_project(&here, &here));
        assert!(!town.can_change_project(&here, &elsewhere));
        assert!(!town.can_change_project(&elsewhere, &here));
        // The department leading the track keeps it when the town changes.
        assert!(user(Role::Department).can_change_project(&here, &elsewhere));
        // A leader who only covers town 30 cannot move the project out of it.
        let covering = Principal {
            person_id: Some(12),
            ..user(Role::Leader)
        };
        let off_track = |f: &ProjectFacts| ProjectFacts {
            track: None,
            ..f.clone()
        };
        assert!(covering.can_change_project(&off_track(&here), &off_track(&here)));
        assert!(!covering.can_change_project(&off_track(&here), &off_track(&elsewhere)));
        assert!(user(Role::Office).can_change_project(&here, &elsewhere));
        assert!(!user(Role::Viewer).can_change_project(&here, &here));
    }

    #[test]
    fn confidential_projects_show_their_names_only_inside_their_scope() {
        let p = project(true);
        for role in Role::ALL {
            let shown = user(role).shown_names(&p, &names());
            let inside = !matches!(role, Role::Viewer | Role::ServiceManager);
            assert_eq!(!shown.masked, inside, "{role:?}");
            if inside {
                assert_eq!(
                    (shown.name.as_str(), shown.investor.as_str()),
                    ("真实名称", "某集团")
                );
            } else {
                assert_eq!(shown.name, "代号A");
                assert_eq!(shown.investor, MASKED_INVESTOR);
            }
        }
        let outsider = Principal {
            person_id: Some(99),
            department_id: Some(98),
            town_id: Some(31),
            ..user(Role::Town)
        };
        let shown = outsider.shown_names(&p, &names());
        assert!(shown.masked && shown.investor == MASKED_INVESTOR && shown.name == "代号A");
        for role in [Role::Leader, Role::Department] {
            let other = Principal {
                person_id: Some(99),
                department_id: Some(98),
                ..user(role)
            };
            assert!(other.shown_names(&p, &names()).masked, "{role:?}");
        }
        // Not confidential: everyone sees the names.
        for role in Role::ALL {
            assert!(!user(role).shown_names(&project(false), &names()).masked);
        }
        // Confidential without a code name: a placeholder, never the real name.
        let nameless = ProjectNames {
            code_name: " ".into(),
            ..names()
        };
        assert_eq!(
            user(Role::Viewer).shown_names(&p, &nameless).name,
            MASKED_NAME
        );
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

    #[test]
    fn firm_figures_are_seen_by_office_own_town_service_manager_and_track_leaders_only() {
        let firm = EnterpriseFacts {
            town: Some(7),
            service_manager: Some(40),
            track_leaders: vec![11, 12],
        };
        let who = |role, person: Option<i64>, town: Option<i64>| Principal {
            user_id: 1,
            username: "u".into(),
            role,
            person_id: person,
            department_id: Some(3),
            town_id: town,
        };
        let cases = [
            (who(Role::Admin, None, None), true, true),
            (who(Role::Office, None, None), true, true),
            (who(Role::Town, None, Some(7)), true, true),
            (who(Role::Town, None, Some(8)), false, false),
            (who(Role::Town, None, None), false, false),
            (who(Role::ServiceManager, Some(40), None), true, true),
            (who(Role::ServiceManager, Some(41), None), true, false),
            (who(Role::ServiceManager, None, None), true, false),
            (who(Role::Leader, Some(12), None), true, true),
            (who(Role::Leader, Some(13), None), true, false),
            (who(Role::Department, Some(12), None), true, false),
            (who(Role::Viewer, None, None), true, false),
        ];
        for (p, reads, figures) in cases {
            assert_eq!(p.can_read_enterprise(&firm), reads, "{p:?} reads");
            assert_eq!(p.can_see_firm_figures(&firm), figures, "{p:?} figures");
        }
        // A firm without a service manager: no service manager sees its figures.
        let unassigned = EnterpriseFacts {
            service_manager: None,
            ..firm.clone()
        };
        assert!(!who(Role::ServiceManager, None, None).can_see_firm_figures(&unassigned));
        assert!(!aggregate_may_be_shown(2));
        assert!(aggregate_may_be_shown(3));
    }
}
