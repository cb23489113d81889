/**
 * Streaming decimation of a long history for plotting: keeps the rows whose index is a multiple of
 * a stride that doubles whenever 2·maxPoints rows are held, so memory stays below 2·maxPoints rows
 * however long the stream is, and the kept rows are always evenly spaced (every stride-th row,
 * starting at row 0). The index of each kept row is stored with it.
 */
export class Decimator {
  readonly maxPoints: number;
  readonly columns: number;
  private stride = 1;
  private seen = 0;
  private index: number[] = [];
  private rows: number[][];

  constructor(maxPoints: number, columns: number) {
    if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new Error(`decimator: maxPoints must be an integer ≥ 1, got ${maxPoints}`);
    if (!Number.isInteger(columns) || columns < 1) throw new Error(`decimator: columns must be an integer ≥ 1, got ${columns}`);
    this.maxPoints = maxPoints;
    this.columns = columns;
    this.rows = Array.from({ length: columns }, () => []);
  }

  /** Offer the next row (one value per column); it is kept if its index is a multiple of the stride. */
  push(...values: number[]): void {
    if (values.length !== this.columns) throw new Error(`decimator: expected ${this.columns} values, got ${values.length}`);
    if (this.seen % this.stride === 0) {
      this.index.push(this.seen);
      for (let c = 0; c < this.columns; c++) this.rows[c]!.push(values[c]!);
      if (this.index.length >= 2 * this.maxPoints) this.halve();
    }
    this.seen++;
  }

  /** Offer every element of a series (one column). */
  pushSeries(series: ArrayLike<number>): void {
    for (let i = 0; i < series.length; i++) this.push(series[i]!);
  }

  private halve(): void {
    const keep = (_: number, j: number) => j % 2 === 0;
    this.index = this.index.filter(keep);
    this.rows = this.rows.map((r) => r.filter(keep));
    this.stride *= 2;
  }

  /** Rows seen so far, kept or not. */
  get count(): number {
    return this.seen;
  }

  /** The kept rows: their indices in the stream, the stride between them, and one array per column. */
  result(): { stride: number; index: number[]; columns: number[][]; seen: number } {
    return { stride: this.stride, index: [...this.index], columns: this.rows.map((r) => [...r]), seen: this.seen };
  }
}
