//! Benchmarks of the accounting model against the budgets in DESIGN.md: one region-period
//! under 1 ms; 3,000 regions × 12 periods under 1 s.

use analytics::{analyze, synthetic};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn one_region_period(c: &mut Criterion) {
    let input = synthetic::model(42);
    c.bench_function("analyze one region-period", |b| {
        b.iter(|| analyze(black_box(&input)))
    });
}

fn province_scale(c: &mut Criterion) {
    let inputs: Vec<_> = (0..3_000u64 * 12).map(synthetic::model).collect();
    let mut group = c.benchmark_group("province");
    group.sample_size(10);
    group.bench_function("analyze 3000 regions x 12 periods", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for input in &inputs {
                if let Ok(a) = analyze(black_box(input)) {
                    sum += a.gdp_growth_pct;
                }
            }
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, one_region_period, province_scale);
criterion_main!(benches);
