//! The demo's enterprise registry: about 1,100 above-scale and 4,000 other invented Jiaozhou
//! firms (marked 示例) with valid USCCs (GB 32100-2015 check characters, GB 11714 organisation
//! codes for firms founded before the 2015 reform), GB/T 4754-2017 classes that fit the city's
//! tracks, and the demo's own firms — its chain leaders among them — as full registry rows. The
//! above-scale firms get 2024–2025 year-to-date monthly figures whose panel growth follows the
//! demo's reported 规上工业 growth (a small, deliberate gap: coverage). Everything comes from a
//! seeded generator, so every start of the demo gets the same firms and the same figures; the
//! registry goes in through the registry's own import.

use crate::demo::{DemoData, DemoError};
use domain::enterprise::{self, ScaleKind, Tag};
use domain::Uscc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use store::{Actor, Store};

const OBSERVATIONS: &str = include_str!("../demo/locate/observations.csv");
const SEED: u64 = 0x0037_0281_2025;
/// The header the firm-figures import reads.
pub const FIGURES_HEADER: &str = "period,uscc,output_value,revenue,electricity_kwh,tax,employees,output_value_last_year,revenue_last_year";
/// Share of a year's output in each month (1–2 月 are reported together).
const SEASON: [f64; 12] = [
    0.060, 0.058, 0.085, 0.083, 0.085, 0.090, 0.080, 0.082, 0.088, 0.085, 0.090, 0.114,
];
/// The demo's 2024 规上工业 growth by month (1–2 月 … 1–12 月), %; the demo has no 2024 series.
const GROWTH_2024: [f64; 11] = [8.4, 8.1, 7.9, 7.8, 7.6, 7.7, 7.5, 7.6, 7.4, 7.5, 7.3];
/// The panel's distance from the published figure (the firms on the platform are not all of
/// the bureau's), pp, by month from 1–2 月.
const COVERAGE_PP: [f64; 11] = [
    -0.9, -0.6, -0.8, -0.5, -0.7, -0.6, -0.9, -0.8, -0.7, -0.6, -0.8,
];
const YEARS: [i32; 3] = [2023, 2024, 2025];
/// The demo's latest month of 2025.
const LAST_MONTH_2025: usize = 9;

/// Classes for the demo's own firms (by their code in the demo file), chosen so that the
/// track mapping puts each firm on its track.
const OWN_CLASSES: &[(&str, &str)] = &[
    ("haier", "3852"),
    ("haier-fridge", "3851"),
    ("huake-pcb", "3857"),
    ("haida-parts", "3857"),
    ("xinlian-micro", "3973"),
    ("shanghe-display", "3974"),
    ("shanghe-zhisuan", "6513"),
    ("kangrui-medical", "3581"),
    ("xincheng-auto-parts", "3670"),
    ("yihang-lowalt", "3499"),
    ("shanghe-energy", "4416"),
    ("jiaoxi-pv", "3825"),
    ("cimc-reefer", "3464"),
    ("alfa-laval", "3441"),
    ("zhikong-equipment", "3599"),
    ("jinjiao-materials", "2651"),
    ("linkong-aero-mro", "3744"),
    ("yihai-kerry", "1331"),
    ("licha-food", "1371"),
    ("puji-grain", "1312"),
    ("xiangyuan-seasoning", "1469"),
    ("lagu-food", "1469"),
    ("dongfang-tower", "3311"),
    ("huijintong", "3311"),
    ("hangxiao-steel", "3311"),
    ("qingduan-forging", "3422"),
    ("hongda-forging", "3422"),
    ("lvyuan-env", "3591"),
    ("guolu-fuji", "3591"),
    ("guanhua-hats", "1830"),
    ("shunfa-hats", "1830"),
    ("yuanshi-muyu", "2110"),
    ("jzw-logistics", "5821"),
    ("shanghe-supply-chain", "5821"),
    ("xingtu-rs", "6571"),
    ("qingyuan-hydrogen", "2619"),
    ("hesheng-bio", "2662"),
    ("shanghe-suanli", "6450"),
    ("fuan-textile", "1713"),
    ("licha-rubber", "2913"),
];
const LISTED: &[&str] = &["dongfang-tower", "huijintong"];

