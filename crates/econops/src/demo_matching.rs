//! The demo's supply–demand matching (供需对接): products for a few hundred of the demo's firms
//! and about 150 needs, written as the two import files a region would upload (示例企业产品,
//! 示例外购需求) and loaded through `workflow::matching`; then some needs are introduced to
//! their best local supplier and some of those closed with a deal. Deterministic: firms are
//! taken in id order. No demo firm of the "gap" divisions (pharmaceuticals, chemical fibres,
//! electronic components) sells anything, so the needs of those classes have no local supplier
//! and show on the 无本地供应 list the attraction route reads.

use crate::demo::DemoError;
use store::matching::OfferKind;
use store::policies::Prefilter;
use store::{Actor, Store};
use workflow::matching::{FirmRef, ImportOffers};

/// Divisions no demo firm supplies.
const GAP_DIVISIONS: [&str; 3] = ["27", "28", "39"];
/// The classes of the needs nobody local supplies.
const GAP_CLASSES: [(&str, &str, &str); 5] = [
    ("3973", "车规级芯片", "芯片、集成电路"),
    ("3981", "片式电容电阻", "电容、电阻、元器件"),
    ("2710", "原料药", "原料药、医药中间体"),
    ("2720", "注射剂包材配套药剂", "制剂、药品"),
    ("2811", "化纤浆粕", "浆粕、纤维素"),
];

fn short(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A product's name and keywords from its class's name: "汽车零部件及配件制造" sells
/// "汽车零部件及配件", keywords the class and its group without 制造.
fn product_of(class: &str) -> Option<(String, String)> {
    let name = domain::industry::name(class)?;
    let group = domain::industry::name(class.get(..3)?).unwrap_or(name);
    let strip = |s: &str| {
        s.trim_end_matches("制造")
            .trim_end_matches("加工")
            .trim_end_matches("服务")
            .to_string()
    };
    let base = strip(name);
    let mut keywords = vec![short(&base, 20)];
    let g = short(&strip(group), 20);
    if !keywords.contains(&g) && !g.is_empty() {
        keywords.push(g);
    }
    Some((short(&base, 36), keywords.join("、")))
}

pub async fn load(store: &Store, region: &str) -> Result<(), DemoError> {
    let actor = Actor::system("示例数据");
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
    let mut firms = store.policy_firms(region, &Prefilter::default()).await?;
    firms.sort_by_key(|f| f.id);
    let firms: Vec<_> = firms
        .into_iter()
        .filter_map(|f| {
            let class = f.industry_code.clone()?;
            domain::industry::class(&class).ok()?;
            Some((f, class))
        })
        .collect();

    // Products: every ninth firm outside the gap divisions.
    let mut products = String::from("统一社会信用代码,企业名称,产品名称,行业代码,关键词\n");
    let mut offered: Vec<(String, String, String)> = Vec::new();
    for (i, (f, class)) in firms.iter().enumerate() {
        if i % 9 != 0 || GAP_DIVISIONS.iter().any(|d| class.starts_with(d)) {
            continue;
        }
        let Some((name, keywords)) = product_of(class) else {
            continue;
        };
        products.push_str(&format!(
            "{},{},{name},{class},{keywords}\n",
            f.uscc,
            f.name.replace(',', "，")
        ));
        offered.push((class.clone(), name, keywords));
    }
    if offered.is_empty() {
        return Ok(());
    }

    // Needs: every 31st firm (about 160 of 5,000); one in five in a gap class.
    let mut needs =
        String::from("统一社会信用代码,企业名称,需求名称,行业代码,关键词,年采购额（万元）\n");
    for (n, (f, _)) in firms.iter().skip(4).step_by(31).enumerate() {
        let amount = 30 + (n * 137) % 1_970;
        let (name, class, keywords) = if n % 5 == 4 {
            let (class, name, keywords) = GAP_CLASSES[(n / 5) % GAP_CLASSES.len()];
            (name.to_string(), class.to_string(), keywords.to_string())
        } else {
            let (class, name, keywords) = &offered[(n * 7) % offered.len()];
            (format!("外购{name}"), class.clone(), keywords.clone())
        };
        needs.push_str(&format!(
            "{},{},{},{class},{keywords},{amount}\n",
            f.uscc,
            f.name.replace(',', "，"),
            short(&name, 40)
        ));
    }

    for (kind, file, body) in [
        (OfferKind::Product, "示例企业产品.csv", products),
        (OfferKind::Need, "示例外购需求.csv", needs),
    ] {
        workflow::matching::import_offers(
            store,
            caller(),
            &ImportOffers {
                kind,
                region: region.to_string(),
                file_name: file.into(),
                write: true,
            },
            body.into_bytes(),
        )
        .await
        .map_err(|e| DemoError::Invalid(format!("{file}：{e}")))?;
    }

    // Introductions: every third need that has a local supplier, to its best one; every other
    // introduction closed with a deal of about a third of the yearly amount.
    let board = workflow::matching::board(store, &system, region).await?;
    let today = domain::period::format_date(store.now().date());
    let matched = board.needs.iter().filter(|n| !n.suggestions.is_empty());
    for (k, need) in matched.step_by(3).enumerate() {
        let Some(best) = need.suggestions.first() else {
            continue;
        };
        let (id, _) = workflow::matching::introduce(
            store,
            caller(),
            need.id,
            &FirmRef::Uscc(best.uscc.clone()),
            "服务经理人组织供需双方见面洽谈",
        )
        .await?;
        if k % 2 == 0 {
            let deal = domain::Yuan(need.amount_yuan / 3 / 100 * 100).wan_text_fine();
            workflow::matching::record_deal(store, caller(), id, &deal.replace(',', ""), &today)
                .await?;
        }
    }
    Ok(())
}
