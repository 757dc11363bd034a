/**
 * "Changed since snapshot S" as two integer tests on `age(xmin)`, for the fast path of a batch's
 * delete (docs/PROTOCOL.md, step 4). A row version is invisible in S exactly when its xmin is at
 * or past S's xmax, or among S's in-progress ids. Measured from our own transaction id `me`
 * (which age() uses once the transaction has one), that is `age(xmin) <= me - xmax` or
 * `age(xmin) = me - xip` for some xip. age() is 32-bit: a row frozen more than 2^31 transactions
 * ago may wrap into a small age and look changed, a false alarm that takes the slow path; a row
 * changed since S is always caught while S is less than 2^31 transactions old.
 */

export interface SnapshotAges {
  /** Rows with age(xmin) at most this were written at or after S's xmax. */
  maxAge: number;
  /** The ages of S's in-progress transaction ids. */
  xipAges: number[];
}

const INT32_MAX = 2n ** 31n - 1n;

/**
 * S as txid_current_snapshot() prints it ("xmin:xmax:xip,..."), and `me` = txid_current() of the
 * checking transaction. null when S is too old for 32-bit ages: the caller takes the slow path.
 */
export function snapshotAges(snapshot: string, me: string): SnapshotAges | null {
  const m = /^(\d+):(\d+):([\d,]*)$/.exec(snapshot.trim());
  if (!m || !/^\d+$/.test(me)) throw new Error(`not a txid snapshot and id: '${snapshot}', '${me}'`);
  const self = BigInt(me);
  const xmax = BigInt(m[2]!);
  const xip = m[3] ? m[3].split(',').map((x) => BigInt(x)) : [];
  if (self < xmax) throw new Error(`transaction ${me} is older than snapshot ${snapshot}`);
  const maxAge = self - xmax;
  if (maxAge > INT32_MAX) return null;
  return { maxAge: Number(maxAge), xipAges: xip.map((x) => Number(self - x)) };
}