/// Industry prefixes of the generated industrial firms with their weight and the words their
/// names use (none of them a keyword of the track mapping).
const INDUSTRY: &[(&str, u32, &[&str])] = &[
    ("385", 60, &["电器", "家电", "电器配件", "制冷设备"]),
    ("395", 10, &["音响电子", "视听科技"]),
    ("391", 12, &["电子设备", "计算机科技"]),
    ("397", 18, &["电子科技", "微电子", "半导体"]),
    ("398", 20, &["电子元件", "电路科技", "精密电子"]),
    ("27", 25, &["药业", "医药科技", "生物制药"]),
    ("358", 20, &["医疗器械", "医疗设备"]),
    ("36", 55, &["汽车部件", "车辆配件", "专用车"]),
    ("384", 12, &["电池科技", "新能源电池"]),
    ("3825", 8, &["光伏科技", "光电科技"]),
    ("34", 70, &["机械", "通用机械", "泵阀", "传动设备"]),
    ("35", 80, &["专用设备", "装备制造", "机械装备"]),
    ("265", 15, &["新材料", "树脂材料"]),
    ("308", 8, &["特种陶瓷", "新材料"]),
    ("374", 6, &["航空部件", "航空科技"]),
    ("13", 45, &["食品", "粮油", "农副产品加工"]),
    ("14", 40, &["食品", "调味食品", "食品科技"]),
    ("15", 12, &["饮品", "酒业"]),
    ("146", 20, &["调味品", "酱料食品", "辣椒制品"]),
    ("3311", 25, &["钢结构", "铁塔", "钢构工程"]),
    ("3422", 12, &["锻压机械", "机床"]),
    ("3393", 12, &["锻造", "精锻科技"]),
    ("3591", 14, &["环保设备", "节能装备"]),
    ("18", 45, &["帽业", "服饰", "制衣"]),
    ("21", 30, &["家居", "家具"]),
    ("17", 35, &["纺织", "针织", "印染"]),
    ("29", 55, &["橡塑", "塑料制品", "橡胶制品"]),
    ("33", 60, &["金属制品", "五金", "金属科技"]),
    ("30", 30, &["建材", "新型建材", "玻璃制品"]),
    ("26", 25, &["化工", "精细化工"]),
    ("22", 12, &["纸业", "包装"]),
    ("23", 10, &["印务", "彩印包装"]),
    ("19", 12, &["皮革制品", "制鞋"]),
    ("20", 10, &["木业", "木制品"]),
    ("4411", 4, &["热电", "能源"]),
];
/// Trade and service prefixes: (prefix, names' words, how many above, how many below).
const OTHERS: &[(&str, &[&str], usize, usize)] = &[
    ("51", &["贸易", "商贸", "进出口", "供应链"], 70, 600),
    ("52", &["商贸", "超市", "百货", "汽车销售服务"], 50, 420),
    ("61", &["酒店管理", "宾馆"], 10, 60),
    ("62", &["餐饮管理", "餐饮服务"], 15, 240),
    ("54", &["运输", "物流"], 12, 160),
    ("58", &["国际货运代理", "物流"], 8, 80),
    ("59", &["仓储服务", "冷链物流"], 6, 60),
    ("65", &["信息技术", "软件科技", "网络科技"], 8, 220),
    ("72", &["企业管理咨询", "商务服务", "人力资源"], 6, 320),
    ("73", &["检测技术", "研发中心"], 2, 40),
    ("75", &["技术服务", "科技服务"], 3, 280),
    ("7020", &["物业管理"], 2, 60),
    ("80", &["家政服务", "汽车维修"], 0, 120),
    ("47", &["建筑工程", "建设工程"], 0, 150),
    ("48", &["市政工程", "路桥工程"], 0, 60),
    ("50", &["装饰工程", "安装工程"], 0, 90),
    ("01", &["农业科技", "种植专业合作社", "农业发展"], 0, 130),
    ("03", &["畜牧", "养殖"], 0, 50),
];
/// How many below-scale industrial firms (the 4,000 others, with [`OTHERS`]' below counts).
const SMALL_INDUSTRY: usize = 820;
const CONTINUING_INDUSTRY: usize = 790;
const ENTRANTS_2024: usize = 40;
const ENTRANTS_2025: usize = 52;
const EXITS_2025: usize = 24;

