//! Matrix products of the layers (`x·W`, and the backward pass's `dy·Wᵀ`, `xᵀ·dy`), split over
//! the current pool's threads in equal blocks: of rows of the result where it has enough rows,
//! else of columns. On one thread (a peer's pool) a product is one gemm call: each block repacks
//! the other operand, which for the head's 8192 columns costs more than it saves. gemm's own
//! threading is not used (it leaves the tiny preset's small products on one core).

use super::gemm::{matmul, Mat, MatMut};
use rayon::prelude::*;

/// The fewest rows (or columns) of the result worth a task of their own.
const BLOCK: usize = 64;

/// `a·b`, a new row-major matrix.
pub fn product(a: Mat<'_>, b: Mat<'_>) -> Vec<f32> {
    let mut out = vec![0.0; a.rows() * b.cols()];
    product_into(&mut out, a, b);
    out
}

/// `a·b` written over `out` (row-major, `a.rows() x b.cols()`).
pub fn product_into(out: &mut [f32], a: Mat<'_>, b: Mat<'_>) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    assert_eq!(out.len(), m * n, "the output is not {m}x{n}");
    let tasks = rayon::current_num_threads();
    if tasks == 1 || (m < 2 * BLOCK && n < 2 * BLOCK) {
        matmul(MatMut::new(out, m, n), a, b, 0.0, 1.0);
    } else if m >= 2 * BLOCK {
        let rows = m.div_ceil(tasks).max(BLOCK);
        out.par_chunks_mut(rows * n).enumerate().for_each(|(i, o)| {
            let r = i * rows..(i * rows + rows).min(m);
            matmul(MatMut::new(o, r.len(), n), a.block(r, 0..k), b, 0.0, 1.0);
        });
    } else {
        // Few rows, many columns (a weight's gradient): blocks of columns, each into a buffer.
        let cols = n.div_ceil(tasks).max(BLOCK);
        let parts: Vec<Vec<f32>> = (0..n.div_ceil(cols))
            .into_par_iter()
            .map(|j| {
                let c = j * cols..(j * cols + cols).min(n);
                let mut part = vec![0.0; m * c.len()];
                matmul(
                    MatMut::new(&mut part, m, c.len()),
                    a,
                    b.block(0..k, c),
                    0.0,
                    1.0,
                );
                part
            })
            .collect();
        for (j, part) in parts.iter().enumerate() {
            let w = part.len() / m;
            for (row, src) in out.chunks_exact_mut(n).zip(part.chunks_exact(w)) {
                row[j * cols..j * cols + w].copy_from_slice(src);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_and_column_splits_equal_one_product() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        pool.install(splits_equal_one_product);
        splits_equal_one_product();
    }

    fn splits_equal_one_product() {
        for (m, k, n) in [(300, 20, 30), (40, 500, 300), (5, 7, 3), (130, 9, 129)] {
            let a: Vec<f32> = (0..m * k).map(|i| ((i * 31) % 17) as f32 - 8.0).collect();
            let b: Vec<f32> = (0..k * n).map(|i| ((i * 13) % 11) as f32 - 5.0).collect();
            let (am, bm) = (Mat::new(&a, m, k), Mat::new(&b, k, n));
            let mut want = vec![0.0; m * n];
            matmul(MatMut::new(&mut want, m, n), am, bm, 0.0, 1.0);
            assert_eq!(product(am, bm), want, "{m}x{k}x{n}");
            // A transposed operand, as the weight gradient xᵀ·dy has.
            let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
            assert_eq!(
                product(Mat::new(&at, k, m).t(), bm),
                want,
                "{m}x{k}x{n}, aᵀ"
            );
        }
    }
}
