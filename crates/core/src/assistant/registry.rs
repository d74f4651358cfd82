//! The edits a request makes by naming things this recipe has, in the order
//! they are tried: the first that recognises the request makes it. The order
//! is data (a test holds it), and adding such an edit kind is its module
//! (an `edit` of the `Grounded` shape) plus one row here.
//!
//! Before these rows come the horizon ("forecast 12 weeks ahead") and the
//! question check; after them, any setting by its name (`settings`), which
//! needs the topic route to know the request is not refused whole.

use super::draft::{Decline, Draft};
use super::text::Tokens;
use super::{Intent, features, metadata, monitored_metrics, monitoring, primary, ranges, swap};
use serde_json::Value;

/// An edit read from a request against a manifest: None when the request
/// is not this kind of edit.
pub type Grounded = fn(&Tokens, &Value) -> Option<Result<Draft, Decline>>;

pub struct EditKind {
    /// What it is called: the order test reads it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: &'static str,
    /// What the reply says it did.
    pub intent: Intent,
    pub edit: Grounded,
}

pub const GROUNDED_EDITS: &[EditKind] = &[
    // "don't page anyone for r2": the rule on that metric becomes a warning.
    EditKind {
        name: "unpage",
        intent: Intent::AddAlert,
        edit: monitoring::unpage,
    },
    // "have the wape alert fire at 0.26".
    EditKind {
        name: "retune_alert",
        intent: Intent::AddAlert,
        edit: monitoring::retune,
    },
    // "start monitoring qini_coefficient", "stop tracking bias".
    EditKind {
        name: "monitored_metrics",
        intent: Intent::SetSetting,
        edit: monitored_metrics::edit,
    },
    // "watch competitor_min_price": a feature watched for drift.
    EditKind {
        name: "watch_feature",
        intent: Intent::ConfigureDrift,
        edit: monitoring::watch_feature,
    },
    // "don't use is_private_label", "get rid of is_in_circular".
    EditKind {
        name: "features_not_used",
        intent: Intent::RemoveFeature,
        edit: features::not_used,
    },
    // "prices may move between 5% and 10%".
    EditKind {
        name: "ranges",
        intent: Intent::SetSetting,
        edit: |t, m| ranges::edit(&t.raw, m),
    },
    // Name, owner, industry, tags, description.
    EditKind {
        name: "metadata",
        intent: Intent::SetSetting,
        edit: |t, m| metadata::edit(&t.raw, m),
    },
    // "make mape the primary metric".
    EditKind {
        name: "primary_metric",
        intent: Intent::SetSetting,
        edit: primary::edit,
    },
    // "calibrate with sigmoid instead of isotonic".
    EditKind {
        name: "swap_text_value",
        intent: Intent::SetSetting,
        edit: swap::edit,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grounded_edits_are_tried_in_this_order() {
        let names: Vec<&str> = GROUNDED_EDITS.iter().map(|k| k.name).collect();
        assert_eq!(
            names,
            [
                "unpage",
                "retune_alert",
                "monitored_metrics",
                "watch_feature",
                "features_not_used",
                "ranges",
                "metadata",
                "primary_metric",
                "swap_text_value",
            ]
        );
    }
}
