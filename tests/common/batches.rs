//! Monitoring batches the tests ingest.

/// A pricing batch of 60 rows on `date`, its predictions `error` times off.
pub fn pricing_batch(date: &str, error: f64) -> String {
    let mut csv = String::from(
        "unit_price,competitor_price_index,discount_depth_pct,unit_cost,lag_7d_units,predicted_units,units_sold,transaction_date\n",
    );
    for i in 0..60 {
        let units = 10 + i % 7;
        let predicted = units as f64 * (1.0 + error * if i % 2 == 0 { 1.0 } else { -0.5 });
        csv.push_str(&format!(
            "{:.2},{:.3},{:.2},{:.2},{},{predicted:.2},{units},{date}\n",
            5.0 + (i % 9) as f64 * 0.5,
            0.9 + (i % 5) as f64 * 0.05,
            (i % 4) as f64 * 0.05,
            3.0 + (i % 6) as f64 * 0.3,
            9 + i % 8,
        ));
    }
    csv
}