const BRAND: &[char] = &[
    '华', '鑫', '盛', '泰', '恒', '瑞', '宏', '凯', '德', '源', '信', '达', '海', '金', '祥', '利',
    '兴', '嘉', '博', '远', '丰', '成', '天', '鸿', '隆', '昌', '润', '晟', '弘', '正', '诚', '新',
    '立', '安', '佳', '益', '通', '联', '宇', '世', '汇', '铭', '永', '荣', '顺', '腾', '创', '昊',
    '翔', '耀', '卓', '越', '中', '琴', '岛', '晨', '致', '方', '明', '康', '宝', '福', '万', '众',
    '汉', '骏', '尚', '东', '鼎', '峰', '森', '沃', '力', '合', '和', '亿', '科', '美',
];
const OLD_ORG_PREFIXES: &[&str] = &[
    "16", "26", "56", "66", "70", "72", "73", "75", "76", "77", "79",
];
const MA_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Which kind of year-to-date series a firm reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Series {
    /// 规上工业: output value and revenue.
    Industry,
    /// 限上 trade and 规上服务业: revenue only.
    Revenue,
}

/// A firm's monthly figures (not yet accumulated) for 2023, 2024 and 2025; `None` where it
/// is not in the panel.
#[derive(Debug, Clone)]
struct Plan {
    series: Series,
    months: [[Option<f64>; 12]; 3],
    revenue_ratio: f64,
    tax_rate: f64,
    kwh_per_wan: f64,
    employees: f64,
}

/// One generated (or the demo's own) firm.
#[derive(Debug, Clone)]
pub struct DemoFirm {
    pub uscc: Uscc,
    pub name: String,
    pub class: &'static str,
    pub town: String,
    pub founded_on: String,
    pub capital_wan: f64,
    pub employees: i64,
    pub tags: Vec<Tag>,
    pub above_scale: bool,
    /// One of the demo file's firms (already stored; the import completes its entry).
    pub own: bool,
    plan: Option<Plan>,
}

/// The demo's firms.
#[derive(Debug, Clone)]
pub struct DemoFirms {
    pub firms: Vec<DemoFirm>,
}

struct Gen {
    rng: StdRng,
    usccs: HashSet<String>,
    names: HashSet<String>,
    classes: HashMap<&'static str, Vec<&'static str>>,
}

fn invalid(what: impl std::fmt::Display) -> DemoError {
    DemoError::Invalid(format!("demo firms: {what}"))
}

/// GB 11714 check character of an 8-character organisation code body (digits only here).
fn org_check(body: &[u8]) -> char {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.iter().zip(W).map(|(b, w)| (b - b'0') as u32 * w).sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        c => char::from(b'0' + c as u8),
    }
}

