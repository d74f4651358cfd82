//! End-to-end tests of `compare` on generated CSV text. Expected figures come
//! from numpy/scipy applied to the same values (expressions in comments).

use super::*;

fn table(name: &str, text: &str) -> Table {
    match read_csv(name, text.as_bytes()) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    }
}

/// CSV text from a header and one closure per row.
fn csv(header: &str, rows: usize, row: impl Fn(usize) -> String) -> String {
    let mut s = format!("{header}\n");
    for i in 0..rows {
        s.push_str(&row(i));
        s.push('\n');
    }
    s
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    if want == 0.0 {
        got == 0.0
    } else {
        ((got - want) / want).abs() <= rel
    }
}

fn column<'a>(report: &'a DriftReport, name: &str) -> &'a ColumnDrift {
    match report.columns.iter().find(|c| c.name == name) {
        Some(c) => c,
        None => panic!("no column {name}"),
    }
}

fn check(c: &ColumnDrift, kind: ColumnKind, test: StatTest, psi: f64, score: f64) {
    assert_eq!((c.kind, c.test), (kind, test), "{}", c.name);
    assert!(
        close(c.psi, psi, 1e-10),
        "{} psi {} want {psi}",
        c.name,
        c.psi
    );
    assert!(
        close(c.score, score, 1e-9),
        "{} score {} want {score}",
        c.name,
        c.score
    );
    assert_eq!(c.threshold, test.default_threshold());
    assert_eq!(c.drifted, test.is_drift(score, c.threshold), "{}", c.name);
}

#[test]
fn spec_example_through_compare() {
    let r = table("ref.csv", &csv("x", 100, |i| format!("{i}.0")));
    let c = table("cur.csv", &csv("x", 100, |i| format!("{}.0", i + 50)));
    let report = compare(&r, &c, &DriftOptions::default()).expect("compares");
    let x = &report.columns[0];
    // r = np.arange(100.); c = np.arange(50., 150.): PSI over Sturges bins,
    // scipy.stats.ks_2samp(r, c) -> (0.5, 1.0024645454361508e-11)
    check(
        x,
        ColumnKind::Numerical,
        StatTest::Ks,
        7.414532745869386,
        1.0024645454361508e-11,
    );
    assert!((x.psi - 7.414532745869386).abs() < 1e-12);
    assert_eq!(x.ks_statistic, Some(0.5));
    assert!(x.drifted && report.dataset_drift);
    assert_eq!(
        (
            report.reference_rows,
            report.current_rows,
            report.drifted_columns
        ),
        (100, 100, 1)
    );
}

const TYPES: [&str; 3] = ["a", "b", "c"];
const TYPES4: [&str; 4] = ["a", "b", "c", "d"];

/// 200 reference rows: num, cat, flag, small, gappy (every 7th missing, in
/// turn empty / NaN / inf), only_ref.
fn mixed_reference() -> Table {
    let text = csv("num,cat,flag,small,gappy,only_ref", 200, |i| {
        let gappy = if i % 7 == 0 {
            ["", "NaN", "-inf"][i / 7 % 3].to_string()
        } else {
            format!("{}", i as f64 * 0.25)
        };
        format!(
            "{},{},{},{},{},z",
            ((i * 7919) % 1000) as f64 / 10.0,
            TYPES[i % 3],
            i % 2,
            i % 4 + 1,
            gappy
        )
    });
    table("ref.csv", &text)
}

/// 150 current rows, columns in another order plus an extra one.
fn mixed_current() -> Table {
    let text = csv("extra,small,gappy,flag,cat,num", 150, |i| {
        let gappy = if i % 5 == 0 {
            "nan".to_string()
        } else {
            format!("{}", i as f64 * 0.25 + 1.0)
        };
        format!(
            "q,{},{},{},{},{}",
            i % 5 + 1,
            gappy,
            u8::from(i % 3 == 0),
            TYPES4[i % 4],
            ((i * 104729) % 1013) as f64 / 10.0 + 3.0
        )
    });
    table("cur.csv", &text)
}

