//! The deployment configuration: one TOML file read by `econops serve --config FILE` (and
//! `demo --config`). Every key has a default taken from the code's own defaults, so a missing
//! file or a missing key means "as before"; `econops config example` prints the defaults as a
//! commented file generated from the same values, so the example cannot drift from the code.
//! A file with an unknown key, a wrong type or an out-of-range value is refused at start with
//! the key and the reason.

use analytics::WarningRules;
use domain::project::StallRules;
use domain::ProgressThresholds;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole file. Sections map onto the web application's settings in [`Settings::into_web_config`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub server: ServerSection,
    pub targets: TargetsSection,
    pub warnings: WarningsSection,
    pub projects: ProjectsSection,
    /// The weights of the 赛马 ranking (督办).
    pub ranking: RankingSection,
    /// Sign-in, sessions, tokens and login throttling (the web layer's own settings).
    pub auth: web::AuthSettings,
    pub uploads: UploadsSection,
    /// Enterprise requests (诉求): deadlines in working days, 共性问题, the firms' links.
    pub requests: domain::request::RequestRules,
    /// Enterprise service: visit cadence by firm class, the bulk assignment's default cap.
    pub service: domain::service::ServiceRules,
    /// Watch lists over firms' figures (小升规, 退规 risk, sharp falls).
    pub watch: analytics::watch::WatchRules,
    /// Plausible input (`domain::bounds::Bounds`).
    pub plausible: PlausibleSection,
}

/// The plausible ranges of typed numbers a deployment may move (`domain::bounds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlausibleSection {
    pub investment_max_yi: i64,
    pub investment_confirm_yi: i64,
    pub output_per_investment_max: i64,
    pub task_pp_max: f64,
    pub task_pp_gap_multiple: f64,
}

impl Default for PlausibleSection {
    fn default() -> Self {
        let b = domain::bounds::Bounds::default();
        Self {
            investment_max_yi: b.investment_max_yi,
            investment_confirm_yi: b.investment_confirm_yi,
            output_per_investment_max: b.output_per_investment_max,
            task_pp_max: b.task_pp_max,
            task_pp_gap_multiple: b.task_pp_gap_multiple,
        }
    }
}

/// How the server is reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Mark the session and sign-in cookies `Secure` (the site is reached over HTTPS).
    pub secure_cookies: bool,
    /// HTTPS is terminated in front of this server (a reverse proxy); silences the warning
    /// printed when the server listens on a non-loopback address.
    pub behind_tls_proxy: bool,
}

/// When a target turns yellow or red (序时进度).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetsSection {
    pub cumulative_watch_pp: f64,
    pub cumulative_alarm_pp: f64,
    pub level_rate_watch_pp: f64,
    pub level_shortfall_watch_pct: f64,
}

impl Default for TargetsSection {
    fn default() -> Self {
        let d = ProgressThresholds::default();
        Self {
            cumulative_watch_pp: d.cumulative_watch_pp,
            cumulative_alarm_pp: d.cumulative_alarm_pp,
            level_rate_watch_pp: d.level_rate_watch_pp,
            level_shortfall_watch_pct: d.level_shortfall_watch_pct,
        }
    }
}

/// Early-warning rules for indicators (找位置).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WarningsSection {
    pub red_on_negative_growth: bool,
    pub yellow_below_target_pp: f64,
    pub red_below_target_pp: f64,
    pub red_shortfall_gdp_pp: f64,
}

impl Default for WarningsSection {
    fn default() -> Self {
        let d = WarningRules::default();
        Self {
            red_on_negative_growth: d.red_on_negative_growth,
            yellow_below_target_pp: d.yellow_below_target_pp,
            red_below_target_pp: d.red_below_target_pp,
            red_shortfall_gdp_pp: d.red_shortfall_gdp_pp,
        }
    }
}

/// Projects (打项目): stall warnings and the assumed value added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectsSection {
    pub stall_watch_days: i64,
    pub stall_alarm_days: i64,
    pub value_added_percent: i64,
}

impl Default for ProjectsSection {
    fn default() -> Self {
        let stall = StallRules::default();
        Self {
            stall_watch_days: stall.watch_days,
            stall_alarm_days: stall.alarm_days,
            value_added_percent: domain::project::ValueAddedRule::default().percent,
        }
    }
}

/// The weights of the 赛马 score (`analytics::ranking`, docs/methods.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RankingSection {
    pub timeliness_weight: f64,
    pub results_weight: f64,
    pub overdue_day_points: f64,
    pub requests_weight: f64,
}