impl Gen {
    fn classes(&mut self, prefix: &'static str) -> Result<&[&'static str], DemoError> {
        if !self.classes.contains_key(prefix) {
            let width = 4 - prefix.len() as u32;
            let found: Vec<&'static str> = (0..10u32.pow(width))
                .filter_map(|n| {
                    let code = if width == 0 {
                        prefix.to_string()
                    } else {
                        format!("{prefix}{n:0w$}", w = width as usize)
                    };
                    domain::industry::class(&code).ok().map(|c| c.class.code)
                })
                .filter(|c| *c != "3463")
                .collect();
            if found.is_empty() {
                return Err(invalid(format!("no class under {prefix}")));
            }
            self.classes.insert(prefix, found);
        }
        Ok(&self.classes[prefix])
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    fn uscc(&mut self, founded_year: i32, kind: &str) -> Result<Uscc, DemoError> {
        loop {
            let org = if founded_year < 2015 {
                let mut body = (*self.pick(OLD_ORG_PREFIXES)).to_string();
                for _ in 0..6 {
                    body.push(char::from(b'0' + self.rng.gen_range(0..10u8)));
                }
                let check = org_check(body.as_bytes());
                format!("{body}{check}")
            } else {
                let mut body = String::from("MA");
                for _ in 0..7 {
                    body.push(char::from(*self.pick(MA_CHARS)));
                }
                body
            };
            let u = Uscc::with_check(&format!("{kind}370281{org}")).map_err(invalid)?;
            if self.usccs.insert(u.as_str().to_string()) {
                return Ok(u);
            }
        }
    }

    fn name(&mut self, words: &[&str], small: bool, listed: bool) -> String {
        loop {
            let a = *self.pick(BRAND);
            let b = *self.pick(BRAND);
            if a == b {
                continue;
            }
            let word = *self.pick(words);
            let place = if small && self.rng.gen_bool(0.6) {
                "胶州市"
            } else {
                "青岛"
            };
            let form = if word.ends_with("合作社") {
                ""
            } else if listed {
                "股份有限公司"
            } else {
                "有限公司"
            };
            let name = format!("{place}{a}{b}{word}{form}");
            if self.names.insert(name.clone()) {
                return name;
            }
        }
    }

    fn date(&mut self, from: i32, to: i32) -> (i32, String) {
        let y = self.rng.gen_range(from..=to);
        let m = self.rng.gen_range(1..=12);
        let d = self.rng.gen_range(1..=28);
        (y, format!("{y:04}-{m:02}-{d:02}"))
    }

    /// Log-normal draw around a median.
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        // Sum of uniforms as a cheap, deterministic normal.
        let z: f64 = (0..12).map(|_| self.rng.gen::<f64>()).sum::<f64>() - 6.0;
        median * (sigma * z).exp()
    }

    /// This year's change of a firm: most grow a little, some fall hard, some jump.
    fn growth(&mut self) -> f64 {
        let r: f64 = self.rng.gen();
        if r < 0.12 {
            self.rng.gen_range(-0.45..-0.15)
        } else if r < 0.22 {
            self.rng.gen_range(0.2..0.6)
        } else {
            self.rng.gen_range(-0.08..0.2)
        }
    }

    /// Monthly values of a year at an annual level.
    fn year(&mut self, level: f64) -> [Option<f64>; 12] {
        let mut out = [None; 12];
        for (m, v) in out.iter_mut().enumerate() {
            *v = Some(level * SEASON[m] * self.rng.gen_range(0.93..1.07));
        }
        out
    }

    fn plan(&mut self, series: Series, level_2024: f64, first: i32, exit: bool) -> Plan {
        let g24 = self.growth();
        let g25 = self.growth();
        let mut months = [[None; 12]; 3];
        if first <= 2023 {
            months[0] = self.year(level_2024 / (1.0 + g24));
        }
        if first <= 2024 {
            months[1] = self.year(level_2024);
        }
        if first == 2025 {
            // An entrant: `level_2024` is its first year's level.
            months[2] = self.year(level_2024);
        } else if !exit {
            months[2] = self.year(level_2024 * (1.0 + g25));
        }
        let (kwh, tax) = match series {
            Series::Industry => (
                self.rng.gen_range(60.0..600.0),
                self.rng.gen_range(0.02..0.06),
            ),
            Series::Revenue => (
                self.rng.gen_range(4.0..40.0),
                self.rng.gen_range(0.005..0.03),
            ),
        };
        Plan {
            series,
            months,
            revenue_ratio: match series {
                Series::Industry => self.rng.gen_range(0.9..1.02),
                Series::Revenue => 1.0,
            },
            tax_rate: tax,
            kwh_per_wan: kwh,
            employees: (level_2024 / self.rng.gen_range(60.0..200.0)).max(20.0),
        }
    }

