import { readFileSync } from "node:fs";

// The WAL file format: https://www.sqlite.org/fileformat2.html#walformat
const WAL_HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;

export interface WalPageOne {
  /** The first 100 bytes of the newest committed copy of page 1, if the WAL holds one. */
  header: Buffer | undefined;
  /** Database size in pages after the last committed transaction in the WAL. */
  pageCount: number;
}

function checksum(buf: Buffer, start: number, length: number, s: Uint32Array, bigEndian: boolean): void {
  let s0 = s[0];
  let s1 = s[1];
  for (let i = start; i < start + length; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  s[0] = s0;
  s[1] = s1;
}

/**
 * What a WAL left by a crash (or a process that is still running) holds for
 * page 1, where the schema version and application id live: committed
 * transactions not yet copied into the main file are only there. Reads the
 * file with plain reads and validates frames exactly as SQLite's recovery
 * does (salts and cumulative checksums); returns undefined when there is no
 * WAL or it holds no committed transaction.
 */
export function readWalPageOne(walPath: string): WalPageOne | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(walPath);
  } catch {
    return undefined;
  }
  if (buf.length < WAL_HEADER) return undefined;
  const magic = buf.readUInt32BE(0);
  if (magic !== MAGIC_LE && magic !== MAGIC_BE) return undefined;
  const bigEndian = magic === MAGIC_BE;
  const pageSize = buf.readUInt32BE(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  const salt1 = buf.readUInt32BE(16);
  const salt2 = buf.readUInt32BE(20);
  const sum = new Uint32Array(2);
  checksum(buf, 0, 24, sum, bigEndian);
  if (sum[0] !== buf.readUInt32BE(24) || sum[1] !== buf.readUInt32BE(28)) return undefined;

  let pageOne = -1;
  let committedPageOne = -1;
  let pageCount = 0;
  for (let off = WAL_HEADER; off + FRAME_HEADER + pageSize <= buf.length; off += FRAME_HEADER + pageSize) {
    if (buf.readUInt32BE(off + 8) !== salt1 || buf.readUInt32BE(off + 12) !== salt2) break;
    checksum(buf, off, 8, sum, bigEndian);
    checksum(buf, off + FRAME_HEADER, pageSize, sum, bigEndian);
    if (sum[0] !== buf.readUInt32BE(off + 16) || sum[1] !== buf.readUInt32BE(off + 20)) break;
    if (buf.readUInt32BE(off) === 1) pageOne = off + FRAME_HEADER;
    const commitSize = buf.readUInt32BE(off + 4);
    if (commitSize !== 0) {
      committedPageOne = pageOne;
      pageCount = commitSize;
    }
  }
  if (pageCount === 0) return undefined;
  return {
    header: committedPageOne === -1 ? undefined : Buffer.from(buf.subarray(committedPageOne, committedPageOne + 100)),
    pageCount,
  };
}