impl Default for RankingSection {
    fn default() -> Self {
        let d = analytics::ranking::RankingWeights::default();
        Self {
            timeliness_weight: d.timeliness,
            results_weight: d.results,
            overdue_day_points: d.overdue_day_points,
            requests_weight: d.requests,
        }
    }
}

/// Uploads waiting for confirmation and the limits every spreadsheet is read within
/// (`web::UploadLimits` and `io::ReadLimits`; the defaults are theirs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UploadsSection {
    pub max_upload_mib: i64,
    pub max_pending_uploads: i64,
    pub max_pending_per_user: i64,
    pub max_pending_mib: i64,
    pub pending_minutes: i64,
    pub max_decompressed_mib: i64,
    pub max_entry_mib: i64,
    pub max_sheet_cells: i64,
    pub max_sheet_rows: i64,
    pub max_sheet_columns: i64,
    pub max_cell_chars: i64,
}

const MIB: u64 = 1024 * 1024;

impl Default for UploadsSection {
    fn default() -> Self {
        let u = web::UploadLimits::default();
        let r = &u.read;
        let mib = |bytes: u64| i64::try_from(bytes / MIB).unwrap_or(i64::MAX);
        Self {
            max_upload_mib: mib(r.max_file_bytes),
            max_pending_uploads: i64::try_from(u.total).unwrap_or(i64::MAX),
            max_pending_per_user: i64::try_from(u.per_user).unwrap_or(i64::MAX),
            max_pending_mib: mib(u.total_bytes),
            pending_minutes: i64::try_from(u.ttl.as_secs() / 60).unwrap_or(i64::MAX),
            max_decompressed_mib: mib(r.max_decompressed_bytes),
            max_entry_mib: mib(r.max_entry_bytes),
            max_sheet_cells: i64::try_from(r.max_cells).unwrap_or(i64::MAX),
            max_sheet_rows: i64::from(r.max_rows),
            max_sheet_columns: i64::from(r.max_columns),
            max_cell_chars: i64::try_from(r.max_cell_chars).unwrap_or(i64::MAX),
        }
    }
}

