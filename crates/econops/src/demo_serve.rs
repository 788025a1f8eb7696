//! The demo's 存量提升 data: the mapping from industry classes and name keywords to Jiaozhou's
//! 22 tracks (`demo/serve/track-mapping.csv`, editable like any region's), loaded through the
//! same store calls a region's own mapping goes through.

use crate::demo::DemoError;
use domain::enterprise::TrackRule;
use std::collections::HashMap;
use store::{Actor, WriteTx};

const TRACK_MAPPING: &str = include_str!("../demo/serve/track-mapping.csv");

/// The demo's mapping as rules over the loaded tracks' ids.
pub fn track_rules(tracks: &HashMap<String, i64>) -> Result<Vec<TrackRule>, DemoError> {
    let mut rules = Vec::new();
    for (i, line) in TRACK_MAPPING.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').collect();
        let [track, industry, keyword] = cols[..] else {
            return Err(DemoError::Invalid(format!(
                "track-mapping.csv line {}: expected track,industry,keyword",
                i + 1
            )));
        };
        let id = *tracks.get(track.trim()).ok_or_else(|| {
            DemoError::Invalid(format!(
                "track-mapping.csv line {}: unknown track {track}",
                i + 1
            ))
        })?;
        rules.push(
            TrackRule::new(id, industry, keyword).map_err(|e| {
                DemoError::Invalid(format!("track-mapping.csv line {}: {e}", i + 1))
            })?,
        );
    }
    Ok(rules)
}

/// Stores the demo's mapping.
pub async fn load_track_rules(
    tx: &mut WriteTx,
    actor: &Actor,
    region: &str,
    tracks: &HashMap<String, i64>,
) -> Result<(), DemoError> {
    let rules = track_rules(tracks)?;
    tx.replace_track_rules(actor, region, &rules).await?;
    Ok(())
}
