//! The demo's policy library (惠企政策): 30 plausible policies for Jiaozhou, their conditions
//! written in the same Chinese words the form and the workbook take, over the demo registry's
//! tracks, towns, scale, tags, industry classes, founding dates, capital and staff — so that
//! they find firms in a small registry and in a full one alike. A few are pushed and cashed.
//! Everything goes through `workflow::policies`, as a region's own policies would.

use crate::demo::DemoError;
use domain::policy::ConditionInput;
use store::{Actor, Store};
use workflow::claim::Ref;
use workflow::policies::{ConditionSource, Draft, FirmRef};

/// One demo policy: title, issuer, owning department code ('' for the office), validity,
/// benefit, amount (万元, 0 for none) and the written conditions.
struct Demo {
    title: &'static str,
    issuer: &'static str,
    dept: &'static str,
    from: &'static str,
    to: &'static str,
    benefit: &'static str,
    amount: f64,
    /// industry, tracks, scale, tags, towns, founded from, founded to, capital min, employees min,
    /// employees max.
    when: [&'static str; 10],
}

const GXJ: &str = "胶州市工业和信息化局";
const KJJ: &str = "胶州市科学技术局";
const SWJ: &str = "胶州市商务局";
const RSJ: &str = "胶州市人力资源和社会保障局";
const JRB: &str = "中共胶州市委金融工作办公室";
const FGJ: &str = "胶州市发展和改革局";
const DSJJ: &str = "胶州市大数据发展局";
const SCJGJ: &str = "胶州市市场监督管理局";
const CZJ: &str = "胶州市财政局";
const GOV: &str = "胶州市人民政府办公室";

#[allow(clippy::too_many_arguments)]
const fn p(
    title: &'static str,
    issuer: &'static str,
    dept: &'static str,
    from: &'static str,
    to: &'static str,
    benefit: &'static str,
    amount: f64,
    when: [&'static str; 10],
) -> Demo {
    Demo {
        title,
        issuer,
        dept,
        from,
        to,
        benefit,
        amount,
        when,
    }
}

const POLICIES: [Demo; 30] = [
    p("规上工业企业技术改造设备投资补助", GXJ, "gxj", "2025-01-01", "2025-12-31",
      "对年度设备投资 500 万元以上的技术改造项目，按设备投资额的 10% 给予补助，单个企业最高 300 万元。", 300.0,
      ["", "", "规上工业", "", "", "", "", "", "", ""]),
    p("智能家电产业链配套企业稳链奖励", GXJ, "gxj", "2025-01-01", "2026-12-31",
      "对进入链主企业供应体系的本地配套企业，按新增配套额给予最高 50 万元奖励。", 50.0,
      ["", "智能家电", "规上", "", "", "", "", "", "", ""]),
    p("新一代信息技术与人工智能企业算力券", DSJJ, "dsjj", "2025-03-01", "2026-02-28",
      "对规模以上数字产业企业购买本地智算中心算力服务，按费用的 30% 发放算力券，每家每年最高 100 万元。", 100.0,
      ["", "新一代信息技术;人工智能;算力与未来网络", "规上", "", "", "", "", "", "", ""]),
    p("初创科技型企业研发费用补助", KJJ, "kjj", "2025-01-01", "2025-12-31",
      "对成立 5 年以内的科技型中小企业，按上年度研发费用的 10% 给予补助，最高 20 万元。", 20.0,
      ["", "人工智能;低空经济;商业航天;氢能与新型储能;合成生物;算力与未来网络", "", "", "", "2020-01-01", "", "", "", ""]),
    p("专精特新中小企业梯度培育奖励", GXJ, "gxj", "2025-01-01", "2027-12-31",
      "对新认定的省级、国家级专精特新中小企业分别奖励 20 万元、50 万元。", 50.0,
      ["", "", "", "专精特新", "", "", "", "", "", ""]),
    p("高新技术企业认定奖励", KJJ, "kjj", "2025-01-01", "2025-12-31",
      "对首次认定的高新技术企业奖励 20 万元，重新认定的奖励 10 万元。", 20.0,
      ["", "", "", "高新技术企业", "", "", "", "", "", ""]),
    p("链主企业带动配套奖励", GXJ, "gxj", "2025-01-01", "2026-12-31",
      "对年度本地配套采购额增长 20% 以上的链主企业，按增量的 1% 给予奖励，最高 200 万元。", 200.0,
      ["", "", "", "链主", "", "", "", "", "", ""]),
    p("企业上市挂牌分阶段奖励", JRB, "jrb", "2025-01-01", "2027-12-31",
      "对完成股改、辅导备案、申报受理、成功上市的企业分阶段给予奖励，累计最高 800 万元。", 800.0,
      ["", "", "规上", "", "", "", "", "5000", "", ""]),
    p("新能源汽车零部件企业首台套保险补贴", GXJ, "gxj", "2025-01-01", "2025-12-31",
      "对首台（套）重大技术装备和关键零部件投保，按保费的 80% 给予补贴。", 100.0,
      ["36", "智能网联新能源汽车", "", "", "", "", "", "", "", ""]),
    p("低空经济应用场景开放奖励", FGJ, "fgj", "2025-05-01", "2026-04-30",
      "对在本市开展低空物流、巡检等示范应用的企业，按场景给予最高 30 万元奖励。", 30.0,
      ["", "低空经济;航空航天;商业航天", "", "", "", "", "", "", "", ""]),
    p("新能源和储能项目并网服务包", FGJ, "fgj", "2025-01-01", "", 
      "对分布式光伏、储能项目开辟并网绿色通道，给予用能指标优先保障。", 0.0,
      ["", "新能源;氢能与新型储能", "", "", "", "", "", "", "", ""]),
    p("智能装备首台套推广应用奖励", GXJ, "gxj", "2025-01-01", "2025-12-31",
      "对认定为省首台（套）的技术装备，按销售额的 5% 奖励，最高 100 万元。", 100.0,
      ["34;35", "智能装备;锻压机械;节能环保设备", "", "", "", "", "", "", "", ""]),
    p("新材料首批次应用保险补偿", GXJ, "gxj", "2025-01-01", "2025-12-31",
      "对新材料首批次应用保险，按保费的 80% 给予补偿。", 50.0,
      ["26;29;30;32", "新材料", "", "", "", "", "", "", "", ""]),
    p("绿色食品企业品牌建设奖励", SWJ, "swj", "2025-01-01", "2025-12-31",
      "对获得绿色食品、有机产品认证或区域公用品牌授权的食品企业，每项奖励 5 万元。", 5.0,
      ["13;14", "绿色食品;香辛料调味品", "", "", "", "", "", "", "", ""]),
    p("农产品加工企业产地初加工补助", SWJ, "swj", "2025-03-01", "2025-11-30",
      "对在里岔、铺集、洋河等镇建设产地初加工设施的企业，按投资额的 20% 给予补助。", 40.0,
      ["", "绿色食品;香辛料调味品", "", "", "里岔镇;铺集镇;洋河镇;胶莱街道", "", "", "", "", ""]),
    p("钢结构装配式建筑推广奖励", FGJ, "fgj", "2025-01-01", "2026-12-31",
      "对钢结构企业参与装配式建筑项目，按应用面积给予每平方米 20 元奖励。", 60.0,
      ["33", "钢结构", "", "", "", "", "", "", "", ""]),
    p("帽饰服装企业跨境电商出口奖励", SWJ, "swj", "2025-01-01", "2025-12-31",
      "对通过跨境电商出口额 100 万美元以上的帽饰服装企业，按出口额的 1% 奖励，最高 30 万元。", 30.0,
      ["17;18", "帽饰服装", "", "", "", "", "", "", "", ""]),
    p("李哥庄镇帽饰产业集群数字化改造补助", GXJ, "gxj", "2025-04-01", "2026-03-31",
      "对李哥庄镇帽饰企业上云用数、建设数字化车间的，按投入的 20% 给予补助。", 20.0,
      ["", "帽饰服装", "", "", "李哥庄镇", "", "", "", "", ""]),
    p("现代物流企业多式联运补贴", SWJ, "swj", "2025-01-01", "2025-12-31",
      "对经上合示范区开展海铁、空铁联运的物流企业，按标箱给予补贴，每家最高 100 万元。", 100.0,
      ["54;58;59", "现代物流", "", "", "", "", "", "", "", ""]),
    p("限上商贸企业升规入限奖励", SWJ, "swj", "2025-01-01", "2025-12-31",
      "对首次纳入限额以上统计的批发、零售、住宿、餐饮企业一次性奖励 5 万元。", 5.0,
      ["51;52;61;62", "", "", "", "", "", "", "", "", ""]),
    p("小微企业升规纳统奖励", GXJ, "gxj", "2025-01-01", "2025-12-31",
      "对首次升规的工业企业奖励 10 万元，连续三年在库的再奖励 5 万元。", 10.0,
      ["13;14;17;18;26;29;30;33;34;35;36;38;39", "", "", "", "", "", "", "", "", "300"]),
    p("稳岗扩岗社会保险补贴", RSJ, "rsj", "2025-01-01", "2025-12-31",
      "对吸纳高校毕业生、就业困难人员的企业，按实际缴纳社保费给予补贴。", 0.0,
      ["", "", "", "", "", "", "", "", "20", ""]),
    p("重点企业用工服务专员对接", RSJ, "rsj", "2025-01-01", "",
      "对用工 300 人以上的重点企业，派驻用工服务专员，定向组织招聘对接。", 0.0,
      ["", "", "规上", "", "", "", "", "", "300", ""]),
    p("中小微企业贷款贴息", JRB, "jrb", "2025-01-01", "2025-12-31",
      "对从业人员 500 人以下的中小微企业新增流动资金贷款，按实际利息的 30% 贴息。", 30.0,
      ["", "", "", "", "", "", "", "", "", "500"]),
    p("首贷培植企业融资担保费补贴", JRB, "jrb", "2025-02-01", "2026-01-31",
      "对首次获得银行贷款的小微企业，担保费率超过 1% 的部分由财政补贴。", 10.0,
      ["", "", "", "", "", "2018-01-01", "", "", "", "100"]),
    p("企业研发投入后补助", KJJ, "kjj", "2025-01-01", "2025-12-31",
      "对研发投入占营业收入 3% 以上的规上企业，按新增研发投入的 10% 给予后补助。", 100.0,
      ["", "", "规上", "", "", "", "", "1000", "", ""]),
    p("质量标准品牌奖励", SCJGJ, "scjgj", "2025-01-01", "2025-12-31",
      "对主导制定国家、行业标准的企业，每项分别奖励 30 万元、10 万元。", 30.0,
      ["", "", "规上工业", "", "", "", "2015-12-31", "", "", ""]),
    p("胶北街道智能家电产业园入园企业租金减免", GOV, "", "2025-01-01", "2026-12-31",
      "对入驻胶北街道智能家电产业园的企业，前三年租金全额减免。", 0.0,
      ["", "智能家电;智能网联新能源汽车;智能装备", "", "", "胶北街道", "", "", "", "", ""]),
    p("上合示范区外贸企业出口信用保险补贴", CZJ, "czj", "2025-01-01", "2025-12-31",
      "对投保短期出口信用保险的外贸企业，按保费的 50% 补贴，最高 20 万元。", 20.0,
      ["", "", "规上", "", "胶东街道;九龙街道;胶北街道", "", "", "", "", ""]),
    p("2024 年度企业技术中心奖励（已到期）", GXJ, "gxj", "2024-01-01", "2024-12-31",
      "对新认定的市级以上企业技术中心给予一次性奖励。", 20.0,
      ["", "", "规上工业", "", "", "", "", "", "", ""]),
];

/// The demo policies: created through the workflow as the system administrator; then the
/// first eligible firms of two policies are pushed, and one push is cashed.
pub async fn load(store: &Store, region: &str) -> Result<(), DemoError> {
    let actor = Actor::system("演示数据");
    let system = domain::Principal {
        user_id: 0,
        username: "demo".into(),
        role: domain::Role::Admin,
        person_id: None,
        department_id: None,
        town_id: None,
    };
    let caller = || workflow::claim::Caller {
        principal: &system,
        actor: &actor,
    };
    let mut ids = Vec::new();
    for d in &POLICIES {
        let w = d.when;
        let draft = Draft {
            region: region.to_string(),
            title: d.title.to_string(),
            issuer: d.issuer.to_string(),
            department: (!d.dept.is_empty()).then(|| Ref::Code(d.dept.to_string())),
            valid_from: d.from.to_string(),
            valid_to: d.to.to_string(),
            benefit: d.benefit.to_string(),
            amount_wan: if d.amount > 0.0 {
                d.amount.to_string()
            } else {
                String::new()
            },
            conditions: ConditionSource::Words(ConditionInput {
                industry: w[0].into(),
                tracks: w[1].into(),
                scale: w[2].into(),
                tags: w[3].into(),
                towns: w[4].into(),
                founded_from: w[5].into(),
                founded_to: w[6].into(),
                capital_min: w[7].into(),
                employees_min: w[8].into(),
                employees_max: w[9].into(),
                ..ConditionInput::default()
            }),
        };
        let id = workflow::policies::create(store, caller(), &draft)
            .await
            .map_err(|e| DemoError::Invalid(format!("政策“{}”：{e}", d.title)))?;
        ids.push(id);
    }
    // Pushes: the first three eligible firms of the first two policies; the first one cashed.
    let mut first = true;
    for id in ids.iter().take(2) {
        let page = workflow::policies::eligible(store, &system, *id, 1, 3).await?;
        for f in page.firms {
            let push = workflow::policies::push(
                store,
                caller(),
                *id,
                &FirmRef::Id(f.id),
                "服务经理人上门宣讲并送达政策",
            )
            .await?;
            if first {
                let today = domain::period::format_date(store.now().date());
                workflow::policies::cash(store, caller(), push, "120", &today).await?;
                first = false;
            }
        }
    }
    Ok(())
}