#[test]
fn mixed_columns_small_reference() {
    let report = compare(
        &mixed_reference(),
        &mixed_current(),
        &DriftOptions::default(),
    )
    .expect("compares");
    let names: Vec<&str> = report.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["num", "cat", "flag", "small", "gappy"]);

    // num_r = np.array([(i*7919) % 1000 for i in range(200)])/10
    // num_c = np.array([(i*104729) % 1013 for i in range(150)])/10 + 3
    // Sturges PSI; scipy.stats.ks_2samp(num_r, num_c) -> (0.055, 0.9466964711540928)
    let num = column(&report, "num");
    check(
        num,
        ColumnKind::Numerical,
        StatTest::Ks,
        0.023445281702000144,
        0.9466964711540928,
    );
    assert!(close(num.ks_statistic.unwrap_or(f64::NAN), 0.055, 1e-12));

    // a/b/c against a/b/c/d: "d" unseen in the reference, chisquare p = 0
    let cat = column(&report, "cat");
    check(
        cat,
        ColumnKind::Categorical,
        StatTest::ChiSquare,
        1.9957331550191972,
        0.0,
    );
    assert_eq!((cat.ks_statistic, cat.ks_pvalue), (None, None));

    // whole numbers 0/1: categorical, z-test (evidently formula, see stattest tests)
    check(
        column(&report, "flag"),
        ColumnKind::Categorical,
        StatTest::Z,
        0.11552453009332421,
        0.0018205326093252427,
    );
    // 1..4 against 1..5: 5 distinct whole numbers, categorical, chisquare (5 unseen)
    check(
        column(&report, "small"),
        ColumnKind::Categorical,
        StatTest::ChiSquare,
        1.5640491119253044,
        0.0,
    );

    // g_r = [i*0.25 for i in range(200) if i % 7], g_c = [i*0.25+1 for i in range(150) if i % 5]
    // scipy.stats.ks_2samp(g_r, g_c) -> (0.22807017543859648, 0.0010324995369782404)
    let gappy = column(&report, "gappy");
    check(
        gappy,
        ColumnKind::Numerical,
        StatTest::Ks,
        1.4265826939707291,
        0.0010324995369782404,
    );
    assert!(close(
        gappy.ks_statistic.unwrap_or(f64::NAN),
        0.22807017543859648,
        1e-12
    ));

    // num does not drift; cat, flag, small and gappy do
    assert_eq!(report.drifted_columns, 4);
    assert!(close(report.drift_share, 0.8, 1e-15) && report.dataset_drift);
}

#[test]
fn forced_kinds() {
    let options = DriftOptions {
        categorical: vec!["num".into()],
        numerical: vec!["flag".into()],
        ..DriftOptions::default()
    };
    let report = compare(&mixed_reference(), &mixed_current(), &options).expect("compares");
    // num as categorical: one bin per value, chisquare with unseen values
    let num = column(&report, "num");
    check(
        num,
        ColumnKind::Categorical,
        StatTest::ChiSquare,
        6.675001880414797,
        0.0,
    );
    assert_eq!(num.ks_pvalue, None);
    // flag as numerical: 2 distinct values -> z; KS reported:
    // scipy.stats.ks_2samp(flag_r, flag_c) -> (0.16666666666666666, 0.015368263329474295)
    let flag = column(&report, "flag");
    check(
        flag,
        ColumnKind::Numerical,
        StatTest::Z,
        0.11552453009332421,
        0.0018205326093252427,
    );
    assert!(close(
        flag.ks_pvalue.unwrap_or(f64::NAN),
        0.015368263329474295,
        1e-10
    ));
}

