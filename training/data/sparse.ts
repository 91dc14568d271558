/** Sparse rows (CSR): features of row r are idx/val[offsets[r] .. offsets[r+1]). */
export interface SparseSet {
  readonly n: number;
  readonly offsets: Uint32Array;
  readonly idx: Uint16Array;
  readonly val: Uint8Array;
  readonly labels: Uint8Array;
}
