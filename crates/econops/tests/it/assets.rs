//! Pages and assets travel compressed, and assets carry content-hashed names that browsers
//! may cache for good: the intranet's links are slow, and ECharts alone is a megabyte.

use crate::support;

use reqwest::StatusCode;
use store::Dialect;
use support::TestApp;

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn pages_and_assets_are_compressed_and_assets_cached_by_content_hash() {
    let Some(app) = TestApp::demo(Dialect::Sqlite).await else {
        return;
    };
    let s = app.login("office").await;
    // The page, asked for as a browser does.
    let resp = s
        .client
        .get(s.url("/"))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "content-encoding"), "br");
    // Without compression the page is the plain HTML that links hashed assets.
    let html = s
        .client
        .get(s.url("/"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let start = html
        .find("/assets/echarts.min.")
        .expect("hashed echarts link");
    let end = start + html[start..].find('"').expect("end of link");
    let hashed = &html[start..end];
    assert_ne!(hashed, "/assets/echarts.min.js", "the name carries a hash");
    for (encoding, expected) in [("br", "br"), ("gzip", "gzip"), ("identity", "")] {
        let resp = reqwest::Client::new()
            .get(app.url(hashed))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("asset");
        assert_eq!(resp.status(), StatusCode::OK, "{encoding}");
        assert_eq!(header(&resp, "content-encoding"), expected, "{encoding}");
        assert!(
            header(&resp, "cache-control").contains("immutable"),
            "hashed assets are immutable"
        );
        let body = resp.bytes().await.expect("body");
        if expected.is_empty() {
            assert!(body.len() > 500_000, "the whole of ECharts");
        } else {
            assert!(body.len() < 500_000, "{encoding} shrinks it");
        }
    }
    // The plain name still answers, without the long cache.
    let resp = reqwest::get(app.url("/assets/app.css"))
        .await
        .expect("asset");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(!header(&resp, "cache-control").contains("immutable"));
    // A stale hash is not found, so a browser never caches the wrong content under it.
    let resp = reqwest::get(app.url("/assets/app.000000000000.css"))
        .await
        .expect("asset");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
