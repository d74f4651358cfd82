"""The Python side of `cargo bench --bench drift`: the work `nexml drift`
does, in pandas + scipy + Evidently 0.7, timed after the imports.

    python drift_reference.py REFERENCE CURRENT [COLUMN ...]

Reads both files (CSV, or Parquet by extension; only COLUMNs when given),
then for every column: Evidently's default drift test and its PSI, and
scipy's two-sample KS for numerical columns. Prints the seconds taken.
"""

import sys
import time

import pandas as pd
from evidently import Report
from evidently.metrics import ValueDrift
from scipy import stats


def read(path, columns):
    if path.endswith((".parquet", ".pq")):
        return pd.read_parquet(path, columns=columns or None)
    return pd.read_csv(path, usecols=columns or None)


def main():
    reference_path, current_path, *columns = sys.argv[1:]
    start = time.perf_counter()
    reference = read(reference_path, columns)
    current = read(current_path, columns)
    shared = columns or [c for c in reference.columns if c in current.columns]
    # Each column's default test (what Evidently's drift preset runs per
    # column) and its PSI: the leanest report doing nexml's work.
    metrics = [ValueDrift(column=c) for c in shared]
    metrics += [ValueDrift(column=c, method="psi") for c in shared]
    Report(metrics).run(current_data=current, reference_data=reference)
    for c in shared:
        if pd.api.types.is_numeric_dtype(reference[c]):
            stats.ks_2samp(reference[c].dropna(), current[c].dropna())
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