    fn capital(&mut self, level: f64) -> f64 {
        ((level * self.rng.gen_range(0.03..0.2)) / 10.0)
            .round()
            .clamp(10.0, 20_000.0)
            * 10.0
    }
}

/// Generates the demo's firms (the same ones every time).
pub fn generate(data: &DemoData) -> Result<DemoFirms, DemoError> {
    let mut g = Gen {
        rng: StdRng::seed_from_u64(SEED),
        usccs: HashSet::new(),
        names: HashSet::new(),
        classes: HashMap::new(),
    };
    let towns: Vec<&str> = data.towns.iter().map(|t| t.name.as_str()).collect();
    let town_of: HashMap<&str, &str> = data
        .towns
        .iter()
        .map(|t| (t.code.as_str(), t.name.as_str()))
        .collect();
    let leaders: HashSet<&str> = data
        .tracks
        .iter()
        .flat_map(|t| t.chain_leaders.iter().map(String::as_str))
        .collect();
    let own_class: HashMap<&str, &str> = OWN_CLASSES.iter().copied().collect();
    let mut firms = Vec::new();
    // The demo's own firms, with the codes the demo loader gave them.
    for (i, e) in data.enterprises.iter().enumerate() {
        let uscc = match &e.uscc {
            Some(u) => Uscc::parse(u).map_err(invalid)?,
            None => Uscc::with_check(&format!("91{}MA{:07}", data.region.code, 3_100_000 + i))
                .map_err(invalid)?,
        };
        g.usccs.insert(uscc.as_str().to_string());
        g.names.insert(e.name.clone());
        let code = own_class
            .get(e.code.as_str())
            .ok_or_else(|| invalid(format!("no class for {}", e.code)))?;
        let class = domain::industry::class(code).map_err(invalid)?;
        let leader = leaders.contains(e.code.as_str());
        let level = if leader {
            g.lognormal(600_000.0, 0.5)
        } else {
            g.lognormal(60_000.0, 0.6)
        };
        let mut tags = Vec::new();
        if leader {
            tags.push(Tag::ChainLeader);
        }
        if g.rng.gen_bool(0.6) {
            tags.push(Tag::HighTech);
        }
        if LISTED.contains(&e.code.as_str()) {
            tags.push(Tag::Listed);
        }
        let series = match enterprise::scale_line(&class).map(|l| l.kind) {
            Some(ScaleKind::Industry) => Series::Industry,
            _ => Series::Revenue,
        };
        let plan = e.above_scale.then(|| g.plan(series, level, 2023, false));
        let (_, founded_on) = g.date(1998, 2016);
        firms.push(DemoFirm {
            uscc,
            name: e.name.clone(),
            class: class.class.code,
            town: e
                .town
                .as_deref()
                .and_then(|t| town_of.get(t).copied())
                .unwrap_or(towns[0])
                .to_string(),
            founded_on,
            capital_wan: g.capital(if e.above_scale { level } else { 20_000.0 }),
            employees: plan.as_ref().map_or(60.0, |p| p.employees).round() as i64,
            tags,
            above_scale: e.above_scale,
            own: true,
            plan,
        });
    }
    let weights: Vec<u32> = INDUSTRY.iter().map(|(_, w, _)| *w).collect();
    let total: u32 = weights.iter().sum();
    let industrial = CONTINUING_INDUSTRY + ENTRANTS_2024 + ENTRANTS_2025 + EXITS_2025;
    let mut listed_left = 3;
    for n in 0..industrial + SMALL_INDUSTRY {
        let mut r = g.rng.gen_range(0..total);
        let mut k = 0;
        while r >= weights[k] {
            r -= weights[k];
            k += 1;
        }
        let (prefix, _, words) = INDUSTRY[k];
        let candidates = g.classes(prefix)?.to_vec();
        let class = *g.pick(&candidates);
        let above = n < industrial;
        let (first, exit) = match n {
            n if n < CONTINUING_INDUSTRY => (2023, false),
            n if n < CONTINUING_INDUSTRY + ENTRANTS_2024 => (2024, false),
            n if n < CONTINUING_INDUSTRY + ENTRANTS_2024 + ENTRANTS_2025 => (2025, false),
            n if n < industrial => (2023, true),
            _ => (0, false),
        };
        let level = if !above {
            g.rng.gen_range(80.0..1_900.0)
        } else if first == 2025 {
            g.rng.gen_range(2_300.0..6_000.0)
        } else if exit {
            g.rng.gen_range(2_500.0..3_200.0)
        } else {
            g.lognormal(9_000.0, 1.0).max(2_600.0)
        };
        let listed = above && level > 150_000.0 && listed_left > 0;
        if listed {
            listed_left -= 1;
        }
        let name = g.name(words, !above, listed);
        let (founded, founded_on) = g.date(
            if above { 1994 } else { 2000 },
            if first == 2025 { 2021 } else { 2024 },
        );
        let mut tags = Vec::new();
        if g.rng.gen_bool(if above { 0.07 } else { 0.01 }) {
            tags.push(Tag::Specialised);
        }
        if g.rng.gen_bool(if above { 0.3 } else { 0.06 }) {
            tags.push(Tag::HighTech);
        }
        if listed {
            tags.push(Tag::Listed);
        }
        let plan = above.then(|| g.plan(Series::Industry, level, first, exit));
        firms.push(DemoFirm {
            uscc: g.uscc(founded, "91")?,
            name,
            class,
            town: (*g.pick(&towns)).to_string(),
            founded_on,
            capital_wan: g.capital(level),
            employees: plan
                .as_ref()
                .map_or_else(|| g.rng.gen_range(5.0..90.0), |p| p.employees)
                .round() as i64,
            tags,
            // Exits fell below the line: no longer above scale.
            above_scale: above && !exit,
            own: false,
            plan,
        });
    }
    for (prefix, words, above_n, below_n) in OTHERS {
        for n in 0..above_n + below_n {
            let above = n < *above_n;
            let candidates = g.classes(prefix)?.to_vec();
            let class = *g.pick(&candidates);
            let line = domain::industry::class(class)
                .ok()
                .and_then(|c| enterprise::scale_line(&c))
                .map_or(0.0, |l| l.threshold_wan as f64);
            let level = if above {
                line * g.lognormal(3.0, 0.5).max(1.15)
            } else if line > 0.0 {
                line * g.rng.gen_range(0.05..0.95)
            } else {
                g.rng.gen_range(50.0..3_000.0)
            };
            let name = g.name(words, !above, false);
            let (founded, founded_on) = g.date(if above { 1998 } else { 2003 }, 2024);
            let coop = name.ends_with("合作社");
            let plan = above.then(|| g.plan(Series::Revenue, level, 2023, false));
            let mut tags = Vec::new();
            if ["65", "73", "75"].contains(prefix) && g.rng.gen_bool(0.12) {
                tags.push(Tag::HighTech);
            }
            firms.push(DemoFirm {
                uscc: g.uscc(founded, if coop { "93" } else { "91" })?,
                name,
                class,
                town: (*g.pick(&towns)).to_string(),
                founded_on,
                capital_wan: g.capital(level.max(100.0)),
                employees: plan
                    .as_ref()
                    .map_or_else(|| g.rng.gen_range(3.0..60.0), |p| p.employees / 2.0)
                    .round() as i64,
                tags,
                above_scale: above,
                own: false,
                plan,
            });
        }
    }
    report_small_firms(&mut firms)?;
    let mut out = DemoFirms { firms };
    out.calibrate(&reported_growth()?);
    Ok(out)
}

