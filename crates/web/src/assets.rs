//! Static assets embedded in the binary: government intranets have no internet, so no page
//! loads anything from another host. ECharts and htmx come from npm (see package-lock.json).
//!
//! Each asset is served under a content-hashed name (`/assets/app.1a2b3c4d5e6f.css`) with
//! immutable caching, so a browser fetches it once per release; pages link it through [`url`].
//! The plain name still answers, with short caching. Assets are compressed once (gzip and
//! brotli, on first use) rather than on every request: ECharts alone is a megabyte.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::{LazyLock, OnceLock};

const ECHARTS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../node_modules/echarts/dist/echarts.min.js"
));
const HTMX: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../node_modules/htmx.org/dist/htmx.min.js"
));
const CSS: &[u8] = include_bytes!("../static/app.css");
const APP_JS: &[u8] = include_bytes!("../static/app.js");

struct Asset {
    /// The plain name, "app.css".
    name: &'static str,
    /// The hashed name, "app.1a2b3c4d5e6f.css".
    hashed: String,
    mime: &'static str,
    body: &'static [u8],
    gzip: OnceLock<Vec<u8>>,
    brotli: OnceLock<Vec<u8>>,
}

impl Asset {
    fn new(name: &'static str, mime: &'static str, body: &'static [u8]) -> Self {
        let digest = hex::encode(Sha256::digest(body));
        let hashed = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.{}.{ext}", &digest[..12]),
            None => format!("{name}.{}", &digest[..12]),
        };
        Self {
            name,
            hashed,
            mime,
            body,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    fn gzip(&self) -> &[u8] {
        self.gzip.get_or_init(|| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            // Writing to a Vec cannot fail; an empty result is served uncompressed instead.
            encoder
                .write_all(self.body)
                .and_then(|_| encoder.finish())
                .unwrap_or_default()
        })
    }

    fn brotli(&self) -> &[u8] {
        self.brotli.get_or_init(|| {
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality: 9,
                ..Default::default()
            };
            match brotli::BrotliCompress(&mut &self.body[..], &mut out, &params) {
                Ok(_) => out,
                Err(_) => Vec::new(),
            }
        })
    }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    vec![
        Asset::new("echarts.min.js", "text/javascript; charset=utf-8", ECHARTS),
        Asset::new("htmx.min.js", "text/javascript; charset=utf-8", HTMX),
        Asset::new("app.css", "text/css; charset=utf-8", CSS),
        Asset::new("app.js", "text/javascript; charset=utf-8", APP_JS),
    ]
});

/// The URL of an asset under its content-hashed name; templates call this.
pub fn url(name: &str) -> String {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => format!("/assets/{}", a.hashed),
        None => format!("/assets/{name}"),
    }
}

/// Compresses every asset once, off the request path (called when the server starts).
pub fn warm() {
    for a in ASSETS.iter() {
        a.gzip();
        a.brotli();
    }
}

/// Which encoding the client accepts, best first: brotli, then gzip.
fn accepted(headers: &HeaderMap) -> Option<&'static str> {
    let accept = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| {
            let mut it = part.split(';');
            let coding = it.next()?.trim().to_ascii_lowercase();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (!refused).then_some(coding)
        })
        .collect::<Vec<_>>();
    if accept.iter().any(|c| c == "br") {
        Some("br")
    } else if accept.iter().any(|c| c == "gzip") {
        Some("gzip")
    } else {
        None
    }
}

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let found = ASSETS
        .iter()
        .find(|a| a.hashed == file)
        .map(|a| (a, true))
        .or_else(|| ASSETS.iter().find(|a| a.name == file).map(|a| (a, false)));
    let Some((asset, hashed)) = found else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let cache = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let encoding = accepted(&headers);
    // Compression happens once; the first caller waits on a blocking thread, not the runtime.
    let body: Vec<u8> = match encoding {
        Some(coding) => {
            let name = asset.name;
            let compressed = tokio::task::spawn_blocking(move || {
                let a = ASSETS.iter().find(|a| a.name == name)?;
                Some(if coding == "br" { a.brotli() } else { a.gzip() }.to_vec())
            })
            .await
            .ok()
            .flatten()
            .filter(|b| !b.is_empty());
            match compressed {
                Some(b) => b,
                None => return plain(asset, cache),
            }
        }
        None => return plain(asset, cache),
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, asset.mime),
            (header::CACHE_CONTROL, cache),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if let Some(coding) = encoding {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}

fn plain(asset: &Asset, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, asset.mime),
            (header::CACHE_CONTROL, cache),
            (header::VARY, "accept-encoding"),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_change_with_content_and_keep_the_extension() {
        let u = url("app.css");
        assert!(u.starts_with("/assets/app.") && u.ends_with(".css"), "{u}");
        assert_eq!(u.len(), "/assets/app..css".len() + 12);
        assert_eq!(url("unknown.js"), "/assets/unknown.js");
    }

    #[test]
    fn accept_encoding_prefers_brotli_and_honours_q_zero() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            "gzip, deflate, br".parse().unwrap(),
        );
        assert_eq!(accepted(&h), Some("br"));
        h.insert(header::ACCEPT_ENCODING, "gzip, br;q=0".parse().unwrap());
        assert_eq!(accepted(&h), Some("gzip"));
        h.insert(header::ACCEPT_ENCODING, "identity".parse().unwrap());
        assert_eq!(accepted(&h), None);
    }

    #[test]
    fn compressed_assets_decompress_to_the_original() {
        use std::io::Read;
        let a = &ASSETS[2];
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(a.gzip())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, a.body);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &a.brotli()[..], &mut out).unwrap();
        assert_eq!(out, a.body);
    }
}
