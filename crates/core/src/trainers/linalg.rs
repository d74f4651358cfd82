//! The small dense solvers the linear models need: the normal equations'
//! Gram matrix, a Cholesky solve, and steepest descent whose iterations are
//! the training steps a run reports.

/// A square matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    pub n: usize,
    pub a: Vec<f64>,
}

impl Square {
    pub fn zeros(n: usize) -> Square {
        Square {
            n,
            a: vec![0.0; n * n],
        }
    }

    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    pub fn add_diagonal(&mut self, values: &[f64]) {
        for (i, v) in values.iter().enumerate().take(self.n) {
            self.a[i * self.n + i] += v;
        }
    }

    pub fn mul(&self, x: &[f64], out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate().take(self.n) {
            *o = dot(&self.a[i * self.n..(i + 1) * self.n], x);
        }
    }
}

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// X'X and X'y of the rows `xs` (each of length p) and targets `ys`.
pub fn normal_equations(xs: &[Vec<f64>], ys: &[f64], p: usize) -> (Square, Vec<f64>) {
    let mut g = Square::zeros(p);
    let mut b = vec![0.0; p];
    for (x, y) in xs.iter().zip(ys) {
        for i in 0..p {
            let xi = x[i];
            if xi == 0.0 {
                continue; // one-hot columns: most entries are zero
            }
            b[i] += xi * y;
            let row = &mut g.a[i * p..(i + 1) * p];
            for j in i..p {
                row[j] += xi * x[j];
            }
        }
    }
    // Only the upper triangle was summed; mirror it.
    for i in 0..p {
        for j in 0..i {
            g.a[i * p + j] = g.a[j * p + i];
        }
    }
    (g, b)
}

/// Solves A x = b for a symmetric positive definite A; None when A is not
/// (numerically) positive definite.
pub fn cholesky_solve(a: &Square, b: &[f64]) -> Option<Vec<f64>> {
    let n = a.n;
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s = a.at(i, j) - dot(&l[i * n..i * n + j], &l[j * n..j * n + j]);
            if i == j {
                if s <= 1e-12 * a.at(i, i).abs().max(1e-300) || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    // L y = b, then L' x = y.
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - dot(&l[i * n..i * n + i], &y[..i])) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = ((i + 1)..n).map(|k| l[k * n + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * n + i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// How an iterative solve ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    pub x: Vec<f64>,
    pub steps: usize,
    pub converged: bool,
}

/// Steepest descent with exact line search for A x = b, A symmetric
/// positive definite, from x = 0: A x - b is the gradient of the
/// least-squares loss, so each step is a gradient step of the size that
/// lowers the loss most, and the loss falls at every step (an honest
/// training curve). Slower than a direct solve, fast on standardized
/// features. `on_step(step, x)` runs after each step and may stop the solve
/// with an error.
pub fn steepest_descent<E>(
    a: &Square,
    b: &[f64],
    max_steps: usize,
    tolerance: f64,
    mut on_step: impl FnMut(usize, &[f64]) -> Result<(), E>,
) -> Result<Solved, E> {
    let n = a.n;
    let mut x = vec![0.0; n];
    let mut r = b.to_vec();
    let b_norm = dot(b, b).sqrt().max(1e-300);
    let mut ar = vec![0.0; n];
    let mut steps = 0;
    let mut converged = dot(&r, &r).sqrt() / b_norm < tolerance;
    while !converged && steps < max_steps {
        a.mul(&r, &mut ar);
        let rar = dot(&r, &ar);
        if rar <= 0.0 || !rar.is_finite() {
            break;
        }
        let alpha = dot(&r, &r) / rar;
        for i in 0..n {
            x[i] += alpha * r[i];
            r[i] -= alpha * ar[i];
        }
        steps += 1;
        on_step(steps, &x)?;
        converged = dot(&r, &r).sqrt() / b_norm < tolerance;
    }
    Ok(Solved {
        x,
        steps,
        converged,
    })
}

/// Column means and scales (population standard deviation, 1 where a
/// column is constant) of rows of length p, for standardizing features.
pub fn column_moments(xs: &[Vec<f64>], p: usize) -> (Vec<f64>, Vec<f64>) {
    let n = xs.len().max(1) as f64;
    let mut mean = vec![0.0; p];
    for x in xs {
        for j in 0..p {
            mean[j] += x[j] / n;
        }
    }
    let mut var = vec![0.0; p];
    for x in xs {
        for j in 0..p {
            var[j] += (x[j] - mean[j]).powi(2) / n;
        }
    }
    let scale = var
        .into_iter()
        .map(|v| if v > 1e-18 { v.sqrt() } else { 1.0 })
        .collect();
    (mean, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solvers_agree_on_a_small_system() {
        let xs = vec![
            vec![1.0, 2.0, 0.5],
            vec![1.0, -1.0, 1.5],
            vec![1.0, 0.5, -2.0],
            vec![1.0, 3.0, 1.0],
            vec![1.0, -2.0, 0.0],
        ];
        let truth = [0.5, -1.0, 2.0];
        let ys: Vec<f64> = xs.iter().map(|x| dot(x, &truth)).collect();
        let (g, b) = normal_equations(&xs, &ys, 3);
        let direct = cholesky_solve(&g, &b).unwrap();
        let mut losses = Vec::new();
        let solved = steepest_descent::<()>(&g, &b, 5000, 1e-10, |_, x| {
            let loss: f64 = xs
                .iter()
                .zip(&ys)
                .map(|(r, y)| (y - dot(r, x)).powi(2))
                .sum();
            losses.push(loss);
            Ok(())
        })
        .unwrap();
        assert!(solved.converged);
        for j in 0..3 {
            assert!((direct[j] - truth[j]).abs() < 1e-9);
            assert!((solved.x[j] - truth[j]).abs() < 1e-8);
        }
        assert!(
            losses.windows(2).all(|w| w[1] <= w[0] + 1e-12),
            "{losses:?}"
        );
        assert!(cholesky_solve(&Square::zeros(2), &[1.0, 1.0]).is_none());
    }
}
