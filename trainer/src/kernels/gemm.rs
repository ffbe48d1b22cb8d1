//! Matrix products on host slices for the fused kernels: a bounds-checked, safe front to the
//! `gemm` crate (the one Flex's own matmul calls). gemm's entry point takes raw pointers and
//! strides, so this is the one module of the workspace that holds `unsafe` code; everything it
//! relies on is checked here before the call.
#![allow(unsafe_code)]

/// A read-only matrix inside a slice: element (i, j) lives at `data[i * rs + j * cs]`.
#[derive(Clone, Copy, Debug)]
pub struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

/// A writable row-major matrix inside a slice, rows `rs` apart.
#[derive(Debug)]
pub struct MatMut<'a> {
    data: &'a mut [f32],
    rows: usize,
    cols: usize,
    rs: usize,
}

/// Whether every element of a `rows x cols` matrix with these strides lies inside `len`.
fn fits(len: usize, rows: usize, cols: usize, rs: usize, cs: usize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    let last = (rows - 1)
        .checked_mul(rs)
        .zip((cols - 1).checked_mul(cs))
        .and_then(|(a, b)| a.checked_add(b));
    // Strides must fit an isize too: gemm takes them signed.
    last.is_some_and(|l| l < len) && rs <= isize::MAX as usize && cs <= isize::MAX as usize
}

impl<'a> Mat<'a> {
    /// The row-major `rows x cols` matrix at the start of `data`.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols, 1)
    }

    /// A matrix with any non-negative strides; panics if it reaches past `data`.
    pub fn strided(data: &'a [f32], rows: usize, cols: usize, rs: usize, cs: usize) -> Self {
        assert!(
            fits(data.len(), rows, cols, rs, cs),
            "a {rows}x{cols} matrix with strides ({rs}, {cs}) does not fit in {} elements",
            data.len()
        );
        Mat {
            data,
            rows,
            cols,
            rs,
            cs,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The block of rows `r` and columns `c`, as a view (no copy); panics if it is not inside.
    pub fn block(self, r: std::ops::Range<usize>, c: std::ops::Range<usize>) -> Self {
        assert!(
            r.start <= r.end && r.end <= self.rows && c.start <= c.end && c.end <= self.cols,
            "block {r:?} x {c:?} of a {}x{} matrix",
            self.rows,
            self.cols
        );
        let start = if r.is_empty() || c.is_empty() {
            0
        } else {
            r.start * self.rs + c.start * self.cs
        };
        Mat::strided(&self.data[start..], r.len(), c.len(), self.rs, self.cs)
    }

    /// The transpose, as a view (no copy).
    pub fn t(self) -> Self {
        Mat {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }
}

impl<'a> MatMut<'a> {
    /// The row-major `rows x cols` matrix at the start of `data`.
    pub fn new(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols)
    }

    /// Rows `rs` apart (a block of a wider matrix); panics if it reaches past `data`.
    pub fn strided(data: &'a mut [f32], rows: usize, cols: usize, rs: usize) -> Self {
        assert!(
            fits(data.len(), rows, cols, rs, 1),
            "a {rows}x{cols} matrix with row stride {rs} does not fit in {} elements",
            data.len()
        );
        MatMut {
            data,
            rows,
            cols,
            rs,
        }
    }
}

/// `dst = keep·dst + scale·(a @ b)`, on the calling thread (the kernels parallelise above
/// this). `keep == 0` overwrites `dst` without reading it.
pub fn matmul(dst: MatMut<'_>, a: Mat<'_>, b: Mat<'_>, keep: f32, scale: f32) {
    let (m, n, k) = (a.rows, b.cols, a.cols);
    assert_eq!(b.rows, k, "inner dimensions {k} and {} differ", b.rows);
    assert_eq!(
        (dst.rows, dst.cols),
        (m, n),
        "the destination is not {m}x{n}"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // An empty sum: gemm is not asked to handle it.
        for r in 0..m {
            for x in &mut dst.data[r * dst.rs..r * dst.rs + n] {
                *x = if keep == 0.0 { 0.0 } else { *x * keep };
            }
        }
        return;
    }
    // SAFETY: `Mat::strided` and `MatMut::strided` checked that every element (i, j) of the three
    // matrices, at `i * rs + j * cs`, lies inside its slice, and that the strides fit an isize;
    // the shapes agree (asserted above). `dst` is borrowed mutably and `a`, `b` immutably, so the
    // output cannot overlap an input. `Parallelism::None` runs on this thread only, and the
    // borrows outlive the call. gemm handles f32 (its only other requirement).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.data.as_mut_ptr(),
            1,
            dst.rs as isize,
            keep != 0.0,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            keep,
            scale,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: Mat, b: Mat) -> Vec<f32> {
        let at = |m: &Mat, i: usize, j: usize| m.data[i * m.rs + j * m.cs] as f64;
        let mut out = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                out[i * b.cols + j] = (0..a.cols)
                    .map(|l| at(&a, i, l) * at(&b, l, j))
                    .sum::<f64>() as f32;
            }
        }
        out
    }

    #[test]
    fn strided_and_transposed_products_match_the_textbook_sum() {
        let a: Vec<f32> = (0..7 * 5).map(|i| ((i * 13) % 11) as f32 - 5.0).collect();
        let b: Vec<f32> = (0..5 * 6).map(|i| ((i * 7) % 9) as f32 - 4.0).collect();
        let (ma, mb) = (Mat::new(&a, 7, 5), Mat::new(&b, 5, 6));
        let mut c = vec![1.0; 7 * 6];
        matmul(MatMut::new(&mut c, 7, 6), ma, mb, 0.0, 1.0);
        assert_eq!(c, naive(ma, mb));
        // (a^T)^T through a transposed view of a transposed copy.
        let at: Vec<f32> = (0..5 * 7).map(|i| a[(i % 7) * 5 + i / 7]).collect();
        let mut d = vec![2.0; 7 * 6];
        matmul(
            MatMut::new(&mut d, 7, 6),
            Mat::new(&at, 5, 7).t(),
            mb,
            0.5,
            2.0,
        );
        let want: Vec<f32> = naive(ma, mb).iter().map(|x| 1.0 + 2.0 * x).collect();
        assert_eq!(d, want);
        // A block of a wider destination leaves the rest alone.
        let mut wide = vec![9.0; 7 * 10];
        matmul(MatMut::strided(&mut wide[2..], 7, 6, 10), ma, mb, 0.0, 1.0);
        assert_eq!(wide[0..2], [9.0, 9.0]);
        assert_eq!(wide[2..8], naive(ma, mb)[0..6]);
        assert_eq!(wide[8..12], [9.0; 4]);
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn a_view_past_its_slice_is_refused() {
        let a = vec![0.0; 10];
        let _ = Mat::strided(&a, 3, 4, 4, 1);
    }
}