/// How many below-line industrial firms report their revenue (from tax records), the ones the
/// 小升规 watch list reads.
const SMALL_REPORTING: usize = 120;

/// Gives the first [`SMALL_REPORTING`] below-line industrial firms revenue figures (no output
/// value: they are not in the 规上工业 panel) at annual levels of 600–1,950 万元, so that the
/// ones growing towards 2,000 万元 show up as 小升规 candidates. A second generator keeps every
/// other demo firm as it was.
fn report_small_firms(firms: &mut [DemoFirm]) -> Result<(), DemoError> {
    let mut g = Gen {
        rng: StdRng::seed_from_u64(SEED ^ 0x0051_2025),
        usccs: HashSet::new(),
        names: HashSet::new(),
        classes: HashMap::new(),
    };
    let mut n = 0;
    for f in firms.iter_mut() {
        if n == SMALL_REPORTING {
            break;
        }
        if f.own || f.above_scale || f.plan.is_some() {
            continue;
        }
        let class = domain::industry::class(f.class).map_err(invalid)?;
        if enterprise::scale_line(&class).map(|l| l.kind) != Some(ScaleKind::Industry) {
            continue;
        }
        let level = g.rng.gen_range(600.0..1_950.0);
        let mut plan = g.plan(Series::Revenue, level, 2023, false);
        plan.employees = f.employees as f64;
        f.plan = Some(plan);
        n += 1;
    }
    Ok(())
}

