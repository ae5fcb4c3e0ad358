//! Weighted subject mappings (`mappings`).

use std::collections::BTreeMap;

use super::subjects::validate_subject;
use crate::go::json::{go_fields, go_object};
use crate::go::quote::quote;
use crate::validation::ValidationResults;

/// One destination of a subject mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeightedMapping {
    /// Destination subject (`subject`, always written).
    pub subject: String,
    /// Percentage of messages sent here (`weight`); 0 means 100.
    pub weight: u8,
    /// Only in this cluster (`cluster`).
    pub cluster: String,
}

go_fields!(WeightedMapping => [
    (always subject "subject")
    (omitempty weight "weight")
    (omitempty cluster "cluster")
]);
go_object!(WeightedMapping);

impl WeightedMapping {
    /// All messages to `subject`.
    pub fn new(subject: impl Into<String>) -> Self {
        WeightedMapping {
            subject: subject.into(),
            ..Default::default()
        }
    }

    /// `weight` percent of messages to `subject`.
    pub fn weighted(subject: impl Into<String>, weight: u8) -> Self {
        WeightedMapping {
            subject: subject.into(),
            weight,
            cluster: String::new(),
        }
    }

    /// The effective weight: 0 counts as 100.
    pub fn effective_weight(&self) -> u8 {
        if self.weight == 0 { 100 } else { self.weight }
    }
}

/// Source subject → weighted destinations.
pub type Mapping = BTreeMap<String, Vec<WeightedMapping>>;

/// Go's `Mapping.Validate`: valid subjects; weights at most 100 each, per cluster and in total.
pub(crate) fn validate_mappings(mappings: &Mapping, vr: &mut ValidationResults) {
    for (from, targets) in mappings {
        validate_subject(from, vr);
        let mut per_cluster: BTreeMap<&str, u32> = BTreeMap::new();
        let mut total: u32 = 0;
        for target in targets {
            validate_subject(&target.subject, vr);
            let weight = target.effective_weight();
            if weight > 100 {
                vr.add_error(format!(
                    "Mapping {} has a weight {weight} that exceeds 100",
                    quote(from)
                ));
            }
            if target.cluster.is_empty() {
                total += u32::from(weight);
            } else {
                let sum = per_cluster.entry(target.cluster.as_str()).or_default();
                *sum += u32::from(weight);
                if *sum > 100 {
                    vr.add_error(format!(
                        "Mapping {} in cluster {} exceeds 100% among all of it's weighted to mappings",
                        quote(from),
                        quote(&target.cluster)
                    ));
                }
            }
        }
        if total > 100 {
            vr.add_error(format!(
                "Mapping {} exceeds 100% among all of it's weighted to mappings",
                quote(from)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights() {
        let mut m = Mapping::new();
        m.insert(
            "work".into(),
            vec![
                WeightedMapping::weighted("a", 80),
                WeightedMapping::weighted("b", 30),
            ],
        );
        let mut vr = ValidationResults::new();
        validate_mappings(&m, &mut vr);
        assert_eq!(vr.issues.len(), 1);
        let mut m = Mapping::new();
        m.insert("w".into(), vec![WeightedMapping::weighted("a", 101)]);
        let mut vr = ValidationResults::new();
        validate_mappings(&m, &mut vr);
        assert_eq!(vr.issues.len(), 2);
        assert_eq!(
            serde_json::to_string(&WeightedMapping::new("x")).unwrap(),
            r#"{"subject":"x"}"#
        );
    }
}
