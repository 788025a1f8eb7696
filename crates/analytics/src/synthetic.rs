//! Synthetic accounting models for benchmarks and scale tests: a county's twelve industries,
//! their driving indicators and a deflator, with growth rates varied deterministically by a
//! seed (a small linear congruential generator, so no dependency and the same data every run).

use crate::accounting::{AnalysisInput, Driver, IndicatorInput, IndicatorKind, IndustryInput};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

const INDUSTRIES: [(&str, &str, f64); 12] = [
    ("agriculture", "农林牧渔业", 0.039),
    ("industry", "工业", 0.405),
    ("construction", "建筑业", 0.047),
    ("trade", "批发和零售业", 0.092),
    ("transport", "交通运输、仓储和邮政业", 0.061),
    ("hospitality", "住宿和餐饮业", 0.016),
    ("finance", "金融业", 0.058),
    ("real-estate", "房地产业", 0.071),
    ("it", "信息传输、软件和信息技术服务业", 0.024),
    ("leasing", "租赁和商务服务业", 0.039),
    ("other-profit", "其他营利性服务业", 0.068),
    ("non-profit", "非营利性服务业", 0.080),
];

/// One region-period model; `seed` varies the growth rates.
pub fn model(seed: u64) -> AnalysisInput {
    let mut rng = Lcg(seed.wrapping_add(0x9E37_79B9_7F4A_7C15));
    let mut indicators = vec![IndicatorInput {
        code: "construction-price".into(),
        name: "建筑安装工程价格指数".into(),
        kind: IndicatorKind::Leading,
        growth: Some(rng.between(-1.0, 3.0)),
        deflator: None,
        target_growth: None,
        ytd_value: None,
        last_year_total: None,
        stock: false,
    }];
    let mut drivers = Vec::new();
    for (code, name, _) in INDUSTRIES.iter().skip(1) {
        let indicator = format!("{code}-indicator");
        let nominal = *code == "construction";
        indicators.push(IndicatorInput {
            code: indicator.clone(),
            name: format!("{name}驱动指标"),
            kind: IndicatorKind::Accounting,
            growth: Some(rng.between(-4.0, 14.0)),
            deflator: nominal.then(|| "construction-price".to_string()),
            target_growth: Some(rng.between(4.0, 10.0)),
            ytd_value: Some(rng.between(1e5, 1e7)),
            last_year_total: Some(rng.between(1.4e5, 1.4e7)),
            stock: false,
        });
        drivers.push(Driver {
            industry: (*code).into(),
            indicator,
            coefficient: rng.between(0.7, 1.1),
        });
    }
    for i in 0..8 {
        indicators.push(IndicatorInput {
            code: format!("leading-{i}"),
            name: format!("先行指标{i}"),
            kind: IndicatorKind::Leading,
            growth: Some(rng.between(-5.0, 15.0)),
            deflator: None,
            target_growth: Some(8.0),
            ytd_value: None,
            last_year_total: None,
            stock: false,
        });
    }
    let industries = INDUSTRIES
        .iter()
        .map(|(code, name, w)| IndustryInput {
            code: (*code).into(),
            name: (*name).into(),
            weight: *w,
            assumed_growth: (*code == "agriculture").then_some(4.0),
        })
        .collect();
    AnalysisInput {
        target_growth: 5.6,
        months: 1 + (seed % 12) as u32,
        gdp_share_reached: None,
        industries,
        indicators,
        drivers,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn synthetic_models_are_valid_and_deterministic() {
        let a = crate::analyze(&super::model(7)).expect("valid");
        let b = crate::analyze(&super::model(7)).expect("valid");
        assert_eq!(a, b);
        assert_ne!(a, crate::analyze(&super::model(8)).expect("valid"));
    }
}