impl UploadsSection {
    /// The web layer's limits; call after [`Settings::validate`] (every value is then in range).
    fn limits(&self) -> web::UploadLimits {
        let bytes = |mib: i64| u64::try_from(mib).unwrap_or(0).saturating_mul(MIB);
        web::UploadLimits {
            per_user: usize::try_from(self.max_pending_per_user).unwrap_or(1),
            total: usize::try_from(self.max_pending_uploads).unwrap_or(1),
            total_bytes: bytes(self.max_pending_mib),
            ttl: std::time::Duration::from_secs(
                u64::try_from(self.pending_minutes).unwrap_or(1) * 60,
            ),
            read: io::ReadLimits {
                max_file_bytes: bytes(self.max_upload_mib),
                max_decompressed_bytes: bytes(self.max_decompressed_mib),
                max_entry_bytes: bytes(self.max_entry_mib),
                max_cells: u64::try_from(self.max_sheet_cells).unwrap_or(1),
                max_rows: u32::try_from(self.max_sheet_rows).unwrap_or(1),
                max_columns: u32::try_from(self.max_sheet_columns).unwrap_or(1),
                max_cell_chars: usize::try_from(self.max_cell_chars).unwrap_or(1),
            },
        }
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("无法读取配置文件 {path}：{source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("配置文件 {path} 无法解析：{message}")]
    Parse { path: PathBuf, message: String },
    #[error("配置文件 {path} 中 {key} 不合适：{reason}")]
    Invalid {
        path: PathBuf,
        key: String,
        reason: String,
    },
}

/// Explanations of every key, written above it in `econops config example`.
const DOCS: &[(&str, &str)] = &[
    ("server", "How the server is reached."),
    (
        "server.secure_cookies",
        "Mark session and sign-in cookies Secure. Set to true when users reach the site over HTTPS.",
    ),
    (
        "server.behind_tls_proxy",
        "HTTPS is terminated by a reverse proxy in front of this server. Without it, serve warns\n\
         when it listens on a non-loopback address.",
    ),
    ("targets", "When a target turns yellow or red (序时进度)."),
    (
        "targets.cumulative_watch_pp",
        "Cumulative targets: yellow when completion lags the elapsed share of the year by more\n\
         than this many percentage points.",
    ),
    (
        "targets.cumulative_alarm_pp",
        "Cumulative targets: red beyond this lag (percentage points).",
    ),
    (
        "targets.level_rate_watch_pp",
        "Level targets in percent: yellow when the actual is this many percentage points below.",
    ),
    (
        "targets.level_shortfall_watch_pct",
        "Other level targets: yellow when the actual falls short by this percent of the target.",
    ),
    ("warnings", "Early-warning rules for indicators (找位置)."),
    (
        "warnings.red_on_negative_growth",
        "Negative real growth is red.",
    ),
    (
        "warnings.yellow_below_target_pp",
        "Yellow when growth is more than this many percentage points below target.",
    ),
    (
        "warnings.red_below_target_pp",
        "Red when growth is this many percentage points or more below target.",
    ),
    (
        "warnings.red_shortfall_gdp_pp",
        "Red when the shortfall costs GDP growth this many percentage points or more.",
    ),
    ("ranking", "The 赛马 ranking of departments and towns (督办): the weights of its score."),
    (
        "ranking.timeliness_weight",
        "Weight of timeliness (时效: due tasks accepted on time, less the overdue-day penalty), 0–100.",
    ),
    (
        "ranking.results_weight",
        "Weight of results (成效: the unit's targets' completion against 序时进度), 0–100; the two\n\
         weights may not both be 0.",
    ),
    (
        "ranking.overdue_day_points",
        "Timeliness points lost per day of mean lateness of the due tasks, 0–100.",
    ),
    (
        "ranking.requests_weight",
        "Weight of requests (诉求: the mean of the shares accepted on time, resolved on time and\n\
         rated 满意 or 基本满意), 0–100; a unit without requests is scored on the other parts only.",
    ),
    ("projects", "Projects (打项目)."),
    (
        "projects.stall_watch_days",
        "A project without a stage change or service record for more than this many days is yellow.",
    ),
    (
        "projects.stall_alarm_days",
        "... and red after more than this many days (also \"late\" in the pipeline scenarios).",
    ),
    (
        "projects.value_added_percent",
        "Value added at capacity assumed for a project without one, in percent of its investment.",
    ),
    ("auth", "Sign-in, sessions and API tokens."),
    ("auth.session_hours", "A session ends this many hours after sign-in (1–720)."),
    (
        "auth.token_days",
        "A new API token expires this many days after it was created (1–3650).",
    ),
    (
        "auth.max_failures",
        "Failed sign-ins that lock an account (1–100); the lock grows from 30 s to 15 min.",
    ),
    (
        "auth.throttle_per_minute",
        "Sign-in attempts accepted per client address and minute; 0 turns the throttle off.",
    ),
    (
        "auth.trust_forwarded_for",
        "Take the client address from the last X-Forwarded-For entry: only behind a reverse\nproxy that sets it and is the only way in.",
    ),
    (
        "auth.password_check_wait_ms",
        "How long a sign-in waits for a free password check before answering 429, in ms.",
    ),
    (
        "auth.concurrent_password_checks",
        "Password checks (about 20 MB each) running at once; 0 means one per processor core.",
    ),
    ("uploads", "Uploads and the limits every spreadsheet is read within."),
    (
        "uploads.max_upload_mib",
        "Largest file accepted, in MiB (the upload page and each file read).",
    ),
    (
        "uploads.max_pending_uploads",
        "Uploads waiting for confirmation at once on the server; beyond it a new one is refused.",
    ),
    (
        "uploads.max_pending_per_user",
        "Uploads one user may have waiting; a new one replaces that user's oldest.",
    ),
    ("uploads.max_pending_mib", "Bytes of all waiting uploads together, in MiB."),
    ("uploads.pending_minutes", "How long an upload waits for confirmation, in minutes."),
    (
        "uploads.max_decompressed_mib",
        "Bytes all entries of an .xlsx may decompress to, in MiB (declared and actual).",
    ),
    (
        "uploads.max_entry_mib",
        "Bytes one entry of an .xlsx (a sheet, the shared strings) may decompress to, in MiB.",
    ),
    (
        "uploads.max_sheet_cells",
        "Cells a table may hold in memory (each row counted as wide as its last cell).",
    ),
    ("uploads.max_sheet_rows", "Rows a sheet may declare or reach."),
    ("uploads.max_sheet_columns", "Columns a sheet may declare or reach."),
    ("uploads.max_cell_chars", "Characters one cell may hold (Excel's own limit is 32,767)."),
    (
        "plausible",
        "Plausible input: ranges of typed numbers a deployment may move (docs/domain.md).",
    ),
    (
        "plausible.investment_max_yi",
        "The largest total investment of one project, in 亿元 (refused above).",
    ),
    (
        "plausible.investment_confirm_yi",
        "Above this investment (亿元) an entry must be confirmed explicitly.",
    ),
    (
        "plausible.output_per_investment_max",
        "Output at capacity is at most this many times the total investment.",
    ),
    (
        "plausible.task_pp_max",
        "A task's expected effect is at most this many percentage points of GDP growth ...",
    ),
    (
        "plausible.task_pp_gap_multiple",
        "... and at most this many times its shortfall's gap.",
    ),
    ("requests", "Enterprise requests (诉求): deadlines in working days by the calendar in force."),
    ("requests.accept_days", "Accept within this many working days of submission."),
    ("requests.answer_days", "Answer within this many working days of submission."),
    ("requests.resolve_days", "Resolve within this many working days of submission."),
    (
        "requests.extended_resolve_days",
        "... or this many once the office approved the one extension.",
    ),
    (
        "requests.common_min_firms",
        "A category raised by at least this many firms of one track is a 共性问题 ...",
    ),
    ("requests.common_period_days", "... when raised within this many calendar days."),
    ("requests.link_days", "A firm's request link expires this many days after it was made."),
    ("requests.link_per_hour", "Submissions one firm's link accepts per hour."),
    (
        "requests.link_per_ip_per_minute",
        "Link pages and submissions accepted per client address and minute.",
    ),
    ("service", "Enterprise service (企业服务经理人): visits by firm class, bulk assignment."),
    ("service.key_months", "Visit key firms (链主, listed) every this many months."),
    ("service.above_scale_months", "Visit other above-scale firms every this many months."),
    ("service.other_months", "Visit other served firms every this many months (0: no cadence)."),
    ("service.manager_cap", "A bulk assignment gives one manager at most this many firms."),
    ("watch", "Watch lists over firms' year-to-date figures, refreshed after each figures import."),
    (
        "watch.candidate_share",
        "A firm below its scale line whose annualised revenue reaches this share of it is a 小升规 candidate.",
    ),
    (
        "watch.exit_margin",
        "An above-scale firm below line × (1 + this) whose revenue falls is at 退规 risk.",
    ),
    ("watch.fall_pct", "Output or electricity down more than this many percent year on year."),
];

fn doc(key: &str) -> Option<&'static str> {
    DOCS.iter().find(|(k, _)| *k == key).map(|(_, d)| *d)
}

impl Settings {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|e| match e {
            ParseError::Syntax(message) => ConfigError::Parse {
                path: path.to_path_buf(),
                message,
            },
            ParseError::Range { key, reason } => ConfigError::Invalid {
                path: path.to_path_buf(),
                key,
                reason,
            },
        })
    }

    /// Reads `path` when given, else the defaults.
    pub fn load_or_default(path: Option<&Path>) -> Result<Self, ConfigError> {
        path.map_or_else(|| Ok(Self::default()), Self::load)
    }

    /// Parses and checks the text of a configuration file.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let settings: Settings =
            toml::from_str(text).map_err(|e| ParseError::Syntax(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Range checks the types cannot express.
    pub fn validate(&self) -> Result<(), ParseError> {
        if let Err((key, reason)) = self.requests.check() {
            return Err(range(key, reason));
        }
        if let Err((key, reason)) = self.service.check() {
            return Err(range(key, reason));
        }
        if let Err((key, reason)) = self.watch.check() {
            return Err(range(key, reason));
        }
        let t = &self.targets;
        for (key, v) in [
            ("targets.cumulative_watch_pp", t.cumulative_watch_pp),
            ("targets.cumulative_alarm_pp", t.cumulative_alarm_pp),
            ("targets.level_rate_watch_pp", t.level_rate_watch_pp),
            (
                "targets.level_shortfall_watch_pct",
                t.level_shortfall_watch_pct,
            ),
        ] {
            float_in(key, v, 0.0, 100.0)?;
        }
        if t.cumulative_alarm_pp <= t.cumulative_watch_pp {
            return Err(range(
                "targets.cumulative_alarm_pp",
                format!(
                    "须大于 targets.cumulative_watch_pp（{}），实为 {}",
                    t.cumulative_watch_pp, t.cumulative_alarm_pp
                ),
            ));
        }
        let w = &self.warnings;
        float_in(
            "warnings.yellow_below_target_pp",
            w.yellow_below_target_pp,
            0.0,
            50.0,
        )?;
        float_in(
            "warnings.red_below_target_pp",
            w.red_below_target_pp,
            0.0,
            50.0,
        )?;
        float_in(
            "warnings.red_shortfall_gdp_pp",
            w.red_shortfall_gdp_pp,
            0.0,
            50.0,
        )?;
        if w.red_below_target_pp < w.yellow_below_target_pp {
            return Err(range(
                "warnings.red_below_target_pp",
                format!(
                    "不能小于 warnings.yellow_below_target_pp（{}），实为 {}",
                    w.yellow_below_target_pp, w.red_below_target_pp
                ),
            ));
        }
        let p = &self.projects;
        int_in("projects.stall_watch_days", p.stall_watch_days, 1, 3650)?;
        int_in("projects.stall_alarm_days", p.stall_alarm_days, 1, 3650)?;
        if p.stall_alarm_days <= p.stall_watch_days {
            return Err(range(
                "projects.stall_alarm_days",
                format!(
                    "须大于 projects.stall_watch_days（{}），实为 {}",
                    p.stall_watch_days, p.stall_alarm_days
                ),
            ));
        }
        int_in(
            "projects.value_added_percent",
            p.value_added_percent,
            1,
            100,
        )?;
        let r = &self.ranking;
        float_in("ranking.timeliness_weight", r.timeliness_weight, 0.0, 100.0)?;
        float_in("ranking.results_weight", r.results_weight, 0.0, 100.0)?;
        float_in(
            "ranking.overdue_day_points",
            r.overdue_day_points,
            0.0,
            100.0,
        )?;
        float_in("ranking.requests_weight", r.requests_weight, 0.0, 100.0)?;
        if r.timeliness_weight + r.results_weight <= 0.0 {
            return Err(range(
                "ranking.results_weight",
                "ranking.timeliness_weight 与 ranking.results_weight 不能同时为 0".to_string(),
            ));
        }
        self.auth
            .validate()
            .map_err(|(key, reason)| range(&format!("auth.{key}"), reason))?;
        let u = &self.uploads;
        int_in("uploads.max_upload_mib", u.max_upload_mib, 1, 1024)?;
        int_in(
            "uploads.max_pending_uploads",
            u.max_pending_uploads,
            1,
            10_000,
        )?;
        int_in(
            "uploads.max_pending_per_user",
            u.max_pending_per_user,
            1,
            100,
        )?;
        int_in("uploads.max_pending_mib", u.max_pending_mib, 1, 65_536)?;
        int_in("uploads.pending_minutes", u.pending_minutes, 1, 24 * 60)?;
        int_in(
            "uploads.max_decompressed_mib",
            u.max_decompressed_mib,
            1,
            16_384,
        )?;
        int_in("uploads.max_entry_mib", u.max_entry_mib, 1, 16_384)?;
        int_in("uploads.max_sheet_cells", u.max_sheet_cells, 1, 100_000_000)?;
        int_in("uploads.max_sheet_rows", u.max_sheet_rows, 1, 1_048_576)?;
        int_in("uploads.max_sheet_columns", u.max_sheet_columns, 1, 16_384)?;
        int_in("uploads.max_cell_chars", u.max_cell_chars, 1, 32_767)?;
        let b = &self.plausible;
        int_in(
            "plausible.investment_max_yi",
            b.investment_max_yi,
            1,
            100_000,
        )?;
        int_in(
            "plausible.investment_confirm_yi",
            b.investment_confirm_yi,
            1,
            b.investment_max_yi,
        )?;
        int_in(
            "plausible.output_per_investment_max",
            b.output_per_investment_max,
            1,
            100,
        )?;
        float_in("plausible.task_pp_max", b.task_pp_max, 0.01, 20.0)?;
        float_in(
            "plausible.task_pp_gap_multiple",
            b.task_pp_gap_multiple,
            1.0,
            1000.0,
        )?;
        Ok(())
    }

    /// The web application's settings.
    pub fn into_web_config(self) -> web::Config {
        let Settings {
            server,
            targets,
            warnings,
            projects,
            ranking,
            auth,
            uploads,
            plausible,
            requests,
            service,
            watch,
        } = self;
        web::Config {
            rules: workflow::Settings {
                thresholds: ProgressThresholds {
                    cumulative_watch_pp: targets.cumulative_watch_pp,
                    cumulative_alarm_pp: targets.cumulative_alarm_pp,
                    level_rate_watch_pp: targets.level_rate_watch_pp,
                    level_shortfall_watch_pct: targets.level_shortfall_watch_pct,
                },
                warning_rules: WarningRules {
                    red_on_negative_growth: warnings.red_on_negative_growth,
                    yellow_below_target_pp: warnings.yellow_below_target_pp,
                    red_below_target_pp: warnings.red_below_target_pp,
                    red_shortfall_gdp_pp: warnings.red_shortfall_gdp_pp,
                },
                stall: StallRules {
                    watch_days: projects.stall_watch_days,
                    alarm_days: projects.stall_alarm_days,
                },
                value_added: domain::project::ValueAddedRule {
                    percent: projects.value_added_percent,
                },
                bounds: domain::bounds::Bounds {
                    investment_max_yi: plausible.investment_max_yi,
                    investment_confirm_yi: plausible.investment_confirm_yi,
                    output_per_investment_max: plausible.output_per_investment_max,
                    task_pp_max: plausible.task_pp_max,
                    task_pp_gap_multiple: plausible.task_pp_gap_multiple,
                },
                ranking: analytics::ranking::RankingWeights {
                    timeliness: ranking.timeliness_weight,
                    results: ranking.results_weight,
                    overdue_day_points: ranking.overdue_day_points,
                    requests: ranking.requests_weight,
                },
                requests,
                service,
                watch,
            },
            secure_cookies: server.secure_cookies,
            auth,
            uploads: uploads.limits(),
        }
    }

    /// The commented example file: the defaults, each key under its explanation.
    pub fn example() -> String {
        let plain = toml::to_string(&Settings::default()).unwrap_or_default();
        let mut out = String::from(
            "# EconOps configuration: econops serve --config FILE\n\
             # Every key is optional; the values below are the defaults.\n",
        );
        let mut section = String::new();
        for line in plain.lines() {
            let trimmed = line.trim();
            if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                section = name.to_string();
                out.push('\n');
                push_comment(&mut out, doc(&section).unwrap_or(""));
            } else if let Some((key, _)) = trimmed.split_once(" = ") {
                push_comment(&mut out, doc(&format!("{section}.{key}")).unwrap_or(""));
            } else if trimmed.is_empty() {
                continue;
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// Every `section.key` the file accepts, in file order (for tests and documentation).
    pub fn keys() -> Vec<String> {
        let plain = toml::to_string(&Settings::default()).unwrap_or_default();
        let mut section = String::new();
        let mut keys = Vec::new();
        for line in plain.lines() {
            let t = line.trim();
            if let Some(name) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                section = name.to_string();
            } else if let Some((key, _)) = t.split_once(" = ") {
                keys.push(format!("{section}.{key}"));
            }
        }
        keys
    }

    /// Whether every key has an explanation in the example.
    pub fn undocumented_keys() -> Vec<String> {
        Self::keys()
            .into_iter()
            .filter(|k| doc(k).is_none())
            .collect()
    }

    /// The warning to print when the server listens where others can reach it over plain HTTP.
    pub fn exposure_warning(&self, addr: std::net::SocketAddr) -> Option<String> {
        if addr.ip().is_loopback() || self.server.behind_tls_proxy {
            return None;
        }
        Some(format!(
            "警告：服务监听在非本机地址 {addr}，但配置中未声明 HTTPS 终止（[server] behind_tls_proxy = true）。\
             密码和会话将以明文传输；请在前面放置 HTTPS 反向代理（见 docs/deployment.md），\
             并设置 secure_cookies = true。"
        ))
    }
}

fn push_comment(out: &mut String, text: &str) {
    for l in text.lines() {
        out.push_str("# ");
        out.push_str(l);
        out.push('\n');
    }
}

/// Why a configuration text was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("{0}")]
    Syntax(String),
    #[error("{key}：{reason}")]
    Range { key: String, reason: String },
}

fn range(key: &str, reason: String) -> ParseError {
    ParseError::Range {
        key: key.to_string(),
        reason,
    }
}

fn float_in(key: &str, v: f64, lo: f64, hi: f64) -> Result<(), ParseError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(range(key, format!("须在 {lo} 到 {hi} 之间，实为 {v}")))
    }
}

fn int_in(key: &str, v: i64, lo: i64, hi: i64) -> Result<(), ParseError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(range(key, format!("须在 {lo} 到 {hi} 之间，实为 {v}")))
    }
}