/// The demo's reported 规上工业增加值 growth (1–2 月 … 1–9 月 of 2025), %.
pub fn reported_growth() -> Result<Vec<(String, f64)>, DemoError> {
    let mut out = Vec::new();
    for line in OBSERVATIONS.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if cols.get(1) == Some(&"industrial-va") {
            let g = cols
                .get(3)
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| invalid(format!("observation {line}")))?;
            out.push((cols[0].to_string(), g));
        }
    }
    if out.len() != LAST_MONTH_2025 - 1 {
        return Err(invalid("expected 规上工业增加值 for 1–2 月 … 1–9 月"));
    }
    Ok(out)
}

impl DemoFirms {
    /// Scales each month's values of the industrial panel so that its year-to-date growth is
    /// the target's, month by month (1–2 月 together).
    fn calibrate(&mut self, reported: &[(String, f64)]) {
        for y in 1..3 {
            let last = if y == 2 { LAST_MONTH_2025 } else { 12 };
            let mut done_this = 0.0;
            let mut done_last = 0.0;
            for m in 2..=last {
                let idx = m - 2;
                let target_pct = if y == 2 {
                    reported[idx].1 + COVERAGE_PP[idx]
                } else {
                    GROWTH_2024[idx]
                };
                let range = if m == 2 { 0..2 } else { m - 1..m };
                let (mut raw, mut base) = (0.0, 0.0);
                for f in self.firms.iter().filter_map(|f| f.plan.as_ref()) {
                    if f.series != Series::Industry {
                        continue;
                    }
                    for k in range.clone() {
                        raw += f.months[y][k].unwrap_or(0.0);
                        base += f.months[y - 1][k].unwrap_or(0.0);
                    }
                }
                done_last += base;
                let want = done_last * (1.0 + target_pct / 100.0) - done_this;
                let factor = if raw > 0.0 { want / raw } else { 1.0 };
                for f in self.firms.iter_mut().filter_map(|f| f.plan.as_mut()) {
                    if f.series != Series::Industry {
                        continue;
                    }
                    for k in range.clone() {
                        if let Some(v) = f.months[y][k].as_mut() {
                            *v *= factor;
                        }
                    }
                }
                done_this += want;
            }
        }
    }

