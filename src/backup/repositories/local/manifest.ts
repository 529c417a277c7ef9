/** What a snapshot of the local repository records about itself (manifest.json). */

export interface ManifestEntry {
  name: string;
  /** The stored file under data/. */
  file: string;
  /** Bytes of the stream as the source produced it. */
  size: number;
  /** Bytes on disk, compressed and sealed. */
  stored: number;
  /** SHA-256 of the stream as the source produced it. */
  sha256: string;
  /** How it is stored before sealing: gzip unless the source had compressed it already. Absent: gzip. */
  compression?: 'gzip' | 'none';
}

export interface Manifest {
  format: 1;
  id: string;
  backup: string;
  createdAt: string;
  durationMs: number;
  encrypted: boolean;
  entries: ManifestEntry[];
  /** What the source records: its kind, tool versions, row counts... */
  source: Record<string, unknown>;
  /** The run that took it (absent in snapshots taken outside a run, and before this was recorded). */
  run?: number;
}
