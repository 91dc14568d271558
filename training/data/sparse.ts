/** Sparse rows (CSR): features of row r are idx/val[offsets[r] .. offsets[r+1]). */
export interface SparseSet {
  readonly n: number;
  readonly offsets: Uint32Array;
  readonly idx: Uint16Array;
  readonly val: Uint8Array;
  readonly labels: Uint8Array;
}

/** The rows `rows` of `set` (in that order) as a set of their own. */
export function selectRows(set: SparseSet, rows: ArrayLike<number>): SparseSet {
  const n = rows.length;
  const offsets = new Uint32Array(n + 1);
  const labels = new Uint8Array(n);
  let nnz = 0;
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    nnz += set.offsets[r + 1]! - set.offsets[r]!;
    offsets[k + 1] = nnz;
    labels[k] = set.labels[r]!;
  }
  const idx = new Uint16Array(nnz);
  const val = new Uint8Array(nnz);
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    const from = set.offsets[r]!;
    const to = set.offsets[r + 1]!;
    idx.set(set.idx.subarray(from, to), offsets[k]!);
    val.set(set.val.subarray(from, to), offsets[k]!);
  }
  return { n, offsets, idx, val, labels };
}