#[test]
fn forced_test_and_threshold() {
    let options = DriftOptions {
        stattest: Some(StatTest::Psi),
        threshold: Some(1.5),
        ..DriftOptions::default()
    };
    let report = compare(&mixed_reference(), &mixed_current(), &options).expect("compares");
    for c in &report.columns {
        assert_eq!((c.test, c.threshold, c.score), (StatTest::Psi, 1.5, c.psi));
        assert_eq!(c.drifted, c.psi >= 1.5);
    }
    // cat (1.996) and small (1.564) drift: 2 of 5 < 0.5
    assert_eq!(report.drifted_columns, 2);
    assert!(!report.dataset_drift);

    // The threshold alone applies to each column's default test.
    let options = DriftOptions {
        threshold: Some(0.001),
        ..DriftOptions::default()
    };
    let report = compare(&mixed_reference(), &mixed_current(), &options).expect("compares");
    assert!(column(&report, "gappy").threshold == 0.001 && !column(&report, "gappy").drifted);
}

#[test]
fn large_reference_uses_distance_tests() {
    let r = table(
        "ref.csv",
        &csv("w,few,c", 1500, |i| {
            format!(
                "{},{},{}",
                ((i * 7919) % 1499) as f64 / 7.0,
                [0.5, 1.5, 2.5][i % 3],
                ["x", "y"][i % 2]
            )
        }),
    );
    let c = table(
        "cur.csv",
        &csv("w,few,c", 1200, |i| {
            format!(
                "{},{},{}",
                ((i * 104729) % 1201) as f64 / 7.0 + 5.0,
                [0.5, 1.5, 2.5][(i * i) % 3],
                ["x", "y", "y"][i % 3]
            )
        }),
    );
    let report = compare(&r, &c, &DriftOptions::default()).expect("compares");
    // w_r = np.array([(i*7919) % 1499 for i in range(1500)])/7.0
    // w_c = np.array([(i*104729) % 1201 for i in range(1200)])/7.0 + 5
    // scipy.stats.wasserstein_distance(w_r, w_c) / max(np.std(w_r), 0.001)
    let w = column(&report, "w");
    check(
        w,
        ColumnKind::Numerical,
        StatTest::Wasserstein,
        1.0627270354007825,
        0.272783778158686,
    );
    // scipy.stats.ks_2samp(w_r, w_c) -> (0.17533333333333334, 2.310615662040327e-18)
    assert!(close(
        w.ks_pvalue.unwrap_or(f64::NAN),
        2.310615662040327e-18,
        1e-9
    ));
    // three non-whole values: numerical, k = 3 -> jensenshannon of per-value proportions
    // scipy.spatial.distance.jensenshannon(rc / 1500, cc / 1200)
    let few = column(&report, "few");
    check(
        few,
        ColumnKind::Numerical,
        StatTest::JensenShannon,
        2.9341472484810085,
        0.37926380822046607,
    );
    // scipy.stats.ks_2samp(f_r, f_c) -> (1/3, 4.328716516987524e-66), exact
    assert!(close(
        few.ks_pvalue.unwrap_or(f64::NAN),
        4.328716516987524e-66,
        1e-9
    ));
    check(
        column(&report, "c"),
        ColumnKind::Categorical,
        StatTest::JensenShannon,
        0.11552453009332421,
        0.11984403015647774,
    );
}

#[test]
fn errors_name_file_row_and_column() {
    let (r, c) = (mixed_reference(), mixed_current());
    let err = |options: DriftOptions| match compare(&r, &c, &options) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        err(DriftOptions {
            numerical: vec!["cat".into()],
            ..DriftOptions::default()
        }),
        "ref.csv: row 2, column \"cat\": \"a\" is not a number"
    );
    assert_eq!(
        err(DriftOptions {
            stattest: Some(StatTest::Ks),
            ..DriftOptions::default()
        }),
        "ref.csv: row 2, column \"cat\": test ks needs numbers, found \"a\""
    );
    assert_eq!(
        err(DriftOptions {
            categorical: vec!["num".into()],
            numerical: vec!["num".into()],
            ..DriftOptions::default()
        }),
        "column \"num\" is listed as both categorical and numerical"
    );
    assert_eq!(
        err(DriftOptions {
            categorical: vec!["extra".into()],
            ..DriftOptions::default()
        }),
        "column \"extra\" given as categorical is not in both files"
    );
}