    /// The registry file the import reads (`uscc,name,industry_code,town,founded_on,
    /// registered_capital,employees,tags`).
    pub fn registry_csv(&self) -> String {
        let mut out = String::with_capacity(self.firms.len() * 120);
        out.push_str("uscc,name,industry_code,town,founded_on,registered_capital,employees,tags\n");
        for f in &self.firms {
            let tags: Vec<&str> = f.tags.iter().map(|t| t.label()).collect();
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                f.uscc.as_str(),
                f.name,
                f.class,
                f.town,
                f.founded_on,
                f.capital_wan,
                f.employees,
                tags.join(";")
            );
        }
        out
    }

    /// The firms' year-to-date figures, 1–2 月 2024 to 1–9 月 2025, in the firm-figures
    /// import's format (万元, kWh, persons; a value the firm does not have is left empty).
    pub fn figures_csv(&self) -> String {
        let mut out = String::with_capacity(self.firms.len() * 20 * 90);
        out.push_str(FIGURES_HEADER);
        out.push('\n');
        let cell = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
        for (y, year) in YEARS.iter().enumerate().skip(1) {
            let last = if y == 2 { LAST_MONTH_2025 } else { 12 };
            for m in 2..=last {
                for f in &self.firms {
                    let Some(p) = &f.plan else { continue };
                    let ytd = |year: usize| -> Option<f64> {
                        p.months[year][..m].iter().copied().sum::<Option<f64>>()
                    };
                    let (this, prev) = (ytd(y), ytd(y - 1));
                    if this.is_none() && prev.is_none() {
                        continue;
                    }
                    let industry = p.series == Series::Industry;
                    let output = |v: Option<f64>| if industry { v } else { None };
                    let revenue = |v: Option<f64>| v.map(|v| v * p.revenue_ratio);
                    let _ = writeln!(
                        out,
                        "{}-{m:02},{},{},{},{},{},{},{},{}",
                        year,
                        f.uscc.as_str(),
                        cell(output(this)),
                        cell(revenue(this)),
                        this.map(|v| format!("{:.0}", v * p.kwh_per_wan))
                            .unwrap_or_default(),
                        cell(revenue(this).map(|v| v * p.tax_rate)),
                        this.map(|_| format!("{:.0}", p.employees))
                            .unwrap_or_default(),
                        cell(output(prev)),
                        cell(revenue(prev)),
                    );
                }
            }
        }
        out
    }
}

/// The demo's firm figures as the firm-figures import reads them.
pub fn firm_figures_csv(data: &DemoData) -> Result<String, DemoError> {
    Ok(generate(data)?.figures_csv())
}

/// Imports the demo's registry through the registry's import, then marks the invented firms
/// 示例 and sets their scale flags.
pub async fn load(store: &Store, data: &DemoData, region: &str) -> Result<(), DemoError> {
    use workflow::serve::registry::{import_firms, ImportFirms};
    let firms = generate(data)?;
    let actor = Actor::system("示例数据");
    import_firms(
        store,
        &actor,
        &ImportFirms {
            region: region.to_string(),
            file_name: "示例企业名录.csv".into(),
            limits: io::ReadLimits::default(),
            write: true,
        },
        firms.registry_csv().into_bytes(),
        &mut |_, _, _| {},
    )
    .await?;
    let pick = |above: bool| -> Vec<String> {
        firms
            .firms
            .iter()
            .filter(|f| !f.own && f.above_scale == above)
            .map(|f| f.uscc.as_str().to_string())
            .collect()
    };
    let mut tx = store.begin_write().await?;
    tx.set_firm_flags(&actor, region, &pick(true), true, true)
        .await?;
    tx.set_firm_flags(&actor, region, &pick(false), false, true)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
#[path = "demo_firms_tests.rs"]
mod tests;