#[test]
fn column_left_empty_is_an_error() {
    let r = table("ref.csv", "a,b\n1,2\n3,4\n");
    let c = table("cur.csv", "a,b\n1,\n2,NaN\n");
    let e = compare(&r, &c, &DriftOptions::default()).expect_err("empty column");
    assert_eq!(
        e.to_string(),
        "cur.csv: column \"b\": every value is missing"
    );
}

#[test]
fn no_shared_columns_is_an_error() {
    let r = table("ref.csv", "a,b\n1,2\n");
    let c = table("cur.csv", "c,d\n1,2\n");
    let e = compare(&r, &c, &DriftOptions::default()).expect_err("no shared columns");
    assert_eq!(
        e.to_string(),
        "no shared columns: ref.csv and cur.csv have no column name in common"
    );
}

#[test]
fn ks_on_whole_number_categories_when_forced() {
    // A categorical column of numbers can still be given a KS test.
    let r = table("ref.csv", &csv("k", 10, |i| format!("{}", i % 3)));
    let c = table("cur.csv", &csv("k", 15, |i| format!("{}", i % 4)));
    let options = DriftOptions {
        stattest: Some(StatTest::Ks),
        ..DriftOptions::default()
    };
    let report = compare(&r, &c, &options).expect("compares");
    let k = &report.columns[0];
    assert_eq!((k.kind, k.ks_pvalue), (ColumnKind::Categorical, None));
    assert!(k.score > 0.0 && k.score <= 1.0);
}

#[test]
fn json_output_shape() {
    let report = compare(
        &mixed_reference(),
        &mixed_current(),
        &DriftOptions::default(),
    )
    .expect("compares");
    let json = serde_json::to_string(&report).expect("serialises");
    assert!(json.starts_with("{\"reference_rows\":200,\"current_rows\":150,\"columns\":[{\"name\":\"num\",\"kind\":\"numerical\",\"psi\":"));
    assert!(json.contains("\"name\":\"cat\",\"kind\":\"categorical\",\"psi\":1.9957331550191972,\"ks_statistic\":null,\"ks_pvalue\":null,\"test\":\"chisquare\",\"score\":0.0,\"threshold\":0.05,\"drifted\":true}"));
    assert!(json.ends_with("\"drifted_columns\":4,\"drift_share\":0.8,\"dataset_drift\":true}"));
    let table = render_table(&report);
    assert_eq!(table.lines().count(), 7);
    assert!(table.ends_with("4 of 5 columns drifted (share 0.80); dataset drift: yes (reference rows 200, current rows 150)\n"));
}

/// The reference decides a column's kind: where it holds only numbers, a
/// text value in the current file is refused with its row, not counted as
/// a new category; declared categorical, the same file compares.
#[test]
fn text_where_the_reference_holds_numbers_is_refused() {
    let r = table(
        "ref.csv",
        &csv("unit_price,region", 40, |i| format!("{}.5,north", i % 9)),
    );
    let mut text = csv("unit_price,region", 20, |i| format!("{}.25,south", i % 7));
    text.push_str("abc,north\n");
    let c = table("batch.csv", &text);
    let e = compare(&r, &c, &DriftOptions::default()).expect_err("text in numbers");
    assert_eq!(
        e.to_string(),
        "batch.csv: row 22, column \"unit_price\": \"abc\" is not a number (the column holds numbers in ref.csv)"
    );
    let declared = DriftOptions {
        categorical: vec!["unit_price".into()],
        ..DriftOptions::default()
    };
    let report = compare(&r, &c, &declared).expect("declared categorical");
    assert_eq!(column(&report, "unit_price").kind, ColumnKind::Categorical);
    // Numbers where the reference holds text are categories as ever.
    let report = compare(
        &c,
        &table("ref.csv", &csv("region", 3, |i| format!("{i}"))),
        &DriftOptions::default(),
    );
    assert!(report.is_ok(), "{report:?}");
}
